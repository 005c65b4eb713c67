/*
 * profile.c: sampled heap profiles that pprof reads (CALLOC_LITE_PROFILE).
 *
 * Sampling, not tracing.  Every thread counts down, per size class, a
 * random number of bytes drawn from an exponential distribution of mean
 * CALLOC_LITE_PROFILE_RATE (512 KiB by default); the allocation that
 * brings a count to zero is sampled, and a new count is drawn.  Each count
 * is a Poisson process over the bytes of its class, so together they are
 * one over all bytes allocated (as tcmalloc and jemalloc sample): an
 * allocation of s bytes is sampled with probability 1 - exp(-s/rate),
 * whatever its class or thread, and a sample stands for 1 / that many
 * allocations of its size.  The estimates written are those sums, per
 * call stack: without bias in sizes and call sites.
 *
 * Where the counting happens: a thread cache's fast path cannot count
 * (it must not change when profiling is off), so the caches count for it:
 * a refill gives a bin only as many blocks as the class may allocate
 * before its next sample (cl_prof_quota), and every block handed out
 * while profiling carries CL_MARK_PROFILED, so that its free comes to the
 * slow path and into a side list the fast path never pops (tcache.c).
 * The next allocation after the quota is the sampled one.
 *
 * A sample records the call stack (stack.c) and the block's address in
 * tables this file maps itself: stacks (deduplicated, with their
 * estimated bytes and objects still allocated and allocated in all) and
 * live samples (address -> stack and size), under prof_lock, taken once
 * per sample and per sampled block freed.  A freed sample leaves the live
 * figures; it stays in the cumulative ones.  The stacks are appended in
 * order behind a hash index, and the live samples' table starts small and
 * doubles, so that the pages the tables touch follow what they hold.
 * When a table is full, further samples are dropped (counted).
 *
 * Profiles are written in the text format of gperftools' heap profiler,
 * which google-pprof reads ("heap profile: ... @ heapprofile", counts
 * already scaled), followed by /proc/self/maps for symbols: at exit to
 * <prefix>.<pid>.heap, on custom_malloc_profile_dump, and on the signal of
 * CALLOC_LITE_PROFILE_SIGNAL to <prefix>.<pid>.<n>.heap.  Nothing here
 * allocates: the files are written with write(2) from fixed buffers.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

bool cl_prof_on;

#define DEPTH 48   /* frames kept of a stack */
#if CL_64BIT
# define NSTACKS ((size_t)1 << 16)   /* distinct call stacks, at most */
# define SAMPLES_MAX_LOG2 24         /* live samples, at most 3/4 of 2^this */
#else
# define NSTACKS ((size_t)1 << 12)
# define SAMPLES_MAX_LOG2 18
#endif
#define INDEX_SLOTS (2 * NSTACKS)   /* the stacks' hash index */
#define SAMPLES_MIN_LOG2 12

/* A call stack and what its samples stand for.  Stacks are appended in
 * the order they are first seen (the pages touched are the ones used),
 * and found through a hash index of their numbers. */
struct stack {
	uint64_t hash;
	uint32_t depth;
	double live_n, live_bytes;    /* estimated objects and bytes allocated now */
	double total_n, total_bytes;  /* estimated, allocated since the start */
	uintptr_t pc[DEPTH];
};

/* A sampled block still allocated.  addr 0: an empty slot. */
struct sample {
	uintptr_t addr;               /* the user's pointer */
	uint32_t stack;               /* index in stacks */
	size_t size;                  /* bytes asked for */
	size_t charged;               /* bytes the count charged (its block) */
};

static struct cl_lock prof_lock = CL_LOCK_INIT;
/* Under prof_lock.  index_slots: stack number + 1, 0 for an empty slot.
 * samples: 2^samples_log2 slots, at most 3/4 used, doubled when that is
 * reached (the table only grows as the live samples do). */
static struct stack *stacks;
static uint32_t *index_slots;
static struct sample *samples;
static unsigned samples_log2;
static size_t nstacks, nsamples, dropped, taken;
static unsigned dump_seq;

