// SPDX-License-Identifier: GPL-2.0
/*
 * Guest smoke test: fill anonymous memory with compressible data that is not
 * same-filled, push it to zram swap, read it back with per-page checksums,
 * push it out again, time munmap() and check that zram gives its memory back.
 *
 * usage: smoke [-s MB] [-r random-bytes-per-page] [-c expected-cpus]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zsd.h"

int main(int argc, char **argv)
{
	unsigned long mb = 256, rnd = 1024, pages, i, bad = 0;
	long cpus = 0, want_kb, kb;
	long long base, mem, slack, wait;
	uint64_t *sums, t0, t_unmap;
	unsigned char *buf;
	char cs[64] = "";
	int opt;

	while ((opt = getopt(argc, argv, "s:r:c:")) != -1) {
		switch (opt) {
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'c': cpus = strtol(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: smoke [-s MB] [-r BYTES] [-c CPUS]\n");
			return 2;
		}
	}
	pages = mb * 1024 * 1024 / ZSD_PAGE;
	want_kb = (long)(pages * (ZSD_PAGE / 1024)) * 95 / 100;

	if (cpus)
		zsd_ok(sysconf(_SC_NPROCESSORS_ONLN) == cpus,
		       "guest has %ld CPUs online (want %ld)",
		       sysconf(_SC_NPROCESSORS_ONLN), cpus);
	zsd_read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      cs, sizeof(cs));
	cs[strcspn(cs, "\n")] = '\0';
	zsd_ok(strcmp(cs, "jiffies") != 0 && cs[0], "clocksource is %s, not jiffies", cs);
	base = zsd_zram_mem();
	zsd_ok(base >= 0, "zram0 mm_stat readable (mem_used_total %lld)", base);
	if (base < 0)
		return zsd_tap_done();

	sums = calloc(pages, sizeof(*sums));
	buf = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sums || buf == MAP_FAILED)
		zsd_die("allocating %lu MB: %s", mb, strerror(errno));
	for (i = 0; i < pages; i++) {
		zsd_fill_page(buf + i * ZSD_PAGE, i, 42, rnd);
		sums[i] = zsd_csum(buf + i * ZSD_PAGE, ZSD_PAGE);
	}
	kb = zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
	zsd_ok(kb >= want_kb, "filled %lu MB (%lu random bytes/page), VmSwap %ld kB (want >= %ld)",
	       mb, rnd, kb, want_kb);
	mem = zsd_zram_mem();
	zsd_ok(mem > base, "zram holds it: mem_used_total %lld -> %lld bytes", base, mem);

	for (i = 0; i < pages; i++)
		if (zsd_csum(buf + i * ZSD_PAGE, ZSD_PAGE) != sums[i])
			bad++;
	zsd_ok(bad == 0, "read back %lu pages, %lu checksum mismatches", pages, bad);

	kb = zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
	zsd_ok(kb >= want_kb, "swapped out again, VmSwap %ld kB", kb);

	t0 = zsd_now_ns();
	if (munmap(buf, pages * ZSD_PAGE))
		zsd_die("munmap: %s", strerror(errno));
	t_unmap = zsd_now_ns() - t0;
	slack = zsd_slot_cache_slack();
	wait = zsd_wait_zram_below(base + slack, 10000);
	mem = zsd_zram_mem();
	zsd_ok(wait >= 0, "zram memory back to baseline: %lld bytes (start %lld, slot-cache allowance %lld)",
	       mem, base, slack);
	printf("# munmap_ms=%.3f release_ms=%.3f size_mb=%lu random_bytes=%lu\n",
	       t_unmap / 1e6, wait >= 0 ? (t_unmap + wait) / 1e6 : -1.0, mb, rnd);
	free(sums);
	return zsd_tap_done() ? 1 : 0;
}
