// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policy "llist": one global lock-less list of emptied
 * zspages, and its worker on the unbound zs_defer workqueue (struct
 * zs_defer_list: the push, the worker and its kick are the core's, shared
 * with pcpu).
 *
 * zs_defer_llist: pushed to from any CPU; a zspage is on it at most once,
 * and whoever llist_del_all()s it owns it and frees it.
 */

static const struct zs_defer_ops llist_defer_ops;

static struct zs_defer_list zs_defer_llist;

static int init_llist(void)
{
	zs_defer_list_init(&zs_defer_llist, &llist_defer_ops);
	return 0;
}

/* One list for all pools: @pool is ignored and everything is freed. */
static unsigned long drain_llist(struct zs_pool *pool)
{
	return zs_defer_drain_lists(&zs_defer_llist, NULL);
}

/* Reclaim: at most @nr zspages, never sleeping (see ->reclaim) */
static unsigned long reclaim_llist(unsigned long nr)
{
	return zs_defer_reclaim_list(&zs_defer_llist, nr);
}

static const struct zs_defer_ops llist_defer_ops = {
	.name = "llist",
	.init = init_llist,
	.list = &zs_defer_llist,
	.drain = drain_llist,
	.reclaim = reclaim_llist,
};
