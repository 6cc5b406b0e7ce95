// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU handle buffers (CONFIG_ZSMALLOC_DEFER_BUFFERS) and the free
 * policy "hbuf" on top of them: defer the whole zs_free() of a handle
 * (RFC v3's "zsmalloc-only" variant). The "hbuf-cb" policy
 * (zsmalloc_defer_hbufcb.c) fills the same buffers with its users' frees.
 * Part of mm/zsmalloc.c's translation unit, see mm/zsmalloc_defer.c;
 * included after the core, whose counters, locks and workqueue it uses.
 *
 * Buffers: each CPU owns one page-sized struct zs_hbuf, zs_hbuf_cur, into
 * which zs_hbuf_add() appends (owner, value) with preemption disabled: two
 * stores and an increment, no lock, no atomic. The owner is the pool of a
 * handle (hbuf) or, tagged with ZS_HBUF_CB, a user's struct zs_free_cb
 * (hbuf-cb); a buffer may hold both kinds around a switch between the
 * two. A full buffer is swapped for a free page of the buffer pool and
 * queued (zs_hbuf_queue) to the drain worker, whose run is armed a jiffy
 * out on another CPU (zs_defer_kick_delayed()). With no page to be had (or
 * the closed buffers at the pending limit), hbuf's producer frees its own
 * full buffer in one batch and fills it again (zs_hbuf_self_drain());
 * hbuf-cb's user, and a CPU left without any buffer, free synchronously,
 * counted as a fallback.
 *
 * Drain workers: while the worker runs, it queues a helper for every
 * ZS_HBUF_QUEUE_PER_WORKER buffers waiting, up to hbuf_drain_workers
 * workers in all (zs_hbuf_kick_helpers()). They take buffers off the same
 * queue and drain them in parallel; buffers are independent, and meet only
 * on class locks. The producers' path does not change: only the worker
 * looks at the queue. One worker drained a burst of 4 processes unmapping
 * 256 MB of incompressible data each, in a 2-CPU guest, too slowly to
 * stay under pending_limit: hbuf-cb did 9% of its frees at once, and 0.5%
 * with a helper (results/issue17-workers/).
 *
 * Pool: a reserve of two pages per CPU (one filling, one draining) is
 * allocated when a buffer mode is enabled. A fill that finds no free page
 * grows the pool by one, with GFP_NOWAIT | __GFP_NOWARN | __GFP_NOMEMALLOC
 * (zs_free() may run in atomic context and in reclaim: a free must neither
 * wait nor take memory from the reserves reclaim runs on), up to
 * zs_hbuf_pool_pages. That bound is set at boot to the default
 * pending_limit plus the reserve: every closed buffer counts its own page
 * against pending_limit (see Counting), so no more could be queued; it
 * is pending_limit that bounds a burst. A failed allocation is not
 * retried before the next jiffy, so frees that fall back do not each run
 * the allocator.
 * Pages above the reserve go back once the pool has not grown for
 * ZS_HBUF_SHRINK_DELAY (zs_hbuf_shrink_dwork), and sooner when reclaim
 * finds deferred frees to take (reclaim_hbuf).
 * So the pool is sized by the burst, not guessed in advance: a fixed pool
 * of 1/4096 of RAM made 4 processes unmapping 256 MB each in a 3 GB guest
 * fall back on 34-58% of their frees.
 *
 * Ownership of a buffer: the CPU whose zs_hbuf_cur points to it fills it.
 * Anyone may take a buffer off a CPU with xchg(); the owner swaps its own
 * with cmpxchg(), so exactly one party gets it. Fills run with preemption
 * disabled, i.e. inside an RCU read-side critical section, so a buffer
 * taken off a CPU is quiescent after synchronize_rcu() (or at once when the
 * CPU is dead). zs_hbuf_close_all() does that for every CPU; it runs from
 * drains and, 20 ms after a CPU took a fresh buffer, from
 * zs_hbuf_flush_dwork, so partly filled buffers do not hold memory for
 * long after the frees stop. The flush leaves a buffer that is filling
 * fast (ZS_HBUF_FLUSH_BUSY entries per 20 ms since its last look) and
 * looks again ZS_HBUF_FLUSH_RECHECK later: at that rate it would be full
 * and queued within 160 ms, and taking it costs a page of the pool for a
 * fraction of its entries, a drain of a part-filled buffer and an RCU
 * grace period. The short recheck takes it soon after the frees stop: a
 * look 20 ms later would hold its memory back that much longer
 * (results/issue17-release/).
 *
 * Drain (zs_hbuf_free_buf): users' frees run first, in push order; the
 * handles their zs_free()s free stay in the buffer (hbuf-cb). The
 * class of each handle is then looked up under
 * its pool's migrate_lock (a live object never changes class: migration
 * and compaction move it within its class), the entries are gathered by
 * class (a pass per class; a sort only past ZS_HBUF_GATHER classes), and
 * the objects of one class are freed under one class->lock
 * (which also keeps their handles stable against migration, as in
 * zs_page_migrate()). Emptied zspages are taken off their fullness list
 * under the lock and torn down after it is dropped, with all page locks
 * held, like the llist mode's zspages. Handles are freed last, in bulk.
 *
 * Every pending handle is reached by: the worker (queued buffers), the
 * delayed flush (partly filled buffers), a drain (mode switch,
 * zs_destroy_pool(), unload: all buffers of all CPUs), reclaim (the
 * shrinker, zs_reclaim_deferred(): queued buffers only, since taking a
 * buffer off a CPU needs an RCU grace period; it kicks the flush for the
 * rest) and the CPU hotplug dead callback (the dead CPU's buffer).
 *
 * Counting, per entry: deferred when an entry enters a buffer, drained
 * when it is freed, fallbacks for entries freed synchronously, pending
 * (via ->pending) for entries in buffers and not yet freed. pending_pages
 * counts what closed buffers (queued or being drained) hold back, and
 * pending_limit is compared with it: each its own page plus the bytes of
 * its entries' objects, rounded up to pages (zs_hbuf_pages()). A user's
 * entry (hbuf-cb) counts the size the user gave, the object's; an hbuf
 * handle counts a page, zsmalloc's largest object, since its class is
 * only looked up, under the pool's migrate_lock, by the drain. (The
 * zspage an object sits in stays allocated with it, as it would for a
 * live neighbour.) Counting only buffer pages would let one page of
 * buffer pin 254 objects; counting every entry as a page made 4 processes
 * unmapping 256 MB of ~3.7:1 data each in a 3 GB guest fall back on 5% of
 * hbuf-cb's frees with a tenth of RAM pending (results/issue17-pool/).
 * drain_runs counts buffers drained.
 */

