/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deferred frees on behalf of zsmalloc's users: the hbuf-cb free policy.
 *
 * A user (zram, zswap) that wants its whole free path, not only zs_free(),
 * taken off the caller's critical path embeds a struct zs_free_cb with its
 * free callback and offers each free to zs_free_cb_push(). When the active
 * zsmalloc free policy takes it, the value is appended to a per-CPU buffer
 * and @free runs later from a worker (or from a drain); otherwise the
 * caller frees synchronously, as without this API.
 *
 * The value is the caller's: an index, a pointer. The caller must make
 * sure that whatever @free does with it later is still right then: e.g.
 * zram marks the slot, so that a write to the reused slot frees the old
 * data itself and the deferred free finds nothing to do.
 */
#ifndef _LINUX_ZSMALLOC_DEFER_H
#define _LINUX_ZSMALLOC_DEFER_H

#include <linux/kconfig.h>
#include <linux/types.h>

/**
 * struct zs_free_cb - a zsmalloc user's deferred free
 * @free: frees what @val names. Called from a worker or a drain, in
 *	process context, without zsmalloc locks held; may take spinlocks and
 *	call zs_free(), must not sleep for long. Returns false if there was
 *	nothing left to free (e.g. zram's slot was written again meanwhile),
 *	counted in /sys/kernel/mm/zsmalloc/stale.
 *
 * Must stay valid until zs_free_cb_drain() returned after the last push.
 */
struct zs_free_cb {
	bool (*free)(struct zs_free_cb *cb, unsigned long val);
};

#if IS_ENABLED(CONFIG_ZSMALLOC_DEFER_HBUF_CB) && IS_REACHABLE(CONFIG_ZSMALLOC)

/*
 * Returns true if @val was taken and @cb->free(@cb, @val) will run later,
 * false if the caller must free now. Any context that may call zs_free();
 * the values are stored without a lock, with preemption disabled.
 */
bool zs_free_cb_push(struct zs_free_cb *cb, unsigned long val);

/* Returns once every @val pushed for @cb before the call was freed. Sleeps. */
void zs_free_cb_drain(struct zs_free_cb *cb);

#else

static inline bool zs_free_cb_push(struct zs_free_cb *cb, unsigned long val)
{
	return false;
}

static inline void zs_free_cb_drain(struct zs_free_cb *cb) { }

#endif

#endif /* _LINUX_ZSMALLOC_DEFER_H */