static size_t table_bytes;     /* mapped for the tables now (atomic) */
static int dump_pending;       /* atomic: a signal came while the lock was held */

static CL_TLS struct {
	uint64_t left[CL_CLASSES + 1];  /* bytes to the next sample; 0: not drawn */
	uint64_t rng;                   /* 0: not seeded */
	bool busy;                      /* capturing: nested allocations are not sampled */
} pt;

/* ------------------------------------------------------------ sampling */

/* Threads seeded so far: a thread's seed must not repeat another's (a
 * thread made after one that ended often has the same TLS address, and
 * the same draws would sample every such thread alike). */
static uint64_t seeds;

static uint64_t next_random(void)
{
	if (CL_UNLIKELY(pt.rng == 0)) {
		uint64_t n = __atomic_add_fetch(&seeds, 1, __ATOMIC_RELAXED);
		uint64_t z = cl_secret ^ (n * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(uintptr_t)&pt;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;   /* splitmix64's finish */
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		pt.rng = (z ^ (z >> 31)) | 1;
	}
	pt.rng ^= pt.rng << 13;
	pt.rng ^= pt.rng >> 7;
	pt.rng ^= pt.rng << 17;
	return pt.rng;
}

/* Bytes to the next sample: exponential with mean the rate, at least 1. */
static uint64_t draw(void)
{
	double u = (double)((next_random() >> 11) + 1) / 9007199254740992.0;  /* (0, 1] */
	double x = -log(u) * (double)cl_opt.profile_rate;
	return x < 1.0 ? 1 : x > 1e18 ? (uint64_t)1e18 : (uint64_t)x + 1;
}

bool cl_prof_tick(unsigned cls, size_t size)
{
	if (pt.busy)
		return false;
	if (CL_UNLIKELY(__atomic_load_n(&dump_pending, __ATOMIC_RELAXED)))
		custom_malloc_profile_dump(NULL);
	if (pt.left[cls] == 0)
		pt.left[cls] = draw();
	if (pt.left[cls] > size) {
		pt.left[cls] -= size;
		return false;
	}
	pt.left[cls] = draw();
	return true;
}

size_t cl_prof_quota(unsigned cls, size_t size)
{
	if (pt.left[cls] == 0)
		pt.left[cls] = draw();
	return (size_t)((pt.left[cls] - 1) / size);
}

void cl_prof_consumed(unsigned cls, size_t bytes)
{
	/* 0: not drawn yet (a thread's first refill of the class), and no
	 * sample is due; else the quota kept bytes under what was left. */
	if (pt.left[cls] != 0)
		pt.left[cls] = pt.left[cls] > bytes ? pt.left[cls] - bytes : 1;
}

void cl_prof_mark(struct cl_block *b, size_t marks)
{
	if (cl_word(b) & CL_LARGE) {   /* its own mapping: nobody else writes it */
		cl_set_marks(b, marks);
		return;
	}
	struct cl_arena *a = cl_arena_of(b);
	cl_arena_lock(a);
	cl_set_marks(b, marks);
	cl_arena_unlock(a);
}

/* ------------------------------------------------------------ tables */

static uint64_t stack_hash(const uintptr_t *pc, int n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < n; i++)
		h = (h ^ (uint64_t)pc[i]) * 0x100000001b3ull;
	return h | 1;   /* never 0, the empty slot */
}

static size_t sample_slot(uintptr_t addr, unsigned log2)
{
	return (size_t)(((uint64_t)addr >> 4) * 0x9e3779b97f4a7c15ull >> (64 - log2));
}

/* The number of this stack, found or appended; NSTACKS if there is no
 * room.  prof_lock held. */
