// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policies: registry, switching, teardown, counters, pending
 * limit and shrinker. Part of mm/zsmalloc.c's translation unit, see
 * mm/zsmalloc_defer.c.
 *
 * Life of a deferred zspage: zs_free() empties it under class->lock and
 * calls zs_defer_zspage(). If the active mode takes it, __zs_defer_zspage()
 * removes it from its fullness list and drops its objects from the class's
 * ZS_OBJS_ALLOCATED (still under class->lock, so the teardown never needs
 * class->lock), and the mode links it on one of its lists. pool->
 * pages_allocated keeps counting its pages until they are really freed
 * (given back a few zspages at a time, never across a sleep, see struct
 * zs_defer_bulk), so zs_get_total_pages() (zram's mem_used) stays honest.
 * Later a worker, a drain, CPU hotplug or the shrinker takes it off the
 * list and zs_defer_free_batch() locks its pages, as async_free_zspage()
 * does with lock_zspage(), and frees them without class->lock: with all
 * page locks held no page of it can be migrated, and being off the fullness
 * lists compaction and zs_malloc() cannot find it.
 *
 * Lock order: zs_defer_switch_lock -> zs_defer_probe_lock (a probe sets
 * keep_armed, which a switch reads); zs_defer_switch_lock ->
 * cpu_hotplug_lock (static keys, CPU hotplug states); zs_defer_drain_lock
 * -> page locks -> zspage->lock. The drain lock is never held while taking
 * the switch lock or cpu_hotplug_lock, so the CPU hotplug dead callback
 * (run under cpu_hotplug_lock) may take it; workers never take it, so a
 * drain may flush_work() them while holding it.
 *
 * Reclaim (the shrinker, zs_reclaim_deferred()) only trylocks the drain
 * lock and page locks and never waits for a worker or for RCU: page
 * migration (migrate_pages_batch()) keeps zsmalloc pages locked while it
 * allocates the next target, and that allocation may enter the very
 * reclaim that calls us. What does not trylock goes to zs_defer_retry, and
 * a worker frees it with sleeping page locks, as upstream's
 * async_free_zspage() does for free_zspage()'s trylock failures. The one
 * thing a reclaimer waits for is another reclaimer's turn
 * (zs_defer_reclaim_lock, then the drain lock, trylocked), which waits for
 * none of these.
 */

#include <linux/completion.h>
#include <linux/cpuhotplug.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/swap.h>	/* mm_account_reclaimed_pages() */
#include <linux/workqueue.h>

#define CREATE_TRACE_POINTS
#include <trace/events/zsmalloc.h>

/* The upstream behaviour: zs_free() frees emptied zspages itself */
static const struct zs_defer_ops sync_defer_ops = {
	.name = "sync",
};

/*
 * Every compiled-in mode, in the order free_mode lists them. A new mode
 * adds its line here.
 */
static const struct zs_defer_ops *const zs_defer_modes[] = {
	&sync_defer_ops,
#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
	&llist_defer_ops,
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_PCPU
	&pcpu_defer_ops,
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
	&hbuf_defer_ops,
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
	&hbufcb_defer_ops,
#endif
};

/*
 * The active mode. Written with zs_defer_switch_lock held; read under RCU.
 * zs_free() reads it under class->lock inside rcu_read_lock(), so once a
 * switch has published a new mode and synchronize_rcu() returned, no
 * zs_free() can still be inside the old mode's enqueue.
 */
static const struct zs_defer_ops __rcu *zs_defer_cur =
	RCU_INITIALIZER(&sync_defer_ops);

/*
 * The hooks, armed by a switch to a mode that needs them and disarmed by
 * the switch away (zs_defer_switch(), zsmalloc.keep_armed). On while the
 * active mode defers anything:
 */
DEFINE_STATIC_KEY_FALSE(zs_defer_active);

/* On while the active mode has a free_handle callback */
DEFINE_STATIC_KEY_FALSE(zs_defer_handle_active);

/*
 * On while the active mode has a push callback; tested inline in
 * zsmalloc's users (zs_free_cb_push()), so that they pay no call per free
 * in any other mode.
 */
DEFINE_STATIC_KEY_FALSE(zs_free_cb_active);
EXPORT_SYMBOL_GPL(zs_free_cb_active);

/* Serializes mode switches (free_mode writers, boot, unload, KUnit) */
static DEFINE_MUTEX(zs_defer_switch_lock);

/*
 * Held by everything that frees deferred zspages outside a mode's workers:
 * drains (switch, pool destroy, unload), CPU hotplug, the shrinker. A
 * drain holding it knows no other such party holds a batch, and
 * flush_work() covers the workers' batches; hbuf's producers that free
 * their own full buffer (zs_hbuf_self_drain()) do so with preemption
 * disabled, and a drain waits them out (zs_hbuf_close_all()). So when a
 * drain returns, nothing enqueued before it is still allocated.
 */
static DEFINE_MUTEX(zs_defer_drain_lock);

/* Unbound, WQ_MEM_RECLAIM: freeing memory must progress under pressure */
static struct workqueue_struct *zs_defer_wq;

/*
 * Zspages that reclaim took off a mode but could not lock: freed by
 * zs_defer_retry_work and by every drain. They stay counted in
 * zs_defer_pending and zs_defer_pending_pages until then.
 */
static LLIST_HEAD(zs_defer_retry);
static void work_retry(struct work_struct *work);
static DECLARE_WORK(zs_defer_retry_work, work_retry);

/* zs_defer_init() completed: the modes and counters are usable */
static bool zs_defer_ready;

/*
 * Zspages (the buffer modes: none, they count handles in ->pending) and
 * pages enqueued and not yet freed, per CPU. An enqueue adds on its own CPU
 * and a teardown subtracts on whichever CPU it runs, so one CPU's figures
 * may be negative; their sum over every possible CPU is exact, offlined
 * CPUs included. Only this_cpu_*() operations write them: no atomic and no
 * shared cache line on the enqueue path, where percpu_counter_add() cost a
 * call and, every few dozen adds, a spinlock to fold into a shared count.
 *
 * @unchecked, @over: the pending limit, see zs_defer_over_limit().
 */
struct zs_defer_count {
	long zspages;
	long pages;
	unsigned int unchecked;
	bool over;
};

static DEFINE_PER_CPU(struct zs_defer_count, zs_defer_count);

/* Any context; preemption may be enabled (this_cpu_*() is safe there) */
static inline void zs_defer_count_add(long zspages, long pages)
{
	this_cpu_add(zs_defer_count.zspages, zspages);
	this_cpu_add(zs_defer_count.pages, pages);
}

/*
 * Exact sum over every possible CPU of the pending pages (@pages) or
 * zspages; racing updates make it a snapshot. One field, not both: the
 * pending limit's check adds pages only.
 */
static long zs_defer_count_sum(bool pages)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct zs_defer_count *c = per_cpu_ptr(&zs_defer_count,
							     cpu);

		sum += pages ? READ_ONCE(c->pages) : READ_ONCE(c->zspages);
	}
	return sum;
}

/* High-water mark of pending zspages, approximate (racy max of estimates) */
static unsigned long zs_defer_pending_hwm;

/*
 * Above this many pending pages zs_free() frees at once; never 0. It stops
 * a runaway (workers that cannot run), it does not pace a burst: reclaim
 * takes pending pages back first (a shrinker with seeks 0, and zram's and
 * zswap's limits through zs_reclaim_deferred()), so they are as available
 * as clean page cache. Default 1/2 of RAM: 4 processes unmapping 256 MB of
 * incompressible data each in a 2-CPU, 3 GB guest left up to 200000 of
 * hbuf-cb's frees (nearly a page each) pending; with 1/4, the default
 * before, 6 of 14 such runs fell back on 162-6141 frees, with 1/2 none
 * of 11 (results/issue17-limit/). 1/64, the first default, made a
 * quarter of llist's frees synchronous.
 */
