/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs: data that zram stores (compressible
 * but never same-filled), checksums, swap and zram figures, timing, TAP.
 */
#ifndef ZSD_H
#define ZSD_H

#include <stddef.h>
#include <stdint.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/*
 * The unit the workloads fill and describe their data in ("random bytes per
 * 4 KB page"), whatever the kernel's page size: a 16K page holds four, so
 * the data compresses alike on 4K and 16K kernels. What the kernel counts
 * (zram's and zswap's pages, zspages) is in zsd_kpage() bytes.
 */
#define ZSD_PAGE 4096UL

/* The kernel's page size in bytes: sysconf(_SC_PAGESIZE). */
long zsd_kpage(void);

uint64_t zsd_now_ns(void);
/* Fill one page: `rnd` pseudo-random bytes (the incompressible part), the
 * rest a short repeating pattern, so the page is never same-filled. */
void zsd_fill_page(unsigned char *p, uint64_t idx, uint64_t seed, unsigned int rnd);
uint64_t zsd_csum(const unsigned char *p, size_t len);
/* zram0's mm_stat mem_used_total in bytes; -1 if unreadable. */
long long zsd_zram_mem(void);
/* This process's VmSwap in kB; -1 if unreadable. */
long zsd_vmswap_kb(void);
/* Push [addr, addr+len) to swap, retrying a few times; returns VmSwap kB. */
long zsd_pageout(void *addr, size_t len, long want_kb);
/* Poll until zram's memory is <= target; returns ns waited or -1 on timeout. */
long long zsd_wait_zram_below(long long target, unsigned int timeout_ms);
/* Allowance for swap entries parked in the per-CPU swap slot caches, which
 * hold up to 64 freed entries per CPU before they reach zram: each keeps
 * its object, and so at worst a whole zspage, allocated. */
#define ZSD_ZSPAGE_MAX_PAGES 8	/* CONFIG_ZSMALLOC_CHAIN_SIZE's default */
long long zsd_slot_cache_slack(void);

/*
 * The swap backend a benchmark measures: zram0 as swap, or zswap in front of
 * a swap disk. Its state is what it holds: pages stored (zram's
 * orig_data_size / zsd_kpage(), zswap's stored_pages) and memory used (zram's
 * mem_used_total, zswap's pool_total_size; zswap's figures are in debugfs).
 */
enum zsd_swap { ZSD_SWAP_ZRAM, ZSD_SWAP_ZSWAP };
struct zsd_swap_state {
	long long pages;
	long long mem;
};
/* "zram" or "zswap" -> the backend; -1 for anything else. */
int zsd_swap_parse(const char *name);
const char *zsd_swap_name(enum zsd_swap s);
/* 0, or -1 if the backend's figures cannot be read (not set up). */
int zsd_swap_read(enum zsd_swap s, struct zsd_swap_state *st);
/* Poll until the backend holds no more pages and memory than `base` (within
 * the slot caches' allowance); ns waited, or -1 on timeout. */
long long zsd_wait_released(enum zsd_swap s, const struct zsd_swap_state *base,
			    unsigned int timeout_ms);
/* Exit with a message unless the backend gained at least 95% of the pages
 * that `bytes` of memory take since `base` (zswap rejects or writes back
 * pages to its disk when its pool is full; such a run measures the disk,
 * not the backend). */
void zsd_check_stored(enum zsd_swap s, const struct zsd_swap_state *base,
		      unsigned long long bytes, const char *who);
int zsd_read_file(const char *path, char *buf, size_t len);
/* The backend's figures as a baseline: read once zsmalloc has no deferred
 * free pending (10 s at most; no wait without our code), so that they do
 * not include memory about to be freed. Exits with a message naming `who`
 * if it stays busy or the backend is not set up. */
void zsd_swap_baseline(enum zsd_swap s, struct zsd_swap_state *st, const char *who);
int zsd_write_file(const char *path, const char *buf);

/* TAP output; zsd_tap_done() prints the plan and returns the failures. */
void zsd_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int zsd_tap_done(void);
void zsd_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