#include <linux/kobject.h>
#include <linux/sort.h>
#include <linux/sysfs.h>

/*
 * A buffer entry. hbuf: the pool and handle while pending, the handle's
 * size class while drained. hbuf-cb: the user's callback ORed with
 * ZS_HBUF_CB (struct zs_free_cb is word aligned) and the user's value.
 */
struct zs_hbuf_ent {
	union {
		struct zs_pool *pool;
		struct size_class *class;
		unsigned long owner;
	};
	unsigned long val;
};

#define ZS_HBUF_CB	1UL

/* One page: the header and as many entries as fit */
struct zs_hbuf {
	struct list_head node;	/* on zs_hbuf_free_list or zs_hbuf_queue */
	const char *mode;	/* the mode that filled it, for tracing */
	unsigned int nr;
	unsigned int bytes;	/* held back by its entries: zs_hbuf_pages() */
	struct zs_hbuf_ent ent[];
};

#define ZS_HBUF_SLOTS	((PAGE_SIZE - sizeof(struct zs_hbuf)) / \
			 sizeof(struct zs_hbuf_ent))

/* A partly filled buffer is flushed this long after its CPU took it */
#define ZS_HBUF_FLUSH_DELAY	msecs_to_jiffies(20)

/*
 * ... unless it got this many entries per ZS_HBUF_FLUSH_DELAY since the
 * flush last looked; then the flush looks again this much later
 */
#define ZS_HBUF_FLUSH_BUSY	(ZS_HBUF_SLOTS / 8)
#define ZS_HBUF_FLUSH_RECHECK	msecs_to_jiffies(4)

/* Pages above the reserve go back after the pool did not grow this long */
#define ZS_HBUF_SHRINK_DELAY	HZ

/*
 * One more drain worker for every this many buffers queued: a backlog of
 * about 1000 frees per worker (4K pages), a few milliseconds of drain.
 */
#define ZS_HBUF_QUEUE_PER_WORKER	4

static DEFINE_PER_CPU(struct zs_hbuf *, zs_hbuf_cur);

/* Handles pushed minus handles freed, per CPU; only the sum means much */
static DEFINE_PER_CPU(long, zs_hbuf_nr_pending);

/*
 * zs_hbuf_lock protects the free list, the queue and the page counts. It
 * is taken in the fill slow path (preemption disabled) and by the worker,
 * never from interrupts.
 */
static DEFINE_SPINLOCK(zs_hbuf_lock);
static LIST_HEAD(zs_hbuf_free_list);
static LIST_HEAD(zs_hbuf_queue_list);
static unsigned int zs_hbuf_nr_queued;	/* on zs_hbuf_queue_list */
static unsigned long zs_hbuf_nr_free;
static unsigned long zs_hbuf_total;	/* pages allocated */
static bool zs_hbuf_enabled;		/* pages may be kept */
static bool zs_hbuf_grew;		/* since the shrink work last ran */
static unsigned long zs_hbuf_grow_retry; /* jiffies; 0: grow may be tried */

/* Modes using the buffers: enabled, initialized. zs_defer_switch_lock */
static unsigned int zs_hbuf_users;
static unsigned int zs_hbuf_inits;

/* Most pages the pool may hold, /sys/kernel/mm/zsmalloc/hbuf_pool_pages */
static unsigned long zs_hbuf_pool_pages;

/*
 * The drain's helpers, possible CPUs - 1 of them, allocated by the first
 * init; most workers, zs_hbuf_work included, that drain at once
 * (/sys/kernel/mm/zsmalloc/hbuf_drain_workers, by default the possible
 * CPUs).
 */
static struct delayed_work *zs_hbuf_helpers;
static unsigned int zs_hbuf_nr_helpers;
static unsigned int zs_hbuf_drain_workers = 1;

#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
/* Which of the first BITS_PER_LONG helpers ran, for the KUnit test */
static unsigned long zs_hbuf_helpers_ran;
#endif

/* Serializes zs_hbuf_close_all(), so a drain waits for the delayed flush */
static DEFINE_MUTEX(zs_hbuf_flush_lock);

/* Each CPU's deferred count when the flush last looked; zs_hbuf_flush_lock */
static DEFINE_PER_CPU(u64, zs_hbuf_flush_seen);
static unsigned long zs_hbuf_flush_last;	/* jiffies of that look */

static int zs_hbuf_hp_state;

static void work_hbuf(struct work_struct *work);
static void flush_work_hbuf(struct work_struct *work);
static void shrink_work_hbuf(struct work_struct *work);
static DECLARE_DELAYED_WORK(zs_hbuf_work, work_hbuf);
static DECLARE_DELAYED_WORK(zs_hbuf_flush_dwork, flush_work_hbuf);
static DECLARE_DELAYED_WORK(zs_hbuf_shrink_dwork, shrink_work_hbuf);

/* Where a drain runs, and so what it may wait for */
enum zs_hbuf_ctx {
	ZS_HBUF_WORKER,		/* sleeps on page locks, reschedules */
	ZS_HBUF_RECLAIM,	/* only tries page locks, reschedules */
	ZS_HBUF_ATOMIC,		/* only tries page locks, never reschedules */
};

static void zs_hbuf_free_handles(struct zs_hbuf_ent *ent, unsigned int nr,
				 enum zs_hbuf_ctx ctx);

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
static unsigned int zs_hbuf_free_cbs(struct zs_hbuf_ent *ent, unsigned int nr);
#else
static unsigned int zs_hbuf_free_cbs(struct zs_hbuf_ent *ent, unsigned int nr)
{
	return nr;
}
#endif

static struct zs_hbuf *zs_hbuf_get(void)
{
	struct zs_hbuf *buf;