#define ZS_DEFER_PENDING_LIMIT_SHIFT	1
static unsigned long zs_defer_pending_limit;

enum zs_defer_stat_item {
	ZS_DEFER_DEFERRED,	/* zspages taken by a mode */
	ZS_DEFER_DRAINED,	/* deferred zspages freed */
	ZS_DEFER_FALLBACKS,	/* zspages a mode refused (pending limit) */
	ZS_DEFER_DRAIN_RUNS,	/* batches torn down */
	ZS_DEFER_DRAIN_TIME_NS,	/* time spent tearing batches down */
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
	ZS_DEFER_STALE,		/* users' frees with nothing left to free */
#endif
	NR_ZS_DEFER_STATS,
};

/* Event counters: per CPU, only ever added to locally, summed on read */
struct zs_defer_stats {
	u64 item[NR_ZS_DEFER_STATS];
};

static DEFINE_PER_CPU(struct zs_defer_stats, zs_defer_stats);

static inline void zs_defer_stat_add(enum zs_defer_stat_item item, u64 nr)
{
	this_cpu_add(zs_defer_stats.item[item], nr);
}

static u64 zs_defer_stat_read(enum zs_defer_stat_item item)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(zs_defer_stats, cpu).item[item];
	return sum;
}

static void zs_defer_note_pending(unsigned long nr)
{
	if (nr > READ_ONCE(zs_defer_pending_hwm))
		WRITE_ONCE(zs_defer_pending_hwm, nr);
}

/* Pending items the modes count themselves (->pending) */
static unsigned long zs_defer_mode_pending(void)
{
	unsigned long nr = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(zs_defer_modes); i++)
		if (zs_defer_modes[i]->pending)
			nr += zs_defer_modes[i]->pending();
	return nr;
}

static unsigned long zs_defer_read_pending(void)
{
	unsigned long nr;

	nr = max(zs_defer_count_sum(false), 0L) + zs_defer_mode_pending();
	zs_defer_note_pending(nr);
	return nr;
}

/* Pending pages, as pending_limit counts them */
static unsigned long zs_defer_read_pending_pages(void)
{
	return max(zs_defer_count_sum(true), 0L);
}

/*
 * Slack of the pending limit: each CPU sums the counts of every CPU once
 * per this many pages it deferred, so that the enqueue path reads no other
 * CPU's cache lines; pending may pass the limit by up to this much per CPU.
 */
#define ZS_DEFER_CHECK_PAGES	64

/*
 * Would deferring @pages more pass pending_limit? Called under the class
 * lock. Below the limit, a local add and compare; while over it, an exact
 * sum at every call (each of which then frees synchronously, which costs
 * far more), so that deferring resumes as soon as the workers catch up.
 */
static bool zs_defer_over_limit(unsigned int pages)
{
	bool over;

	if (likely(!this_cpu_read(zs_defer_count.over)) &&
	    this_cpu_add_return(zs_defer_count.unchecked, pages) <
	    ZS_DEFER_CHECK_PAGES)
		return false;
	this_cpu_write(zs_defer_count.unchecked, 0);
	over = zs_defer_read_pending_pages() + pages >
	       READ_ONCE(zs_defer_pending_limit);
	this_cpu_write(zs_defer_count.over, over);
	return over;
}

#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
/*
 * KUnit: leave deferred zspages on their lists, to check that drains, the
 * shrinker and CPU hotplug reach them. Set only between two full drains.
 */
static bool zs_defer_test_hold;

/*
 * KUnit: the next reclaimer stops here, with reclaim's locks held, until
 * the test lets it go (zs_defer_test_reclaim_concurrent)
 */
struct zs_defer_test_gate {
	struct completion stopped;
	struct completion go;
};

static struct zs_defer_test_gate *zs_defer_test_reclaim_gate;

static void zs_defer_test_reclaim_stop(void)
{
	struct zs_defer_test_gate *gate;

	gate = xchg(&zs_defer_test_reclaim_gate, NULL);
	if (gate) {
		complete(&gate->stopped);
		wait_for_completion(&gate->go);
	}
}
#else
static inline void zs_defer_test_reclaim_stop(void) { }
#endif

/*
 * zsmalloc.keep_armed: never patch a hook out again once a mode armed it.
 * For QEMU's multi-threaded TCG only: there (QEMU 7.2, x86 guest) a vCPU
 * running the patched code can trap on the int3 of a text_poke_bp() that
 * has already finished ("Oops: int3"), with any static key. Reproducer,
 * no zsmalloc code involved: toggle the kmem:kfree tracepoint 100 times
 * while another vCPU frees slab objects in a loop (in this project,
 * results/issue14-int3/toggle.sh); it oopses within seconds under
 * -accel tcg,thread=multi and survives under thread=single. The ceiling
 * probes set it too: they arm their hook when a depth is set.
 */
static bool zs_defer_keep_armed;
module_param_named(keep_armed, zs_defer_keep_armed, bool, 0444);
MODULE_PARM_DESC(keep_armed,
		 "Never disarm the free policy hooks once armed (for QEMU multi-threaded TCG)");

/* Depths at which a ceiling probe skips the free work, see below */
enum zs_defer_probe_depth {
	ZS_PROBE_NONE,
	ZS_PROBE_TEARDOWN,	/* emptied zspages are not torn down */
	ZS_PROBE_ZS_FREE,	/* zs_free() returns at once */
	ZS_PROBE_NOTIFY,	/* zram's slot free notify returns at once */
	/*
	 * Not a ceiling but a split of one: every mode pushes and wakes its
	 * workers as usual, which then park what they take: the list modes
	 * their batches of zspages, the buffer modes each entry of a buffer
	 * (zs_hbuf_park()). A mode timed on it, against its ceiling
	 * (teardown, zs_free, notify), is what the push and the wakeups cost
	 * the freeing CPU; against the mode itself, what the deferred work
	 * running on another CPU costs it.
	 */
	ZS_PROBE_WORKER,
};

#ifdef CONFIG_ZSMALLOC_DEFER_CEILING_PROBE
/*
 * zsmalloc.ceiling_probe (benchmarks only): skip the free work from a
 * depth on, so that a benchmark measures how fast a free gets when that
 * work costs nothing. What is skipped is parked, not leaked: each CPU
 * notes it in its own array (a zspage, a pool and handle, a user's
 * callback and value: a few stores, no lock), and a write of the depth
 * frees all of it, synchronously, before the new depth takes effect. A
 * benchmark can so switch depths at run time between its measurements,
 * like free_mode, and time each mode and each ceiling in one boot. A free
 * that finds this CPU's array full does its work (counted in fallbacks:
 * benchmarks probe in sync, where a fallback is a free done at once). The
 * arrays are allocated when a depth is first set.
 *
 * Lock rules: after boot zs_defer_probe changes only under
 * zs_defer_probe_lock, and to a new depth only after a grace period and
 * the release of the old depth's entries (a store-release that
 * zs_defer_park()'s load-acquire pairs with). zs_defer_park() checks the
 * depth and claims its entry with preemption disabled, an RCU read-side
 * section: once synchronize_rcu() returns, no CPU can still fill an entry
 * of the old depth, and the arrays are the releaser's alone.
 */
static const char *const zs_defer_probe_names[] = {
	[ZS_PROBE_NONE] = "none",
	[ZS_PROBE_TEARDOWN] = "teardown",
	[ZS_PROBE_ZS_FREE] = "zs_free",
	[ZS_PROBE_NOTIFY] = "notify",
	[ZS_PROBE_WORKER] = "worker",
};

static enum zs_defer_probe_depth zs_defer_probe;
static DEFINE_MUTEX(zs_defer_probe_lock);

/*
 * One skipped free: @owner is the zspage (teardown, worker), the pool
 * (zs_free: @val is the handle) or the user's struct zs_free_cb (notify:
 * @val is its value); at worker, also a buffer entry as the buffer holds
 * it (zs_hbuf_unpark())
 */
