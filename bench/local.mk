## bench/local.mk: benchmarks (included by Makefile.am)
##
## `make bench` builds the workload programs and runs bench/run, which runs
## every workload under glibc, jemalloc, mimalloc, tcmalloc and calloc-lite
## (interleaved, medians of 5 runs) and prints markdown tables: time, ratio
## to glibc, minor page faults and system CPU seconds per row, a compact
## "time ratio / faults / sys" table per workload, and geometric means.
## `make bench-callgrind` counts instructions per malloc/free pair.
## `make bench-scaling` runs the multi-threaded workloads at 1, 2, 4, ...
## threads (up to twice the CPUs; BENCH_FLAGS='--threads 1,2,4,8' to choose)
## and reports calls per second, speedup, and calloc-lite's lock
## acquisitions and contended acquisitions per 1000 calls.
## Extra options for bench/run: make bench BENCH_FLAGS='--reps 3 --only churn'.
## A quick smoke run: make bench BENCH_FLAGS='--reps 1 --scale 0.01'
## (--scale, or CL_BENCH_SCALE in the environment, multiplies every
## workload's default size).  bench/run --list names and describes them all.
##
## Workload programs (each documents itself at its top):
##   churn, larson, realloc, liveset, large, release, calloc, aligned,
##     threadchurn: one program each;
##   xthread: N producer/consumer pairs; bench/run's xthread (1 pair,
##     16-512 B), prodcons (2 pairs, 16 B-2 KiB) and prodcons64 (2 pairs,
##     64 B) all run it;
##   bigslots: 8 live blocks of 256 KiB-16 MiB recycled 10^6 times;
##   bigcalloc: callocs of 16 B-2 MiB, every byte checked zero, then dirtied;
##   rebuild: a ~1 GiB heap built, freed (all, or 90% for bench/run's
##     rebuild90) and built again;
##   bigfill: 10^6 live blocks of 16 B-4 KiB (~2 GiB), the fill timed;
##   runchild: the measuring wrapper (wall time, rusage, page faults).
##
## The programs use only the standard malloc family and are NOT linked with
## libcalloc-lite: bench/run swaps allocators with LD_PRELOAD.  They are
## EXTRA_PROGRAMS, built only on `make bench`, with -fno-builtin so that gcc
## cannot elide malloc/free pairs, and without the sanitizer flags of an
## --enable-asan build (an ASan runtime would replace malloc).

bench_PROGS = \
	bench/churn \
	bench/larson \
	bench/xthread \
	bench/realloc \
	bench/liveset \
	bench/large \
	bench/release \
	bench/calloc \
	bench/aligned \
	bench/threadchurn \
	bench/bigslots \
	bench/bigcalloc \
	bench/rebuild \
	bench/bigfill \
	bench/runchild
EXTRA_PROGRAMS = $(bench_PROGS)

bench_cppflags = -I$(top_srcdir)/bench
bench_cflags = -std=gnu11 -O2 -fno-builtin -pthread
bench_ldflags = -pthread
bench_ldadd = -lpthread

bench_churn_SOURCES = bench/churn.c bench/bench.h
bench_churn_CPPFLAGS = $(bench_cppflags)
bench_churn_CFLAGS = $(bench_cflags)
bench_churn_LDFLAGS = $(bench_ldflags)
bench_churn_LDADD = $(bench_ldadd)

bench_larson_SOURCES = bench/larson.c bench/bench.h
bench_larson_CPPFLAGS = $(bench_cppflags)
bench_larson_CFLAGS = $(bench_cflags)
bench_larson_LDFLAGS = $(bench_ldflags)
bench_larson_LDADD = $(bench_ldadd)

bench_xthread_SOURCES = bench/xthread.c bench/bench.h
bench_xthread_CPPFLAGS = $(bench_cppflags)
bench_xthread_CFLAGS = $(bench_cflags)
bench_xthread_LDFLAGS = $(bench_ldflags)
bench_xthread_LDADD = $(bench_ldadd)

bench_realloc_SOURCES = bench/realloc.c bench/bench.h
bench_realloc_CPPFLAGS = $(bench_cppflags)
bench_realloc_CFLAGS = $(bench_cflags)
bench_realloc_LDFLAGS = $(bench_ldflags)
bench_realloc_LDADD = $(bench_ldadd)

bench_liveset_SOURCES = bench/liveset.c bench/bench.h
bench_liveset_CPPFLAGS = $(bench_cppflags)
bench_liveset_CFLAGS = $(bench_cflags)
bench_liveset_LDFLAGS = $(bench_ldflags)
bench_liveset_LDADD = $(bench_ldadd)

