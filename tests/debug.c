/*
 * debug.c: the checking modes (CALLOC_LITE_SCRIBBLE, _CHECK, _FAIL_AFTER,
 * _FAIL_PROBABILITY, _VERBOSE) and the warning for a bad option value.  Options are read once,
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

/* CALLOC_LITE_FAIL_PROBABILITY (set by the caller) with seed 7: report
 * how many of 4000 allocations failed and which, as a hash. */
static int fail_some(void)
{
	setenv("CALLOC_LITE_FAIL_SEED", getenv("SEED") ? getenv("SEED") : "7", 1);
	static void *p[4000];
	unsigned failed = 0, bad_errno = 0;
	uint64_t hash = 1469598103934665603ull;
	for (int i = 0; i < 4000; i++) {
		errno = 0;
		p[i] = custom_malloc(64 + (size_t)(i % 7) * 100);
		if (!p[i]) {
			failed++;
			bad_errno += errno != ENOMEM;
			hash = (hash ^ (uint64_t)i) * 1099511628211ull;
		}
	}
	for (int i = 0; i < 4000; i++)
		custom_free(p[i]);
	fprintf(stderr, "failed %u of 4000, hash %llx, errno wrong %u\n", failed,
		(unsigned long long)hash, bad_errno);
	return cl_heap_check() == 0 ? 0 : 1;
}

/* A correct program under CALLOC_LITE_SCRIBBLE: blocks pass through the
 * quarantine (more than it holds) and come back; nothing is reported. */
static int scribble_clean(void)
{
	static char *v[3000];
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 30000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		int k = (int)(x % 3000);
		if (v[k]) {
			if ((unsigned char)v[k][0] != (unsigned char)k)
				return 1;
			custom_free(v[k]);
		}
		size_t n = 1 + (x >> 20) % 5000;
		v[k] = custom_malloc(n);
		memset(v[k], k, n);
	}
	if (cl_heap_check() != 0)
		return 2;
	for (int k = 0; k < 3000; k++)
		custom_free(v[k]);
	custom_malloc_trim(0);
	return cl_heap_check() == 0 ? 0 : 3;
}

/* CALLOC_LITE_CHECK with SCRIBBLE: the walk checks the quarantine too, so
 * the write after free is reported at the very next call. */
static int check_sees_write_after_free(void)
{
	setenv("CALLOC_LITE_SCRIBBLE", "1", 1);
	char *p = custom_malloc(100);
	custom_free(p);
	char *volatile stale = p;
	stale[3] = 0;
	custom_free(custom_malloc(10));
	return 0;
}

static int check_catches(void)
{
	char *a = custom_malloc(40000), *b = custom_malloc(40000);
	(void)a;
	struct cl_block *hb = cl_block_of(b);
	/* an overrun from a runs past its usable bytes into b's header */
	memset((char *)hb + sizeof(size_t), 0x41, CL_HDR - sizeof(size_t));
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
	skip("scribble: the quarantine's blocks are poisoned");
	skip("scribble: the write after free is AddressSanitizer's to report");
	if (0) {
#else
	{
#endif
	rc = run_child(scribble, "CALLOC_LITE_SCRIBBLE", "1", err, sizeof err);
	is_size((size_t)rc, 0, "CALLOC_LITE_SCRIBBLE=1: new blocks read 0x%x, calloc is zero, freed blocks read 0x%x",
		CL_JUNK_ALLOC, CL_JUNK_FREE);
	rc = run_child(scribble_clean, "CALLOC_LITE_SCRIBBLE", "1", err, sizeof err);
	ok(rc == 0 && !err[0], "CALLOC_LITE_SCRIBBLE=1: a correct program runs clean through the quarantine (%d) %s", rc, err);
	rc = run_child(check_sees_write_after_free, "CALLOC_LITE_CHECK", "1", err, sizeof err);
	ok(rc == 128 + 6 && strstr(err, "heap check: write after free at 0x") &&
	   strstr(err, "malloc(): heap corrupted (CALLOC_LITE_CHECK)"),
	   "CALLOC_LITE_CHECK=1 with SCRIBBLE: a write after free aborts the next call: %s", err);
	}

	char first[256], again[256];
	rc = run_child(fail_some, "CALLOC_LITE_FAIL_PROBABILITY", "0.25", first, sizeof first);
	unsigned failed = 0, bad_errno = 1;
	sscanf(first, "failed %u of 4000, hash %*s errno wrong %u", &failed, &bad_errno);
	ok(rc == 0 && failed >= 850 && failed <= 1150 && bad_errno == 0,
	   "CALLOC_LITE_FAIL_PROBABILITY=0.25: about a quarter fail, with ENOMEM: %s", first);
	rc = run_child(fail_some, "CALLOC_LITE_FAIL_PROBABILITY", "25%", again, sizeof again);
	ok(rc == 0 && strcmp(first, again) == 0, "the same seed fails the same calls (25%% = 0.25): %s", again);
	setenv("SEED", "8", 1);
	rc = run_child(fail_some, "CALLOC_LITE_FAIL_PROBABILITY", "0.25", again, sizeof again);
	unsetenv("SEED");
	ok(rc == 0 && strcmp(first, again) != 0, "another seed fails other calls: %s", again);
	rc = run_child(fail_some, "CALLOC_LITE_FAIL_PROBABILITY", "1.5", err, sizeof err);
	ok(rc == 0 && strstr(err, "ignoring CALLOC_LITE_FAIL_PROBABILITY=1.5: out of range") &&
	   strstr(err, "failed 0 of 4000"), "a probability over 1 is ignored with a warning: %s", err);
	rc = run_child(fail_some, "CALLOC_LITE_FAIL_PROBABILITY", "half", err, sizeof err);
	ok(rc == 0 && strstr(err, "CALLOC_LITE_FAIL_PROBABILITY=half: not a probability"),
	   "a probability that is not a number is ignored with a warning");

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