struct zs_defer_parked {
	void *owner;
	unsigned long val;
};

/*
 * A CPU's parked frees: ->nr claimed (may pass ->max: those were not
 * parked), ->max entries at ->ent
 */
struct zs_defer_parking {
	struct zs_defer_parked *ent;
	unsigned long max;
	unsigned long nr;
};

static DEFINE_PER_CPU(struct zs_defer_parking, zs_defer_parking);

/*
 * Entries per CPU, allocated when a depth is first set: the frees of a
 * quarter of RAM's pages, enough for a 256 MB munmap in a 3 GB guest on
 * one CPU three times over (16 bytes per 16 KB of RAM: 0.1% of RAM per
 * CPU), and at most 2^24 (256 MB a CPU)
 */
#define ZS_DEFER_PARK_SHIFT	2
#define ZS_DEFER_PARK_MAX	BIT(24)

static bool zs_defer_probing(enum zs_defer_probe_depth depth)
{
	return unlikely(READ_ONCE(zs_defer_probe) == depth);
}

/*
 * Park a free skipped at @depth on this CPU, if @depth still probes and
 * there is room. Any context (an interrupt's free claims its own entry).
 * False: the caller does the work itself.
 */
static bool zs_defer_park(enum zs_defer_probe_depth depth, void *owner,
			  unsigned long val)
{
	struct zs_defer_parked *ent = NULL;
	unsigned long i;

	preempt_disable();
	/* Acquire: pairs with zs_defer_probe_set(), which emptied ->nr */
	if (smp_load_acquire(&zs_defer_probe) == depth) {
		i = this_cpu_inc_return(zs_defer_parking.nr) - 1;
		if (i < __this_cpu_read(zs_defer_parking.max)) {
			ent = __this_cpu_read(zs_defer_parking.ent) + i;
			ent->owner = owner;
			ent->val = val;
		} else {
			zs_defer_stat_add(ZS_DEFER_FALLBACKS, 1);
		}
	}
	preempt_enable();
	return ent;
}

/*
 * Arm the hook the probe sits behind, like a mode switch would (worker:
 * selecting llist or pcpu arms it). Sleeps (static keys).
 */
static void zs_defer_probe_arm(void)
{
	static struct static_key_false *const keys[] = {
		[ZS_PROBE_TEARDOWN] = &zs_defer_active,
		[ZS_PROBE_ZS_FREE] = &zs_defer_handle_active,
		[ZS_PROBE_NOTIFY] = &zs_free_cb_active,
	};
	enum zs_defer_probe_depth depth = zs_defer_probe;

	/* Or a switch's zs_defer_disarm() may read keep_armed before it */
	lockdep_assert_held(&zs_defer_switch_lock);
	if (depth == ZS_PROBE_NONE)
		return;
	/* A later switch back to sync must not patch the probe out */
	zs_defer_keep_armed = true;
	if (depth < ARRAY_SIZE(keys) && keys[depth])
		static_branch_enable(keys[depth]);
}

/* A probe armed its hook (and keeps every hook armed) */
static bool __maybe_unused zs_defer_probe_armed(void)
{
	return READ_ONCE(zs_defer_probe) != ZS_PROBE_NONE;
}
#else
static inline bool zs_defer_probing(enum zs_defer_probe_depth depth)
{
	return false;
}

static inline bool zs_defer_park(enum zs_defer_probe_depth depth,
				 void *owner, unsigned long val)
{
	return false;
}

static inline bool zs_defer_probe_armed(void)
{
	return false;
}
#endif

/* KUnit and guest tests hold the workers (zsmalloc.test_hold) */
static inline bool zs_defer_held(void)
{
#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
	return READ_ONCE(zs_defer_test_hold);
#else
	return false;
#endif
}

/* __maybe_unused: with no deferring mode compiled in, nothing kicks */
static void __maybe_unused zs_defer_kick(struct work_struct *work)
{
	if (!zs_defer_held())
		queue_work(zs_defer_wq, work);
}

/*
 * From the push that finds a list empty to its worker's run. One jiffy
 * (1 to 10 ms with HZ=1000 to 100, up to a jiffy less since the timer
 * fires at the next tick): long enough that a burst of frees is one batch
 * and one wakeup instead of one per emptied zspage (queueing the worker
 * at every empty-to-non-empty push woke it about once per zspage, since
 * it emptied the list faster than zs_free() filled it); short against the
 * 20 ms after which hbuf drains a partly filled buffer.
 */
#define ZS_DEFER_KICK_DELAY	1

/*
 * Arm a worker: a list's (under the class lock), or hbuf's drain (a
 * buffer was queued). This only sets the pending bit and adds a timer (no
 * wakeup; at most an IPI to a remote idle CPU so that it sees the timer);
 * already armed, queued or running, it does nothing.
 *
 * The timer goes on the next online CPU, not the freeing one: the timer
 * callback queues the work and wakes a worker from the CPU it fires on,
 * and a worker woken from the freeing CPU was often run there, where it
 * only adds its switches to the same work. Measured at 1 x 256 MB, ~13:1,
 * 2 vCPUs: 13.0% slower than sync with the timer on the freeing CPU, 6.7%
 * faster with it on the other. Preemption is disabled (already, except on
 * PREEMPT_RT) so that the CPU chosen cannot go offline before its timer is
 * added; CPU offline migrates timers already added.
 *
 * hbuf's drain worker, woken at once for every queued buffer, met the
 * same trap once its drain got faster than the frees (a worker idle
 * between buffers): 1 x 256 MB ~13:1 went from 2.1x to 0.95x of sync.
 *
 * Out of line: only the push that finds a list empty calls it, at most
 * once a jiffy per list, and zs_free() stays smaller without it.
 */
