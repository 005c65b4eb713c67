/*
 * heapmap.c: custom_heap_map, a picture of the heap as an SVG image.
 *
 * Every pool chunk is a strip of HMAP_WIDTH pixels, one per page of a
 * 4 MiB chunk of 4 KiB pages (chunk / HMAP_WIDTH bytes in general), each
 * pixel coloured by the state that holds most of its bytes:
 *   in use            blocks the program holds;
 *   cached            blocks freed into a thread cache, or handed back and
 *                     waiting in a central or remote list, or in the
 *                     quarantine (the allocator holds them, the pool does
 *                     not see them as free);
 *   free, resident    free blocks whose pages are still in memory;
 *   free, released    free blocks whose pages went back to the OS;
 *   overhead          the chunk's header and sentinel.
 * A line of text above each strip gives its address, arena and the bytes
 * in each state.  The large blocks in use and the mappings kept for reuse
 * follow, one bar each, as long as the strip of a chunk of their size
 * would be.  The picture is written as it is found, arena by arena, each
 * under its own lock, without allocating: safe inside a preloaded
 * program, like print_free_list.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define HMAP_WIDTH 1024      /* pixels of a chunk's strip */
#define MARGIN     10
#define STRIP_H    16        /* a strip's height */
#define ROW_H      38        /* from one strip to the next */

enum state { USED, CACHED, FREE_RES, FREE_REL, META, STATES };

static const char *const fill[STATES] = {
	[USED] = "#3465a4", [CACHED] = "#73d216", [FREE_RES] = "#f57900",
	[FREE_REL] = "#eeeeec", [META] = "#555753",
};
static const char *const label[STATES] = {
	[USED] = "in use", [CACHED] = "cached (thread caches, central and remote lists)",
	[FREE_RES] = "free, resident", [FREE_REL] = "free, given back to the OS",
	[META] = "chunk header",
};
#define LARGE_FILL "#75507b"
#define LARGE_CACHED_FILL "#ad7fa8"

struct map {
	struct cl_out o;
	unsigned y;                       /* where the next row starts */
	uint32_t bytes[HMAP_WIDTH][STATES];  /* of the chunk being drawn */
	size_t sum[STATES];               /* of the chunk, then of everything */
	size_t total[STATES];
	size_t large_n, large_bytes;
	unsigned large_max_w;
};

static void out_num(struct cl_out *o, size_t v) { cl_out_dec(o, v); }

static void rect(struct cl_out *o, size_t x, size_t y, size_t w, size_t h, const char *colour)
{
	cl_out_str(o, "<rect x=\"");
	out_num(o, x);
	cl_out_str(o, "\" y=\"");
	out_num(o, y);
	cl_out_str(o, "\" width=\"");
	out_num(o, w);
	cl_out_str(o, "\" height=\"");
	out_num(o, h);
	cl_out_str(o, "\" fill=\"");
	cl_out_str(o, colour);
	cl_out_str(o, "\"/>\n");
}

static void text(struct cl_out *o, size_t x, size_t y, const char *s)
{
	cl_out_str(o, "<text x=\"");
	out_num(o, x);
	cl_out_str(o, "\" y=\"");
	out_num(o, y);
	cl_out_str(o, "\">");
	cl_out_str(o, s);
}

/* Text from outside (a program's name) with XML's special characters
 * escaped. */
static void out_escaped(struct cl_out *o, const char *s)
{
	char one[2] = { 0, 0 };
	for (; *s; s++) {
		switch (*s) {
		case '<': cl_out_str(o, "&lt;"); break;
		case '>': cl_out_str(o, "&gt;"); break;
		case '&': cl_out_str(o, "&amp;"); break;
		case '"': cl_out_str(o, "&quot;"); break;
		default: one[0] = *s; cl_out_str(o, one); break;
		}
	}
}

static void kib(struct cl_out *o, size_t bytes)
{
	out_num(o, (bytes + 512) / 1024);
	cl_out_str(o, " KiB");
}

/* Bytes [from, to) of the chunk at c are in state s. */
static void add(struct map *m, const struct cl_chunk *c, const char *from, const char *to, enum state s)
{
	size_t px_bytes = cl_geo.chunk / HMAP_WIDTH;
	size_t lo = (size_t)(from - (const char *)c), hi = (size_t)(to - (const char *)c);
	m->sum[s] += hi - lo;
	while (lo < hi) {
		size_t px = lo / px_bytes, end = (px + 1) * px_bytes;
		if (end > hi)
			end = hi;
		m->bytes[px][s] += (uint32_t)(end - lo);
		lo = end;
	}
}

static bool page_dirty(const struct cl_chunk *c, size_t i)
{
	return c->dirty[i / CL_WORD_BITS64] & (1ull << (i % CL_WORD_BITS64));
}

