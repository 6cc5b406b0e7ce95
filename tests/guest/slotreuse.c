// SPDX-License-Identifier: GPL-2.0
/*
 * zram slot reuse with deferred slot frees (TAP). Run on a zram swap device
 * only a little larger than MB, with the free workers held
 * (zsmalloc.test_hold=Y), so that:
 *   A: MB of data goes to swap and is unmapped: its slots are freed, and
 *      in hbuf-cb their zram slot frees stay pending;
 *   B: MB of other data goes to swap; the device is too small for both,
 *      so B is written to slots whose deferred frees are still pending;
 *   CMD runs (it releases the workers and drains);
 *   B is read back and every page checked: a deferred free that hit B's
 *      data would show as lost pages.
 *
 * usage: slotreuse [-s MB] [-r random-bytes-per-page] -x CMD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zsd.h"

/* Map @pages, fill them from @seed and push them to swap; NULL on failure */
static unsigned char *swapped_region(unsigned long pages, uint64_t seed,
				     unsigned int rnd, const char *what)
{
	long want_kb = (long)(pages * (ZSD_PAGE / 1024)) * 95 / 100, kb;
	unsigned char *buf;
	unsigned long i;

	buf = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		zsd_die("mmap: %m");
	for (i = 0; i < pages; i++)
		zsd_fill_page(buf + i * ZSD_PAGE, i, seed, rnd);
	kb = zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
	zsd_ok(kb >= want_kb, "%s: %lu pages in swap (VmSwap %ld kB, want %ld)",
	       what, pages, kb, want_kb);
	return buf;
}

int main(int argc, char **argv)
{
	unsigned long mb = 40, rnd = 1024, pages, i, bad = 0;
	static unsigned char want[ZSD_PAGE];
	const char *cmd = NULL;
	unsigned char *a, *b;
	int opt, rc;

	while ((opt = getopt(argc, argv, "s:r:x:")) != -1) {
		switch (opt) {
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'x': cmd = optarg; break;
		default:
			fprintf(stderr, "usage: slotreuse [-s MB] [-r BYTES] -x CMD\n");
			return 2;
		}
	}
	if (!cmd || !mb || rnd > ZSD_PAGE) {
		fprintf(stderr, "usage: slotreuse [-s MB] [-r BYTES] -x CMD\n");
		return 2;
	}
	pages = mb * 1024 * 1024 / ZSD_PAGE;

	a = swapped_region(pages, 0xa11ce, rnd, "A");
	if (munmap(a, pages * ZSD_PAGE))
		zsd_die("munmap: %m");
	b = swapped_region(pages, 0xb0b, rnd, "B, on A's freed slots");

	rc = system(cmd);
	zsd_ok(rc == 0, "'%s' exited %d", cmd, rc);

	for (i = 0; i < pages; i++) {
		zsd_fill_page(want, i, 0xb0b, rnd);
		if (memcmp(b + i * ZSD_PAGE, want, ZSD_PAGE))
			bad++;
	}
	zsd_ok(bad == 0, "B read back after the deferred frees ran: %lu of %lu pages wrong",
	       bad, pages);
	munmap(b, pages * ZSD_PAGE);
	return zsd_tap_done() ? 1 : 0;
}