static noinline void __maybe_unused
zs_defer_kick_delayed(struct delayed_work *dwork)
{
	int cpu;

	if (zs_defer_held())
		return;
	preempt_disable();
	cpu = cpumask_next(smp_processor_id(), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	queue_delayed_work_on(cpu, zs_defer_wq, dwork, ZS_DEFER_KICK_DELAY);
	preempt_enable();
}

static __always_inline void zs_defer_kick_list(struct zs_defer_list *list)
{
	zs_defer_kick_delayed(&list->dwork);
}

/*
 * The push of a list mode: one llist_add() on @ops's list (this CPU's for
 * per-CPU lists), and the worker armed if the list was empty. Under the
 * class lock; preemption (PREEMPT_RT: migration) disabled by it.
 */
static __always_inline void zs_defer_list_add(const struct zs_defer_ops *ops,
					      struct zspage *zspage)
{
	struct zs_defer_list *list = ops->list ?: this_cpu_ptr(ops->pcpu_lists);

	if (llist_add(&zspage->defer_node, &list->head))
		zs_defer_kick_list(list);
}

#ifdef CONFIG_COMPACTION
static void zs_defer_lock_pages(struct zspage *zspage)
{
	lock_zspage(zspage);
}
#else
/* Without compaction zsmalloc pages never migrate: the chain is stable */
static void zs_defer_lock_pages(struct zspage *zspage)
{
	struct page *page = get_first_page(zspage);

	do {
		lock_page(page);
	} while ((page = get_next_page(page)));
}
#endif

/*
 * Lock every page of @zspage without sleeping, or none. Under the zspage's
 * migrate read lock, as lock_zspage() does: zs_page_migrate() replaces a
 * page of the chain under the write lock, so the pages we try are the
 * zspage's own. A zspage off every list can still be a migration source;
 * a migration holding one of its pages locked is what makes this fail.
 */
static bool __maybe_unused zs_defer_trylock_pages(struct zspage *zspage)
{
	struct page *page, *fail = NULL;

	migrate_read_lock(zspage);
	for (page = get_first_page(zspage); page; page = get_next_page(page)) {
		if (!trylock_page(page)) {
			fail = page;
			break;
		}
	}
	if (fail)
		for (page = get_first_page(zspage); page != fail;
		     page = get_next_page(page))
			unlock_page(page);
	migrate_read_unlock(zspage);
	return !fail;
}

/*
 * Deferred zspages whose pages a batch freed, and whose descriptors and
 * pages it has yet to give back to @pool: the descriptors in one
 * kmem_cache_free_bulk(), which frees those of one slab together (one
 * cmpxchg, or SLUB_TINY's one list lock, where kmem_cache_free() takes
 * one for each), and the pages in one atomic_long_sub() of
 * pool->pages_allocated, a cache line zs_malloc() writes on other CPUs.
 * On the full SLUB that took the slab's part of llist's and pcpu's
 * teardown from about 460 to 300 instructions per one-page zspage
 * (results/issue16-bulk/). On the stack of the task that frees
 * the batch, which calls zs_defer_bulk_flush() before it may sleep (a
 * page lock, cond_resched(): zs_defer_bulk_resched()) and before it
 * returns: pool->pages_allocated counts freed pages for some microseconds
 * at most (zram refuses writes at mem_limit by it), and a drain, having
 * waited for the workers, finds nothing held. A batch may hold zspages of
 * several pools (llist's one list, the retry list, the probe's arrays): a
 * change of pool flushes.
 */
#define ZS_DEFER_BULK	16

struct zs_defer_bulk {
	struct zs_pool *pool;
	unsigned long pages;
	unsigned int nr;
	void *zspage[ZS_DEFER_BULK];
};

static void zs_defer_bulk_flush(struct zs_defer_bulk *bulk)
{
	if (!bulk->nr)
		return;
	kmem_cache_free_bulk(bulk->pool->zspage_cachep, bulk->nr,
			     bulk->zspage);
	/* Until now zs_get_total_pages() (zram's mem_used) counted them */
	atomic_long_sub(bulk->pages, &bulk->pool->pages_allocated);
	bulk->nr = 0;
	bulk->pages = 0;
}

/* A rescheduling point in a loop that fills @bulk */
static void zs_defer_bulk_resched(struct zs_defer_bulk *bulk)
{
	zs_defer_bulk_flush(bulk);
	cond_resched();
}

/*
 * Free the pages of a deferred zspage, off every list, whose objects were
 * already taken off its class's statistics when it was deferred and whose
 * pages the caller locked; its descriptor and page count go to @bulk. Page
 * by page, as sync does: a folio batch for folios_put() cost about 30
 * instructions more per one-page zspage (results/issue16-gap/
 * icount-perf*.txt).
 */
static void zs_defer_release_zspage(struct zs_pool *pool,
				    struct size_class *class,
				    struct zspage *zspage,
				    struct zs_defer_bulk *bulk)
{
	__free_zspage_pages(zspage);
	if (bulk->nr && (bulk->pool != pool || bulk->nr == ZS_DEFER_BULK))
		zs_defer_bulk_flush(bulk);
	bulk->pool = pool;
	bulk->zspage[bulk->nr++] = zspage;
	bulk->pages += class->pages_per_zspage;
}

/*
 * Lock @zspage's pages and free it, see above. May sleep on a page lock
 * (a migration holds it), after giving back what @bulk holds.
 */
static void zs_defer_free_zspage(struct zs_pool *pool, struct size_class *class,
				 struct zspage *zspage,
				 struct zs_defer_bulk *bulk)
{
	if (!zs_defer_trylock_pages(zspage)) {
		zs_defer_bulk_flush(bulk);
		zs_defer_lock_pages(zspage);
	}
	zs_defer_release_zspage(pool, class, zspage, bulk);
}

/*
 * Reclaim's zs_defer_free_zspage(): free @zspage now if its pages all
 * trylock, else hand it to zs_defer_retry_work. @counted: @zspage is
 * already in zs_defer_pending (llist, pcpu); the buffer modes count
 * handles, so their zspages are added here. Returns true if freed now.
 */
static bool __maybe_unused zs_defer_try_free_zspage(struct zs_pool *pool,
						    struct size_class *class,
						    struct zspage *zspage,
						    bool counted,
						    struct zs_defer_bulk *bulk)
{
	if (zs_defer_trylock_pages(zspage)) {
		zs_defer_release_zspage(pool, class, zspage, bulk);
		/*
		 * Reclaim's progress, as slab's shrinkers count theirs: without
		 * it a direct reclaim that freed only pending zspages reads as
		 * no progress and ends in the OOM killer.
		 */
		mm_account_reclaimed_pages(class->pages_per_zspage);
		return true;
	}
	if (!counted)
		zs_defer_count_add(1, class->pages_per_zspage);
	trace_zs_defer_fallback("retry", "page_locked");
	llist_add(&zspage->defer_node, &zs_defer_retry);
	zs_defer_kick(&zs_defer_retry_work);
	return false;
}

/* Free the zspages reclaim could not lock, sleeping on their page locks */
static void zs_defer_free_retry(void)
{
	struct llist_node *list = llist_del_all(&zs_defer_retry);
	struct zs_defer_bulk bulk = { };
	struct zspage *zspage, *next;

	llist_for_each_entry_safe(zspage, next, list, defer_node) {
		struct zs_pool *pool = zspage->pool;
		struct size_class *class = zspage_class(pool, zspage);

		zs_defer_free_zspage(pool, class, zspage, &bulk);
		zs_defer_count_add(-1, -(long)class->pages_per_zspage);
		zs_defer_bulk_resched(&bulk);
	}
}

static void work_retry(struct work_struct *work)
{
	zs_defer_free_retry();
}

/*
 * Count a batch of @taken zspages that left a list of @ops in @ns: @freed
 * of them, of @pages pages, are freed; reclaim handed the others to the
 * retry list, where they stay pending.
 */
static void zs_defer_batch_done(const struct zs_defer_ops *ops,
				unsigned long taken, unsigned long freed,
				unsigned long pages, u64 ns)
{
	zs_defer_stat_add(ZS_DEFER_DRAINED, taken);
	zs_defer_stat_add(ZS_DEFER_DRAIN_RUNS, 1);
	zs_defer_stat_add(ZS_DEFER_DRAIN_TIME_NS, ns);
	zs_defer_count_add(-(long)freed, -(long)pages);
	trace_zs_defer_drain_end(ops->name, taken, ns);
}

/*
 * Zspages a batch frees between two cond_resched()s: at most 16 chains of
 * ZS_MAX_PAGES_PER_ZSPAGE pages (8 by default), some microseconds; a
 * cond_resched() per zspage cost about 15 instructions per one-page
 * zspage (results/issue16-gap/icount-perf*.txt).
 */
#define ZS_DEFER_RESCHED_BATCH	16

/*
 * Free a batch of deferred zspages that the caller took off a list of
 * @ops (and so owns). May sleep on page locks. The statistics are updated
 * once for the batch, descriptors and pool page counts given back by
 * struct zs_defer_bulk, and the CPU is offered every
 * ZS_DEFER_RESCHED_BATCH zspages. Returns the zspages freed.
 */
static unsigned long zs_defer_free_batch(const struct zs_defer_ops *ops,
					 struct llist_node *batch)
{
	struct zs_defer_bulk bulk = { };
	struct zspage *zspage, *next;
	unsigned long nr = 0, pages = 0;
	u64 start, ns;

	if (!batch)
		return 0;

	if (zs_defer_probing(ZS_PROBE_WORKER)) {
		/* Taken off the list and parked: torn down at the release */
		llist_for_each_entry_safe(zspage, next, batch, defer_node) {
			struct zs_pool *pool = zspage->pool;
			struct size_class *class = zspage_class(pool, zspage);

			pages += class->pages_per_zspage;
			nr++;
			if (!zs_defer_park(ZS_PROBE_WORKER, zspage, 0))
				zs_defer_free_zspage(pool, class, zspage,
						     &bulk);
		}
		zs_defer_bulk_flush(&bulk);
		zs_defer_batch_done(ops, nr, nr, pages, 0);
		return nr;
	}

	if (trace_zs_defer_drain_begin_enabled()) {
		struct llist_node *node;

		for (node = batch; node; node = node->next)
			nr++;
		trace_zs_defer_drain_begin(ops->name, nr, 0);
		nr = 0;
	}

	start = ktime_get_ns();
	llist_for_each_entry_safe(zspage, next, batch, defer_node) {
		struct zs_pool *pool = zspage->pool;
		struct size_class *class = zspage_class(pool, zspage);

		pages += class->pages_per_zspage;
		zs_defer_free_zspage(pool, class, zspage, &bulk);
		if (!(++nr % ZS_DEFER_RESCHED_BATCH))
			zs_defer_bulk_resched(&bulk);
	}
	zs_defer_bulk_flush(&bulk);
	ns = ktime_get_ns() - start;

	/* The whole batch was pending at once */
	zs_defer_note_pending(nr);
	zs_defer_batch_done(ops, nr, nr, pages, ns);
	return nr;
}

/*
 * A list's worker: one batch, everything on the list when it starts.
 * Once it has taken the list, the next push finds it empty and arms it
 * again, so it runs at most once per ZS_DEFER_KICK_DELAY; looping until
 * the list stays empty would chase the pushes in batches of a few zspages.
 */
static void zs_defer_list_work(struct work_struct *work)
{
	struct zs_defer_list *list = container_of(to_delayed_work(work),
						  struct zs_defer_list, dwork);

	zs_defer_free_batch(list->ops, llist_del_all(&list->head));
}

static void __maybe_unused zs_defer_list_init(struct zs_defer_list *list,
					      const struct zs_defer_ops *ops)
{
	init_llist_head(&list->head);
	INIT_DELAYED_WORK(&list->dwork, zs_defer_list_work);
	list->ops = ops;
}

/*
 * ->drain of a list mode: free what is on @list, or on every possible
 * CPU's list of @pcpu (an offlined CPU's list is freed when it goes, but a
 * drain must not depend on it), then wait for the batches the workers took
 * before we looked. flush_delayed_work() also runs an armed worker at
 * once, so that no timer is left to fire after the drain.
 */
static unsigned long __maybe_unused
zs_defer_drain_lists(struct zs_defer_list *list,
		     struct zs_defer_list __percpu *pcpu)
{
	unsigned long nr = 0;
	int cpu;

	if (list) {
		nr = zs_defer_free_batch(list->ops,
					 llist_del_all(&list->head));
		flush_delayed_work(&list->dwork);
		return nr;
	}
	for_each_possible_cpu(cpu) {
		list = per_cpu_ptr(pcpu, cpu);
		nr += zs_defer_free_batch(list->ops,
					  llist_del_all(&list->head));
	}
	for_each_possible_cpu(cpu)
		flush_delayed_work(&per_cpu_ptr(pcpu, cpu)->dwork);
	return nr;
}

/* Free what is on @list now, outside of its worker (CPU hotplug) */
static unsigned long __maybe_unused zs_defer_reap(struct zs_defer_list *list)
{
	unsigned long nr;

	mutex_lock(&zs_defer_drain_lock);
	nr = zs_defer_free_batch(list->ops, llist_del_all(&list->head));
	mutex_unlock(&zs_defer_drain_lock);
	return nr;
}

/*
 * Put @rest, a chain taken off @list by llist_del_all(), back on it without
 * walking @rest: a chain goes back on an empty list with one cmpxchg, with
 * no need of its tail. What was pushed meanwhile is taken off again and
 * put in front of @rest (only its own tail is looked for), until the list
 * is found empty. Walking @rest to its tail instead made the shrinker,
 * which asks for SHRINK_BATCH (128) zspages at a time, quadratic in what
 * is pending: with 196608 zspages pending (768 MB of incompressible data,
 * 3 GB guest under TCG), drop_caches took 980-1830 ms in llist and pcpu
 * against 250-390 ms with this. llist_del_all() and llist_add() of other
 * parties may run meanwhile; the caller is the only one putting back.
 */
static void __maybe_unused
zs_defer_list_put_back(struct zs_defer_list *list, struct llist_node *rest)
{
	struct llist_node *first = NULL;

	while (!try_cmpxchg(&list->head.first, &first, rest)) {
		struct llist_node *more = llist_del_all(&list->head);
		struct llist_node *tail = more;

		if (more) {
			while (tail->next)
				tail = tail->next;
			tail->next = rest;
			rest = more;
		}
		first = NULL;
	}
	/* We made it non-empty: its worker may have run meanwhile */
	zs_defer_kick_list(list);
}

/*
 * ->reclaim of the list modes: take at most @nr zspages off @list, free
 * those whose pages trylock and hand the others to the retry list; put the
 * rest back and make sure its worker runs for them. zs_defer_drain_lock
 * held; process context: the CPU is offered every ZS_DEFER_RESCHED_BATCH
 * zspages, since zs_reclaim_deferred() takes the whole list. Returns the
 * zspages taken off @list.
 */
static unsigned long __maybe_unused
zs_defer_reclaim_list(struct zs_defer_list *list, unsigned long nr)
{
	const struct zs_defer_ops *ops = list->ops;
	struct llist_node *batch = llist_del_all(&list->head), *node;
	struct llist_node *last = NULL;
	struct zs_defer_bulk bulk = { };
	struct zspage *zspage, *next;
	unsigned long taken = 0, freed = 0, pages = 0, n = 0;
	u64 start, ns;

	for (node = batch; node && taken < nr; node = node->next) {
		last = node;
		taken++;
	}
	if (!taken)
		return 0;
	if (last->next) {
		struct llist_node *rest = last->next;

		last->next = NULL;
		zs_defer_list_put_back(list, rest);
	}

	trace_zs_defer_drain_begin(ops->name, taken, 0);
	start = ktime_get_ns();
	llist_for_each_entry_safe(zspage, next, batch, defer_node) {
		struct zs_pool *pool = zspage->pool;
		struct size_class *class = zspage_class(pool, zspage);

		if (zs_defer_try_free_zspage(pool, class, zspage, true,
					     &bulk)) {
			pages += class->pages_per_zspage;
			freed++;
		}
		if (!(++n % ZS_DEFER_RESCHED_BATCH))
			zs_defer_bulk_resched(&bulk);
	}
	zs_defer_bulk_flush(&bulk);
	ns = ktime_get_ns() - start;

	zs_defer_batch_done(ops, taken, freed, pages, ns);
	return taken;
}

/*
 * Drain @ops, then the zspages reclaim could not lock: some may be
 * @ops's, and a drain's caller (a switch, zs_destroy_pool()) needs them
 * gone too.
 */
static unsigned long zs_defer_drain_mode(const struct zs_defer_ops *ops,
					 struct zs_pool *pool)
{
	unsigned long nr;

	if (!ops->drain)
		return 0;
	mutex_lock(&zs_defer_drain_lock);
	nr = ops->drain(pool);
	zs_defer_free_retry();
	flush_work(&zs_defer_retry_work);
	mutex_unlock(&zs_defer_drain_lock);
	return nr;
}

#ifdef CONFIG_ZSMALLOC_DEFER_CEILING_PROBE
#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
static bool zs_hbuf_unpark(void *owner, unsigned long val);
#else
static inline bool zs_hbuf_unpark(void *owner, unsigned long val)
{
	return false;
}
#endif

/*
 * Free what @ent parked at @depth, as the skipped work would have; a
 * zspage's descriptor goes to @bulk
 */
static void zs_defer_unpark(enum zs_defer_probe_depth depth,
			    struct zs_defer_parked *ent,
			    struct zs_defer_bulk *bulk)
{
	struct zspage *zspage;
	struct zs_free_cb *cb;

	switch (depth) {
	case ZS_PROBE_WORKER:
		/* A buffer mode's drain parked a buffer entry */
		if (zs_hbuf_unpark(ent->owner, ent->val))
			break;
		fallthrough;
	case ZS_PROBE_TEARDOWN:
		/* Off every list, objects uncounted: as a deferred zspage */
		zspage = ent->owner;
		zs_defer_free_zspage(zspage->pool,
				     zspage_class(zspage->pool, zspage), zspage,
				     bulk);
		break;
	case ZS_PROBE_ZS_FREE:
		zs_free(ent->owner, ent->val);
		break;
	case ZS_PROBE_NOTIFY:
		/* As zs_hbuf_free_cbs() calls it: preemption disabled */
		cb = ent->owner;
		preempt_disable();
		cb->free(cb, &ent->val, 1);
		preempt_enable();
		break;
	default:
		break;
	}
}

/* Free the parking arrays: zs_defer_probe_lock held, nothing parked */
static void zs_defer_probe_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct zs_defer_parking *park = per_cpu_ptr(&zs_defer_parking, cpu);

		park->max = 0;
		kvfree(park->ent);
		park->ent = NULL;
	}
}

