/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zsmalloc free policies: the hooks mm/zsmalloc.c calls.
 *
 * Internal to mm/zsmalloc.c, which includes this header at its top and the
 * policy code (mm/zsmalloc_defer.c) at its end, so that the policies share
 * zsmalloc's static helpers and live in the zsmalloc module when zsmalloc is
 * built as one. With CONFIG_ZSMALLOC_DEFER=n every hook compiles to nothing.
 */
#ifndef _MM_ZSMALLOC_DEFER_H
#define _MM_ZSMALLOC_DEFER_H

#include <linux/jump_label.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/zsmalloc_defer.h>

struct zs_pool;
struct size_class;
struct zspage;
struct zs_free_cb;
struct zs_defer_ops;

#ifdef CONFIG_ZSMALLOC_DEFER

/**
 * struct zs_defer_list - a lock-less list of emptied zspages and its worker
 * @head: zspages linked through zspage->defer_node. zs_free() pushes under
 *	its class lock (llist_add(), from any CPU); the worker, drains,
 *	reclaim and CPU hotplug take the whole list with llist_del_all(), and
 *	whoever takes a zspage off owns it and frees it.
 * @dwork: the worker, on the unbound zs_defer workqueue. The push that
 *	finds @head empty arms its timer (ZS_DEFER_KICK_DELAY): no wakeup
 *	under the class lock, and at most one per delay however many zspages
 *	come, which the worker then frees as one batch. A non-empty list
 *	always has its worker armed, queued or running.
 * @ops: the mode the list belongs to, for its statistics and trace events.
 */
struct zs_defer_list {
	struct llist_head head;
	struct delayed_work dwork;
	const struct zs_defer_ops *ops;
};

/**
 * struct zs_defer_ops - a zsmalloc free policy ("mode")
 * @name: the name shown and accepted in /sys/kernel/mm/zsmalloc/free_mode
 *	and by zsmalloc.free_mode=.
 * @init: optional, called once when zsmalloc is loaded, before the mode can
 *	be selected. May sleep.
 * @exit: optional, undoes @init when zsmalloc is unloaded. May sleep.
 * @enable: optional, called by a switch before the mode is published.
 *	May sleep; an error aborts the switch.
 * @disable: optional, called by a switch after the mode was left and
 *	drained. May sleep.
 * @free_handle: optional, takes a whole zs_free() of @handle (for policies
 *	that defer the object free itself, or, as hbuf-cb, batch the frees
 *	their users' callbacks make); returns true if it took it.
 *	Called at the top of zs_free() with preemption disabled, which is
 *	also the RCU read-side critical section a switch waits for.
 * @push: optional, takes a zsmalloc user's whole free (zs_free_cb_push(),
 *	for policies that run the users' free paths) of @size bytes;
 *	returns true if it took it. Called with preemption disabled, like
 *	@free_handle.
 * @list: for a mode that defers the teardown of emptied zspages through
 *	one list for every CPU (llist): that list.
 * @pcpu_lists: for such a mode with one list per CPU (pcpu): the lists;
 *	zs_free() pushes on its own CPU's. A mode sets @list, @pcpu_lists or
 *	neither. The core pushes (zs_defer_list_add(), inline in zs_free()
 *	under the class lock): a mode's data, not its code, is on the free
 *	path, so it costs no indirect call.
 * @drain: frees every zspage enqueued before the call, including those a
 *	worker already took off the list, before returning; @pool is the pool
 *	whose zspages must be gone, or NULL for every pool (a mode may free
 *	the zspages of other pools too). Called with zs_defer_drain_lock
 *	held; may sleep. Returns the number of zspages it freed itself
 *	(handles and values, for a mode with @free_handle or @push).
 * @reclaim: optional, frees at most about @nr items (zspages, or handles
 *	and values) from reclaim: the shrinker, and zsmalloc's users about to
 *	refuse a store at a memory limit (zs_reclaim_deferred()). It must not
 *	sleep on a zsmalloc page lock, flush_work() or wait for an RCU grace
 *	period: page migration holds zsmalloc page locks while it allocates,
 *	and that allocation may be the reclaim calling us. A zspage whose pages
 *	do not all trylock goes to the core's retry list
 *	(zs_defer_try_free_zspage()). Called with zs_defer_drain_lock held, in
 *	process context (may cond_resched()). Returns the items it took.
 * @pending: optional, items the mode holds that it does not count in
 *	zs_defer_pending (e.g. handles it counts per CPU without atomics);
 *	added to the pending figure and to the shrinker's count. Any context.
 *
 * The core calls a mode only through this table and never asks which mode
 * is active (compare struct sched_class). Callbacks are named
 * <verb>_<mode>, e.g. drain_llist().
 */
