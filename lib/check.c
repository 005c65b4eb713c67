/*
 * check.c: cl_heap_check, the consistency walk of the whole pool: every
 * chunk's blocks, their tags, sizes, boundary tags and page bits, and the
 * free lists against the blocks.  Slow: for tests and debugging.  Each
 * fault found is one line on stderr.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static int fault(const char *what, const void *where)
{
	struct cl_out o = { .fd = 2 };
	cl_out_str(&o, "calloc-lite: heap check: ");
	cl_out_str(&o, what);
	cl_out_str(&o, " at ");
	cl_out_hex(&o, (uintptr_t)where);
	cl_out_str(&o, "\n");
	cl_out_flush(&o);
	return 1;
}

int cl_pool_check(void)
{
	int faults = 0;
	size_t nfree = 0, bytes = 0, nchunks = 0, dirty = 0;

	for (struct cl_chunk *c = cl_pool.chunks; c; c = c->next) {
		nchunks++;
		if (c->magic != CL_CHUNK_MAGIC || cl_chunk_of(c) != c || c->arena >= CL_ARENAS)
			return faults + fault("bad chunk header", c);
		size_t pop = 0;
		for (size_t w = 0; w < cl_geo.chunk_pages / CL_WORD_BITS64; w++)
			pop += (size_t)__builtin_popcountll(c->dirty[w]);
		if (pop != c->dirty_pages)
			faults += fault("dirty page count wrong", c);
		dirty += pop;

		bool prev_free = false;
		size_t sum = 0;
		struct cl_block *b = cl_first_block(c);
		while (b != cl_sentinel(c)) {
			size_t s = cl_bsize(b);
			if (!cl_tag_ok(b))
				return faults + fault("bad block tag", b);
			if (s < CL_MIN_BLOCK || s % CL_ALIGN || sum + s > CL_CHUNK_USABLE)
				return faults + fault("bad block size", b);
			bool is_free = b->word & CL_FREE;
			if (!!(b->word & CL_PREV_FREE) != prev_free)
				faults += fault("PREV_FREE flag disagrees with the previous block", b);
			if (prev_free && b->prev_size != cl_bsize((struct cl_block *)((char *)b - b->prev_size)))
				faults += fault("footer disagrees with the previous block's size", b);
			if (is_free && prev_free)
				faults += fault("two adjacent free blocks", b);
			if (b->word & CL_LARGE)
				faults += fault("impossible flags", b);
			if (is_free) {
				nfree++;
				bytes += s;
				unsigned fl, sl;
				cl_list_mapping(s, &fl, &sl);
				const struct cl_lists *L = &cl_pool.arena[c->arena];
				if (!(L->sl_bitmap[fl] & (1u << sl)) || !L->heads[fl][sl])
					faults += fault("free block's list is empty", b);
			} else {
				/* In-use memory must be marked dirty (calloc trusts clean pages). */
				if (!cl_block_resident(b, s))
					faults += fault("in-use block on a page marked clean", b);
			}
			prev_free = is_free;
			sum += s;
			b = cl_next_block(b);
		}
		if (sum != CL_CHUNK_USABLE)
			faults += fault("blocks do not fill the chunk", c);
		if (!!(cl_sentinel(c)->word & CL_PREV_FREE) != prev_free || cl_bsize(cl_sentinel(c)) != CL_HDR)
			faults += fault("bad chunk sentinel", cl_sentinel(c));
	}

	size_t lfree = 0, lbytes = 0;
	for (unsigned a = 0; a < CL_ARENAS; a++)
	for (unsigned fl = 0; fl < CL_FL_COUNT; fl++) {
		struct cl_lists *L = &cl_pool.arena[a];
		if (!!(L->fl_bitmap & (1u << fl)) != !!L->sl_bitmap[fl])
			faults += fault("first-level bitmap wrong", &L->sl_bitmap[fl]);
		for (unsigned sl = 0; sl < CL_SL_COUNT; sl++) {
			struct cl_block *h = L->heads[fl][sl];
			if (!!(L->sl_bitmap[fl] & (1u << sl)) != !!h)
				faults += fault("second-level bitmap wrong", &L->heads[fl][sl]);
			struct cl_block *prev = NULL;
			for (struct cl_block *b = h; b; prev = b, b = b->next_free) {
				unsigned f, s;
				if (!(b->word & CL_FREE))
					return faults + fault("in-use block in a free list", b);
				if (cl_chunk_of(b)->arena != a)
					faults += fault("free block in another arena's list", b);
				cl_list_mapping(cl_bsize(b), &f, &s);
				if (f != fl || s != sl)
					faults += fault("free block in the wrong list", b);
				if (b->prev_free != prev)
					faults += fault("broken free-list back link", b);
				lfree++;
				lbytes += cl_bsize(b);
				if (lfree > nfree)
					return faults + fault("free list longer than the heap's free blocks", b);
			}
		}
	}
	if (lfree != nfree || lbytes != bytes)
		faults += fault("free lists and heap walk disagree", NULL);
	if (nfree != cl_pool.free_blocks || bytes != cl_pool.free_bytes)
		faults += fault("free counters wrong", NULL);
	if (nchunks != cl_pool.nchunks || dirty != cl_pool.dirty_pages)
		faults += fault("chunk counters wrong", NULL);
	struct cl_os_stats os;
	cl_os_stats(&os);
	if (os.refused_calls)
		faults += fault("an OS call misaligned to the page (refused in the strict test mode)", NULL);
	return faults;
}

int cl_heap_check(void)
{
	if (!cl_is_ready())
		return 0;
	cl_lock();
	int faults = cl_pool_check();
	cl_unlock();
	if (cl_opt.scribble)
		faults += cl_debug_quarantine_check();
	return faults;
}
