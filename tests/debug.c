/*
 * debug.c: the checking modes (CALLOC_LITE_SCRIBBLE, _CHECK, _FAIL_AFTER,
 * _VERBOSE) and the warning for a bad option value.  Options are read once,
 * at the first allocation, so each case runs in a fresh child process that
 * sets its environment before calling the allocator.
 */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail_after_5(void)
{
	void *p[5];
	for (int i = 0; i < 5; i++)
		if (!(p[i] = custom_malloc(10 + (size_t)i * 1000)))
			return 1;
	errno = 0;
	if (custom_malloc(10) != NULL || errno != ENOMEM)
		return 2;
	if (custom_calloc(1, 100) != NULL || custom_realloc(p[0], 5000) != NULL)
		return 3;
	for (int i = 0; i < 5; i++)
		custom_free(p[i]);
	return cl_heap_check() == 0 ? 0 : 4;
}

static int scribble(void)
{
	unsigned char *p = custom_malloc(300);
	for (int i = 0; i < 300; i++)
		if (p[i] != CL_JUNK_ALLOC)
			return 1;
	unsigned char *z = custom_calloc(1, 300);
	for (int i = 0; i < 300; i++)
		if (z[i] != 0)
			return 2;
	unsigned char *m = custom_malloc(40000);
	unsigned char *guard = custom_malloc(100);
	custom_free(m);
	/* Reading freed memory is what the fill is for: past the free-list
	 * links, every byte of the freed block reads CL_JUNK_FREE. */
	for (int i = 64; i < 40000 - 16; i++)
		if (m[i] != CL_JUNK_FREE)
			return 3;
	custom_free(p);
	custom_free(z);
	custom_free(guard);
	return 0;
}

static int check_catches(void)
{
	char *a = custom_malloc(40000), *b = custom_malloc(40000);
	(void)a;
	struct cl_block *hb = cl_block_of(b);
	cl_store_word(hb, cl_word(hb) ^ ((size_t)1 << 52));  /* an overrun hits b's header */
	(void)!custom_malloc(64);                           /* the next call notices */
	return 0;
}

static int check_clean(void)
{
	for (int i = 0; i < 300; i++) {
		void *p = custom_malloc((size_t)(i * 97) % 5000);
		void *q = custom_realloc(p, (size_t)(i * 31) % 70000 + 1);
		custom_free(q);
	}
	return 0;
}

static int threshold_kept(void)
{
	void *p = custom_malloc(300 * 1024);
	int large = cl_word(cl_block_of(p)) & CL_LARGE;
	custom_free(p);
	return cl_opt.mmap_threshold == 256 * 1024 && large ? 0 : 1;
}

static int threshold_set(void)
{
	void *p = custom_malloc(100 * 1024);
	int large = cl_word(cl_block_of(p)) & CL_LARGE;
	custom_free(p);
	return cl_opt.mmap_threshold == 64 * 1024 && large ? 0 : 1;
}

static int just_malloc(void)
{
	custom_free(custom_malloc(1));
	return 0;
}

int main(void)
{
	char err[2048];
	int rc;

	rc = run_child(fail_after_5, "CALLOC_LITE_FAIL_AFTER", "5", err, sizeof err);
	is_size((size_t)rc, 0, "CALLOC_LITE_FAIL_AFTER=5: five allocations work, then ENOMEM for malloc, calloc and realloc");
#ifdef CL_ASAN
	skip("scribble: reading freed memory is what AddressSanitizer forbids");
	if (0) {
#else
	{
#endif
	rc = run_child(scribble, "CALLOC_LITE_SCRIBBLE", "1", err, sizeof err);
	is_size((size_t)rc, 0, "CALLOC_LITE_SCRIBBLE=1: new blocks read 0x%x, calloc is zero, freed blocks read 0x%x",
		CL_JUNK_ALLOC, CL_JUNK_FREE);
	}
	rc = run_child(check_catches, "CALLOC_LITE_CHECK", "1", err, sizeof err);
	ok(rc == 128 + 6 && strstr(err, "heap corrupted (CALLOC_LITE_CHECK)"),
	   "CALLOC_LITE_CHECK=1: a corrupt header aborts the next call: %s", err);
	rc = run_child(check_clean, "CALLOC_LITE_CHECK", "1", err, sizeof err);
	ok(rc == 0 && !err[0], "CALLOC_LITE_CHECK=1: a correct program runs clean");
	rc = run_child(just_malloc, "CALLOC_LITE_VERBOSE", "1", err, sizeof err);
	ok(rc == 0 && strstr(err, "calloc-lite: mmap threshold 262144"), "CALLOC_LITE_VERBOSE=1 prints the options: %s", err);

	rc = run_child(threshold_kept, "CALLOC_LITE_MMAP_THRESHOLD", "lots", err, sizeof err);
	ok(rc == 0 && strstr(err, "calloc-lite: ignoring CALLOC_LITE_MMAP_THRESHOLD=lots: not a number"),
	   "a bad value is ignored with one warning naming it: %s", err);
	rc = run_child(threshold_kept, "CALLOC_LITE_MMAP_THRESHOLD", "99G", err, sizeof err);
	ok(rc == 0 && strstr(err, "out of range"), "an out-of-range value is ignored with a warning");
	rc = run_child(threshold_set, "CALLOC_LITE_MMAP_THRESHOLD", "64k", err, sizeof err);
	ok(rc == 0 && !err[0], "CALLOC_LITE_MMAP_THRESHOLD=64k moves 100 KiB requests to their own mappings");
	rc = run_child(just_malloc, "CALLOC_LITE_SCRIBBLE", "yes", err, sizeof err);
	ok(rc == 0 && strstr(err, "CALLOC_LITE_SCRIBBLE=yes: expected 0 or 1"), "a bad boolean is ignored with a warning");
	rc = run_child(just_malloc, "CALLOC_LITE_FAIL_AFTER", "-3", err, sizeof err);
	ok(rc == 0 && strstr(err, "CALLOC_LITE_FAIL_AFTER=-3: not a number"), "a negative count is ignored with a warning");
	return done_testing();
}
