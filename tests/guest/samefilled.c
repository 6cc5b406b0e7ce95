// SPDX-License-Identifier: GPL-2.0
/*
 * Same-filled pages through zram swap and back out (TAP): MB of pages (the
 * kernel's: 4K or 16K), each filled with one byte value, pushed to swap, checked, then unmapped. zram
 * keeps such pages as a flag and the value, nothing in zsmalloc, so their
 * slot frees have nothing for a free policy to defer; the suite compares
 * /sys/kernel/mm/zsmalloc/deferred around this run.
 *
 * usage: samefilled [-s MB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zsd.h"

int main(int argc, char **argv)
{
	unsigned long mb = 32, pages, i, bad = 0, page = zsd_kpage();
	long want_kb, kb;
	unsigned char *buf;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		switch (opt) {
		case 's': mb = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: samefilled [-s MB]\n");
			return 2;
		}
	}
	if (!mb || optind != argc) {
		fprintf(stderr, "usage: samefilled [-s MB]\n");
		return 2;
	}
	pages = mb * 1024 * 1024 / page;
	want_kb = (long)(pages * (page / 1024)) * 95 / 100;

	buf = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		zsd_die("mmap: %m");
	/* Never 0: untouched-looking zero pages are not the point here */
	for (i = 0; i < pages; i++)
		memset(buf + i * page, (int)(i % 255) + 1, page);
	kb = zsd_pageout(buf, pages * page, want_kb);
	zsd_ok(kb >= want_kb, "%lu same-filled pages in swap (VmSwap %ld kB, want %ld)",
	       pages, kb, want_kb);
	for (i = 0; i < pages; i++) {
		const unsigned char *p = buf + i * page;

		if (p[0] != (unsigned char)(i % 255 + 1) ||
		    memcmp(p, p + 1, page - 1))
			bad++;
	}
	zsd_ok(bad == 0, "same-filled pages read back: %lu of %lu wrong", bad, pages);
	/* Read back: swap it out again, so that the unmap frees swap slots */
	kb = zsd_pageout(buf, pages * page, want_kb);
	zsd_ok(kb >= want_kb, "same-filled pages in swap again (VmSwap %ld kB)", kb);
	if (munmap(buf, pages * page))
		zsd_die("munmap: %m");
	return zsd_tap_done() ? 1 : 0;
}