/* Free block b (size bytes): resident or released, page by page. */
static void add_free(struct map *m, const struct cl_chunk *c, const struct cl_block *b, size_t size)
{
	const char *p = (const char *)b, *end = p + size;
	while (p < end) {
		size_t i = (size_t)(p - (const char *)c) >> cl_geo.page_shift;
		const char *next = (const char *)c + ((i + 1) << cl_geo.page_shift);
		if (next > end)
			next = end;
		add(m, c, p, next, page_dirty(c, i) ? FREE_RES : FREE_REL);
		p = next;
	}
}

/* One chunk's row: its line of text and its strip.  a: its arena, NULL in
 * the reserve.  The chunk's lock (its arena's, or the reserve's) held. */
static void draw_chunk(struct map *m, struct cl_chunk *c, const struct cl_arena *a)
{
	struct cl_out *o = &m->o;
	for (unsigned px = 0; px < HMAP_WIDTH; px++)
		for (unsigned s = 0; s < STATES; s++)
			m->bytes[px][s] = 0;
	for (unsigned s = 0; s < STATES; s++)
		m->sum[s] = 0;

	add(m, c, (const char *)c, (const char *)cl_first_block(c), META);
	for (struct cl_block *b = cl_first_block(c); b != cl_sentinel(c); b = cl_next_block(b)) {
		size_t size = cl_bsize(b), w = cl_word(b);
		if (w & CL_FREE)
			add_free(m, c, b, size);
		else   /* (the key in a block in use: a moment's view of user data) */
			add(m, c, (const char *)b, (const char *)b + size,
			    (w & CL_QUARANTINE) ||
			    (uintptr_t)__atomic_load_n(&b->prev_free, __ATOMIC_RELAXED) == cl_cache_key
			    ? CACHED : USED);
	}
	add(m, c, (const char *)cl_sentinel(c), (const char *)c + cl_geo.chunk, META);

	text(o, MARGIN, m->y + 12, "chunk ");
	cl_out_hex(o, (uintptr_t)c);
	if (a) {
		cl_out_str(o, ", arena ");
		out_num(o, a->index);
	} else {
		cl_out_str(o, ", in the reserve");
	}
	if (c->reserved)
		cl_out_str(o, " (reserved)");
	if (a && a->spare == c)
		cl_out_str(o, " (spare)");
	cl_out_str(o, ": in use ");
	kib(o, m->sum[USED]);
	cl_out_str(o, ", cached ");
	kib(o, m->sum[CACHED]);
	cl_out_str(o, ", free resident ");
	kib(o, m->sum[FREE_RES]);
	cl_out_str(o, ", given back ");
	kib(o, m->sum[FREE_REL]);
	cl_out_str(o, "</text>\n");

	/* The strip, a rectangle per run of pixels of one state.  The group
	 * names the chunk, for whoever reads the picture back. */
	size_t y = m->y + 16;
	cl_out_str(o, "<g id=\"chunk-");
	cl_out_hex(o, (uintptr_t)c);
	cl_out_str(o, "\" data-y=\"");
	out_num(o, y);
	cl_out_str(o, "\">\n");
	enum state run = STATES;
	unsigned run_from = 0;
	for (unsigned px = 0; px <= HMAP_WIDTH; px++) {
		enum state s = STATES;
		if (px < HMAP_WIDTH) {
			uint32_t most = 0;
			for (unsigned k = 0; k < STATES; k++)
				if (m->bytes[px][k] > most) {
					most = m->bytes[px][k];
					s = (enum state)k;
				}
		}
		if (s != run) {
			if (run != STATES)
				rect(o, MARGIN + run_from, y, px - run_from, STRIP_H, fill[run]);
			run = s;
			run_from = px;
		}
	}
	cl_out_str(o, "</g>\n");
	for (unsigned s = 0; s < STATES; s++)
		m->total[s] += m->sum[s];
	m->y += ROW_H;
}

/* A bar for a large mapping: as long as a chunk's strip would be for its
 * size, up to the width of the picture. */
static void draw_large(struct map *m, uintptr_t addr, size_t len, bool cached)
{
	struct cl_out *o = &m->o;
	size_t w = len / (cl_geo.chunk / HMAP_WIDTH);
	if (w < 1)
		w = 1;
	if (w > HMAP_WIDTH)
		w = HMAP_WIDTH;
	text(o, MARGIN, m->y + 12, cached ? "large mapping kept for reuse " : "large block ");
	cl_out_hex(o, addr);
	cl_out_str(o, ": ");
	kib(o, len);
	if (len / (cl_geo.chunk / HMAP_WIDTH) > HMAP_WIDTH)
		cl_out_str(o, " (bar cut at a chunk's width)");
	cl_out_str(o, "</text>\n");
	rect(o, MARGIN, m->y + 16, w, STRIP_H, cached ? LARGE_CACHED_FILL : LARGE_FILL);
	m->y += ROW_H;
}

static void count_large(void *arg, const struct cl_block *b)
{
	(void)b;
	(*(size_t *)arg)++;
}