	if (!READ_ONCE(zs_hbuf_nr_free))
		return NULL;
	spin_lock(&zs_hbuf_lock);
	buf = list_first_entry_or_null(&zs_hbuf_free_list, struct zs_hbuf,
				       node);
	if (buf) {
		list_del(&buf->node);
		WRITE_ONCE(zs_hbuf_nr_free, zs_hbuf_nr_free - 1);
	}
	spin_unlock(&zs_hbuf_lock);
	if (buf) {
		buf->nr = 0;
		buf->bytes = 0;
	}
	return buf;
}

/* Back to the pool, or freed if the pool is disabled or above its bound */
static void zs_hbuf_put(struct zs_hbuf *buf)
{
	spin_lock(&zs_hbuf_lock);
	if (zs_hbuf_enabled &&
	    zs_hbuf_total <= READ_ONCE(zs_hbuf_pool_pages)) {
		list_add(&buf->node, &zs_hbuf_free_list);
		WRITE_ONCE(zs_hbuf_nr_free, zs_hbuf_nr_free + 1);
		buf = NULL;
	} else {
		WRITE_ONCE(zs_hbuf_total, zs_hbuf_total - 1);
	}
	spin_unlock(&zs_hbuf_lock);
	if (buf)
		free_page((unsigned long)buf);
}

/* Pages kept while idle: two per CPU, within the bound */
static unsigned long zs_hbuf_reserve(void)
{
	return min(2UL * num_possible_cpus(), READ_ONCE(zs_hbuf_pool_pages));
}

/*
 * Allocate the reserve, sleeping if need be: at enable and resize, under
 * zs_defer_switch_lock.
 */
static void zs_hbuf_fill_reserve(void)
{
	for (;;) {
		unsigned long page;
		bool more;

		spin_lock(&zs_hbuf_lock);
		more = zs_hbuf_enabled && zs_hbuf_total < zs_hbuf_reserve();
		if (more)
			WRITE_ONCE(zs_hbuf_total, zs_hbuf_total + 1);
		spin_unlock(&zs_hbuf_lock);
		if (!more)
			return;
		page = __get_free_page(GFP_KERNEL | __GFP_NOWARN);
		if (!page) {
			spin_lock(&zs_hbuf_lock);
			WRITE_ONCE(zs_hbuf_total, zs_hbuf_total - 1);
			spin_unlock(&zs_hbuf_lock);
			return;
		}
		zs_hbuf_put((struct zs_hbuf *)page);
	}
}

/*
 * Fill slow path, the pool empty: one more page, up to the bound, without
 * waiting, warning or dipping into the reserves. Any context
 * zs_hbuf_add() runs in.
 */
static struct zs_hbuf *zs_hbuf_grow(void)
{
	unsigned long retry = READ_ONCE(zs_hbuf_grow_retry);
	struct zs_hbuf *buf;
	bool more;

	if (READ_ONCE(zs_hbuf_total) >= READ_ONCE(zs_hbuf_pool_pages))
		return NULL;
	if (retry) {
		if (time_before(jiffies, retry))
			return NULL;
		/* Past: cleared, or jiffies wrapping would make it future */
		WRITE_ONCE(zs_hbuf_grow_retry, 0);
	}
	spin_lock(&zs_hbuf_lock);
	more = zs_hbuf_enabled &&
	       zs_hbuf_total < READ_ONCE(zs_hbuf_pool_pages);
	if (more)
		WRITE_ONCE(zs_hbuf_total, zs_hbuf_total + 1);
	spin_unlock(&zs_hbuf_lock);
	if (!more)
		return NULL;
	buf = (struct zs_hbuf *)__get_free_page(GFP_NOWAIT | __GFP_NOWARN |
						 __GFP_NOMEMALLOC);
	if (!buf) {
		spin_lock(&zs_hbuf_lock);
		WRITE_ONCE(zs_hbuf_total, zs_hbuf_total - 1);
		spin_unlock(&zs_hbuf_lock);
		WRITE_ONCE(zs_hbuf_grow_retry, (jiffies + 1) ?: 1);
		return NULL;
	}
	buf->nr = 0;
	buf->bytes = 0;
	if (!READ_ONCE(zs_hbuf_grew))
		WRITE_ONCE(zs_hbuf_grew, true);
	if (!delayed_work_pending(&zs_hbuf_shrink_dwork))
		queue_delayed_work(zs_defer_wq, &zs_hbuf_shrink_dwork,
				   ZS_HBUF_SHRINK_DELAY);
	return buf;
}

/*
 * Free pool pages down to @keep (all of them while the pool is disabled).
 * Pages in use are freed as they come back if the pool is above its bound.
 * Returns true if no page above @keep is left, in use or not. Never sleeps.
 */
static bool zs_hbuf_trim(unsigned long keep)
{
	struct zs_hbuf *buf;
	bool done;

	for (;;) {
		spin_lock(&zs_hbuf_lock);
		buf = NULL;
		if (!zs_hbuf_enabled || zs_hbuf_total > keep)
			buf = list_first_entry_or_null(&zs_hbuf_free_list,
						       struct zs_hbuf, node);
		if (buf) {
			list_del(&buf->node);
			WRITE_ONCE(zs_hbuf_nr_free, zs_hbuf_nr_free - 1);
			WRITE_ONCE(zs_hbuf_total, zs_hbuf_total - 1);
		}
		done = zs_hbuf_total <= keep;
		spin_unlock(&zs_hbuf_lock);
		if (!buf)
			return done;
		free_page((unsigned long)buf);
	}
}

/* Back to the reserve once the pool stopped growing */
static void shrink_work_hbuf(struct work_struct *work)
{
	if (xchg(&zs_hbuf_grew, false) || !zs_hbuf_trim(zs_hbuf_reserve()))
		queue_delayed_work(zs_defer_wq, &zs_hbuf_shrink_dwork,
				   ZS_HBUF_SHRINK_DELAY);
}

static void zs_hbuf_arm_flush(void)
{
	if (!delayed_work_pending(&zs_hbuf_flush_dwork))
		queue_delayed_work(zs_defer_wq, &zs_hbuf_flush_dwork,
				   ZS_HBUF_FLUSH_DELAY);
}

