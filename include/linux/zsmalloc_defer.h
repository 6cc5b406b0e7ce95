/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deferred frees on behalf of zsmalloc's users: the hbuf-cb free policy.
 *
 * A user (zram, zswap) that wants its whole free path, not only zs_free(),
 * taken off the caller's critical path embeds a struct zs_free_cb, sets
 * its free callback with zs_free_cb_init() and offers each free to
 * zs_free_cb_push(). When the active zsmalloc free policy takes it, the
 * value is appended to a per-CPU buffer and @free runs later from a worker
 * (or from a drain), on a batch of values; otherwise the caller frees
 * synchronously, as without this API.
 *
 * The value is the caller's: an index, a pointer. The caller must make
 * sure that whatever @free does with it later is still right then: e.g.
 * zram marks the slot, so that a write to the reused slot frees the old
 * data itself and the deferred free finds nothing to do.
 */
#ifndef _LINUX_ZSMALLOC_DEFER_H
#define _LINUX_ZSMALLOC_DEFER_H

#include <linux/jump_label.h>
#include <linux/kconfig.h>
#include <linux/types.h>

/* The most values one call of a user's @free is given */
#define ZS_FREE_CB_BATCH	32

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB

/**
 * struct zs_free_cb - a zsmalloc user's deferred frees
 * @free: frees what @vals name, @nr of them (1 to ZS_FREE_CB_BATCH), values
 *	pushed for this @cb, in push order. Called from a worker or a drain,
 *	in process context with preemption disabled, without zsmalloc locks
 *	held; may take spinlocks, must not sleep. The zs_free()s it makes,
 *	up to one per value, are batched with the drain's other frees (the
 *	handles are freed, by size class, once the buffer's callbacks have
 *	run); a batch lets the user update its statistics once, not per
 *	value. Returns how many of the values it freed: the others had
 *	nothing left to free (e.g. zram's slot was written again meanwhile),
 *	counted in /sys/kernel/mm/zsmalloc/stale.
 *
 * Set up with zs_free_cb_init(). Must stay valid until zs_free_cb_drain()
 * returned after the last push.
 */
struct zs_free_cb {
	unsigned int (*free)(struct zs_free_cb *cb, const unsigned long *vals,
			     unsigned int nr);
};

static inline void zs_free_cb_init(struct zs_free_cb *cb,
				   unsigned int (*free)(struct zs_free_cb *cb,
							const unsigned long *vals,
							unsigned int nr))
{
	cb->free = free;
}

#else

/*
 * Empty without hbuf-cb, as struct lock_class_key is without lockdep: a
 * user embedding it keeps its size and code, and its callback, only
 * named in zs_free_cb_init(), is discarded by the compiler.
 */
struct zs_free_cb { };

static inline void zs_free_cb_init(struct zs_free_cb *cb,
				   unsigned int (*free)(struct zs_free_cb *cb,
							const unsigned long *vals,
							unsigned int nr))
{
}

#endif

#if IS_ENABLED(CONFIG_ZSMALLOC_DEFER_HBUF_CB) && IS_REACHABLE(CONFIG_ZSMALLOC)

/*
 * Whether zs_free_cb_push() can ever take a value, known at build time: a
 * user's bookkeeping for pending frees compiles away where it cannot.
 */
static inline bool zs_free_cb_available(void)
{
	return true;
}

DECLARE_STATIC_KEY_FALSE(zs_free_cb_active);
bool __zs_free_cb_push(struct zs_free_cb *cb, unsigned long val,
		       unsigned int size);

/*
 * Whether zs_free_cb_push() may take a value at all: false until a policy
 * that takes users' frees was first chosen (a patched-out jump). A user
 * that prepares a free for deferral tests it first.
 */
static __always_inline bool zs_free_cb_armed(void)
{
	return static_branch_unlikely(&zs_free_cb_active);
}

/**
 * zs_free_cb_push - offer a free to the active zsmalloc free policy
 * @cb: the user's callback, set up with zs_free_cb_init()
 * @val: what @cb->free() will be called with, in a batch of values
 * @size: the bytes of zsmalloc memory the free gives back (the object's
 *	size, at most a page): pending frees count against pending_limit
 *	by it, so a free of a well-compressed page holds back little
 *
 * Any context that may call zs_free(); the value is stored without a
 * lock, with preemption disabled. Until a policy that takes users' frees
 * is first chosen, a patched-out jump.
 *
 * Return: true if @val was taken and @cb->free() will free it later, false
 * if the caller must free now.
 */
static __always_inline bool zs_free_cb_push(struct zs_free_cb *cb,
					    unsigned long val,
					    unsigned int size)
{
	if (!zs_free_cb_armed())
		return false;
	return __zs_free_cb_push(cb, val, size);
}

/* Returns once every @val pushed for @cb before the call was freed. Sleeps. */
void zs_free_cb_drain(struct zs_free_cb *cb);

#else

static inline bool zs_free_cb_available(void)
{
	return false;
}

static inline bool zs_free_cb_armed(void)
{
	return false;
}

static inline bool zs_free_cb_push(struct zs_free_cb *cb, unsigned long val,
				   unsigned int size)
{
	return false;
}

static inline void zs_free_cb_drain(struct zs_free_cb *cb) { }

#endif

#if IS_ENABLED(CONFIG_ZSMALLOC_DEFER) && IS_REACHABLE(CONFIG_ZSMALLOC)
/*
 * For a store about to be refused at a memory limit: frees what deferred
 * frees still hold, without sleeping on page locks or waiting for workers
 * or RCU. Process context, also in reclaim. Returns true if it freed
 * anything (re-read the totals then). See mm/zsmalloc_defer_core.c.
 */
bool zs_reclaim_deferred(void);
#else
static inline bool zs_reclaim_deferred(void)
{
	return false;
}
#endif

#endif /* _LINUX_ZSMALLOC_DEFER_H */
