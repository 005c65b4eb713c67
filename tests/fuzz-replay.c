/*
 * fuzz-replay.c: the fuzz target (fuzz/ops.c) under make check, without
 * libFuzzer: the inputs that once failed, then pseudo-random programs.
 * The target aborts on any corruption it sees, so reaching the end is the
 * test.
 */
#include "tap.h"
#include "pattern.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs libFuzzer found; each was a crash when it was added. */
static const uint8_t regress1[] = {  /* trim on a slot holding a 0-byte block */
	0xff, 0xff, 0xff, 0x3d, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* A bin's block of the largest class that took its refill's remainder
 * (more than CL_SMALL_MAX bytes) looked up past the class table when it
 * was flushed (UBSan, make fuzz). */
static const uint8_t regress2[] = {
	0x00, 0x37, 0x05, 0xff, 0xff, 0x21, 0xff,
};

int main(void)
{
	LLVMFuzzerTestOneInput(regress1, sizeof regress1);
	LLVMFuzzerTestOneInput(regress2, sizeof regress2);
	ok(1, "regression inputs replay clean");

	/* Under an emulator each program costs four times as much, and this
	 * test was half of a cross suite's time: a fifth of the programs. */
	int runs = getenv("CL_UNDER_VALGRIND") ? 100 : emulator() ? 300 : 1500;
	uint64_t seed = 0x5eed5eed5eedull;
	uint8_t buf[600];
	for (int r = 0; r < runs; r++) {
		size_t n = (size_t)(xorshift(&seed) % sizeof buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)xorshift(&seed);
		LLVMFuzzerTestOneInput(buf, n);
	}
	ok(1, "%d pseudo-random allocator programs ran with every block and the heap intact", runs);
	return done_testing();
}