/* Pending pages change once per buffer, in slow paths */
static void zs_hbuf_pending_pages_add(long nr)
{
	zs_defer_count_add(0, nr);
}

/*
 * What a closed @buf counts against pending_limit, in pages: its own and
 * the bytes its entries hold back. Fixed once it left its CPU.
 */
static unsigned long zs_hbuf_pages(const struct zs_hbuf *buf)
{
	return 1 + DIV_ROUND_UP(buf->bytes, PAGE_SIZE);
}

/* Count @buf, which left its CPU, as closed */
static void zs_hbuf_account_close(struct zs_hbuf *buf)
{
	zs_hbuf_pending_pages_add(zs_hbuf_pages(buf));
	trace_zs_defer_enqueue(buf->mode, buf->nr, 0);
}

/* Hand a closed, non-empty buffer to the worker */
static void zs_hbuf_queue(struct zs_hbuf *buf)
{
	zs_hbuf_account_close(buf);
	spin_lock(&zs_hbuf_lock);
	list_add_tail(&buf->node, &zs_hbuf_queue_list);
	WRITE_ONCE(zs_hbuf_nr_queued, zs_hbuf_nr_queued + 1);
	spin_unlock(&zs_hbuf_lock);
	/* A jiffy out, on another CPU: see zs_defer_kick_delayed() */
	zs_defer_kick_delayed(&zs_hbuf_work);
}

static struct zs_hbuf *zs_hbuf_dequeue(void)
{
	struct zs_hbuf *buf;

	spin_lock(&zs_hbuf_lock);
	buf = list_first_entry_or_null(&zs_hbuf_queue_list, struct zs_hbuf,
				       node);
	if (buf) {
		list_del(&buf->node);
		WRITE_ONCE(zs_hbuf_nr_queued, zs_hbuf_nr_queued - 1);
	}
	spin_unlock(&zs_hbuf_lock);
	return buf;
}

/*
 * Fill slow path, preemption disabled: give this CPU a fresh buffer for
 * @ops in place of @buf (NULL, or full and then queued). Returns the fresh
 * buffer, or NULL with @why set, leaving a full @buf in place.
 */
static struct zs_hbuf *zs_hbuf_swap(const struct zs_defer_ops *ops,
				    struct zs_hbuf *buf, const char **why)
{
	struct zs_hbuf **cur = this_cpu_ptr(&zs_hbuf_cur);
	struct zs_hbuf *fresh;

	if (buf && zs_defer_read_pending_pages() + zs_hbuf_pages(buf) >
		   READ_ONCE(zs_defer_pending_limit)) {
		*why = "pending_limit";
		return NULL;
	}
	fresh = zs_hbuf_get();
	if (!fresh)
		fresh = zs_hbuf_grow();
	if (!fresh) {
		/* The flush moves full buffers to the worker, which refills */
		zs_hbuf_arm_flush();
		*why = "no_buffer";
		return NULL;
	}
	fresh->mode = ops->name;
	if (cmpxchg(cur, buf, fresh) != buf) {
		/* zs_hbuf_close_all() took @buf and owns it; *cur is NULL */
		buf = NULL;
		WRITE_ONCE(*cur, fresh);
	}
	if (buf)
		zs_hbuf_queue(buf);
	zs_hbuf_arm_flush();
	return fresh;
}

/*
 * Fill slow path, no fresh buffer to be had (the pool at its bound, no
 * page without waiting, or pending_limit reached): rather than leave the
 * full @buf on this CPU and free every further handle on its own, the
 * producer frees @buf's handles itself, as a drain would, one class->lock
 * per class of the buffer, and keeps filling the emptied buffer. Nothing
 * is added to what is pending, and what was pending in @buf is freed.
 *
 * Buffers of handles only (hbuf): a user's entry (hbuf-cb) is freed by
 * the user's callback, which takes the user's locks (zram's slot locks),
 * and the user pushes it while holding one (zram_slot_free_notify()):
 * those still fall back one by one. Preemption disabled; takes the locks
 * a zs_free() takes, one at a time; never sleeps (page locks are only
 * tried, the zspages whose pages are not go to the retry worker, as
 * reclaim's do). Returns true if @buf is this CPU's again, and empty.
 */
static noinline bool zs_hbuf_self_drain(struct zs_hbuf *buf)
{
	struct zs_hbuf **cur = this_cpu_ptr(&zs_hbuf_cur);
	unsigned int i, nr = buf->nr;

	for (i = 0; i < nr; i++)
		if (buf->ent[i].owner & ZS_HBUF_CB)
			return false;
	/* zs_hbuf_close_all() may have taken it: then it is no longer ours */
	if (cmpxchg(cur, buf, NULL) != buf)
		return false;
	trace_zs_defer_drain_begin(buf->mode, nr, 0);
	zs_hbuf_free_handles(buf->ent, nr, ZS_HBUF_ATOMIC);
	__this_cpu_sub(zs_hbuf_nr_pending, nr);
	zs_defer_stat_add(ZS_DEFER_DRAINED, nr);
	zs_defer_stat_add(ZS_DEFER_DRAIN_RUNS, 1);
	trace_zs_defer_drain_end(buf->mode, nr, 0);
	buf->nr = 0;
	buf->bytes = 0;
	/* Only this CPU installs its buffer: *cur is still NULL */
	WRITE_ONCE(*cur, buf);
	/*
	 * The flush armed when this CPU took @buf may have run while @buf was
	 * off its slot, found nothing to take and not armed itself again:
	 * arm it, or what is pushed next waits for this CPU to fill @buf.
	 */
	zs_hbuf_arm_flush();
	return true;
}

/*
 * Append (@owner, @val), whose free gives back @size bytes (at most a
 * page), to this CPU's buffer for @ops. Preemption disabled
 * (->free_handle, ->push). Returns false if the caller must free now.
 */
