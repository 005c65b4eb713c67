/*
 * init.c: lazy initialisation and fork safety.  Nothing is mapped here:
 * the first chunk is mapped by the first allocation that needs it.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <sys/auxv.h>
#include <string.h>

int cl_ready;
uint64_t cl_secret;
uintptr_t cl_cache_key;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int atfork_registered;

static void fork_prepare(void)
{
	cl_debug_fork_prepare();
	cl_prof_fork_prepare();
	cl_arena_fork_prepare();
}

static void fork_parent(void)
{
	cl_arena_fork_parent();
	cl_prof_fork_parent();
	cl_debug_fork_parent();
}

static void fork_child(void)
{
	/* Only this thread survives; the locks it held are reset. */
	cl_arena_fork_child();
	cl_prof_fork_child();
	cl_debug_fork_child();
}

static uint64_t random_secret(void)
{
	uint64_t s = 0;
	const void *r = (const void *)getauxval(AT_RANDOM);
	if (r)
		memcpy(&s, r, sizeof s);
	s ^= (uint64_t)(uintptr_t)&s;      /* ASLR as a fallback */
	/* Low 4 bits 0 (cl_tag shifts them onto the size field); never all
	 * 0 in the bits the tags use. */
	return (s & ~(uint64_t)0xf) | 0x10;
}

void cl_init_slow(void)
{
	pthread_mutex_lock(&init_lock);
	if (!cl_is_ready()) {
		cl_platform_init();

		cl_secret = random_secret();
		cl_cache_key = (uintptr_t)(cl_secret * 0xd6e8feb86659fd93ull) | 1;
		cl_sizeclass_init();
		cl_options_read();
		cl_arena_init();
		cl_debug_init();
		cl_prof_init();
		__atomic_store_n(&cl_ready, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&init_lock);

	/* pthread_atfork may allocate: register it only once we are ready, so
	 * that a nested call finds the allocator working. */
	if (!__atomic_exchange_n(&atfork_registered, 1, __ATOMIC_ACQ_REL))
		pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((destructor)) static void cl_at_exit(void)
{
	if (!cl_is_ready())
		return;
	int saved = errno;
	if (cl_opt.heap_map)
		custom_heap_map(cl_opt.heap_map);
	cl_prof_at_exit();
	if (cl_opt.stats_at_exit)
		cl_print_stats(cl_opt.stats_fd);
	errno = saved;
}