/*
 * The parking arrays, once: process context, zs_defer_probe_lock held.
 * -ENOMEM leaves none (a CPU without one could not park).
 */
static int zs_defer_probe_alloc(void)
{
	unsigned long max = min(totalram_pages() >> ZS_DEFER_PARK_SHIFT,
				ZS_DEFER_PARK_MAX);
	int cpu;

	lockdep_assert_held(&zs_defer_probe_lock);
	if (per_cpu_ptr(&zs_defer_parking, 0)->ent)
		return 0;
	for_each_possible_cpu(cpu) {
		struct zs_defer_parking *park = per_cpu_ptr(&zs_defer_parking, cpu);

		park->ent = kvcalloc(max, sizeof(*park->ent), GFP_KERNEL);
		if (!park->ent) {
			zs_defer_probe_free();
			return -ENOMEM;
		}
		park->max = max;
	}
	return 0;
}

/*
 * Stop probing and free everything parked; the depth reads none after.
 * Process context, zs_defer_probe_lock held; sleeps (page locks, RCU).
 */
static void zs_defer_probe_release(void)
{
	enum zs_defer_probe_depth depth = zs_defer_probe;
	struct zs_defer_bulk bulk = { };
	unsigned long i, nr;
	int cpu;

	lockdep_assert_held(&zs_defer_probe_lock);
	if (depth == ZS_PROBE_NONE)
		return;
	WRITE_ONCE(zs_defer_probe, ZS_PROBE_NONE);
	/* Every zs_defer_park() that saw @depth has filled its entry */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct zs_defer_parking *park = per_cpu_ptr(&zs_defer_parking, cpu);

		nr = min(park->nr, park->max);
		for (i = 0; i < nr; i++) {
			zs_defer_unpark(depth, &park->ent[i], &bulk);
			if (!(i % ZS_DEFER_RESCHED_BATCH))
				zs_defer_bulk_resched(&bulk);
		}
		park->nr = 0;
	}
	zs_defer_bulk_flush(&bulk);
}

