/*
 * lock.c: the allocator's locks, and what they cost.  Every lock is a
 * struct cl_lock of a kind (arena, large cache, ...) and counts, under
 * itself, how often it was taken and how often it was held by another
 * thread when asked (a failed try before the blocking lock): cheap enough
 * to be always on, and what custom_malloc_lock_stats and the statistics
 * report, per kind, as jemalloc's mutex profiling does.
 *
 * Each lock is registered once, when it is first set up; the registry
 * only grows, so a reader walks it without a lock.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static const char *const kind_name[CL_LOCK_KINDS] = {
	[CL_LOCK_ARENA] = "arena",
	[CL_LOCK_RESERVE] = "reserve",
	[CL_LOCK_THREADS] = "threads",
	[CL_LOCK_QUARANTINE] = "quarantine",
	[CL_LOCK_PROFILE] = "profile",
};

#define REGISTRY_MAX 1024
static struct cl_lock *registry[REGISTRY_MAX];
static unsigned registered;   /* atomic; entries below it are set */

void cl_lock_register(struct cl_lock *l, unsigned kind)
{
	l->kind = (uint8_t)kind;
	unsigned i = __atomic_fetch_add(&registered, 1, __ATOMIC_RELAXED);
	if (i < REGISTRY_MAX)
		__atomic_store_n(&registry[i], l, __ATOMIC_RELEASE);
}

/* A lock held by the thread that forked is reset in the child (the
 * counters stay). */
void cl_lock_reinit(struct cl_lock *l)
{
	pthread_mutex_init(&l->mutex, NULL);
}

size_t cl_lock_stats(struct custom_lock_stats *out, size_t n)
{
	struct custom_lock_stats sum[CL_LOCK_KINDS] = { { 0 } };
	for (unsigned k = 0; k < CL_LOCK_KINDS; k++)
		sum[k].name = kind_name[k];
	unsigned count = __atomic_load_n(&registered, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < count && i < REGISTRY_MAX; i++) {
		struct cl_lock *l = __atomic_load_n(&registry[i], __ATOMIC_ACQUIRE);
		if (!l)
			continue;   /* registered, not yet stored */
		struct custom_lock_stats *s = &sum[l->kind];
		s->locks++;
		s->acquired += __atomic_load_n(&l->acquired, __ATOMIC_RELAXED);
		s->contended += __atomic_load_n(&l->contended, __ATOMIC_RELAXED);
	}
	for (size_t k = 0; k < n && k < CL_LOCK_KINDS; k++)
		out[k] = sum[k];
	return CL_LOCK_KINDS;
}
