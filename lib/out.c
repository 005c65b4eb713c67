/*
 * out.c: formatting into a fixed buffer, written with write(2): how every
 * message, statistic and picture leaves the allocator, which must not call
 * malloc (or stdio, which does) while it prints.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void cl_out_flush(struct cl_out *o)
{
	size_t off = 0;
	while (off < o->len) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	o->len = 0;
}

static void out_mem(struct cl_out *o, const char *s, size_t n)
{
	while (n) {
		if (o->len == sizeof o->buf)
			cl_out_flush(o);
		size_t k = sizeof o->buf - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void cl_out_str(struct cl_out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

void cl_out_dec(struct cl_out *o, size_t v)
{
	char d[24];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	out_mem(o, d + i, sizeof d - i);
}

void cl_out_hex(struct cl_out *o, uintptr_t v)
{
	char d[2 + 16];
	size_t i = sizeof d;
	do
		d[--i] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	d[--i] = 'x';
	d[--i] = '0';
	out_mem(o, d + i, sizeof d - i);
}