static size_t stack_find(uint64_t h, const uintptr_t *pc, int n)
{
	size_t i = (size_t)h & (INDEX_SLOTS - 1);
	for (;; i = (i + 1) & (INDEX_SLOTS - 1)) {
		uint32_t k = index_slots[i];
		if (k == 0)
			break;
		struct stack *s = &stacks[k - 1];
		if (s->hash == h && s->depth == (uint32_t)n &&
		    memcmp(s->pc, pc, (size_t)n * sizeof pc[0]) == 0)
			return k - 1;
	}
	if (nstacks == NSTACKS)
		return NSTACKS;   /* (so the index is never more than half full) */
	struct stack *s = &stacks[nstacks];
	s->hash = h;
	s->depth = (uint32_t)n;
	memcpy(s->pc, pc, (size_t)n * sizeof pc[0]);
	index_slots[i] = (uint32_t)++nstacks;
	return nstacks - 1;
}

static void sample_put(struct sample *tab, unsigned log2, const struct sample *x)
{
	size_t mask = ((size_t)1 << log2) - 1, i = sample_slot(x->addr, log2);
	while (tab[i].addr)
		i = (i + 1) & mask;
	tab[i] = *x;
}

/* Room for one more live sample: the table doubles when 3/4 full, up to
 * its limit.  False if there is none.  prof_lock held. */
static bool samples_room(void)
{
	size_t cap = (size_t)1 << samples_log2;
	if (nsamples + 1 <= cap - cap / 4)
		return true;
	if (samples_log2 >= SAMPLES_MAX_LOG2)
		return false;
	size_t bytes = cl_align_up(cap * sizeof(struct sample), cl_geo.page);
	size_t more = cl_align_up(2 * cap * sizeof(struct sample), cl_geo.page);
	struct sample *bigger = cl_os_map(more);
	if (!bigger)
		return false;
	for (size_t i = 0; i < cap; i++)
		if (samples[i].addr)
			sample_put(bigger, samples_log2 + 1, &samples[i]);
	cl_os_unmap(samples, bytes);
	samples = bigger;
	samples_log2++;
	__atomic_store_n(&table_bytes, table_bytes - bytes + more, __ATOMIC_RELAXED);
	return true;
}

/* What a sample stands for: 1 / P(sampled), for the bytes the count
 * charged for it (its block's size; the estimates are of bytes asked). */
static double weight(size_t size)
{
	double p = 1.0 - exp(-(double)size / (double)cl_opt.profile_rate);
	return p > 0 ? 1.0 / p : 1.0;
}

void cl_prof_record(void *p, size_t n, size_t charged)
{
	uintptr_t pc[DEPTH];
	pt.busy = true;   /* the unwinder is not expected to allocate; if it does, not here */
	int depth = cl_stack_capture(pc, DEPTH);
	pt.busy = false;
	uint64_t h = stack_hash(pc, depth);
	double w = weight(charged);

	cl_lock_take(&prof_lock);
	taken++;
	size_t si = stack_find(h, pc, depth);
	if (si == NSTACKS || !samples_room()) {
		dropped++;
		cl_lock_drop(&prof_lock);
		return;
	}
	struct stack *s = &stacks[si];
	s->total_n += w;
	s->total_bytes += w * (double)n;
	s->live_n += w;
	s->live_bytes += w * (double)n;
	struct sample x = { .addr = (uintptr_t)p, .stack = (uint32_t)si, .size = n,
			    .charged = charged };
	sample_put(samples, samples_log2, &x);
	nsamples++;
	cl_lock_drop(&prof_lock);
}