bench_large_SOURCES = bench/large.c bench/bench.h
bench_large_CPPFLAGS = $(bench_cppflags)
bench_large_CFLAGS = $(bench_cflags)
bench_large_LDFLAGS = $(bench_ldflags)
bench_large_LDADD = $(bench_ldadd)

bench_release_SOURCES = bench/release.c bench/bench.h
bench_release_CPPFLAGS = $(bench_cppflags)
bench_release_CFLAGS = $(bench_cflags)
bench_release_LDFLAGS = $(bench_ldflags)
bench_release_LDADD = $(bench_ldadd)

bench_calloc_SOURCES = bench/calloc.c bench/bench.h
bench_calloc_CPPFLAGS = $(bench_cppflags)
bench_calloc_CFLAGS = $(bench_cflags)
bench_calloc_LDFLAGS = $(bench_ldflags)
bench_calloc_LDADD = $(bench_ldadd)

bench_aligned_SOURCES = bench/aligned.c bench/bench.h
bench_aligned_CPPFLAGS = $(bench_cppflags)
bench_aligned_CFLAGS = $(bench_cflags)
bench_aligned_LDFLAGS = $(bench_ldflags)
bench_aligned_LDADD = $(bench_ldadd)

bench_threadchurn_SOURCES = bench/threadchurn.c bench/bench.h
bench_threadchurn_CPPFLAGS = $(bench_cppflags)
bench_threadchurn_CFLAGS = $(bench_cflags)
bench_threadchurn_LDFLAGS = $(bench_ldflags)
bench_threadchurn_LDADD = $(bench_ldadd)

bench_bigslots_SOURCES = bench/bigslots.c bench/bench.h
bench_bigslots_CPPFLAGS = $(bench_cppflags)
bench_bigslots_CFLAGS = $(bench_cflags)
bench_bigslots_LDFLAGS = $(bench_ldflags)
bench_bigslots_LDADD = $(bench_ldadd)

bench_bigcalloc_SOURCES = bench/bigcalloc.c bench/bench.h
bench_bigcalloc_CPPFLAGS = $(bench_cppflags)
bench_bigcalloc_CFLAGS = $(bench_cflags)
bench_bigcalloc_LDFLAGS = $(bench_ldflags)
bench_bigcalloc_LDADD = $(bench_ldadd)

bench_rebuild_SOURCES = bench/rebuild.c bench/bench.h
bench_rebuild_CPPFLAGS = $(bench_cppflags)
bench_rebuild_CFLAGS = $(bench_cflags)
bench_rebuild_LDFLAGS = $(bench_ldflags)
bench_rebuild_LDADD = $(bench_ldadd)

bench_bigfill_SOURCES = bench/bigfill.c bench/bench.h
bench_bigfill_CPPFLAGS = $(bench_cppflags)
bench_bigfill_CFLAGS = $(bench_cflags)
bench_bigfill_LDFLAGS = $(bench_ldflags)
bench_bigfill_LDADD = $(bench_ldadd)

# the measuring wrapper (fork/exec, wait4 rusage, timeout); not a workload
bench_runchild_SOURCES = bench/runchild.c
bench_runchild_CPPFLAGS = $(bench_cppflags)
bench_runchild_CFLAGS = $(bench_cflags)
bench_runchild_LDFLAGS = $(bench_ldflags)

EXTRA_DIST += \
	bench/run \
	bench/py_alloc.py \
	bench/perl_hash.pl \
	bench/sqlite.sql \
	bench/lua_table.lua

CLEANFILES += $(bench_PROGS:=$(EXEEXT))

BENCH_FLAGS =
bench_run = $(SHELL) $(top_srcdir)/bench/run --builddir '$(abs_top_builddir)' \
	--bindir '$(abs_top_builddir)/bench'

# `all` first: the drop-in library must be current.
bench: all $(bench_PROGS:=$(EXEEXT))
	$(bench_run) $(BENCH_FLAGS)

bench-callgrind: all bench/churn$(EXEEXT) bench/runchild$(EXEEXT)
	$(bench_run) --callgrind $(BENCH_FLAGS)

bench-scaling: all bench/churn$(EXEEXT) bench/larson$(EXEEXT) bench/xthread$(EXEEXT) \
		bench/threadchurn$(EXEEXT) bench/runchild$(EXEEXT)
	$(bench_run) --scaling $(BENCH_FLAGS)

.PHONY: bench bench-callgrind bench-scaling