/*
 * Writing a depth (or none) frees what the previous one parked, then
 * probes the new one, arming its hook. At boot (before zs_defer_init())
 * the depth is only noted.
 */
static int zs_defer_probe_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(zs_defer_probe_names, val);
	int ret;

	if (i < 0)
		return i;
	if (!zs_defer_ready) {
		/* Armed by zs_defer_probe_init(); never, if that init failed */
		zs_defer_probe = i;
		return 0;
	}
	mutex_lock(&zs_defer_switch_lock);
	mutex_lock(&zs_defer_probe_lock);
	zs_defer_probe_release();
	ret = i == ZS_PROBE_NONE ? 0 : zs_defer_probe_alloc();
	if (!ret) {
		/*
		 * Release: a park that sees the new depth sees the arrays
		 * allocated and emptied
		 */
		smp_store_release(&zs_defer_probe, i);
		zs_defer_probe_arm();
	}
	mutex_unlock(&zs_defer_probe_lock);
	mutex_unlock(&zs_defer_switch_lock);
	return ret;
}

static int zs_defer_probe_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  zs_defer_probe_names[READ_ONCE(zs_defer_probe)]);
}

static const struct kernel_param_ops zs_defer_probe_ops = {
	.set = zs_defer_probe_set,
	.get = zs_defer_probe_get,
};

module_param_cb(ceiling_probe, &zs_defer_probe_ops, NULL, 0644);
MODULE_PARM_DESC(ceiling_probe,
		 "Benchmarks only: skip frees from this depth (teardown, zs_free, notify, worker), parked until the next write");

/*
 * For a drain, which must leave nothing of a pool or a zsmalloc user
 * behind: free what is parked and stop probing, until
 * zs_defer_probe_resume() after the drain lets the depth be written again;
 * so that neither the frees the drain makes (the worker depth parks the
 * batches it drains) nor those of a depth set meanwhile are parked for a
 * pool going away. Sleeps. Lock order: zs_defer_probe_lock ->
 * zs_defer_drain_lock.
 */
static void zs_defer_probe_stop(void)
	__acquires(&zs_defer_probe_lock)
{
	mutex_lock(&zs_defer_probe_lock);
	if (zs_defer_probe != ZS_PROBE_NONE) {
		zs_defer_probe_release();
		pr_info("ceiling probe stopped by a drain\n");
	}
}

static void zs_defer_probe_resume(void)
	__releases(&zs_defer_probe_lock)
{
	mutex_unlock(&zs_defer_probe_lock);
}

/*
 * At zs_defer_init(), before a mode can arm a hook: a depth set at boot
 * gets its arrays (or is dropped) and its hook
 */
static void zs_defer_probe_init(void)
{
	mutex_lock(&zs_defer_switch_lock);
	mutex_lock(&zs_defer_probe_lock);
	if (zs_defer_probe != ZS_PROBE_NONE) {
		if (zs_defer_probe_alloc()) {
			pr_warn("ceiling probe %s from boot: no memory to park, not probing\n",
				zs_defer_probe_names[zs_defer_probe]);
			zs_defer_probe = ZS_PROBE_NONE;
		} else {
			zs_defer_probe_arm();
			pr_info("ceiling probe %s from boot: frees skipped from there on, parked\n",
				zs_defer_probe_names[zs_defer_probe]);
		}
	}
	mutex_unlock(&zs_defer_probe_lock);
	mutex_unlock(&zs_defer_switch_lock);
}

static void zs_defer_probe_exit(void)
{
	zs_defer_probe_stop();
	zs_defer_probe_free();
	zs_defer_probe_resume();
}
#else
static inline void zs_defer_probe_stop(void) { }
static inline void zs_defer_probe_resume(void) { }
static inline void zs_defer_probe_init(void) { }
static inline void zs_defer_probe_exit(void) { }
#endif

/*
 * Drain every mode, not only the active one: a mode being switched away
 * from may still hold zspages of @pool until its switch has drained it.
 */
static unsigned long zs_defer_drain_all(struct zs_pool *pool)
{
	unsigned long nr = 0;
	int i;

	if (!zs_defer_ready)
		return 0;
	/*
	 * First: what a probe parked may go to a mode's buffers when freed.
	 * No depth can be set again until the drain is over.
	 */
	zs_defer_probe_stop();
	/*
	 * Last mode first: the callbacks hbuf-cb's drain runs zs_free() into
	 * whichever mode is active. During a switch from hbuf-cb to llist or
	 * pcpu, that is a list mode, which must be drained after it, or the
	 * emptied zspages of @pool outlive zs_destroy_pool(). What a mode's
	 * drain gives another goes only to modes listed before it.
	 */
	for (i = ARRAY_SIZE(zs_defer_modes); i-- > 0;)
		nr += zs_defer_drain_mode(zs_defer_modes[i], pool);
	zs_defer_probe_resume();
	return nr;
}

