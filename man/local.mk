## man/local.mk: man pages (included by Makefile.am)

# One page per function family (STYLE.md, point 14); the other names of a
# family are one-line `.so man3/PAGE.3' links, installed as they are (dh_installman
# turns them into symbolic links).  man/check-pages.sh checks that every
# function of include/calloc-lite.h has a page, and that groff renders every
# page without a warning.
man_function_pages = \
	man/custom_malloc.3 \
	man/custom_posix_memalign.3 \
	man/custom_malloc_usable_size.3 \
	man/custom_init_pool.3 \
	man/custom_mallinfo.3 \
	man/custom_malloc_stats.3 \
	man/custom_malloc_trim.3 \
	man/custom_malloc_profile_dump.3 \
	man/custom_heap_map.3 \
	man/print_free_list.3
man_link_pages = \
	man/custom_free.3 \
	man/custom_calloc.3 \
	man/custom_realloc.3 \
	man/custom_aligned_alloc.3 \
	man/custom_malloc_lock_stats.3

dist_man_MANS = \
	$(man_function_pages) \
	$(man_link_pages) \
	man/libcalloc-lite.7 \
	man/calloc-lite-run.1

TESTS += man/check-pages.sh
EXTRA_DIST += man/check-pages.sh