struct zs_defer_ops {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
	int (*enable)(void);
	void (*disable)(void);
	bool (*free_handle)(struct zs_pool *pool, unsigned long handle);
	bool (*push)(struct zs_free_cb *cb, unsigned long val,
		     unsigned int size);
	struct zs_defer_list *list;
	struct zs_defer_list __percpu *pcpu_lists;
	unsigned long (*drain)(struct zs_pool *pool);
	unsigned long (*reclaim)(unsigned long nr);
	unsigned long (*pending)(void);
};

/* On while the active mode defers anything; the sync mode keeps it off */
DECLARE_STATIC_KEY_FALSE(zs_defer_active);
/* On while the active mode has free_handle, see zs_defer_switch() */
DECLARE_STATIC_KEY_FALSE(zs_defer_handle_active);

/* On while the active mode has push. Users test it inline. */
DECLARE_STATIC_KEY_FALSE(zs_free_cb_active);

static bool __zs_defer_zspage(struct zs_pool *pool, struct size_class *class,
			      struct zspage *zspage);
static bool __zs_defer_handle(struct zs_pool *pool, unsigned long handle);
static void zs_defer_destroy_pool(struct zs_pool *pool);
static void zs_defer_init(void);
static void zs_defer_exit(void);

/* Core helpers the mode files use, defined in mm/zsmalloc_defer_core.c */
static unsigned long zs_defer_free_batch(const struct zs_defer_ops *ops,
					 struct llist_node *batch);
static void zs_defer_kick(struct work_struct *work);
static void zs_defer_list_init(struct zs_defer_list *list,
			       const struct zs_defer_ops *ops);
static unsigned long zs_defer_drain_lists(struct zs_defer_list *list,
					  struct zs_defer_list __percpu *pcpu);
static unsigned long zs_defer_reap(struct zs_defer_list *list);
static unsigned long zs_defer_reclaim_list(struct zs_defer_list *list,
					   unsigned long nr);

/**
 * zs_defer_zspage - offer an emptied zspage to the active free policy
 * @pool: the pool of @zspage
 * @class: the size class of @zspage, whose lock the caller holds
 * @zspage: a zspage zs_free() just emptied, still on its fullness list
 *
 * Returns true if the policy took @zspage (it is then off its fullness list
 * and will be freed later), false if the caller must free it now. Unless
 * a deferring mode is active this is one patched-out jump: no load, no
 * atomic, no indirect call (zs_defer_switch() arms and disarms it).
 */
static __always_inline bool zs_defer_zspage(struct zs_pool *pool,
					    struct size_class *class,
					    struct zspage *zspage)
{
	if (!static_branch_unlikely(&zs_defer_active))
		return false;
	return __zs_defer_zspage(pool, class, zspage);
}

/**
 * zs_defer_handle - offer a whole zs_free() to the active free policy
 * @pool: the pool of @handle
 * @handle: a valid handle zs_free() was asked to free
 *
 * Returns true if the policy took @handle and will free it later. Unless
 * a mode that defers handles is active, one patched-out jump.
 */
static __always_inline bool zs_defer_handle(struct zs_pool *pool,
					    unsigned long handle)
{
	if (!static_branch_unlikely(&zs_defer_handle_active))
		return false;
	return __zs_defer_handle(pool, handle);
}

#else /* !CONFIG_ZSMALLOC_DEFER */

static inline bool zs_defer_zspage(struct zs_pool *pool,
				   struct size_class *class,
				   struct zspage *zspage)
{
	return false;
}

static inline bool zs_defer_handle(struct zs_pool *pool,
				   unsigned long handle)
{
	return false;
}

static inline void zs_defer_destroy_pool(struct zs_pool *pool) { }
static inline void zs_defer_init(void) { }
static inline void zs_defer_exit(void) { }

#endif /* CONFIG_ZSMALLOC_DEFER */

#endif /* _MM_ZSMALLOC_DEFER_H */
