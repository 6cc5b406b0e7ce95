// SPDX-License-Identifier: GPL-2.0
/*
 * Swap stress with data checks: P processes each loop L times over
 * mmap -> fill -> MADV_PAGEOUT -> verify every page -> MADV_PAGEOUT -> munmap,
 * while the parent (optionally) switches /sys/kernel/mm/zsmalloc/free_mode
 * through a list of modes every few milliseconds.
 *
 * usage: swapstress [-p procs] [-s MB] [-r random-bytes] [-l loops]
 *                   [-m mode,mode,...] [-i switch-interval-us]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zsd.h"

#define FREE_MODE "/sys/kernel/mm/zsmalloc/free_mode"

/* Compare pages [first, first + n) of buf with what was written there. */
static unsigned long check_pages(unsigned char *buf, unsigned long first,
				 unsigned long n, uint64_t seed, unsigned int rnd)
{
	static unsigned char want[ZSD_PAGE];
	unsigned long i, bad = 0;

	for (i = first; i < first + n; i++) {
		zsd_fill_page(want, i, seed, rnd);
		if (memcmp(buf + i * ZSD_PAGE, want, ZSD_PAGE))
			bad++;
	}
	return bad;
}

/* One worker process; its exit status is 0, or 1 on any mismatch. */
static int child(int id, unsigned long mb, unsigned int rnd, int loops)
{
	unsigned long pages = mb * 1024 * 1024 / ZSD_PAGE, i, bad = 0;
	long want_kb = (long)(mb * 1024) * 90 / 100, kb;
	int l;

	for (l = 0; l < loops; l++) {
		uint64_t seed = ((uint64_t)id << 32) | (uint64_t)l;
		unsigned char *buf = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED) {
			printf("# child %d: mmap: %s\n", id, strerror(errno));
			return 1;
		}
		for (i = 0; i < pages; i++)
			zsd_fill_page(buf + i * ZSD_PAGE, i, seed, rnd);
		kb = zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
		if (kb < want_kb)
			printf("# child %d loop %d: only %ld kB swapped out\n", id, l, kb);
		bad += check_pages(buf, 0, pages, seed, rnd);
		zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
		/* Unmap half first so its frees interleave with swap-ins below. */
		munmap(buf, pages / 2 * ZSD_PAGE);
		bad += check_pages(buf, pages / 2, pages - pages / 2, seed, rnd);
		munmap(buf + pages / 2 * ZSD_PAGE, (pages - pages / 2) * ZSD_PAGE);
	}
	if (bad)
		printf("# child %d: %lu mismatching pages\n", id, bad);
	fflush(stdout);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long mb = 64, rnd = 1024, interval = 3000, switches = 0, errors = 0;
	int procs = 2, loops = 4, opt, i, failed = 0, running, status;
	char *modes = NULL, *mode[16], *save;
	int nmodes = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "p:s:r:l:m:i:")) != -1) {
		switch (opt) {
		case 'p': procs = atoi(optarg); break;
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'l': loops = atoi(optarg); break;
		case 'm': modes = optarg; break;
		case 'i': interval = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: swapstress [-p N] [-s MB] [-r BYTES] [-l LOOPS] "
				"[-m MODES] [-i USEC]\n");
			return 2;
		}
	}
	for (char *m = modes ? strtok_r(modes, ",", &save) : NULL; m && nmodes < 16;
	     m = strtok_r(NULL, ",", &save))
		mode[nmodes++] = m;

	for (i = 0; i < procs; i++) {
		pid = fork();
		if (pid < 0)
			zsd_die("fork: %s", strerror(errno));
		if (pid == 0)
			_exit(child(i, mb, rnd, loops));
	}
	running = procs;
	while (running > 0) {
		pid = nmodes ? waitpid(-1, &status, WNOHANG) : wait(&status);
		if (pid > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed++;
			continue;
		}
		if (pid < 0)
			break;
		if (zsd_write_file(FREE_MODE, mode[switches % nmodes]))
			errors++;
		switches++;
		usleep(interval);
	}
	zsd_ok(failed == 0, "%d procs x %d loops x %lu MB (%lu random bytes/page): %d with mismatches",
	       procs, loops, mb, rnd, failed);
	if (nmodes)
		zsd_ok(errors == 0 && switches > 0, "%lu mode switches during the run, %lu failed writes",
		       switches, errors);
	return zsd_tap_done() ? 1 : 0;
}
