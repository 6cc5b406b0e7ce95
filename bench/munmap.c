// SPDX-License-Identifier: GPL-2.0
/*
 * The thread's benchmark: P processes each map S MB of anonymous memory, fill
 * it with data of a chosen compressibility (never same-filled), push it to
 * swap with MADV_PAGEOUT and check it is there, wait at a barrier, then time
 * munmap(). With -k they are SIGKILLed together instead (the low-memory
 * killer case) and the time until all are reaped is measured.
 *
 * Also measured, from the barrier: the release time (until the swap backend
 * holds no more pages and memory than before the fill: zram's mm_stat, or
 * zswap's stored_pages and pool_total_size with -b zswap) and the CPU time
 * all CPUs spent running tasks meanwhile (/proc/schedstat), worker threads
 * included, less this process's own (observer_ms: the barrier and the
 * release poll, which reads the backend's figures every 200 us and so costs
 * more the later a mode releases); and the memory held, the share of what
 * the fill added to the backend's memory (zram's mem_used_total, zswap's
 * pool_total_size) that it still holds when the slowest munmap() returned
 * (with -k: when every process is reaped): about 0 where frees are
 * synchronous, what deferred frees hold back otherwise.
 *
 * -R is for the ceiling probes, which keep what they skip parked until the
 * probe is written again, after the measurement: the memory does not come
 * back meanwhile, so -R skips the release wait (release_ms=-1), the memory
 * held (held_pct=-1) and the check that the pages reached the backend
 * (VmSwap is still checked).
 *
 * fill_ms: each process's fill and pageout, in ms, averaged over the
 * processes: the same work in every mode of a run, timed a few seconds before
 * the free, so that a slow host shows in it as well as in the free. Under TCG
 * on this shared host whole phases of samples run 1.3-1.8x slower while the
 * host's load stays flat (results/issue14-pinning/): bench counts the samples
 * whose fill was slow (hostload.py).
 *
 * With -C CTL,ACK (the FIFOs of `perf record -D -1 --control=fifo:CTL,ACK`)
 * profiling is enabled at the barrier and disabled once the memory is back,
 * so the profile covers the free work only, as the thread's profiles did.
 *
 * Prints one line: "result key=value ...".
 * usage: munmap [-p procs] [-s MB] [-r random-bytes-per-page] [-b zram|zswap]
 *               [-k] [-R] [-C ctl,ack]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zsd.h"

/* Sum of per-CPU task run time in ns (schedstat field 7); 0 if unavailable. */
static unsigned long long busy_ns(void)
{
	static char buf[1 << 14];
	unsigned long long sum = 0, v[9];
	char *line;

	if (zsd_read_file("/proc/schedstat", buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "cpu", 3))
			continue;
		if (sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8]) == 9)
			sum += v[6];
	}
	return sum;
}

struct times { uint64_t start, end; };

/* CPU time this process has used, ns: the observer's share of busy_ns(). */
static uint64_t self_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* What a child says once its memory is in swap: 'r' (or 'n': not all of it
 * got there) and how long its fill and pageout took, ns. */
struct ready { uint64_t fill_ns; char ok; };

/* perf's control FIFOs: send a command, wait for its "ack". */
static int perf_ctl = -1, perf_ack = -1;

static void perf_command(const char *cmd)
{
	char ack[16];

	if (perf_ctl < 0)
		return;
	if (write(perf_ctl, cmd, strlen(cmd)) < 0 || read(perf_ack, ack, sizeof(ack)) <= 0)
		fprintf(stderr, "munmap: perf control '%s' got no ack\n", cmd);
}

static void perf_open(char *spec)
{
	char *comma = strchr(spec, ',');

	if (!comma) {
		fprintf(stderr, "munmap: -C wants CTL,ACK\n");
		exit(2);
	}
	*comma = '\0';
	perf_ctl = open(spec, O_WRONLY);
	perf_ack = open(comma + 1, O_RDONLY);
	if (perf_ctl < 0 || perf_ack < 0) {
		fprintf(stderr, "munmap: cannot open perf control FIFOs: %s\n", strerror(errno));
		exit(1);
	}
}