static bool zs_hbuf_add(const struct zs_defer_ops *ops, unsigned long owner,
			unsigned long val, unsigned int size)
{
	struct zs_hbuf *buf = __this_cpu_read(zs_hbuf_cur);
	const char *why;
	unsigned int nr;

	if (unlikely(!buf || buf->nr == ZS_HBUF_SLOTS)) {
		struct zs_hbuf *full = buf;

		buf = zs_hbuf_swap(ops, buf, &why);
		if (!buf && full && zs_hbuf_self_drain(full))
			buf = full;
		if (!buf) {
			zs_defer_stat_add(ZS_DEFER_FALLBACKS, 1);
			trace_zs_defer_fallback(ops->name, why);
			return false;
		}
	}
	nr = buf->nr;
	buf->ent[nr].owner = owner;
	buf->ent[nr].val = val;
	buf->nr = nr + 1;
	buf->bytes += min_t(unsigned int, size, PAGE_SIZE);
	__this_cpu_inc(zs_hbuf_nr_pending);
	zs_defer_stat_add(ZS_DEFER_DEFERRED, 1);
	/* Hand a full buffer to the worker now rather than at the next free */
	if (unlikely(nr + 1 == ZS_HBUF_SLOTS))
		zs_hbuf_swap(ops, buf, &why);
	return true;
}

/*
 * Did @cpu fill @want entries since the last look? Its deferred count
 * grows only with its own fills (and llist or pcpu frees, which only make
 * a CPU look busy). zs_hbuf_flush_lock held.
 */
static bool zs_hbuf_cpu_busy(int cpu, unsigned long want)
{
	u64 *seen = per_cpu_ptr(&zs_hbuf_flush_seen, cpu);
	u64 now;
	bool busy;

	now = READ_ONCE(per_cpu(zs_defer_stats, cpu).item[ZS_DEFER_DEFERRED]);
	busy = now - *seen >= want;
	*seen = now;
	return busy;
}

/*
 * Take every CPU's buffer (@idle: the buffers of CPUs not busy filling
 * them), wait until no zs_free() can still be filling one, and queue the
 * non-empty ones. Unless @idle, once this returns, every handle pushed
 * before the call is on zs_hbuf_queue_list or in a buffer that the worker
 * or a CPU hotplug callback holds, and no producer still frees the handles
 * of a buffer it drained itself. Returns true if it left a buffer.
 */
static bool zs_hbuf_close_all(bool idle)
{
	const bool drain = !idle;
	struct zs_hbuf *buf, *tmp;
	unsigned long elapsed, want;
	bool left = false;
	LIST_HEAD(taken);
	int cpu;

	mutex_lock(&zs_hbuf_flush_lock);
	/* Counts from an older look say nothing about the last 20 ms */
	elapsed = jiffies - zs_hbuf_flush_last;
	if (elapsed > 8 * ZS_HBUF_FLUSH_DELAY) {
		idle = false;
		elapsed = 8 * ZS_HBUF_FLUSH_DELAY;
	}
	zs_hbuf_flush_last = jiffies;
	/* Busy: ZS_HBUF_FLUSH_BUSY entries per ZS_HBUF_FLUSH_DELAY, at least 1 */
	want = max(ZS_HBUF_FLUSH_BUSY * elapsed / ZS_HBUF_FLUSH_DELAY, 1UL);
	for_each_possible_cpu(cpu) {
		if (zs_hbuf_cpu_busy(cpu, want) && idle &&
		    READ_ONCE(*per_cpu_ptr(&zs_hbuf_cur, cpu))) {
			left = true;
			continue;
		}
		buf = xchg(per_cpu_ptr(&zs_hbuf_cur, cpu), NULL);
		if (buf)
			list_add_tail(&buf->node, &taken);
	}
	/*
	 * Fills run with preemption disabled: wait them out. This also waits
	 * for an owner that swapped its buffer before our xchg() to queue it.
	 * A drain waits even when it took nothing: a producer in
	 * zs_hbuf_self_drain() holds a buffer on no CPU's slot and frees its
	 * handles, of any pool, until it puts it back; a pool's destroy
	 * returning before that would leave it freeing into freed caches.
	 */
	if (!list_empty(&taken) || drain)
		synchronize_rcu();
	list_for_each_entry_safe(buf, tmp, &taken, node) {
		list_del(&buf->node);
		if (buf->nr)
			zs_hbuf_queue(buf);
		else
			zs_hbuf_put(buf);
	}
	mutex_unlock(&zs_hbuf_flush_lock);
	return left;
}

static int zs_hbuf_cmp(const void *a, const void *b)
{
	const struct zs_hbuf_ent *x = a, *y = b;

	if (x->class == y->class)
		return 0;
	return x->class < y->class ? -1 : 1;
}

/* Size class of @handle's object; @pool->migrate_lock held */
static struct size_class *zs_hbuf_class(struct zs_pool *pool,
					unsigned long handle)
{
	struct page *f_page;

	obj_to_page(handle_to_obj(handle), &f_page);
	return zspage_class(pool, get_zspage(f_page));
}

/* Handles given back to the slab per kmem_cache_free_bulk() call */
#define ZS_HBUF_BULK	32

/*
 * Free the @nr objects of @ent, all of @class, under one class->lock, then
 * the zspages they emptied and their handles; with @trylock, zspages whose
 * pages do not trylock go to the core's retry list. Returns the zspages
 * freed or handed on.
 */
static unsigned int zs_hbuf_free_run(struct size_class *class,
				     struct zs_hbuf_ent *ent, unsigned int nr,
				     bool trylock)
{
	struct llist_node *empty = NULL;
	struct zspage *zspage, *next;
	struct zs_pool *pool = NULL;
	unsigned int i, k, n, freed = 0;

	spin_lock(&class->lock);
	for (i = 0; i < nr; i++) {
		unsigned long obj = handle_to_obj(ent[i].val);
		struct page *f_page;

		obj_to_page(obj, &f_page);
		zspage = get_zspage(f_page);
		pool = zspage->pool;

		class_stat_sub(class, ZS_OBJS_INUSE, 1);
		obj_free(class->size, obj);
		if (fix_fullness_group(class, zspage) != ZS_INUSE_RATIO_0)
			continue;
		/* As __zs_defer_zspage(): off the lists, torn down below */
		remove_zspage(class, zspage);
		class_stat_sub(class, ZS_OBJS_ALLOCATED, class->objs_per_zspage);
		zspage->defer_node.next = empty;
		empty = &zspage->defer_node;
	}
	spin_unlock(&class->lock);

	/* One array on the stack at a time: this may run inside zs_free() */
	if (empty) {
		struct zs_defer_bulk bulk = { };

		llist_for_each_entry_safe(zspage, next, empty, defer_node) {
			if (trylock)
				zs_defer_try_free_zspage(pool, class, zspage,
							 false, &bulk);
			else
				zs_defer_free_zspage(pool, class, zspage,
						     &bulk);
			freed++;
		}
		zs_defer_bulk_flush(&bulk);
	}
	/* A class is one pool's: its handles are of one cache */
	for (i = 0; i < nr; i += n) {
		void *handles[ZS_HBUF_BULK];

		n = min_t(unsigned int, nr - i, ZS_HBUF_BULK);
		for (k = 0; k < n; k++)
			handles[k] = (void *)ent[i + k].val;
		kmem_cache_free_bulk(pool->handle_cachep, n, handles);
	}
	return freed;
}

