// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zsd.h"

static int tap_n, tap_fail;

uint64_t zsd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The compressible part of every page, p[i] = i % 61: built once, copied */
static unsigned char zsd_pattern[ZSD_PAGE];

__attribute__((constructor)) static void zsd_pattern_init(void)
{
	size_t i;

	for (i = 0; i < ZSD_PAGE; i++)
		zsd_pattern[i] = (unsigned char)(i % 61);
}

/*
 * Eight random bytes per xorshift64 step and one memcpy() of the pattern: a
 * byte at a time (a step and an i % 61 each) took 1.1-1.8 s of guest time
 * per 256 MB under TCG, as long as the pageout, which compresses them.
 */
void zsd_fill_page(unsigned char *p, uint64_t idx, uint64_t seed, unsigned int rnd)
{
	uint64_t x = (idx + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
	size_t i;

	if (rnd > ZSD_PAGE)
		rnd = ZSD_PAGE;
	for (i = 0; i < rnd; i += sizeof(x)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, rnd - i < sizeof(x) ? rnd - i : sizeof(x));
	}
	memcpy(p + rnd, zsd_pattern + rnd, ZSD_PAGE - rnd);
	/* The index makes every page distinct, whatever rnd is. */
	memcpy(p + ZSD_PAGE - sizeof(idx), &idx, sizeof(idx));
}

uint64_t zsd_csum(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

int zsd_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

int zsd_write_file(const char *path, const char *buf)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, strlen(buf));
	err = errno;
	close(fd);
	return n < 0 ? -err : 0;
}

long long zsd_zram_mem(void)
{
	struct zsd_swap_state st;

	return zsd_swap_read(ZSD_SWAP_ZRAM, &st) ? -1 : st.mem;
}

long zsd_vmswap_kb(void)
{
	char buf[4096], *p;

	if (zsd_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "VmSwap:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

long zsd_pageout(void *addr, size_t len, long want_kb)
{
	long kb = 0;
	int i;

	for (i = 0; i < 5; i++) {
		if (madvise(addr, len, MADV_PAGEOUT))
			zsd_die("madvise(MADV_PAGEOUT): %s", strerror(errno));
		kb = zsd_vmswap_kb();
		if (kb >= want_kb)
			break;
	}
	return kb;
}

/* Poll until the backend holds at most max_pages and max_mem. */
static long long wait_below(enum zsd_swap s, long long max_pages, long long max_mem,
			    unsigned int timeout_ms)
{
	uint64_t t0 = zsd_now_ns();
	struct zsd_swap_state now;

	for (;;) {
		int ok = !zsd_swap_read(s, &now);
		uint64_t dt = zsd_now_ns() - t0;

		if (ok && now.pages <= max_pages && now.mem <= max_mem)
			return (long long)dt;
		if (dt > (uint64_t)timeout_ms * 1000000ULL) {
			char pend[32] = "-";

			zsd_read_file("/sys/kernel/mm/zsmalloc/pending", pend, sizeof(pend));
			pend[strcspn(pend, "\n")] = 0;
			fprintf(stderr, "%s after %u ms: %lld pages (want <= %lld), "
				"%lld bytes (want <= %lld), zsmalloc pending %s\n",
				zsd_swap_name(s), timeout_ms, ok ? now.pages : -1, max_pages,
				ok ? now.mem : -1, max_mem, pend);
			return -1;
		}
		usleep(200);
	}
}

long long zsd_wait_zram_below(long long target, unsigned int timeout_ms)
{
	return wait_below(ZSD_SWAP_ZRAM, LLONG_MAX, target, timeout_ms);
}

int zsd_swap_parse(const char *name)
{
	if (!strcmp(name, "zram"))
		return ZSD_SWAP_ZRAM;
	if (!strcmp(name, "zswap"))
		return ZSD_SWAP_ZSWAP;
	return -1;
}

const char *zsd_swap_name(enum zsd_swap s)
{
	return s == ZSD_SWAP_ZSWAP ? "zswap" : "zram";
}

static long long read_ll(const char *path)
{
	char buf[64];

	if (zsd_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

int zsd_swap_read(enum zsd_swap s, struct zsd_swap_state *st)
{
	char buf[512];
	long long orig, compr;

	if (s == ZSD_SWAP_ZSWAP) {
		st->pages = read_ll("/sys/kernel/debug/zswap/stored_pages");
		st->mem = read_ll("/sys/kernel/debug/zswap/pool_total_size");
		return st->pages < 0 || st->mem < 0 ? -1 : 0;
	}
	if (zsd_read_file("/sys/block/zram0/mm_stat", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lld %lld %lld", &orig, &compr, &st->mem) != 3)
		return -1;
	st->pages = orig / zsd_kpage();
	return 0;
}

long long zsd_wait_released(enum zsd_swap s, const struct zsd_swap_state *base,
			    unsigned int timeout_ms)
{
	/* The slot caches hold up to 64 freed entries per CPU. */
	return wait_below(s, base->pages + 64LL * sysconf(_SC_NPROCESSORS_CONF),
			  base->mem + zsd_slot_cache_slack(), timeout_ms);
}

void zsd_check_stored(enum zsd_swap s, const struct zsd_swap_state *base,
		      unsigned long long bytes, const char *who)
{
	unsigned long long pages = bytes / (unsigned long long)zsd_kpage();
	struct zsd_swap_state now;
	long long got;

	if (zsd_swap_read(s, &now)) {
		fprintf(stderr, "%s: cannot read %s's figures\n", who, zsd_swap_name(s));
		exit(1);
	}
	got = now.pages - base->pages;
	if (got < (long long)(pages / 100 * 95)) {
		fprintf(stderr, "%s: only %lld of %llu pages are in %s (pool limit, "
			"rejected or written back?)\n", who, got, pages, zsd_swap_name(s));
		exit(1);
	}
}

void zsd_swap_baseline(enum zsd_swap s, struct zsd_swap_state *st, const char *who)
{
	char buf[32];
	int i;

	for (i = 0; i < 1000; i++) {
		if (zsd_read_file("/sys/kernel/mm/zsmalloc/pending", buf, sizeof(buf)) < 0 ||
		    strtoll(buf, NULL, 10) == 0)
			break;
		usleep(10000);
	}
	if (i == 1000) {
		fprintf(stderr, "%s: zsmalloc's deferred frees still pending after 10 s: %s",
			who, buf);
		exit(1);
	}
	if (zsd_swap_read(s, st)) {
		fprintf(stderr, "%s: %s is not set up\n", who, zsd_swap_name(s));
		exit(1);
	}
}

long long zsd_slot_cache_slack(void)
{
	/* 64 entries per CPU, each pinning at most one zspage (zsd.h) */
	return 64LL * sysconf(_SC_NPROCESSORS_CONF) * ZSD_ZSPAGE_MAX_PAGES * zsd_kpage();
}

long zsd_kpage(void)
{
	static long page;

	if (!page)
		page = sysconf(_SC_PAGESIZE);
	return page;
}

void zsd_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_fail++;
}

int zsd_tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_fail;
}

void zsd_die(const char *fmt, ...)
{
	va_list ap;

	printf("not ok %d - ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n1..%d\n", tap_n);
	fflush(stdout);
	exit(1);
}
