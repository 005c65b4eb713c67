/*
 * sizeclass.c: the size-class tables.
 */
#include "internal.h"
#include "tap.h"

int main(void)
{
	cl_init();

	int mono = 1, mult = 1, waste = 1, lim = 1;
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		if (c && cl_class_size[c] <= cl_class_size[c - 1])
			mono = 0;
		if (cl_class_size[c] % CL_ALIGN)
			mult = 0;
		if (c && cl_class_size[c] > 1024 &&
		    (cl_class_size[c] - cl_class_size[c - 1]) * 8 > cl_class_size[c - 1])
			waste = 0;
		if (cl_class_limit[c] < 2 || cl_class_limit[c] > 128)
			lim = 0;
	}
	ok(mono, "class sizes strictly increase");
	ok(mult, "class sizes are multiples of 16");
	is_size(cl_class_size[0], CL_MIN_BLOCK, "smallest class is the smallest block");
	is_size(cl_class_size[CL_CLASSES - 1], CL_SMALL_MAX, "largest class is CL_SMALL_MAX");
	ok(waste, "rounding up to a class wastes at most 12.5%%");
	ok(lim, "cache limits are between 2 and 128 blocks");

	int up = 1, down = 1;
	for (size_t s = CL_MIN_BLOCK; s <= CL_SMALL_MAX; s += CL_ALIGN) {
		unsigned u = cl_class_up[s / CL_ALIGN], e = cl_class_exact[s / CL_ALIGN];
		if (cl_class_size[u] < s || (u && cl_class_size[u - 1] >= s))
			up = 0;
		if (e == CL_NO_CLASS ? cl_class_size[u] == s : e != u || cl_class_size[e] != s)
			down = 0;
	}
	ok(up, "class_up gives the smallest class that holds each block size");
	ok(down, "class_exact gives the class of exactly that size, or none");

	int req = 1;
	for (size_t n = 0; n <= CL_SMALL_REQ_MAX; n++) {
		size_t bs = cl_request_to_bsize(n);
		if (bs < n + 8 || bs % CL_ALIGN || bs < CL_MIN_BLOCK || bs > CL_SMALL_MAX)
			req = 0;
	}
	ok(req, "every small request maps to a block with room for it");
	is_size(cl_request_to_bsize(SIZE_MAX), 0, "SIZE_MAX maps to no block");
	is_size(cl_request_to_bsize(SIZE_MAX - 8), 0, "SIZE_MAX - 8 maps to no block");
	return done_testing();
}
