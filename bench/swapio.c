// SPDX-License-Identifier: GPL-2.0
/*
 * The no-regression workload: what a free policy must not make worse.
 *
 * One process maps S MB of anonymous memory and fills it with data of a
 * chosen compressibility (never same-filled), then measures:
 *
 *   write: MADV_PAGEOUT of the whole region, MB/s (compression and
 *          zs_malloc() in the swap backend);
 *   read:  a first touch of every page in address order, MB/s (swap-in:
 *          decompression, and the swap slot's free, which the free policy
 *          handles);
 *   fault: after a second pageout, every page touched once in a shuffled
 *          order, each touch timed on its own: p50, p99 and mean in us.
 *
 * Every touch checks the page's index stamp, so a lost or wrong page fails
 * the run. At the end the region is unmapped and the backend must give its
 * memory back (as in munmap.c), so the next measurement starts clean.
 *
 * Prints one line: "result workload=swapio key=value ...".
 * usage: swapio [-s MB] [-r random-bytes-per-page] [-b zram|zswap]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zsd.h"

/* The index zsd_fill_page() stamps at the end of every page. */
static int page_ok(const unsigned char *p, uint64_t idx)
{
	uint64_t v;

	memcpy(&v, p + ZSD_PAGE - sizeof(v), sizeof(v));
	return v == idx;
}

static void pageout(unsigned char *buf, unsigned long pages, enum zsd_swap swap)
{
	long want_kb = (long)(pages * (ZSD_PAGE / 1024)) * 95 / 100;
	struct zsd_swap_state base;

	zsd_swap_baseline(swap, &base, "swapio");
	if (zsd_pageout(buf, pages * ZSD_PAGE, want_kb) < want_kb) {
		fprintf(stderr, "swapio: could not push the region to swap\n");
		exit(1);
	}
	zsd_check_stored(swap, &base, pages * ZSD_PAGE, "swapio");
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted samples, nearest rank. */
static double quantile_us(const uint32_t *sorted, unsigned long n, double q)
{
	unsigned long i = (unsigned long)(q * (n - 1) + 0.5);

	return sorted[i < n ? i : n - 1] / 1e3;
}

int main(int argc, char **argv)
{
	unsigned long mb = 256, rnd = 1024, pages, i, bad = 0;
	int opt, swap = ZSD_SWAP_ZRAM;
	struct zsd_swap_state base;
	unsigned char *buf;
	uint32_t *lat;
	unsigned long *order;
	uint64_t t0, t_write, t_read, x = 0x2545f4914f6cdd1dULL;
	double sum = 0;
	long long wait;

	while ((opt = getopt(argc, argv, "s:r:b:")) != -1) {
		switch (opt) {
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'b': swap = zsd_swap_parse(optarg); break;
		default:
			fprintf(stderr, "usage: swapio [-s MB] [-r BYTES] [-b zram|zswap]\n");
			return 2;
		}
	}
	if (!mb || swap < 0) {
		fprintf(stderr, "swapio: need -s >= 1 and -b zram or zswap\n");
		return 2;
	}
	zsd_swap_baseline(swap, &base, "swapio");
	pages = mb * 1024 * 1024 / ZSD_PAGE;
	lat = calloc(pages, sizeof(*lat));
	order = calloc(pages, sizeof(*order));
	buf = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!lat || !order || buf == MAP_FAILED) {
		fprintf(stderr, "swapio: allocating %lu MB: %s\n", mb, strerror(errno));
		return 1;
	}
	for (i = 0; i < pages; i++)
		zsd_fill_page(buf + i * ZSD_PAGE, i, 7, rnd);

	t0 = zsd_now_ns();
	pageout(buf, pages, swap);
	t_write = zsd_now_ns() - t0;

	t0 = zsd_now_ns();
	for (i = 0; i < pages; i++)
		bad += !page_ok(buf + i * ZSD_PAGE, i);
	t_read = zsd_now_ns() - t0;

	/* A fixed shuffle (Fisher-Yates, xorshift): the same order every run. */
	for (i = 0; i < pages; i++)
		order[i] = i;
	for (i = pages - 1; i > 0; i--) {
		unsigned long j, tmp;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	pageout(buf, pages, swap);
	for (i = 0; i < pages; i++) {
		unsigned long p = order[i];
		uint64_t t = zsd_now_ns();

		bad += !page_ok(buf + p * ZSD_PAGE, p);
		lat[i] = (uint32_t)(zsd_now_ns() - t);
		sum += lat[i];
	}
	qsort(lat, pages, sizeof(*lat), cmp_u32);
	if (bad) {
		fprintf(stderr, "swapio: %lu pages came back wrong\n", bad);
		return 1;
	}
	munmap(buf, pages * ZSD_PAGE);
	wait = zsd_wait_released(swap, &base, 30000);
	if (wait < 0) {
		fprintf(stderr, "swapio: %s's memory never came back\n", zsd_swap_name(swap));
		return 1;
	}
	printf("result workload=swapio swap=%s procs=1 size_mb=%lu random_bytes=%lu "
	       "write_mbs=%.2f read_mbs=%.2f fault_p50_us=%.2f fault_p99_us=%.2f "
	       "fault_mean_us=%.2f faults=%lu\n",
	       zsd_swap_name(swap), mb, rnd, mb / (t_write / 1e9), mb / (t_read / 1e9),
	       quantile_us(lat, pages, 0.5), quantile_us(lat, pages, 0.99),
	       sum / pages / 1e3, pages);
	free(lat);
	free(order);
	return 0;
}
