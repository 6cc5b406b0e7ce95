// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policy "hbuf-cb" (RFC v3 as posted): zsmalloc's users hand
 * their whole free path to zsmalloc through a callback, struct zs_free_cb
 * (include/linux/zsmalloc_defer.h), and zs_free_cb_push(). The frees go
 * into the per-CPU buffers of zsmalloc_defer_hbuf.c, tagged as users'
 * entries, and the buffers' worker calls the callbacks. Part of
 * mm/zsmalloc.c's translation unit, see mm/zsmalloc_defer.c.
 *
 * What the users defer, and why it is safe:
 *
 * zram: zram_slot_free_notify() (swap frees a slot, atomic context) marks
 * the slot ZRAM_DEFER_FREE under the slot lock and pushes its index; the
 * callback takes the slot lock and runs zram_free_page() only if the mark
 * is still there. The swap layer may reallocate the slot at once: the
 * write of the new data runs zram_free_page() on the old data under the
 * slot lock first, which drops the mark, so the deferred free finds an
 * unmarked slot and leaves the new data alone. A marked slot reads as not
 * allocated to zram's idle marking, writeback and recompression.
 *
 * zswap: zswap_invalidate() erases the entry from its tree synchronously,
 * as before, so no lookup finds it, and takes it off the zswap LRU and
 * uncharges its memcg at once: the shrinker never works on a dead entry,
 * and memory.zswap.max and memcg reclaim see the charge gone. The rest
 * (zpool free, pool reference, entry free) is pushed; the zsmalloc pages
 * it holds count in zswap's pool total until then, and zswap's limit
 * check frees pending frees (zs_reclaim_deferred()) before it refuses.
 *
 * zram: only slots with data in zsmalloc are pushed: same-filled, empty
 * and written-back slots (whose free gives a backing-device block back)
 * are freed synchronously.
 *
 * Each push gives the bytes its free returns to zsmalloc (zram: the
 * slot's compressed size; zswap: the entry's length), and pending_limit
 * counts the entries of a closed buffer by them: a free of a page that
 * compressed 13:1 holds back a thirteenth of a page, not a page.
 *
 * The drain runs the callbacks with no zsmalloc lock held and preemption
 * disabled, each on a batch of up to ZS_FREE_CB_BATCH values of one user
 * (a run of the buffer's entries): one call, not one per value, and the
 * user may free in bulk (zswap: the entries, their pool references and
 * its stored count).
 * The zs_free()s a callback makes leave their handles in the buffer, in
 * place of the user's entries (->free_handle, zs_hbuf_collect), and the
 * drain frees those handles as hbuf's, one class->lock per class: the
 * worker's zsmalloc work is batched as hbuf's is. Anywhere else this mode
 * defers no handles; its ->free_handle arms zs_free()'s hook and returns
 * false there.
 */

/*
 * The entries of the buffer being drained on this CPU that the zs_free()s
 * of a user's callback may fill while it runs (zs_hbuf_free_cbs()): ->max
 * of them from ->base, ->nr claimed so far. ->max is 0 otherwise. Written
 * with preemption disabled; an interrupt's zs_free() meanwhile may claim
 * one too (this_cpu_inc_return()), and is then freed with the buffer.
 */
struct zs_hbuf_collect {
	struct zs_hbuf_ent *base;
	unsigned int max;
	unsigned int nr;
};

static DEFINE_PER_CPU(struct zs_hbuf_collect, zs_hbuf_collect);

/*
 * Run the users' frees in @ent, a batch of up to ZS_FREE_CB_BATCH values
 * of one user per call; move the other entries to the front, with the
 * handles the callbacks freed (zs_hbuf_free_handles() frees them all by
 * class). Returns the number of entries left there.
 */
static unsigned int zs_hbuf_free_cbs(struct zs_hbuf_ent *ent, unsigned int nr)
{
	unsigned long vals[ZS_FREE_CB_BATCH];
	unsigned int i = 0, n, freed, left = 0, stale = 0;

	while (i < nr) {
		unsigned long owner = ent[i].owner;
		struct zs_free_cb *cb;

		if (!(owner & ZS_HBUF_CB)) {
			ent[left++] = ent[i++];
			continue;
		}
		n = 0;
		while (n < ZS_FREE_CB_BATCH && i < nr && ent[i].owner == owner)
			vals[n++] = ent[i++].val;
		cb = (struct zs_free_cb *)(owner & ~ZS_HBUF_CB);
		/*
		 * Entries up to i were read: ent[left] to ent[left + n - 1]
		 * (left + n <= i) may take the handles the callback's
		 * zs_free()s free (free_handle_hbufcb()). The window opens
		 * (->max) only once it is set up, for an interrupt's zs_free().
		 */
		preempt_disable();
		__this_cpu_write(zs_hbuf_collect.base, ent + left);
		__this_cpu_write(zs_hbuf_collect.nr, 0);
		barrier();
		__this_cpu_write(zs_hbuf_collect.max, n);
		freed = cb->free(cb, vals, n);
		/* Closed first: a handle claimed later would not be counted */
		this_cpu_write(zs_hbuf_collect.max, 0);
		barrier();
		left += min(__this_cpu_read(zs_hbuf_collect.nr), n);
		preempt_enable();
		stale += n - min(freed, n);
		/* A rescheduling point costs ~20 instructions: per batch */
		cond_resched();
	}
	if (stale)
		zs_defer_stat_add(ZS_DEFER_STALE, stale);
	return left;
}

/*
 * ->free_handle: called by zs_free() with preemption disabled. Takes only
 * the handles a user's callback frees while a drain runs it
 * (zs_hbuf_free_cbs()), keeping them in the drained buffer to be freed
 * with the buffer's other handles, by class: one per value the callback
 * was given. False anywhere else, and once the window is full.
 */
static bool free_handle_hbufcb(struct zs_pool *pool, unsigned long handle)
{
	struct zs_hbuf_ent *ent;
	unsigned int i;

	if (likely(!__this_cpu_read(zs_hbuf_collect.max)))
		return false;
	i = this_cpu_inc_return(zs_hbuf_collect.nr) - 1;
	if (i >= __this_cpu_read(zs_hbuf_collect.max))
		return false;
	ent = __this_cpu_read(zs_hbuf_collect.base) + i;
	ent->pool = pool;
	ent->val = handle;
	return true;
}

/* ->push: called by zs_free_cb_push() with preemption disabled */
static bool push_hbufcb(struct zs_free_cb *cb, unsigned long val,
			unsigned int size)
{
	return zs_hbuf_add(&hbufcb_defer_ops, (unsigned long)cb | ZS_HBUF_CB,
			   val, size);
}

/* zs_free_cb_push() once zs_free_cb_active is armed */
bool __zs_free_cb_push(struct zs_free_cb *cb, unsigned long val,
		       unsigned int size)
{
	const struct zs_defer_ops *ops;
	bool taken = false;

	if (zs_defer_probing(ZS_PROBE_NOTIFY) &&
	    zs_defer_park(ZS_PROBE_NOTIFY, cb, val))
		return true;

	/* As __zs_defer_handle(): the RCU section a switch waits for */
	preempt_disable();
	ops = rcu_dereference_sched(zs_defer_cur);
	if (ops->push)
		taken = ops->push(cb, val, size);
	preempt_enable();
	return taken;
}
EXPORT_SYMBOL_GPL(__zs_free_cb_push);

/*
 * Values are only ever pushed while hbuf-cb is active, and a switch away
 * drains them; draining every mode covers a switch in progress.
 */
void zs_free_cb_drain(struct zs_free_cb *cb)
{
	might_sleep();
	zs_defer_drain_all(NULL);
}
EXPORT_SYMBOL_GPL(zs_free_cb_drain);

static const struct zs_defer_ops hbufcb_defer_ops = {
	.name = "hbuf-cb",
	.init = init_hbuf,
	.exit = exit_hbuf,
	.enable = enable_hbuf,
	.disable = disable_hbuf,
	.free_handle = free_handle_hbufcb,
	.push = push_hbufcb,
	.drain = drain_hbuf,
	/* One count and reclaim for the shared buffers: hbuf's, if built in */
	.reclaim = IS_ENABLED(CONFIG_ZSMALLOC_DEFER_HBUF) ? NULL : reclaim_hbuf,
	.pending = IS_ENABLED(CONFIG_ZSMALLOC_DEFER_HBUF) ? NULL : pending_hbuf,
};