/*
 * Classes gathered one by one, by a pass over the entries not yet
 * gathered; the entries left after this many are sorted. A buffer of one
 * data stream holds few classes: one on incompressible data (the huge
 * class), a handful at ~3.7:1. Each pass costs a few instructions per
 * entry it looks at; the sort() of every buffer it replaces (indirect
 * compares and swaps), with the handles' bulk free, cost hbuf 360
 * (~13:1) to 480 (incompressible) instructions per handle, 20% of the
 * whole free path (by instruction count, 1 vCPU, 64 MB munmaps).
 */
#define ZS_HBUF_GATHER	16

/*
 * Free the @nr handles of @ent: by class, one class->lock per class, as
 * @ctx allows (see enum zs_hbuf_ctx)
 */
static void zs_hbuf_free_handles(struct zs_hbuf_ent *ent, unsigned int nr,
				 enum zs_hbuf_ctx ctx)
{
	unsigned int i, j, k, passes;

	for (i = 0; i < nr;) {
		struct zs_pool *pool = ent[i].pool;

		read_lock(&pool->migrate_lock);
		for (; i < nr && ent[i].pool == pool; i++)
			ent[i].class = zs_hbuf_class(pool, ent[i].val);
		read_unlock(&pool->migrate_lock);
	}

	/* Move the entries of ent[i]'s class up to it, keeping their order */
	for (i = 0, passes = 0; i < nr && passes < ZS_HBUF_GATHER;
	     i = j, passes++) {
		for (j = i + 1, k = j; k < nr; k++) {
			if (ent[k].class != ent[i].class)
				continue;
			swap(ent[j], ent[k]);	/* a macro: no j++ inside */
			j++;
		}
	}
	/* Many classes (objects of every size): sort the rest */
	if (i < nr)
		sort(ent + i, nr - i, sizeof(*ent), zs_hbuf_cmp, NULL);

	for (i = 0; i < nr; i = j) {
		for (j = i + 1; j < nr && ent[j].class == ent[i].class; j++)
			;
		zs_hbuf_free_run(ent[i].class, ent + i, j - i,
				 ctx != ZS_HBUF_WORKER);
		if (ctx != ZS_HBUF_ATOMIC)
			cond_resched();
	}
}

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * ->free_handle: called by zs_free() with preemption disabled. The size
 * is a page: the class is not known before the drain looks it up.
 */