/* zs_destroy_pool(): no zspage of @pool may outlive its caches */
static void zs_defer_destroy_pool(struct zs_pool *pool)
{
	zs_defer_drain_all(pool);
}

#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
/*
 * Writing N frees what the held workers left, as a switch would: a kick
 * the hold swallowed is not made again (a list that stayed non-empty is
 * not re-armed by later pushes, nor is the retry list), and the shrinker
 * leaves a residue alone (do_shrink_slab() scans nothing while half of
 * the count is below SHRINK_BATCH). Process context (a sysfs write).
 */
static int zs_defer_test_hold_set(const char *val,
				  const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret && !READ_ONCE(zs_defer_test_hold))
		zs_defer_drain_all(NULL);
	return ret;
}

static const struct kernel_param_ops zs_defer_test_hold_ops = {
	.set = zs_defer_test_hold_set,
	.get = param_get_bool,
};

/*
 * Also for guest tests that need frees to stay pending (zram slot reuse),
 * in kernels built with the KUnit suite only: zsmalloc.test_hold=Y holds
 * the workers; a drain (switch, shrinker) still frees what it reaches,
 * and writing N frees the rest.
 */
module_param_cb(test_hold, &zs_defer_test_hold_ops, &zs_defer_test_hold,
		0644);
#endif

/* Called by zs_free() via zs_defer_zspage() with class->lock held */
static bool __zs_defer_zspage(struct zs_pool *pool, struct size_class *class,
			      struct zspage *zspage)
{
	const struct zs_defer_ops *ops;
	bool taken = false;

	lockdep_assert_held(&class->lock);

	if (zs_defer_probing(ZS_PROBE_TEARDOWN) &&
	    zs_defer_park(ZS_PROBE_TEARDOWN, zspage, 0)) {
		/* Off its list and parked: torn down at the release */
		remove_zspage(class, zspage);
		class_stat_sub(class, ZS_OBJS_ALLOCATED, class->objs_per_zspage);
		return true;
	}

	rcu_read_lock();
	ops = rcu_dereference(zs_defer_cur);
	if (!ops->list && !ops->pcpu_lists)
		goto out;

	if (unlikely(zs_defer_over_limit(class->pages_per_zspage))) {
		zs_defer_stat_add(ZS_DEFER_FALLBACKS, 1);
		trace_zs_defer_fallback(ops->name, "pending_limit");
		goto out;
	}

	remove_zspage(class, zspage);
	class_stat_sub(class, ZS_OBJS_ALLOCATED, class->objs_per_zspage);

	/* Count before the push: a worker may free it right away */
	zs_defer_count_add(1, class->pages_per_zspage);
	zs_defer_stat_add(ZS_DEFER_DEFERRED, 1);
	trace_zs_defer_enqueue(ops->name, class->pages_per_zspage, 0);

	zs_defer_list_add(ops, zspage);
	taken = true;
out:
	rcu_read_unlock();
	return taken;
}

/* Called by zs_free() via zs_defer_handle(), before it looks up @handle */
static bool __zs_defer_handle(struct zs_pool *pool, unsigned long handle)
{
	const struct zs_defer_ops *ops;
	bool taken = false;

	if (zs_defer_probing(ZS_PROBE_ZS_FREE) &&
	    zs_defer_park(ZS_PROBE_ZS_FREE, pool, handle))
		return true;

	/*
	 * Handle buffers are per CPU and filled without atomics: no
	 * preemption. That is also an RCU read-side critical section, which
	 * zs_defer_switch()'s synchronize_rcu() waits for.
	 */
	preempt_disable();
	ops = rcu_dereference_sched(zs_defer_cur);
	if (ops->free_handle)
		taken = ops->free_handle(pool, handle);
	preempt_enable();
	return taken;
}

static const struct zs_defer_ops *zs_defer_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zs_defer_modes); i++) {
		const char *mode = zs_defer_modes[i]->name;

		if (strlen(mode) == len && !memcmp(mode, name, len))
			return zs_defer_modes[i];
	}
	return NULL;
}

static bool zs_defer_ops_defers(const struct zs_defer_ops *ops)
{
	return ops->list || ops->pcpu_lists || ops->free_handle || ops->push;
}

/*
 * Patch out the hooks @new does not need, after a switch drained the old
 * mode: the zs_free()s and users' frees still inside a hook read the new
 * mode and do what it says (sync: nothing), so a hook can go at any time.
 * Back in sync, zs_free() runs upstream's code again. Costs three IPIs to
 * every CPU per key; a mode switch is rare.
 */
static void zs_defer_disarm(const struct zs_defer_ops *new)
{
	/* zs_defer_probe_arm() sets keep_armed under it too */
	lockdep_assert_held(&zs_defer_switch_lock);
	if (READ_ONCE(zs_defer_keep_armed))
		return;
	if (!zs_defer_ops_defers(new))
		static_branch_disable(&zs_defer_active);
	if (!new->free_handle)
		static_branch_disable(&zs_defer_handle_active);
	if (!new->push)
		static_branch_disable(&zs_free_cb_active);
}

/*
 * Make @new the active mode. On return no zs_free() is still inside the
 * old mode and everything the old mode took has been freed. Returns 0 or
 * the error of @new's enable callback, the old mode staying active.
 */
static int zs_defer_switch(const struct zs_defer_ops *new)
{
	const struct zs_defer_ops *old;
	unsigned long drained;
	int ret = 0;

	mutex_lock(&zs_defer_switch_lock);
	old = rcu_dereference_protected(zs_defer_cur,
					lockdep_is_held(&zs_defer_switch_lock));
	if (new == old)
		goto unlock;

	if (new->enable) {
		ret = new->enable();
		if (ret)
			goto unlock;
	}

	rcu_assign_pointer(zs_defer_cur, new);
	/*
	 * Arm the hooks @new needs before it can be called: zs_defer_active
	 * for a mode that defers anything (sync keeps zs_free() patched out),
	 * zs_defer_handle_active for the per-object hook at the top of
	 * zs_free(), zs_free_cb_active for zsmalloc users' whole frees.
	 */
	if (zs_defer_ops_defers(new))
		static_branch_enable(&zs_defer_active);
	if (new->free_handle)
		static_branch_enable(&zs_defer_handle_active);
	if (new->push)
		static_branch_enable(&zs_free_cb_active);

	/* Wait out zs_free()s that read the old mode, then empty it */
	synchronize_rcu();
	drained = zs_defer_drain_mode(old, NULL);
	if (old->disable)
		old->disable();
	zs_defer_disarm(new);

	trace_zs_defer_mode_switch(old->name, new->name, drained);
unlock:
	mutex_unlock(&zs_defer_switch_lock);
	return ret;
}

static const char *zs_defer_cur_name(void)
{
	const char *name;

	rcu_read_lock();
	name = rcu_dereference(zs_defer_cur)->name;
	rcu_read_unlock();
	return name;
}

/*
 * Reclaimers (the shrinker, from kswapd and from every direct reclaim,
 * and zs_reclaim_deferred()) take turns here, a chunk at a time. One that
 * found the drain lock held by another reclaimer used to return nothing:
 * a direct reclaim that met kswapd in the shrinker, kswapd having given it
 * the CPU in a cond_resched(), went through its 16 retries in 4 ms with
 * nothing reclaimed and invoked the OOM killer with 666 MB pending
 * (defer-suite's memory pressure, hbuf-cb in CI and llist with two
 * writers: results/review-reclaim-wait/). Waiting for a turn is safe where
 * waiting for a drain is not: a reclaimer holding it sleeps on nothing
 * (it only trylocks, and offers the CPU in cond_resched()), allocates
 * nothing, and holds it for one chunk.
 */
