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
 * disabled. The zs_free() a callback makes leaves its handle in the
 * buffer, in place of the user's entry (->free_handle,
 * zs_hbuf_collect), and the drain frees those handles as hbuf's, one
 * class->lock per class: the worker's zsmalloc work is batched as hbuf's
 * is. Anywhere else this mode defers no handles; its ->free_handle arms
 * zs_free()'s hook and returns false there.
 */

/*
 * The entry of the buffer being drained on this CPU that a zs_free() may
 * fill, while a user's callback runs (zs_hbuf_free_cbs()); NULL
 * otherwise. Set and read with preemption disabled.
 */
static DEFINE_PER_CPU(struct zs_hbuf_ent *, zs_hbuf_collect);

/*
 * Run the users' frees in @ent; move the other entries to the front, with
 * the handles the callbacks freed (zs_hbuf_free_handles() frees them all
 * by class). Returns the number of entries left there.
 */
static unsigned int zs_hbuf_free_cbs(struct zs_hbuf_ent *ent, unsigned int nr)
{
	unsigned int i, left = 0, stale = 0;

	for (i = 0; i < nr; i++) {
		struct zs_free_cb *cb;

		if (!(ent[i].owner & ZS_HBUF_CB)) {
			ent[left++] = ent[i];
			continue;
		}
		cb = (struct zs_free_cb *)(ent[i].owner & ~ZS_HBUF_CB);
		/*
		 * Entries up to i were read: ent[left] may take the handle
		 * the callback's zs_free() frees (free_handle_hbufcb()).
		 */
		preempt_disable();
		__this_cpu_write(zs_hbuf_collect, &ent[left]);
		if (!cb->free(cb, ent[i].val))
			stale++;
		if (!this_cpu_xchg(zs_hbuf_collect, NULL))
			left++;
		preempt_enable();
		/* A rescheduling point costs ~20 instructions: not per entry */
		if (!(i % 16))
			cond_resched();
	}
	if (stale)
		zs_defer_stat_add(ZS_DEFER_STALE, stale);
	return left;
}

/*
 * ->free_handle: called by zs_free() with preemption disabled. Takes only
 * the handle a user's callback frees while a drain runs it
 * (zs_hbuf_free_cbs()), keeping it in the drained buffer to be freed with
 * the buffer's other handles, by class; false anywhere else, and for a
 * second zs_free() from the same callback. An interrupt's zs_free()
 * meanwhile may take the entry first (xchg), and is then freed with the
 * buffer.
 */
static bool free_handle_hbufcb(struct zs_pool *pool, unsigned long handle)
{
	struct zs_hbuf_ent *ent;

	if (likely(!__this_cpu_read(zs_hbuf_collect)))
		return false;
	ent = this_cpu_xchg(zs_hbuf_collect, NULL);
	if (!ent)
		return false;
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

	if (zs_defer_probing(ZS_PROBE_NOTIFY))
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
