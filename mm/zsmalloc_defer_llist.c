// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policy "llist": one global lock-less list of emptied
 * zspages and one work item on the unbound zs_defer workqueue.
 *
 * zs_defer_llist: pushed to by enqueue_llist() from any CPU (llist_add(),
 * lock-less); emptied by llist_del_all() in the worker and in drain_llist().
 * A zspage is on it at most once, linked through zspage->defer_node, and
 * whoever llist_del_all()s it owns it and frees it.
 *
 * zs_defer_llist_work: queued when the list goes from empty to non-empty,
 * so a non-empty list always has a worker queued or running.
 */

static const struct zs_defer_ops llist_defer_ops;

static LLIST_HEAD(zs_defer_llist);

static void work_llist(struct work_struct *work)
{
	zs_defer_free_batch(&llist_defer_ops, llist_del_all(&zs_defer_llist));
}

static DECLARE_WORK(zs_defer_llist_work, work_llist);

static void enqueue_llist(struct zspage *zspage)
{
	if (llist_add(&zspage->defer_node, &zs_defer_llist))
		zs_defer_kick(&zs_defer_llist_work);
}

/* One list for all pools: @pool is ignored and everything is freed. */
static unsigned long drain_llist(struct zs_pool *pool)
{
	unsigned long nr;

	nr = zs_defer_free_batch(&llist_defer_ops,
				 llist_del_all(&zs_defer_llist));
	/* Wait for a batch the worker took before we looked */
	flush_work(&zs_defer_llist_work);
	return nr;
}

/* Reclaim: at most @nr zspages, never sleeping (see ->reclaim) */
static unsigned long reclaim_llist(unsigned long nr)
{
	return zs_defer_reclaim_list(&llist_defer_ops, &zs_defer_llist,
				     &zs_defer_llist_work, nr);
}

static const struct zs_defer_ops llist_defer_ops = {
	.name = "llist",
	.enqueue = enqueue_llist,
	.drain = drain_llist,
	.reclaim = reclaim_llist,
};