static DEFINE_MUTEX(zs_defer_reclaim_lock);

/* Items one turn frees at most: what a waiting reclaimer waits for */
#define ZS_DEFER_RECLAIM_CHUNK	1024UL

/* One turn: up to about @nr items of every mode, drains permitting */
static unsigned long zs_defer_reclaim_turn(unsigned long nr)
{
	unsigned long got = 0;
	int i;

	lockdep_assert_held(&zs_defer_reclaim_lock);
	if (!mutex_trylock(&zs_defer_drain_lock))
		return 0;
	zs_defer_test_reclaim_stop();
	for (i = 0; i < ARRAY_SIZE(zs_defer_modes) && got < nr; i++)
		if (zs_defer_modes[i]->reclaim)
			got += zs_defer_modes[i]->reclaim(nr - got);
	mutex_unlock(&zs_defer_drain_lock);
	return got;
}

/*
 * Free up to @nr pending items from reclaim (see the top of this file):
 * every mode's ->reclaim, which never sleeps on a page lock, never
 * flush_work()s and never waits for RCU. The drain lock is only trylocked:
 * never make reclaim wait for a switch or a drain, which may sleep on page
 * locks. Process context; sleeps only for zs_defer_reclaim_lock. Returns
 * the items freed or handed to the retry list.
 */
static unsigned long zs_defer_reclaim(unsigned long nr)
{
	unsigned long done = 0, chunk, got;

	do {
		chunk = min(nr - done, ZS_DEFER_RECLAIM_CHUNK);
		mutex_lock(&zs_defer_reclaim_lock);
		got = zs_defer_reclaim_turn(chunk);
		mutex_unlock(&zs_defer_reclaim_lock);
		done += got;
		/* Less than a chunk: all that reclaim reaches is taken */
	} while (got >= chunk && done < nr);
	return done;
}

/**
 * zs_reclaim_deferred - free what pending deferred frees hold, for a limit
 *
 * For zsmalloc's users about to refuse a store because of a memory limit
 * (zram's mem_limit, zswap's max_pool_percent): memory that only waits for
 * a free policy's worker must not make them refuse. Frees what the
 * shrinker could (never sleeping on a page lock, waiting for a worker or
 * for RCU); handles still in partly filled per-CPU buffers are left to
 * their periodic flush. Process context, also from reclaim (swap-out);
 * may sleep, waiting for another reclaimer's turn (zs_defer_reclaim_lock).
 *
 * Return: true if anything was freed: the caller re-reads its totals.
 */
bool zs_reclaim_deferred(void)
{
	if (!zs_defer_ready)
		return false;
	return zs_defer_reclaim(ULONG_MAX) > 0;
}
EXPORT_SYMBOL_GPL(zs_reclaim_deferred);

/* Memory pressure: give back pending items, counted as ->pending counts */
static struct shrinker *zs_defer_shrinker;

static unsigned long zs_defer_shrink_count(struct shrinker *shrinker,
					   struct shrink_control *sc)
{
	unsigned long nr = zs_defer_read_pending();

	return nr ? nr : SHRINK_EMPTY;
}

static unsigned long zs_defer_shrink_scan(struct shrinker *shrinker,
					  struct shrink_control *sc)
{
	unsigned long nr = zs_defer_reclaim(sc->nr_to_scan);

	return nr ? nr : SHRINK_STOP;
}

static void zs_defer_shrinker_init(void)
{
	zs_defer_shrinker = shrinker_alloc(0, "mm-zsmalloc-defer");
	if (!zs_defer_shrinker) {
		pr_warn("no shrinker for deferred frees\n");
		return;
	}
	zs_defer_shrinker->count_objects = zs_defer_shrink_count;
	zs_defer_shrinker->scan_objects = zs_defer_shrink_scan;
	/* Pending zspages cost nothing to free: no I/O, no lookups */
	zs_defer_shrinker->seeks = 0;
	shrinker_register(zs_defer_shrinker);
}

/*
 * zsmalloc.free_mode=: the mode to start in. Parsed before zs_init() (at
 * boot, or at module load), so only kept here; read-only at run time,
 * /sys/kernel/mm/zsmalloc/free_mode switches modes.
 */
static char zs_defer_boot_mode[16] = CONFIG_ZSMALLOC_DEFER_DEFAULT;

/* Leading and trailing blanks dropped; a name too long keeps the last one */
static int zs_defer_param_set(const char *val, const struct kernel_param *kp)
{
	char buf[sizeof(zs_defer_boot_mode)];

	if (strscpy(buf, skip_spaces(val), sizeof(buf)) < 0)
		return -EINVAL;
	strscpy(zs_defer_boot_mode, strim(buf), sizeof(zs_defer_boot_mode));
	return 0;
}

static int zs_defer_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", zs_defer_ready ? zs_defer_cur_name() :
			  zs_defer_boot_mode);
}

static const struct kernel_param_ops zs_defer_param_ops = {
	.set = zs_defer_param_set,
	.get = zs_defer_param_get,
};

module_param_cb(free_mode, &zs_defer_param_ops, NULL, 0444);
MODULE_PARM_DESC(free_mode,
		 "Free policy to start in (sync, llist, pcpu, hbuf, hbuf-cb)");

static int zs_defer_sysfs_init(void);
static void zs_defer_sysfs_exit(void);

static void zs_defer_exit_modes(int nr)
{
	while (nr--)
		if (zs_defer_modes[nr]->exit)
			zs_defer_modes[nr]->exit();
}

static void zs_defer_init(void)
{
	const struct zs_defer_ops *mode;
	int i, ret;

	zs_defer_pending_limit = max(totalram_pages() >>
				     ZS_DEFER_PENDING_LIMIT_SHIFT, 1UL);

	zs_defer_wq = alloc_workqueue("zs_defer", WQ_UNBOUND | WQ_MEM_RECLAIM,
				      0);
	if (!zs_defer_wq)
		goto err;

	for (i = 0; i < ARRAY_SIZE(zs_defer_modes); i++) {
		if (!zs_defer_modes[i]->init)
			continue;
		ret = zs_defer_modes[i]->init();
		if (ret) {
			pr_err("free mode %s: init failed: %d\n",
			       zs_defer_modes[i]->name, ret);
			zs_defer_exit_modes(i);
			goto err_wq;
		}
	}

	zs_defer_probe_init();
	zs_defer_ready = true;
	zs_defer_shrinker_init();
	if (zs_defer_sysfs_init())
		pr_warn("no /sys/kernel/mm/zsmalloc\n");

	mode = zs_defer_find(zs_defer_boot_mode, strlen(zs_defer_boot_mode));
	if (!mode) {
		pr_warn("unknown free_mode=%s, using %s\n",
			zs_defer_boot_mode, CONFIG_ZSMALLOC_DEFER_DEFAULT);
		mode = zs_defer_find(CONFIG_ZSMALLOC_DEFER_DEFAULT,
				     strlen(CONFIG_ZSMALLOC_DEFER_DEFAULT));
	}
	if (mode && zs_defer_switch(mode))
		pr_warn("cannot start in free mode %s\n", mode->name);
	pr_info("free mode %s, pending limit %lu pages\n",
		zs_defer_cur_name(), zs_defer_pending_limit);
	return;

err_wq:
	destroy_workqueue(zs_defer_wq);
err:
	pr_err("deferred freeing unavailable, using sync\n");
}

static void zs_defer_exit(void)
{
	if (!zs_defer_ready)
		return;
	zs_defer_sysfs_exit();
	zs_defer_switch(&sync_defer_ops);
	shrinker_free(zs_defer_shrinker);
	zs_defer_drain_all(NULL);
	zs_defer_probe_exit();
	zs_defer_exit_modes(ARRAY_SIZE(zs_defer_modes));
	destroy_workqueue(zs_defer_wq);
	zs_defer_ready = false;
}