/* How many rows the picture will have, to give it a height before its
 * rows are written (a few more may appear meanwhile: room for them). */
static size_t rows(void)
{
	size_t r = 0;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		r += a->nchunks;
		for (unsigned k = 0; k < CL_LARGE_SLOTS; k++)
			r += a->large_map[k] != NULL;
		cl_arena_unlock(a);
	}
	struct cl_chunk_stats rs;
	cl_chunk_reserve_stats(&rs);
	cl_large_each(count_large, &r);
	return r + rs.chunks + 4;
}

static void one_large(void *arg, const struct cl_block *b)
{
	struct map *m = arg;
	m->large_n++;
	m->large_bytes += cl_bsize(b);
	draw_large(m, (uintptr_t)b - b->prev_size, cl_bsize(b), false);
}

static void legend(struct map *m)
{
	struct cl_out *o = &m->o;
	size_t x = MARGIN;
	for (unsigned s = 0; s < STATES; s++) {
		rect(o, x, 34, 12, 12, fill[s]);
		text(o, x + 16, 45, label[s]);
		cl_out_str(o, "</text>\n");
		x += 16 + 7 * strlen(label[s]) + 20;   /* 12 px monospace: about 7 px a letter */
	}
	rect(o, x, 34, 12, 12, LARGE_FILL);
	text(o, x + 16, 45, "large block");
	cl_out_str(o, "</text>\n");
}

int cl_heap_map_write(int fd)
{
	static struct map m;   /* 20 KiB: too big for the stack of a small thread */
	static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;   /* one picture at a time */
	pthread_mutex_lock(&map_lock);
	for (unsigned s = 0; s < STATES; s++)
		m.total[s] = 0;
	m.large_n = m.large_bytes = 0;
	m.o = (struct cl_out){ .fd = fd };
	m.y = 60;
	struct cl_out *o = &m.o;

	size_t width = 2 * MARGIN + HMAP_WIDTH, height = 60 + rows() * ROW_H + 30;
	cl_out_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" font-family=\"monospace\" font-size=\"12\" width=\"");
	out_num(o, width);
	cl_out_str(o, "\" height=\"");
	out_num(o, height);
	cl_out_str(o, "\" viewBox=\"0 0 ");
	out_num(o, width);
	cl_out_str(o, " ");
	out_num(o, height);
	cl_out_str(o, "\">\n");
	rect(o, 0, 0, width, height, "#ffffff");
	text(o, MARGIN, 20, "libcalloc-lite heap map: ");
	out_escaped(o, program_invocation_short_name);
	cl_out_str(o, ", pid ");
	out_num(o, (size_t)getpid());
	cl_out_str(o, ", chunks of ");
	kib(o, cl_geo.chunk);
	cl_out_str(o, ", pages of ");
	kib(o, cl_geo.page);
	cl_out_str(o, ", 1 pixel = ");
	kib(o, cl_geo.chunk / HMAP_WIDTH);
	cl_out_str(o, "</text>\n");
	legend(&m);

	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		for (struct cl_chunk *c = a->chunks; c; c = c->next)
			draw_chunk(&m, c, a);
		cl_arena_unlock(a);
	}
	cl_lock_take(&cl_reserve_lock);
	for (struct cl_chunk *c = cl_chunk_reserve_list(); c; c = c->next)
		draw_chunk(&m, c, NULL);
	cl_lock_drop(&cl_reserve_lock);

	size_t unlisted = cl_large_each(one_large, &m);
	size_t cached = 0;
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		for (unsigned k = 0; k < CL_LARGE_SLOTS; k++)
			if (a->large_map[k]) {
				draw_large(&m, (uintptr_t)a->large_map[k], a->large_len[k], true);
				cached += a->large_len[k];
			}
		cl_arena_unlock(a);
	}

	text(o, MARGIN, m.y + 14, "total: in use ");
	kib(o, m.total[USED] + m.large_bytes);
	cl_out_str(o, " (");
	out_num(o, m.large_n);
	cl_out_str(o, " large blocks ");
	kib(o, m.large_bytes);
	if (unlisted) {
		cl_out_str(o, ", and ");
		out_num(o, unlisted);
		cl_out_str(o, " not drawn");
	}
	cl_out_str(o, "), cached ");
	kib(o, m.total[CACHED]);
	cl_out_str(o, ", free resident ");
	kib(o, m.total[FREE_RES]);
	cl_out_str(o, ", given back ");
	kib(o, m.total[FREE_REL]);
	cl_out_str(o, ", large mappings kept ");
	kib(o, cached);
	cl_out_str(o, "</text>\n</svg>\n");
	cl_out_flush(o);
	pthread_mutex_unlock(&map_lock);
	return 0;
}

int custom_heap_map(const char *path)
{
	int saved = errno;
	if (!path) {
		errno = EINVAL;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	cl_heap_map_write(fd);
	if (close(fd) != 0)
		return -1;
	errno = saved;
	return 0;
}
