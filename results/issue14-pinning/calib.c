// SPDX-License-Identifier: GPL-2.0
/*
 * The guest calibration tried for out2/out3 (bench/calib.c then, removed:
 * it did not track the slow samples). Run by bench/modes.sh before and after
 * each measurement, its two figures appended as calib_ms=, calib_mem_ms=,
 * calib_after_ms=, calib_after_mem_ms=.
 *
 *   cpu: a pseudo-random walk over one page (translated code, no TLB misses)
 *   mem: the same walk over 4 MB (TCG's software TLB refilled all the time)
 */
#include <stdio.h>
#include <string.h>

#include "zsd.h"

static uint64_t buf[(4 << 20) / sizeof(uint64_t)];

static double walk(uint64_t mask, unsigned long steps)
{
	uint64_t x = 88172645463325252ULL, t0 = zsd_now_ns();
	unsigned long i;

	for (i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[x & mask] += x;
		x += buf[(x >> 32) & mask];
	}
	if (x == 42)
		buf[0]++;
	return (zsd_now_ns() - t0) / 1e6;
}

int main(void)
{
	double cpu, mem;

	memset(buf, 1, sizeof(buf));
	cpu = walk(ZSD_PAGE / sizeof(uint64_t) - 1, 1UL << 19);
	mem = walk(sizeof(buf) / sizeof(buf[0]) - 1, 1UL << 17);
	printf("calib cpu_ms=%.3f mem_ms=%.3f\n", cpu, mem);
	return 0;
}