static bool free_handle_hbuf(struct zs_pool *pool, unsigned long handle)
{
	return zs_hbuf_add(&hbuf_defer_ops, (unsigned long)pool, handle,
			   PAGE_SIZE);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_CEILING_PROBE
/*
 * zsmalloc.ceiling_probe=worker: a drain parks the @nr entries of @ent as
 * they are (a pool and a handle, or a user's tagged callback and value)
 * instead of freeing them. Returns the entries left to free (no room to
 * park), moved to the front.
 */
static unsigned int zs_hbuf_park(struct zs_hbuf_ent *ent, unsigned int nr)
{
	unsigned int i, left = 0;

	if (!zs_defer_probing(ZS_PROBE_WORKER))
		return nr;
	for (i = 0; i < nr; i++)
		if (!zs_defer_park(ZS_PROBE_WORKER, (void *)ent[i].owner,
				   ent[i].val))
			ent[left++] = ent[i];
	return left;
}

/*
 * Free an entry zs_hbuf_park() parked, as the drain it was taken from
 * would have (a user's value through its callback, a handle under its
 * class->lock), from the probe's release: process context, no zsmalloc
 * lock held; sleeps on page locks. False for what the list modes' workers
 * park: a zspage, whose value is zero (a handle never is, and a user's
 * entry carries ZS_HBUF_CB, which no zspage address has).
 */
static bool zs_hbuf_unpark(void *owner, unsigned long val)
{
	struct zs_hbuf_ent ent = { .owner = (unsigned long)owner, .val = val };

	if (!(ent.owner & ZS_HBUF_CB) && !val)
		return false;
	zs_hbuf_free_handles(&ent, zs_hbuf_free_cbs(&ent, 1), ZS_HBUF_WORKER);
	return true;
}
#else
static inline unsigned int zs_hbuf_park(struct zs_hbuf_ent *ent,
					unsigned int nr)
{
	return nr;
}
#endif

/*
 * Free every entry of a closed @buf and return it to the pool. May sleep;
 * from @reclaim, never on a page lock (see ->reclaim).
 */
static unsigned long zs_hbuf_free_buf(struct zs_hbuf *buf, bool reclaim)
{
	unsigned int nr = buf->nr;
	u64 start, ns;

	trace_zs_defer_drain_begin(buf->mode, nr, 0);
	/*
	 * Pending peaks as a drain starts, before it takes @buf's entries
	 * off: sample the high-water mark there, once per buffer.
	 */
	zs_defer_read_pending();
	start = ktime_get_ns();

	/*
	 * The users' frees first; the handles left are moved to the front.
	 * What a probe parks is counted as drained.
	 */
	zs_hbuf_free_handles(buf->ent,
			     zs_hbuf_free_cbs(buf->ent,
					      zs_hbuf_park(buf->ent, nr)),
			     reclaim ? ZS_HBUF_RECLAIM : ZS_HBUF_WORKER);

	ns = ktime_get_ns() - start;
	this_cpu_sub(zs_hbuf_nr_pending, nr);
	zs_defer_stat_add(ZS_DEFER_DRAINED, nr);
	zs_defer_stat_add(ZS_DEFER_DRAIN_RUNS, 1);
	zs_defer_stat_add(ZS_DEFER_DRAIN_TIME_NS, ns);
	zs_hbuf_pending_pages_add(-(long)zs_hbuf_pages(buf));
	trace_zs_defer_drain_end(buf->mode, nr, ns);
	zs_hbuf_put(buf);
	return nr;
}

/*
 * From the worker, before each buffer it takes: a helper for every
 * ZS_HBUF_QUEUE_PER_WORKER buffers queued, up to hbuf_drain_workers in
 * all and one per online CPU (an unbound workqueue gives each queued
 * helper a kworker of its own, so more than the CPUs would only contend).
 * A helper already pending is left alone (a read, no atomic); one
 * running is queued to run again, and finds the queue as it is then.
 */
static void zs_hbuf_kick_helpers(void)
{
	unsigned int i, want;

	want = READ_ONCE(zs_hbuf_nr_queued) / ZS_HBUF_QUEUE_PER_WORKER;
	if (!want)
		return;
	want = min3(want, READ_ONCE(zs_hbuf_drain_workers) - 1,
		    num_online_cpus() - 1);
	want = min(want, zs_hbuf_nr_helpers);
	for (i = 0; i < want; i++)
		if (!delayed_work_pending(&zs_hbuf_helpers[i]))
			queue_delayed_work(zs_defer_wq, &zs_hbuf_helpers[i], 0);
}

/*
 * The worker (zs_hbuf_work) and its helpers: drain half the pool's bound,
 * 64 per CPU at most. Then the worker requeues itself if buffers are
 * left; a helper stops, and the worker queues it again if still needed.
 */
static void work_hbuf(struct work_struct *work)
{
	struct delayed_work *dwork = to_delayed_work(work);
	unsigned long budget = clamp(READ_ONCE(zs_hbuf_pool_pages) / 2, 1UL,
				     64UL * num_possible_cpus());
	bool helper = dwork != &zs_hbuf_work;
	struct zs_hbuf *buf;

#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
	if (helper && dwork - zs_hbuf_helpers < BITS_PER_LONG)
		set_bit(dwork - zs_hbuf_helpers, &zs_hbuf_helpers_ran);
#endif
	while (budget--) {
		if (!helper)
			zs_hbuf_kick_helpers();
		buf = zs_hbuf_dequeue();
		if (!buf)
			return;
		zs_hbuf_free_buf(buf, false);
	}
	if (!helper && !list_empty_careful(&zs_hbuf_queue_list) &&
	    !zs_defer_held())
		queue_delayed_work(zs_defer_wq, &zs_hbuf_work, 0);
}

/* Wait for the worker, then for the helpers it may have queued */
static void zs_hbuf_flush_workers(void)
{
	unsigned int i;

	flush_delayed_work(&zs_hbuf_work);
	for (i = 0; i < zs_hbuf_nr_helpers; i++)
		flush_delayed_work(&zs_hbuf_helpers[i]);
}

static void flush_work_hbuf(struct work_struct *work)
{
#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
	/* Held: keep the buffers on their CPUs, look again later */
	if (READ_ONCE(zs_defer_test_hold)) {
		queue_delayed_work(zs_defer_wq, &zs_hbuf_flush_dwork,
				   ZS_HBUF_FLUSH_DELAY);
		return;
	}
#endif
	if (zs_hbuf_close_all(true))
		queue_delayed_work(zs_defer_wq, &zs_hbuf_flush_dwork,
				   ZS_HBUF_FLUSH_RECHECK);
}

/*
 * ->drain of both buffer modes: every buffer of every CPU, whatever its
 * pool or user (all share the buffers). Returns the entries freed here.
 */
static unsigned long drain_hbuf(struct zs_pool *pool)
{
	unsigned long nr = 0;
	struct zs_hbuf *buf;

	zs_hbuf_close_all(false);
	while ((buf = zs_hbuf_dequeue()))
		nr += zs_hbuf_free_buf(buf, false);
	/* Wait for buffers the workers took before we looked */
	zs_hbuf_flush_workers();
	return nr;
}

static unsigned long pending_hbuf(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(zs_hbuf_nr_pending, cpu);
	return max(sum, 0L);
}

/*
 * ->reclaim of both buffer modes: queued buffers, about @nr entries, never
 * sleeping on page locks. Buffers still on their CPUs would need an RCU
 * grace period to take; the flush takes those of idle CPUs now instead of
 * in 20 ms. Free pool pages above the reserve are released too.
 */
static unsigned long reclaim_hbuf(unsigned long nr)
{
	unsigned long done = 0;
	struct zs_hbuf *buf;

	while (done < nr && (buf = zs_hbuf_dequeue()))
		done += zs_hbuf_free_buf(buf, true);
	if (done < nr && pending_hbuf())
		mod_delayed_work(zs_defer_wq, &zs_hbuf_flush_dwork, 0);
	/* And the pages a burst added, without waiting for the idle shrink */
	zs_hbuf_trim(zs_hbuf_reserve());
	return done;
}

/*
 * CPU hotplug dead callback: @cpu cannot be filling any more, so its
 * buffer is quiescent; free it now. The drain lock is taken before the
 * buffer leaves the CPU: a drain running meanwhile (pool destroy, a mode
 * switch) either finds it there or waits until it is freed, never returns
 * while it is in nobody's sight.
 */
static int cpu_dead_hbuf(unsigned int cpu)
{
	struct zs_hbuf *buf;

	mutex_lock(&zs_defer_drain_lock);
	buf = xchg(per_cpu_ptr(&zs_hbuf_cur, cpu), NULL);
	if (buf && buf->nr) {
		zs_hbuf_account_close(buf);
		zs_hbuf_free_buf(buf, false);
	} else if (buf) {
		zs_hbuf_put(buf);
	}
	mutex_unlock(&zs_defer_drain_lock);
	return 0;
}

/*
 * ->enable of both buffer modes; switching from one to the other enables
 * the new one before the old one is disabled, so the pool stays.
 */
static int enable_hbuf(void)
{
	unsigned long total;

	if (zs_hbuf_users) {
		zs_hbuf_users++;
		return 0;
	}
	spin_lock(&zs_hbuf_lock);
	zs_hbuf_enabled = true;
	spin_unlock(&zs_hbuf_lock);
	zs_hbuf_fill_reserve();

	spin_lock(&zs_hbuf_lock);
	total = zs_hbuf_total;
	if (!total)
		zs_hbuf_enabled = false;
	spin_unlock(&zs_hbuf_lock);
	if (!total)
		return -ENOMEM;
	zs_hbuf_users = 1;
	return 0;
}

/* After the switch drained the last buffer mode: free the pool */
static void disable_hbuf(void)
{
	if (zs_hbuf_users && --zs_hbuf_users)
		return;
	cancel_delayed_work_sync(&zs_hbuf_flush_dwork);
	spin_lock(&zs_hbuf_lock);
	zs_hbuf_enabled = false;
	spin_unlock(&zs_hbuf_lock);
	/* Nothing grows the pool now; this also stops the work's re-arming */
	cancel_delayed_work_sync(&zs_hbuf_shrink_dwork);
	zs_hbuf_trim(0);
}

/* After the last drain: no helper may run or be queued any more */
static void zs_hbuf_free_helpers(void)
{
	unsigned int i;

	WRITE_ONCE(zs_hbuf_drain_workers, 1);
	cancel_delayed_work_sync(&zs_hbuf_work);
	for (i = 0; i < zs_hbuf_nr_helpers; i++)
		cancel_delayed_work_sync(&zs_hbuf_helpers[i]);
	zs_hbuf_nr_helpers = 0;
	kvfree(zs_hbuf_helpers);
	zs_hbuf_helpers = NULL;
}

/* ->init of both buffer modes: the first one sets the buffers up */
static int init_hbuf(void)
{
	unsigned int i, cpus = num_possible_cpus();
	int ret;

	if (zs_hbuf_inits++)
		return 0;

	/*
	 * The bound: pending_limit, which counts every closed buffer's own
	 * page (more could never be queued), plus the reserve. hbuf's
	 * handles count a page each, so its buffers stop at 1/255 of it
	 * (about 750 pages, 3 MB, in a 3 GB guest); hbuf-cb's buffers of
	 * 300-byte objects at 1/20. Only a burst allocates above the
	 * reserve, and only for as long as it lasts.
	 */
	zs_hbuf_pool_pages = zs_defer_pending_limit + 2 * cpus;

	/* Helpers are optional: without them, the worker drains alone */
	zs_hbuf_helpers = kvcalloc(cpus - 1, sizeof(*zs_hbuf_helpers),
				   GFP_KERNEL | __GFP_NOWARN);
	zs_hbuf_nr_helpers = zs_hbuf_helpers ? cpus - 1 : 0;
	for (i = 0; i < zs_hbuf_nr_helpers; i++)
		INIT_DELAYED_WORK(&zs_hbuf_helpers[i], work_hbuf);
	zs_hbuf_drain_workers = zs_hbuf_nr_helpers + 1;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"mm/zsmalloc/defer_hbuf:dead",
					NULL, cpu_dead_hbuf);
	if (ret < 0) {
		zs_hbuf_free_helpers();
		zs_hbuf_inits = 0;
		return ret;
	}
	zs_hbuf_hp_state = ret;
	return 0;
}

