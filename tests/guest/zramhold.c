// SPDX-License-Identifier: GPL-2.0
/*
 * Hold data in swap while commands act on the swap device (TAP): for each
 * -x CMD, map a region of MB, fill it, push it to swap and run CMD; then
 * read every region back and check every page, push them to swap again and
 * unmap them (half, then the rest), so that their slots are freed.
 *
 * Pages of a region come in kinds that take different paths through zram
 * (page index modulo 8): 0 same-filled (no zsmalloc object); 1 random (a
 * huge object that no algorithm compresses); 2, 3 random nibbles (huge for
 * lz4, about half a page for zstd: recompression replaces them); 4-7 RND
 * random bytes and a pattern (compressible). -p: every page compressible.
 * No page is ever all zero.
 *
 * A command that kills this program (kill -9 $PPID) makes it a victim whose
 * slots are freed by its exit.
 *
 * usage: zramhold [-s MB] [-r BYTES] [-p] -x CMD [-x CMD]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zsd.h"

#define MAX_REGIONS 8

static void fill(unsigned char *p, unsigned long idx, uint64_t seed, unsigned int rnd,
		 int plain)
{
	uint64_t x = (idx + 1) * 0x9e3779b97f4a7c15ULL ^ seed ^ 0x5a5a;
	size_t i;

	if (plain) {
		zsd_fill_page(p, idx, seed, rnd);
		return;
	}
	switch (idx % 8) {
	case 0:
		memset(p, (int)((seed + idx) % 255) + 1, ZSD_PAGE);
		return;
	case 1:
		zsd_fill_page(p, idx, seed, ZSD_PAGE);
		return;
	case 2:
	case 3:
		for (i = 0; i < ZSD_PAGE; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (unsigned char)(x & 0x0f);
		}
		memcpy(p + ZSD_PAGE - sizeof(idx), &idx, sizeof(idx));
		return;
	default:
		zsd_fill_page(p, idx, seed, rnd);
	}
}

int main(int argc, char **argv)
{
	unsigned long mb = 32, rnd = 1024, pages, i, bad = 0;
	static unsigned char want[ZSD_PAGE];
	unsigned char *region[MAX_REGIONS];
	const char *cmd[MAX_REGIONS];
	int opt, n = 0, plain = 0, k, rc;
	long want_kb, kb;

	while ((opt = getopt(argc, argv, "s:r:px:")) != -1) {
		switch (opt) {
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'p': plain = 1; break;
		case 'x':
			if (n < MAX_REGIONS) {
				cmd[n++] = optarg;
				break;
			}
			/* fall through */
		default:
			fprintf(stderr, "usage: zramhold [-s MB] [-r BYTES] [-p] -x CMD "
				"[-x CMD]... (at most %d)\n", MAX_REGIONS);
			return 2;
		}
	}
	if (!n || !mb || rnd > ZSD_PAGE) {
		fprintf(stderr, "usage: zramhold [-s MB] [-r BYTES] [-p] -x CMD [-x CMD]...\n");
		return 2;
	}
	pages = mb * 1024 * 1024 / ZSD_PAGE;

	for (k = 0; k < n; k++) {
		region[k] = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region[k] == MAP_FAILED)
			zsd_die("mmap: %m");
		for (i = 0; i < pages; i++)
			fill(region[k] + i * ZSD_PAGE, i, k + 1, rnd, plain);
		want_kb = (long)((k + 1) * pages * (ZSD_PAGE / 1024)) * 95 / 100;
		kb = zsd_pageout(region[k], pages * ZSD_PAGE, want_kb);
		zsd_ok(kb >= want_kb, "region %d: %lu MB in swap (VmSwap %ld kB, want >= %ld)",
		       k, mb, kb, want_kb);
		rc = system(cmd[k]);
		if (rc != -1)
			rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
		zsd_ok(rc == 0, "region %d held, '%s' exited %d", k, cmd[k], rc);
	}

	for (k = 0; k < n; k++)
		for (i = 0; i < pages; i++) {
			fill(want, i, k + 1, rnd, plain);
			if (memcmp(region[k] + i * ZSD_PAGE, want, ZSD_PAGE))
				bad++;
		}
	zsd_ok(bad == 0, "read back %d x %lu pages (%s): %lu wrong", n, pages,
	       plain ? "compressible" : "same-filled, huge, recompressible, compressible",
	       bad);

	want_kb = (long)(n * pages * (ZSD_PAGE / 1024)) * 95 / 100;
	kb = 0;
	for (k = 0; k < n; k++)
		kb = zsd_pageout(region[k], pages * ZSD_PAGE, want_kb * (k + 1) / n);
	zsd_ok(kb >= want_kb, "swapped out again (VmSwap %ld kB, want >= %ld)", kb, want_kb);
	for (k = 0; k < n; k++) {
		munmap(region[k], pages / 2 * ZSD_PAGE);
		munmap(region[k] + pages / 2 * ZSD_PAGE, (pages - pages / 2) * ZSD_PAGE);
	}
	return zsd_tap_done() ? 1 : 0;
}