void cl_prof_forget(void *p)
{
	cl_lock_take(&prof_lock);
	size_t mask = ((size_t)1 << samples_log2) - 1;
	size_t i = sample_slot((uintptr_t)p, samples_log2);
	while (samples[i].addr && samples[i].addr != (uintptr_t)p)
		i = (i + 1) & mask;
	if (!samples[i].addr) {   /* dropped when the tables were full */
		cl_lock_drop(&prof_lock);
		return;
	}
	struct stack *s = &stacks[samples[i].stack];
	double w = weight(samples[i].charged);
	s->live_n -= w;
	s->live_bytes -= w * (double)samples[i].size;
	/* Linear probing: shift back the entries the removed one displaced,
	 * so that a search never stops early at a hole. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; samples[j].addr; j = (j + 1) & mask) {
		size_t home = sample_slot(samples[j].addr, samples_log2);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			samples[hole] = samples[j];
			hole = j;
		}
	}
	samples[hole].addr = 0;
	nsamples--;
	cl_lock_drop(&prof_lock);
}

/* ------------------------------------------------------------ writing */

static size_t est(double x)
{
	return x <= 0.5 ? 0 : (size_t)(x + 0.5);
}

/* The profile to fd; prof_lock held.  leaks: only what is still
 * allocated, as both the in-use and the cumulative figures. */
static void write_profile(int fd, bool leaks)
{
	struct cl_out o = { .fd = fd };
	double ln = 0, lb = 0, tn = 0, tb = 0;
	for (size_t i = 0; i < nstacks; i++) {
		ln += stacks[i].live_n;
		lb += stacks[i].live_bytes;
		tn += stacks[i].total_n;
		tb += stacks[i].total_bytes;
	}
	if (leaks) {
		tn = ln;
		tb = lb;
	}
	cl_out_str(&o, "heap profile: ");
	cl_out_dec(&o, est(ln));
	cl_out_str(&o, ": ");
	cl_out_dec(&o, est(lb));
	cl_out_str(&o, " [");
	cl_out_dec(&o, est(tn));
	cl_out_str(&o, ": ");
	cl_out_dec(&o, est(tb));
	cl_out_str(&o, "] @ heapprofile\n");
	for (size_t i = 0; i < nstacks; i++) {
		const struct stack *s = &stacks[i];
		size_t n1 = est(s->live_n), b1 = est(s->live_bytes);
		size_t n2 = leaks ? n1 : est(s->total_n), b2 = leaks ? b1 : est(s->total_bytes);
		if (n2 == 0 && n1 == 0)
			continue;
		cl_out_dec(&o, n1);
		cl_out_str(&o, ": ");
		cl_out_dec(&o, b1);
		cl_out_str(&o, " [");
		cl_out_dec(&o, n2);
		cl_out_str(&o, ": ");
		cl_out_dec(&o, b2);
		cl_out_str(&o, "] @");
		/* Every frame is a return address.  pprof takes one from all
		 * but the first (gperftools' first is a PC inside its own
		 * malloc, dropped by name): so that the first symbolises as
		 * the call, not as what follows it (an inlined memset, say),
		 * it is written less one here. */
		for (uint32_t k = 0; k < s->depth; k++) {
			cl_out_str(&o, " ");
			cl_out_hex(&o, s->pc[k] - (k == 0));
		}
		cl_out_str(&o, "\n");
	}
	cl_out_flush(&o);
}

/* The address space, for pprof to find the objects behind the addresses. */
static void write_maps(int fd)
{
	struct cl_out o = { .fd = fd };
	cl_out_str(&o, "\nMAPPED_LIBRARIES:\n");
	cl_out_flush(&o);
	int m = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (m < 0)
		return;
	char buf[4096];
	ssize_t got;
	while ((got = read(m, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR)) {
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(fd, buf + off, (size_t)(got - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
	}
	close(m);
}

/* <prefix>.<pid>[.<seq>].heap into name (size bytes). */
static void default_name(char *name, size_t size, bool with_seq, unsigned seq)
{
	struct cl_out o = { .fd = -1 };   /* formatted here, not written */
	cl_out_str(&o, cl_opt.profile);
	cl_out_str(&o, ".");
	cl_out_dec(&o, (size_t)getpid());
	if (with_seq) {
		cl_out_str(&o, ".");
		cl_out_dec(&o, seq);
	}
	cl_out_str(&o, ".heap");
	size_t n = o.len < size - 1 ? o.len : size - 1;
	memcpy(name, o.buf, n);
	name[n] = 0;
}

/* prof_lock held. */
static int dump_locked(const char *path, bool leaks)
{
	char name[sizeof ((struct cl_out *)0)->buf + 1];
	if (!path) {
		default_name(name, sizeof name, true, ++dump_seq);
		path = name;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	write_profile(fd, leaks);
	write_maps(fd);
	if (close(fd) != 0)
		return -1;
	return 0;
}

int custom_malloc_profile_dump(const char *path)
{
	int saved = errno;
	cl_init();
	if (!cl_prof_on) {
		errno = ENOTSUP;
		return -1;
	}
	__atomic_store_n(&dump_pending, 0, __ATOMIC_RELAXED);
	cl_lock_take(&prof_lock);
	int r = dump_locked(path, false);
	int e = errno;
	cl_lock_drop(&prof_lock);
	errno = r == 0 ? saved : e;
	return r;
}

/* The signal of CALLOC_LITE_PROFILE_SIGNAL: a dump now if no thread is in
 * the tables, else at the next sampling decision of any thread. */
static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	if (pthread_mutex_trylock(&prof_lock.mutex) == 0) {
		dump_locked(NULL, false);
		pthread_mutex_unlock(&prof_lock.mutex);
	} else {
		__atomic_store_n(&dump_pending, 1, __ATOMIC_RELAXED);
	}
	errno = saved;
}

void cl_prof_at_exit(void)
{
	if (!cl_prof_on)
		return;
	char name[sizeof ((struct cl_out *)0)->buf + 1];
	default_name(name, sizeof name, false, 0);
	cl_lock_take(&prof_lock);
	dump_locked(name, cl_opt.profile_leaks);
	if (cl_opt.profile_leaks) {
		double n = 0, b = 0;
		for (size_t i = 0; i < nstacks; i++) {
			n += stacks[i].live_n;
			b += stacks[i].live_bytes;
		}
		struct cl_out o = { .fd = cl_opt.stats_fd };
		cl_out_str(&o, "calloc-lite: ");
		cl_out_dec(&o, est(b));
		cl_out_str(&o, " bytes in ");
		cl_out_dec(&o, est(n));
		cl_out_str(&o, " allocations were never freed (estimated from ");
		cl_out_dec(&o, nsamples);
		cl_out_str(&o, nsamples == 1 ? " sample); profile in " : " samples); profile in ");
		cl_out_str(&o, name);
		cl_out_str(&o, "\n");
		cl_out_flush(&o);
	}
	cl_lock_drop(&prof_lock);
}

/* ------------------------------------------------------------ set-up */

void cl_prof_init(void)
{
	cl_lock_register(&prof_lock, CL_LOCK_PROFILE);
	if (!cl_opt.profile)
		return;
	size_t sb = cl_align_up(NSTACKS * sizeof(struct stack), cl_geo.page);
	size_t ib = cl_align_up(INDEX_SLOTS * sizeof(uint32_t), cl_geo.page);
	size_t xb = cl_align_up(((size_t)1 << SAMPLES_MIN_LOG2) * sizeof(struct sample), cl_geo.page);
	stacks = cl_os_map(sb);
	index_slots = stacks ? cl_os_map(ib) : NULL;
	samples = index_slots ? cl_os_map(xb) : NULL;
	samples_log2 = SAMPLES_MIN_LOG2;
	if (!samples) {
		if (index_slots)
			cl_os_unmap(index_slots, ib);
		if (stacks)
			cl_os_unmap(stacks, sb);
		struct cl_out o = { .fd = 2 };
		cl_out_str(&o, "calloc-lite: CALLOC_LITE_PROFILE: no memory for the tables; not profiling\n");
		cl_out_flush(&o);
		return;
	}
	table_bytes = sb + ib + xb;
	if (cl_opt.profile_signal) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(cl_opt.profile_signal, &sa, NULL);
	}
	cl_prof_on = true;
}

size_t cl_prof_table_bytes(void)
{
	return __atomic_load_n(&table_bytes, __ATOMIC_RELAXED);
}

void cl_prof_fork_prepare(void) { cl_lock_take(&prof_lock); }
void cl_prof_fork_parent(void) { cl_lock_drop(&prof_lock); }
void cl_prof_fork_child(void) { cl_lock_reinit(&prof_lock); }
