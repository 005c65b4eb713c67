/*
 * oom.c: out of memory for real.  In a child whose address space is capped
 * with RLIMIT_AS, every kind of call returns NULL/ENOMEM (never aborts)
 * while the cap holds, live blocks stay intact, and the allocator works
 * again once the cap is lifted.
 */
#include "internal.h"
#include "tap.h"
#include "pattern.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

enum { NO_CAP = 12 };   /* starve(): RLIMIT_AS did not stop a mapping */

static int starve(void)
{
	enum { KEEP = 64 };
	char *keep[KEEP];
	for (int i = 0; i < KEEP; i++) {
		keep[i] = custom_malloc(1000 + (size_t)i * 3000);
		if (!keep[i])
			return 1;
		fill_pattern(keep[i], 0, 1000 + (size_t)i * 3000, (uint64_t)i);
	}
	struct rlimit old, cap;
	getrlimit(RLIMIT_AS, &old);
	cap = old;
	cap.rlim_cur = 0;            /* no mapping can succeed now */
	if (setrlimit(RLIMIT_AS, &cap) != 0)
		return 2;
	/* The cap must hold, or the loop below only ends at the alarm.
	 * qemu-user accepts the call and ignores it (the limit would bind the
	 * emulator, not the guest). */
	void *probe = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (probe != MAP_FAILED) {
		munmap(probe, 1 << 16);
		return NO_CAP;
	}

	/* Fill what is left of the pool until it is exhausted. */
	size_t got = 0;
	void *p;
	while ((p = custom_malloc(100000)) != NULL)
		got++;
	if (errno != ENOMEM)
		return 3;
	errno = 0;
	if (custom_malloc(1 << 20) || errno != ENOMEM)
		return 4;
	errno = 0;
	if (custom_calloc(1, 300000) || errno != ENOMEM)
		return 5;
	void *m = NULL;
	if (custom_posix_memalign(&m, 1 << 16, 1 << 20) != ENOMEM || m)
		return 6;
	errno = 0;
	char *r = custom_realloc(keep[0], 8 << 20);
	if (r || errno != ENOMEM)
		return 7;
	for (int i = 0; i < KEEP; i++)
		if (check_pattern(keep[i], 0, 1000 + (size_t)i * 3000, (uint64_t)i) != SIZE_MAX)
			return 8;

	cap.rlim_cur = old.rlim_cur; /* memory comes back */
	if (setrlimit(RLIMIT_AS, &cap) != 0)
		return 9;
	char *big = custom_malloc(8 << 20);
	char *med = custom_malloc(100000);
	if (!big || !med)
		return 10;
	memset(big, 1, 8 << 20);
	memset(med, 2, 100000);
	custom_free(big);
	custom_free(med);
	for (int i = 0; i < KEEP; i++)
		custom_free(keep[i]);
	(void)got;
	return cl_heap_check() == 0 ? 0 : 11;
}

int main(void)
{
	char err[1024];
	if (getenv("CL_UNDER_VALGRIND")) {   /* the cap would starve valgrind itself */
		skip("RLIMIT_AS under valgrind");
		return done_testing();
	}
	if (under_qemu()) {   /* the cap would bind qemu-user, not us */
		skip("RLIMIT_AS under qemu-user limits the emulator, not the program");
		return done_testing();
	}
	int rc = run_child(starve, NULL, NULL, err, sizeof err);
	if (rc == NO_CAP && emulator()) {
		skip("RLIMIT_AS: %s ignores it, mappings still succeed", emulator());
		return done_testing();
	}
	is_size((size_t)rc, 0, "with RLIMIT_AS exhausted every call gives NULL/ENOMEM, live blocks "
		"stay intact, and the allocator works once memory comes back%s%s",
		err[0] ? ": " : "", err);
	return done_testing();
}