static void exit_hbuf(void)
{
	if (--zs_hbuf_inits)
		return;
	if (zs_hbuf_hp_state > 0)
		cpuhp_remove_state_nocalls(zs_hbuf_hp_state);
	zs_hbuf_hp_state = 0;
	cancel_delayed_work_sync(&zs_hbuf_flush_dwork);
	zs_hbuf_users = 0;
	disable_hbuf();
	zs_hbuf_free_helpers();
}

/* Set the bound; pages in use above it are released as they come back */
static void zs_hbuf_resize(unsigned long nr)
{
	mutex_lock(&zs_defer_switch_lock);
	WRITE_ONCE(zs_hbuf_pool_pages, nr);
	zs_hbuf_fill_reserve();
	zs_hbuf_trim(nr);
	mutex_unlock(&zs_defer_switch_lock);
}

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
static const struct zs_defer_ops hbuf_defer_ops = {
	.name = "hbuf",
	.init = init_hbuf,
	.exit = exit_hbuf,
	.enable = enable_hbuf,
	.disable = disable_hbuf,
	.free_handle = free_handle_hbuf,
	.drain = drain_hbuf,
	.reclaim = reclaim_hbuf,
	.pending = pending_hbuf,
};
#endif

/* /sys/kernel/mm/zsmalloc/hbuf_pool_pages, see zsmalloc_defer_sysfs.c */
static ssize_t hbuf_pool_pages_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(zs_hbuf_pool_pages));
}

static ssize_t hbuf_pool_pages_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned long nr;

	/* At most RAM: the default, pending_limit's half of it, fits */
	if (kstrtoul(buf, 0, &nr) || !nr || nr > totalram_pages())
		return -EINVAL;
	zs_hbuf_resize(nr);
	return count;
}

static struct kobj_attribute hbuf_pool_pages_attr =
	__ATTR_RW(hbuf_pool_pages);

/* /sys/kernel/mm/zsmalloc/hbuf_drain_workers, see zsmalloc_defer_sysfs.c */
static ssize_t hbuf_drain_workers_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(zs_hbuf_drain_workers));
}

static ssize_t hbuf_drain_workers_store(struct kobject *kobj,
					struct kobj_attribute *attr,
					const char *buf, size_t count)
{
	unsigned int nr;

	if (kstrtouint(buf, 0, &nr) || !nr || nr > zs_hbuf_nr_helpers + 1)
		return -EINVAL;
	WRITE_ONCE(zs_hbuf_drain_workers, nr);
	return count;
}

static struct kobj_attribute hbuf_drain_workers_attr =
	__ATTR_RW(hbuf_drain_workers);