static void child(unsigned long mb, unsigned int rnd, int id, int ready, int go,
		  int res, int killmode)
{
	unsigned long pages = mb * 1024 * 1024 / ZSD_PAGE, i;
	long want_kb = (long)(mb * 1024) * 95 / 100, kb;
	struct ready r = { .ok = 'r' };
	struct times t;
	unsigned char *buf;
	uint64_t fill0;
	char c;

	buf = mmap(NULL, pages * ZSD_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(10);
	fill0 = zsd_now_ns();
	for (i = 0; i < pages; i++)
		zsd_fill_page(buf + i * ZSD_PAGE, i, (uint64_t)id << 20, rnd);
	kb = zsd_pageout(buf, pages * ZSD_PAGE, want_kb);
	r.fill_ns = zsd_now_ns() - fill0;
	if (kb < want_kb)
		r.ok = 'n';
	if (write(ready, &r, sizeof(r)) != sizeof(r))	/* atomic: < PIPE_BUF */
		_exit(11);
	if (killmode)
		for (;;)
			pause();
	if (read(go, &c, 1) < 0)
		_exit(12);
	t.start = zsd_now_ns();
	munmap(buf, pages * ZSD_PAGE);
	t.end = zsd_now_ns();
	if (write(res, &t, sizeof(t)) != sizeof(t))
		_exit(13);
	_exit(0);
}

int main(int argc, char **argv)
{
	int procs = 1, killmode = 0, norelease = 0, opt, i, ready[2], go[2], res[2];
	int notswapped = 0, swap = ZSD_SWAP_ZRAM;
	unsigned long mb = 256, rnd = 1024;
	unsigned long long busy0, busy;
	uint64_t self0, self;
	struct zsd_swap_state base, stored = { 0, -1 }, now;
	double held_pct = -1;
	long long wait = 0;
	uint64_t t0, tmax = 0, tsum = 0, treap = 0, fill_sum = 0;
	pid_t *pids;

	while ((opt = getopt(argc, argv, "p:s:r:b:kRC:")) != -1) {
		switch (opt) {
		case 'p': procs = atoi(optarg); break;
		case 's': mb = strtoul(optarg, NULL, 0); break;
		case 'r': rnd = strtoul(optarg, NULL, 0); break;
		case 'b': swap = zsd_swap_parse(optarg); break;
		case 'k': killmode = 1; break;
		case 'R': norelease = 1; break;
		case 'C': perf_open(optarg); break;
		default:
			fprintf(stderr, "usage: munmap [-p N] [-s MB] [-r BYTES] [-b zram|zswap] "
				"[-k] [-R] [-C CTL,ACK]\n");
			return 2;
		}
	}
	if (procs < 1 || !mb || swap < 0) {
		fprintf(stderr, "munmap: need -p >= 1, -s >= 1 and -b zram or zswap\n");
		return 2;
	}
	zsd_swap_baseline(swap, &base, "munmap");
	pids = calloc(procs, sizeof(*pids));
	if (!pids || pipe(ready) || pipe(go) || pipe(res))
		return 1;
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i]) {
			/* Only the parent may hold the barrier's write end. */
			close(go[1]);
			close(ready[0]);
			close(res[0]);
			child(mb, rnd, i, ready[1], go[0], res[1], killmode);
		}
	}
	for (i = 0; i < procs; i++) {
		struct ready r;

		if (read(ready[0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "munmap: a child died while filling\n");
			return 1;
		}
		notswapped += r.ok != 'r';
		fill_sum += r.fill_ns;
	}
	if (notswapped) {
		fprintf(stderr, "munmap: %d processes could not push their memory to swap\n",
			notswapped);
		return 1;
	}
	if (!norelease) {
		zsd_check_stored(swap, &base, procs * (mb << 20), "munmap");
		if (zsd_swap_read(swap, &stored))
			stored.mem = -1;
	}
	perf_command("enable\n");
	busy0 = busy_ns();
	self0 = self_ns();
	t0 = zsd_now_ns();
	if (killmode) {
		for (i = 0; i < procs; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < procs; i++)
			waitpid(pids[i], NULL, 0);
		treap = zsd_now_ns() - t0;
	} else {
		close(go[1]);	/* the barrier: every child's read() returns */
		for (i = 0; i < procs; i++) {
			struct times t;

			if (read(res[0], &t, sizeof(t)) != sizeof(t)) {
				fprintf(stderr, "munmap: a child died in munmap\n");
				return 1;
			}
			tsum += t.end - t.start;
			if (t.end - t.start > tmax)
				tmax = t.end - t.start;
		}
		for (i = 0; i < procs; i++)
			waitpid(pids[i], NULL, 0);
	}
	if (stored.mem > base.mem && !zsd_swap_read(swap, &now))
		held_pct = 100.0 * (now.mem > base.mem ? now.mem - base.mem : 0) /
			   (stored.mem - base.mem);
	if (!norelease)
		wait = zsd_wait_released(swap, &base, 30000);
	perf_command("disable\n");
	self = self_ns() - self0;
	busy = busy_ns() - busy0;
	printf("result workload=munmap swap=%s procs=%d size_mb=%lu random_bytes=%lu kill=%d "
	       "munmap_ms=%.3f munmap_mean_ms=%.3f reap_ms=%.3f release_ms=%.3f cpu_ms=%.3f "
	       "observer_ms=%.3f held_pct=%.2f fill_ms=%.3f\n",
	       zsd_swap_name(swap), procs, mb, rnd, killmode, tmax / 1e6,
	       procs ? tsum / 1e6 / procs : 0, treap / 1e6,
	       wait < 0 || norelease ? -1.0 : (zsd_now_ns() - t0) / 1e6,
	       (busy > self ? busy - self : 0) / 1e6, self / 1e6, held_pct,
	       fill_sum / 1e6 / procs);
	if (wait < 0)
		fprintf(stderr, "munmap: %s's memory never came back\n", zsd_swap_name(swap));
	return wait < 0 ? 1 : 0;
}
