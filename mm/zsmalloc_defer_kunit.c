// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the zsmalloc free policies. Part of mm/zsmalloc.c's
 * translation unit (see mm/zsmalloc_defer.c), so they run whether zsmalloc
 * is built in or a module. Each case runs once per compiled-in mode, on a
 * private pool. They switch the system-wide mode and restore it at the end;
 * they expect no other zsmalloc user to free while they run (boot or
 * module load), since they check the global counters.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#define ZS_DEFER_TEST_OBJS	1024
#define ZS_DEFER_TEST_ROUNDS	4

static const unsigned int zs_defer_test_sizes[] = {
	32, 152, 1000, 2100, 3000, PAGE_SIZE - 64,
};

static const struct zs_defer_ops *zs_defer_test_saved;

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
/* A zsmalloc user like zram, for the modes that take users' frees */
struct zs_defer_test_user {
	struct zs_free_cb cb;
	struct zs_pool *pool;
	unsigned int collected;	/* handles the drain took from zs_free() */
	unsigned int calls;	/* of the callback */
	unsigned int most;	/* values in one call, at most */
};

/* Handles this CPU's collect window (zs_hbuf_free_cbs()) took so far */
static unsigned int zs_defer_test_window(void)
{
	return min(this_cpu_read(zs_hbuf_collect.nr),
		   this_cpu_read(zs_hbuf_collect.max));
}

static unsigned int zs_defer_test_user_free(struct zs_free_cb *cb,
					    const unsigned long *vals,
					    unsigned int nr)
{
	struct zs_defer_test_user *user;
	unsigned int i, before = zs_defer_test_window();

	user = container_of(cb, struct zs_defer_test_user, cb);
	for (i = 0; i < nr; i++)
		zs_free(user->pool, vals[i]);
	user->collected += zs_defer_test_window() - before;
	user->calls++;
	user->most = max(user->most, nr);
	return nr;
}

static struct zs_defer_test_user zs_defer_test_user = {
	.cb.free = zs_defer_test_user_free,
};

/*
 * Free @handle as a user does: offered to the mode first (hbuf-cb), as a
 * page, what an object may be at most, so that the limits count a user's
 * entry as they count a handle of hbuf's
 */
static void zs_defer_test_free(struct zs_pool *pool, unsigned long handle)
{
	if (!zs_free_cb_push(&zs_defer_test_user.cb, handle, PAGE_SIZE))
		zs_free(pool, handle);
}

/* Handles the drain took from the callbacks' zs_free()s since @reset */
static unsigned int zs_defer_test_collected(bool reset)
{
	if (reset) {
		zs_defer_test_user.collected = 0;
		zs_defer_test_user.calls = 0;
		zs_defer_test_user.most = 0;
	}
	return zs_defer_test_user.collected;
}

/*
 * The callback was given @values values since zs_defer_test_collected(true)
 * in batches: those of one buffer, or two if the flush took the buffer
 * while it filled
 */
static void zs_defer_test_expect_batches(struct kunit *test,
					 unsigned int values)
{
	KUNIT_EXPECT_LE(test, zs_defer_test_user.calls,
			DIV_ROUND_UP(values, ZS_FREE_CB_BATCH) + 1);
	KUNIT_EXPECT_LE(test, zs_defer_test_user.most, ZS_FREE_CB_BATCH);
}

/* Set between two tests, while nothing is pushed */
static void zs_defer_test_user_pool(struct zs_pool *pool)
{
	zs_defer_test_user.pool = pool;
}
#else
static void zs_defer_test_free(struct zs_pool *pool, unsigned long handle)
{
	zs_free(pool, handle);
}

static void zs_defer_test_user_pool(struct zs_pool *pool) { }

static unsigned int zs_defer_test_collected(bool reset)
{
	return 0;
}

static void zs_defer_test_expect_batches(struct kunit *test,
					 unsigned int values)
{
}
#endif

static void zs_defer_test_desc(const struct zs_defer_ops *const *mode,
			       char *desc)
{
	strscpy(desc, (*mode)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(zs_defer_test_modes, zs_defer_modes, zs_defer_test_desc);

static const struct zs_defer_ops *zs_defer_test_mode(struct kunit *test)
{
	return *(const struct zs_defer_ops *const *)test->param_value;
}

static unsigned int zs_defer_test_size(unsigned int i)
{
	return zs_defer_test_sizes[i % ARRAY_SIZE(zs_defer_test_sizes)];
}

/* Fill object @i with a byte derived from @i, so a freed zspage shows */
static unsigned long zs_defer_test_alloc(struct kunit *test,
					 struct zs_pool *pool,
					 unsigned int size, unsigned int i)
{
	unsigned long handle = zs_malloc(pool, size, GFP_KERNEL);
	void *obj;

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(handle));
	obj = zs_map_object(pool, handle, ZS_MM_WO);
	memset(obj, i & 0xff, size);
	zs_unmap_object(pool, handle);
	return handle;
}

static void zs_defer_test_check(struct kunit *test, struct zs_pool *pool,
				unsigned long handle, unsigned int size,
				unsigned int i)
{
	u8 *obj = zs_map_object(pool, handle, ZS_MM_RO);

	KUNIT_EXPECT_EQ(test, obj[0], (u8)i);
	KUNIT_EXPECT_EQ(test, obj[size - 1], (u8)i);
	zs_unmap_object(pool, handle);
}

/* Drain everything; then nothing may be pending and @pool must be empty */
static void zs_defer_test_settle(struct kunit *test, struct zs_pool *pool)
{
	zs_defer_drain_all(NULL);
	if (pool) {
		/* free_zspage() may have left zspages to pool->free_work */
		zs_flush_migration(pool);
		KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	}
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	/* The exact sums: a CPU's residue would show here */
	KUNIT_EXPECT_EQ(test, zs_defer_count_sum(false), 0L);
	KUNIT_EXPECT_EQ(test, zs_defer_count_sum(true), 0L);
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_DEFERRED),
			zs_defer_stat_read(ZS_DEFER_DRAINED));
}

/* Switch to @mode and create the test's pool, the test user's too */
static struct zs_pool *zs_defer_test_start_in(struct kunit *test,
					      const struct zs_defer_ops *mode)
{
	struct zs_pool *pool;

	KUNIT_ASSERT_EQ(test, zs_defer_switch(mode), 0);
	pool = zs_create_pool("zs_defer_kunit");
	KUNIT_ASSERT_NOT_NULL(test, pool);
	zs_defer_test_user_pool(pool);
	return pool;
}

/* The same in the mode the test case is run for */
static struct zs_pool *zs_defer_test_start(struct kunit *test)
{
	return zs_defer_test_start_in(test, zs_defer_test_mode(test));
}

static void zs_defer_test_patterns(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);
	unsigned long *handles;
	unsigned int s, i;

	handles = kunit_kcalloc(test, ZS_DEFER_TEST_OBJS, sizeof(*handles),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);

	for (s = 0; s < ARRAY_SIZE(zs_defer_test_sizes); s++) {
		unsigned int size = zs_defer_test_sizes[s];

		/* Every other object, then the rest: zspages empty late */
		for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
			handles[i] = zs_defer_test_alloc(test, pool, size, i);
		for (i = 0; i < ZS_DEFER_TEST_OBJS; i += 2)
			zs_defer_test_free(pool, handles[i]);
		for (i = 1; i < ZS_DEFER_TEST_OBJS; i += 2)
			zs_defer_test_check(test, pool, handles[i], size, i);
		for (i = 1; i < ZS_DEFER_TEST_OBJS; i += 2)
			zs_defer_test_free(pool, handles[i]);
		zs_defer_test_settle(test, pool);

		/* Reverse order, reusing partly freed zspages on the way */
		for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
			handles[i] = zs_defer_test_alloc(test, pool, size, i);
		for (i = ZS_DEFER_TEST_OBJS; i-- > ZS_DEFER_TEST_OBJS / 2;)
			zs_defer_test_free(pool, handles[i]);
		for (i = ZS_DEFER_TEST_OBJS / 2; i < ZS_DEFER_TEST_OBJS; i++)
			handles[i] = zs_defer_test_alloc(test, pool, size, i);
		for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
			zs_defer_test_check(test, pool, handles[i], size, i);
		for (i = ZS_DEFER_TEST_OBJS; i-- > 0;)
			zs_defer_test_free(pool, handles[i]);
		zs_defer_test_settle(test, pool);
	}

	zs_destroy_pool(pool);
}

struct zs_defer_test_worker {
	struct zs_pool *pool;
	unsigned long *handles;
	unsigned int nr;
	struct completion done;
};

static int zs_defer_test_free_fn(void *data)
{
	struct zs_defer_test_worker *w = data;
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		zs_defer_test_free(w->pool, w->handles[i]);
		if (!(i % 64))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

/*
 * Allocate objects of mixed sizes, give object i to online CPU i % ncpus
 * and free them from a kthread bound to each CPU, so that most zspages are
 * emptied by frees racing on several CPUs. With @switching, cycle through
 * every mode until the frees are done.
 */
static void zs_defer_test_concurrent(struct kunit *test, bool switching)
{
	struct zs_pool *pool = zs_defer_test_start(test);
	struct zs_defer_test_worker *workers;
	unsigned int round, i, n;
	unsigned int cpu;

	workers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*workers),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	/* No CPU hotplug expected while this runs */
	for_each_online_cpu(cpu) {
		workers[cpu].handles = kunit_kcalloc(test, ZS_DEFER_TEST_OBJS,
						     sizeof(unsigned long),
						     GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, workers[cpu].handles);
	}

	for (round = 0; round < ZS_DEFER_TEST_ROUNDS; round++) {
		const struct zs_defer_ops *next = zs_defer_test_mode(test);
		unsigned int started = 0;
		bool done;

		for_each_online_cpu(cpu) {
			workers[cpu].pool = pool;
			workers[cpu].nr = 0;
			init_completion(&workers[cpu].done);
		}
		/* Consecutive objects, which share zspages, go to all CPUs */
		for (i = 0; i < ZS_DEFER_TEST_OBJS; i++) {
			unsigned int size = zs_defer_test_size(i + round);

			for_each_online_cpu(cpu) {
				struct zs_defer_test_worker *w = &workers[cpu];

				w->handles[w->nr++] =
					zs_defer_test_alloc(test, pool, size, i);
			}
		}

		for_each_online_cpu(cpu) {
			struct task_struct *t;

			t = kthread_run_on_cpu(zs_defer_test_free_fn,
					       &workers[cpu], cpu,
					       "zs_defer_test/%u");
			if (IS_ERR(t)) {
				/* Free its share here instead */
				zs_defer_test_free_fn(&workers[cpu]);
				continue;
			}
			started++;
		}

		n = 0;
		do {
			done = true;
			for_each_online_cpu(cpu)
				if (!completion_done(&workers[cpu].done))
					done = false;
			if (switching) {
				next = zs_defer_modes[n++ %
						      ARRAY_SIZE(zs_defer_modes)];
				KUNIT_EXPECT_EQ(test, zs_defer_switch(next), 0);
				/*
				 * A switch to the mode in effect returns at
				 * once: let this CPU's free kthread run.
				 */
				cond_resched();
			} else if (!done) {
				usleep_range(500, 1000);
			}
		} while (!done);
		for_each_online_cpu(cpu)
			wait_for_completion(&workers[cpu].done);

		KUNIT_EXPECT_GT(test, started, 0U);
		zs_defer_test_settle(test, pool);
		KUNIT_ASSERT_EQ(test,
				zs_defer_switch(zs_defer_test_mode(test)), 0);
	}

	zs_destroy_pool(pool);
}

static void zs_defer_test_concurrent_frees(struct kunit *test)
{
	zs_defer_test_concurrent(test, false);
}

static void zs_defer_test_switch_during_frees(struct kunit *test)
{
	zs_defer_test_concurrent(test, true);
}

/* ZS_DEFER_TEST_OBJS objects of @size bytes in @pool, filled */
static unsigned long *zs_defer_test_fill(struct kunit *test,
					 struct zs_pool *pool,
					 unsigned int size)
{
	unsigned long *handles;
	unsigned int i;

	handles = kunit_kcalloc(test, ZS_DEFER_TEST_OBJS, sizeof(*handles),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
		handles[i] = zs_defer_test_alloc(test, pool, size, i);
	return handles;
}

/*
 * Leave emptied zspages pending (workers not kicked), check they are still
 * counted in the pool's pages, then let @reach free them.
 */
static void zs_defer_test_pending(struct kunit *test, struct zs_pool *pool,
				  unsigned int size)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	unsigned long *handles = zs_defer_test_fill(test, pool, size);
	unsigned int i;

	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
		zs_defer_test_free(pool, handles[i]);

	if (zs_defer_ops_defers(mode)) {
		KUNIT_EXPECT_GT(test, zs_defer_read_pending(), 0UL);
		KUNIT_EXPECT_GT(test, zs_get_total_pages(pool), 0UL);
	} else {
		KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	}
}

static void zs_defer_test_release(struct kunit *test)
{
	WRITE_ONCE(zs_defer_test_hold, false);
	zs_defer_test_settle(test, NULL);
}

static void zs_defer_test_destroy_pending(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);

	zs_defer_test_pending(test, pool, 200);
	zs_destroy_pool(pool);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	zs_defer_test_release(test);
}

/*
 * A batch gives its zspages' descriptors and page counts back per pool
 * (struct zs_defer_bulk), and llist's batches hold zspages of every pool:
 * with the workers held, free the one-page zspages of two pools in
 * alternating runs of 1 to 20 (runs past ZS_DEFER_BULK fill a bulk within
 * a pool), so that one batch takes them all; then each pool must be back
 * to no pages (a count given back to the wrong pool shows in both) and
 * destroy cleanly. zs_free() directly: the test user frees into one pool.
 */
static void zs_defer_test_two_pools(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	unsigned int next[2] = { }, run = 1, p = 0, k;
	unsigned long *handles[2];
	struct zs_pool *pool[2];

	pool[0] = zs_defer_test_start(test);
	pool[1] = zs_create_pool("zs_defer_kunit2");
	KUNIT_ASSERT_NOT_NULL(test, pool[1]);
	/* PAGE_SIZE: the huge class, every free empties a zspage */
	for (k = 0; k < 2; k++)
		handles[k] = zs_defer_test_fill(test, pool[k], PAGE_SIZE);

	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_test_hold, true);
	while (next[0] < ZS_DEFER_TEST_OBJS || next[1] < ZS_DEFER_TEST_OBJS) {
		for (k = 0; k < run && next[p] < ZS_DEFER_TEST_OBJS; k++)
			zs_free(pool[p], handles[p][next[p]++]);
		p ^= 1;
		run = run % 20 + 1;
	}
	/* hbuf-cb defers only what its users push */
	if (zs_defer_ops_defers(mode) && !mode->push)
		KUNIT_EXPECT_GT(test, zs_defer_read_pending(), 0UL);
	zs_defer_test_release(test);

	for (k = 0; k < 2; k++) {
		zs_defer_test_settle(test, pool[k]);
		zs_destroy_pool(pool[k]);
	}
}

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
/*
 * A drain runs hbuf-cb's callbacks, and their zs_free()s go to the active
 * mode: during a switch from hbuf-cb to llist, after llist is published
 * and before hbuf-cb is drained, llist. zs_destroy_pool()'s drain must
 * leave none of the pool's zspages there (they would be torn down after
 * the pool is gone). The switch's window is opened by hand, under the
 * switch lock, with the workers held so that only the drain frees.
 */
static void zs_defer_test_drain_order(struct kunit *test)
{
	unsigned long *handles;
	struct zs_pool *pool;
	unsigned int i;

	pool = zs_defer_test_start_in(test, &hbufcb_defer_ops);
	/* PAGE_SIZE: the huge class, every free empties a zspage */
	handles = zs_defer_test_fill(test, pool, PAGE_SIZE);
	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
		zs_defer_test_free(pool, handles[i]);
	KUNIT_EXPECT_GT(test, zs_defer_read_pending(), 0UL);

	mutex_lock(&zs_defer_switch_lock);
	rcu_assign_pointer(zs_defer_cur, &llist_defer_ops);
	synchronize_rcu();
	zs_defer_drain_all(pool);
	KUNIT_EXPECT_TRUE_MSG(test, llist_empty(&zs_defer_llist.head),
			      "the callbacks' zspages stayed on llist");
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	rcu_assign_pointer(zs_defer_cur, &hbufcb_defer_ops);
	synchronize_rcu();
	mutex_unlock(&zs_defer_switch_lock);

	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif
#endif

/*
 * zsmalloc.free_mode= (boot, module load): blanks around the name are
 * dropped, and a name too long is refused without touching the one kept
 */
static void zs_defer_test_boot_param(struct kunit *test)
{
	char saved[sizeof(zs_defer_boot_mode)];

	memcpy(saved, zs_defer_boot_mode, sizeof(saved));
	KUNIT_EXPECT_EQ(test, zs_defer_param_set(" llist\n", NULL), 0);
	KUNIT_EXPECT_STREQ(test, zs_defer_boot_mode, "llist");
	KUNIT_EXPECT_EQ(test, zs_defer_param_set("a-name-far-too-long", NULL),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, zs_defer_boot_mode, "llist");
	memcpy(zs_defer_boot_mode, saved, sizeof(saved));
}

#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
#define ZS_DEFER_TEST_BUF_SLOTS	ZS_HBUF_SLOTS
#else
#define ZS_DEFER_TEST_BUF_SLOTS	1
#endif

/*
 * Move partly filled buffers to the queue, as the periodic flush does:
 * reclaim reaches queued buffers only (taking one off its CPU needs an RCU
 * grace period, which reclaim must not wait for).
 */
static void zs_defer_test_close_buffers(void)
{
#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
	zs_hbuf_close_all(false);
#endif
}

static unsigned long zs_defer_test_scan(unsigned long nr)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = nr,
	};

	return zs_defer_shrink_scan(zs_defer_shrinker, &sc);
}

static void zs_defer_test_shrinker(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);

	zs_defer_test_pending(test, pool, 500);
	zs_defer_test_close_buffers();
	zs_defer_test_scan(ULONG_MAX);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	zs_defer_test_release(test);
	zs_destroy_pool(pool);
}

/*
 * The shrinker frees about nr_to_scan items: one zspage for the list
 * modes, one buffer (up to ZS_HBUF_SLOTS handles) for the buffer modes.
 */
static void zs_defer_test_shrink_budget(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	struct zs_pool *pool = zs_defer_test_start(test);
	unsigned long before, after, freed;

	zs_defer_test_pending(test, pool, 3000);
	zs_defer_test_close_buffers();
	before = zs_defer_read_pending();
	freed = zs_defer_test_scan(1);
	after = zs_defer_read_pending();
	if (zs_defer_ops_defers(mode)) {
		KUNIT_EXPECT_GT(test, freed, 0UL);
		KUNIT_EXPECT_LE(test, freed, mode->list || mode->pcpu_lists ? 1UL :
				(unsigned long)ZS_DEFER_TEST_BUF_SLOTS);
		KUNIT_EXPECT_EQ(test, before - after, freed);
		KUNIT_EXPECT_GT(test, after, 0UL);
	} else {
		KUNIT_EXPECT_EQ(test, freed, SHRINK_STOP);
	}
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/* Marks that it ran, then sleeps until stopped */
static int zs_defer_test_runner_fn(void *arg)
{
	unsigned long *runs = arg;

	WRITE_ONCE(*runs, *runs + 1);
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * zs_reclaim_deferred() (zram at mem_limit, zswap at its pool limit) asks
 * for the whole backlog, in process context: it must offer the CPU as it
 * goes, as the worker does, or a kernel without preemption keeps the CPU
 * for as long as the teardown of every pending zspage takes.
 *
 * A real-time kthread bound to the test's CPU is woken just before the
 * reclaim, so the test's task needs rescheduling from then on, and the
 * first cond_resched() in the reclaim must let it run. The outcome does
 * not depend on timing: a fair-class thread would need the tick to end
 * the test task's slice, which a quick reclaim can finish before (CI's
 * modules cell saw it once). On a preemptible kernel the thread runs at
 * its wakeup, which is as good.
 */
static void zs_defer_test_reclaim_resched(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	const unsigned int nr = 4 * ZS_DEFER_TEST_OBJS;
	unsigned long *handles, runs = 0, ran;
	struct task_struct *t;
	struct zs_pool *pool;
	unsigned int i, cpu;
	bool freed;

	if (!zs_defer_ops_defers(mode))
		kunit_skip(test, "frees at once");
	pool = zs_defer_test_start(test);
	handles = kunit_kcalloc(test, nr, sizeof(*handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	/* PAGE_SIZE: the huge class, every free empties a zspage */
	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool, PAGE_SIZE, i);
	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < nr; i++)
		zs_defer_test_free(pool, handles[i]);
	zs_defer_test_close_buffers();

	migrate_disable();
	cpu = smp_processor_id();
	t = kthread_create_on_cpu(zs_defer_test_runner_fn, &runs, cpu,
				  "zs_defer_runner/%u");
	if (IS_ERR(t)) {
		migrate_enable();
		KUNIT_FAIL(test, "no kthread on CPU %u", cpu);
		zs_defer_test_release(test);
		zs_destroy_pool(pool);
		return;
	}
	sched_set_fifo_low(t);
	wake_up_process(t);
	freed = zs_reclaim_deferred();
	ran = READ_ONCE(runs);
	KUNIT_EXPECT_EQ_MSG(test, ran, 1UL,
			    "CPU %u not offered while %u frees were reclaimed",
			    cpu, nr);
	migrate_enable();
	kthread_stop(t);

	KUNIT_EXPECT_TRUE(test, freed);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/* A shrinker scan of @nr items in a kthread of its own */
struct zs_defer_test_scanner {
	struct completion done;
	unsigned long nr;
	unsigned long freed;
};

static int zs_defer_test_scan_fn(void *data)
{
	struct zs_defer_test_scanner *s = data;

	s->freed = zs_defer_test_scan(s->nr);
	complete(&s->done);
	return 0;
}

/* Start @s; the task returned is referenced: put_task_struct() it */
static struct task_struct *
zs_defer_test_scan_start(struct zs_defer_test_scanner *s, unsigned long nr)
{
	struct task_struct *t;

	init_completion(&s->done);
	s->nr = nr;
	s->freed = 0;
	t = kthread_create(zs_defer_test_scan_fn, s, "zs_defer_scan");
	if (!IS_ERR(t)) {
		get_task_struct(t);
		wake_up_process(t);
	}
	return t;
}

/* Lock the first page of @handle's zspage, as page migration would */
static struct page *zs_defer_test_lock_zspage(struct zs_pool *pool,
					      unsigned long handle)
{
	struct page *page;

	for (;;) {
		/* pool->migrate_lock: no page of the zspage is replaced */
		read_lock(&pool->migrate_lock);
		obj_to_page(handle_to_obj(handle), &page);
		page = get_first_page(get_zspage(page));
		if (trylock_page(page)) {
			get_page(page);
			read_unlock(&pool->migrate_lock);
			return page;
		}
		read_unlock(&pool->migrate_lock);
		cond_resched();
	}
}

#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
/*
 * A worker that sleeps on a page lock (a migration holds it) gives back
 * the zspages its batch freed before it sleeps (struct zs_defer_bulk):
 * pool->pages_allocated, zram's mem_used, must not keep counting them
 * meanwhile. llist takes its zspages in the reverse order of the frees,
 * so the first one freed, whose page the test holds locked, comes last
 * in a batch of one-page zspages smaller than a bulk.
 */
static void zs_defer_test_bulk_sleep(struct kunit *test)
{
	const unsigned int nr = ZS_DEFER_BULK / 2;
	unsigned long handles[ZS_DEFER_BULK / 2];
	unsigned long timeout;
	struct zs_pool *pool;
	struct page *page;
	unsigned int i;

	pool = zs_defer_test_start_in(test, &llist_defer_ops);
	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool, PAGE_SIZE, i);
	zs_defer_test_settle(test, NULL);
	page = zs_defer_test_lock_zspage(pool, handles[0]);
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < nr; i++)
		zs_free(pool, handles[i]);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), (unsigned long)nr);

	WRITE_ONCE(zs_defer_test_hold, false);
	zs_defer_kick_list(&zs_defer_llist);
	timeout = jiffies + 2 * HZ;
	while (zs_get_total_pages(pool) > 1 && time_before(jiffies, timeout))
		usleep_range(500, 1000);
	KUNIT_EXPECT_EQ_MSG(test, zs_get_total_pages(pool), 1UL,
			    "freed zspages still counted while the worker sleeps");
	unlock_page(page);
	put_page(page);

	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

/*
 * Reclaim never sleeps on a zsmalloc page lock: page migration holds one
 * while it allocates its target, and that allocation may be the reclaim
 * that runs the shrinker. With a page of a pending zspage locked, the scan
 * must return at once, leaving that zspage to the retry worker.
 */
static void zs_defer_test_shrink_page_locked(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);
	struct zs_defer_test_scanner scanner;
	unsigned int i, nr = 256;
	unsigned long *handles;
	struct task_struct *t;
	struct page *page;
	bool returned;

	/* Upstream's free_zspage() leaks a zspage it cannot trylock there */
	if (!IS_ENABLED(CONFIG_COMPACTION))
		kunit_skip(test, "no page migration: only zsmalloc locks its pages");
	handles = kunit_kcalloc(test, nr, sizeof(*handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool, 3000, i);
	zs_defer_test_settle(test, NULL);
	page = zs_defer_test_lock_zspage(pool, handles[0]);
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < nr; i++)
		zs_defer_test_free(pool, handles[i]);
	zs_defer_test_close_buffers();

	t = zs_defer_test_scan_start(&scanner, ULONG_MAX);
	if (IS_ERR(t)) {
		unlock_page(page);
		put_page(page);
		KUNIT_FAIL(test, "no kthread for the scan");
		zs_defer_test_release(test);
		zs_destroy_pool(pool);
		return;
	}
	put_task_struct(t);
	returned = wait_for_completion_timeout(&scanner.done, 2 * HZ);
	unlock_page(page);
	put_page(page);
	if (!returned)
		wait_for_completion(&scanner.done);
	KUNIT_EXPECT_TRUE_MSG(test, returned,
			      "the shrinker waited on a zsmalloc page lock");

	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/*
 * A reclaimer that finds another one at work waits its turn instead of
 * coming back empty-handed: with a shrinker scan stopped inside reclaim
 * (zs_defer_test_reclaim_gate), a second scan must free something once the
 * first goes on. Returning nothing there made a direct reclaim that met
 * kswapd in the shrinker end in the OOM killer, 16 retries in 4 ms, with
 * 666 MB pending (defer-suite's memory pressure, hbuf-cb and llist:
 * results/review-reclaim-wait/).
 */
static void zs_defer_test_reclaim_concurrent(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	struct zs_defer_test_scanner first, second;
	struct zs_defer_test_gate gate;
	struct task_struct *t1, *t2;
	unsigned long timeout;
	struct zs_pool *pool;

	if (!zs_defer_ops_defers(mode))
		kunit_skip(test, "frees at once");
	pool = zs_defer_test_start(test);
	zs_defer_test_pending(test, pool, 3000);
	zs_defer_test_close_buffers();

	init_completion(&gate.stopped);
	init_completion(&gate.go);
	WRITE_ONCE(zs_defer_test_reclaim_gate, &gate);
	t1 = zs_defer_test_scan_start(&first, 1);
	if (IS_ERR(t1)) {
		WRITE_ONCE(zs_defer_test_reclaim_gate, NULL);
		KUNIT_FAIL(test, "no kthread for the first scan");
		goto out;
	}
	if (!wait_for_completion_timeout(&gate.stopped, 10 * HZ)) {
		/* Closed; or, taken meanwhile, let through below */
		WRITE_ONCE(zs_defer_test_reclaim_gate, NULL);
		KUNIT_FAIL(test, "the first scan never reached reclaim");
		goto go;
	}

	/* The second scan either returns or sleeps, waiting for the first */
	t2 = zs_defer_test_scan_start(&second, 1);
	if (IS_ERR(t2)) {
		KUNIT_FAIL(test, "no kthread for the second scan");
		goto go;
	}
	timeout = jiffies + 10 * HZ;
	while (!completion_done(&second.done) &&
	       READ_ONCE(t2->__state) != TASK_UNINTERRUPTIBLE &&
	       time_before(jiffies, timeout))
		usleep_range(500, 1000);
	complete(&gate.go);
	wait_for_completion(&second.done);
	put_task_struct(t2);
	KUNIT_EXPECT_NE_MSG(test, second.freed, SHRINK_STOP,
			    "a scan that met another one freed nothing");
	KUNIT_EXPECT_GT(test, second.freed, 0UL);
go:
	complete(&gate.go);
	wait_for_completion(&first.done);
	put_task_struct(t1);
	KUNIT_EXPECT_GT(test, first.freed, 0UL);
	KUNIT_EXPECT_NE(test, first.freed, SHRINK_STOP);
out:
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

static void zs_defer_test_switch_pending(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);

	zs_defer_test_pending(test, pool, 1000);
	KUNIT_EXPECT_EQ(test, zs_defer_switch(&sync_defer_ops), 0);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	KUNIT_EXPECT_EQ(test, zs_get_total_pages(pool), 0UL);
	zs_defer_test_release(test);
	zs_destroy_pool(pool);
}

/*
 * The list modes wake their worker at most once per ZS_DEFER_KICK_DELAY
 * and list, not once per emptied zspage: free ZS_DEFER_TEST_OBJS zspages
 * (one huge object each) and bound the batches torn down by the jiffies
 * the frees took. Queueing the worker whenever its list was empty made
 * about one batch per few zspages, since the worker kept emptying it.
 */
static void zs_defer_test_kick_batches(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	unsigned long *handles, start, ticks, lists;
	struct zs_pool *pool;
	u64 runs, deferred;
	unsigned int i;

	if (!mode->list && !mode->pcpu_lists)
		kunit_skip(test, "%s tears no zspage down later", mode->name);
	pool = zs_defer_test_start(test);
	/* PAGE_SIZE: the huge class, one object per zspage */
	handles = zs_defer_test_fill(test, pool, PAGE_SIZE);

	zs_defer_test_settle(test, NULL);
	runs = zs_defer_stat_read(ZS_DEFER_DRAIN_RUNS);
	deferred = zs_defer_stat_read(ZS_DEFER_DEFERRED);
	start = jiffies;
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++) {
		zs_defer_test_free(pool, handles[i]);
		/* As zap_pte_range() does: a woken worker may run here */
		cond_resched();
	}
	ticks = jiffies - start;
	/* The drain adds a batch per list at most */
	zs_defer_drain_all(NULL);
	runs = zs_defer_stat_read(ZS_DEFER_DRAIN_RUNS) - runs;
	deferred = zs_defer_stat_read(ZS_DEFER_DEFERRED) - deferred;
	lists = mode->list ? 1 : num_online_cpus();

	kunit_info(test, "%llu zspages in %llu batches over %lu jiffies",
		   deferred, runs, ticks);
	KUNIT_EXPECT_GT(test, deferred, 0ULL);
	KUNIT_EXPECT_LE(test, runs, (u64)(ticks + 3) * lists);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/*
 * zs_defer_list_put_back(), reclaim's return of the zspages it did not
 * take: the chain goes back whole, in front of what was pushed since it
 * was taken, or alone on an empty list. Plain nodes on a list of our own,
 * with the workers held: put_back touches nothing but the links.
 */
static void zs_defer_test_put_back(struct kunit *test)
{
	struct llist_node nodes[8], *node, *chain;
	struct zs_defer_list list;
	unsigned long seen = 0;
	unsigned int i, n = 0;

	zs_defer_list_init(&list, NULL);
	WRITE_ONCE(zs_defer_test_hold, true);

	/* 0-4 taken off the list, 5-7 pushed meanwhile */
	for (i = 0; i < 5; i++)
		llist_add(&nodes[i], &list.head);
	chain = llist_del_all(&list.head);
	for (i = 5; i < ARRAY_SIZE(nodes); i++)
		llist_add(&nodes[i], &list.head);
	zs_defer_list_put_back(&list, chain);
	llist_for_each(node, llist_del_all(&list.head)) {
		seen |= BIT(node - nodes);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, (unsigned int)ARRAY_SIZE(nodes));
	KUNIT_EXPECT_EQ(test, seen, BIT(ARRAY_SIZE(nodes)) - 1);

	/* Onto an empty list: the chain is the list */
	for (i = 0; i < 3; i++)
		llist_add(&nodes[i], &list.head);
	chain = llist_del_all(&list.head);
	zs_defer_list_put_back(&list, chain);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(list.head.first), chain);
	for (n = 0, node = llist_del_all(&list.head); node; node = node->next)
		n++;
	KUNIT_EXPECT_EQ(test, n, 3U);

	WRITE_ONCE(zs_defer_test_hold, false);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&list.dwork));
}

/*
 * Does @mode's producer free its own full buffer when it gets no other
 * (zs_hbuf_self_drain())? hbuf's does, for the handles it buffers.
 */
static bool zs_defer_test_self_drains(const struct zs_defer_ops *mode)
{
	return !strcmp(mode->name, "hbuf");
}

static void zs_defer_test_limit(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	struct zs_pool *pool = zs_defer_test_start(test);
	unsigned long limit = READ_ONCE(zs_defer_pending_limit);
	u64 fallbacks = zs_defer_stat_read(ZS_DEFER_FALLBACKS), drained;
	unsigned long *handles;
	unsigned int i;

	/*
	 * A quarter page each: 256 pages' worth whatever PAGE_SIZE is (with
	 * 16K pages, 1000-byte objects filled only 63 pages, within one
	 * CPU's unchecked slack), on one CPU. That CPU checks the limit once
	 * per ZS_DEFER_CHECK_PAGES pages it defers, and at every call once
	 * over it, so most of them must go synchronous; whether the first
	 * ones are deferred depends on what the CPU left unchecked before,
	 * so pending is only bounded: the limit, one CPU's slack and a
	 * zspage. Once the CPU's buffer is full, hbuf's producer frees it
	 * itself (zs_hbuf_self_drain()) and hbuf-cb's falls back: 1024 frees
	 * are more than one buffer holds with 4K and 16K pages (254 and 1022
	 * handles), not with 64K pages.
	 */
	handles = zs_defer_test_fill(test, pool, PAGE_SIZE / 4);
	zs_defer_test_settle(test, NULL);
	drained = zs_defer_stat_read(ZS_DEFER_DRAINED);
	WRITE_ONCE(zs_defer_test_hold, true);
	WRITE_ONCE(zs_defer_pending_limit, 1);
	migrate_disable();
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
		zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	if (zs_defer_test_self_drains(mode)) {
		/* Workers held: only the producer drained */
		KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
				fallbacks);
		KUNIT_EXPECT_GE(test, zs_defer_stat_read(ZS_DEFER_DRAINED) -
				drained, (u64)ZS_DEFER_TEST_BUF_SLOTS);
	} else if (zs_defer_ops_defers(mode)) {
		KUNIT_EXPECT_GT(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
				fallbacks);
	}
	if (zs_defer_ops_defers(mode)) {
		KUNIT_EXPECT_LE(test, zs_defer_read_pending_pages(),
				1UL + ZS_DEFER_CHECK_PAGES +
				ZS_MAX_PAGES_PER_ZSPAGE);
	} else {
		KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 0UL);
	}
	WRITE_ONCE(zs_defer_pending_limit, limit);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/*
 * pending_hwm must record a backlog that nobody read while it was there:
 * the buffer modes sampled it only when pending was read (sysfs), and
 * read 0 after a burst that left a quarter of RAM pending.
 */
static void zs_defer_test_hwm(struct kunit *test)
{
	struct zs_pool *pool = zs_defer_test_start(test);
	unsigned long *handles;
	unsigned long nr, hwm;
	unsigned int i;

	if (!zs_defer_ops_defers(zs_defer_test_mode(test))) {
		zs_destroy_pool(pool);
		kunit_skip(test, "frees at once");
	}
	/* PAGE_SIZE: the huge class, every free empties a zspage */
	handles = zs_defer_test_fill(test, pool, PAGE_SIZE);
	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_pending_hwm, 0);
	WRITE_ONCE(zs_defer_test_hold, true);
	/* One CPU: pcpu's drain then takes the whole backlog in one batch */
	migrate_disable();
	for (i = 0; i < ZS_DEFER_TEST_OBJS; i++)
		zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	/* Not zs_defer_read_pending(), which would set the mark itself */
	nr = max(zs_defer_count_sum(false), 0L) + zs_defer_mode_pending();
	KUNIT_EXPECT_GT(test, nr, 0UL);
	zs_defer_test_release(test);
	hwm = READ_ONCE(zs_defer_pending_hwm);
	KUNIT_EXPECT_GE(test, hwm, nr);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/* hbuf selected, and a pool with @nr objects of 300 bytes in @handles */
static struct zs_pool *zs_defer_test_hbuf_objs(struct kunit *test,
					       unsigned int nr,
					       unsigned long **handles)
{
	struct zs_pool *pool;
	unsigned int i;

	pool = zs_defer_test_start_in(test, &hbuf_defer_ops);
	*handles = kunit_kcalloc(test, nr, sizeof(**handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *handles);
	for (i = 0; i < nr; i++)
		(*handles)[i] = zs_defer_test_alloc(test, pool, 300, i);
	return pool;
}

/*
 * hbuf with a one-page pool: the page fills and, with no page to swap in,
 * the producer frees the full buffer itself, in one batch, and fills it
 * again (zs_hbuf_self_drain()): no zs_free() falls back to a free of its
 * own. Then a larger pool lets the worker drain again. Data must survive
 * either way. Four buffers' worth of objects, half of them freed: two
 * buffers, so that one is self-drained whatever the page size (a 16K
 * page holds 1022 handles).
 */
static void zs_defer_test_hbuf_pool(struct kunit *test)
{
	unsigned long pages = READ_ONCE(zs_hbuf_pool_pages);
	const unsigned int nr = 4 * ZS_HBUF_SLOTS;
	unsigned long *handles;
	struct zs_pool *pool;
	u64 fallbacks, deferred, drained;
	unsigned int i;

	zs_hbuf_resize(1);
	pool = zs_defer_test_hbuf_objs(test, nr, &handles);

	zs_defer_test_settle(test, NULL);
	fallbacks = zs_defer_stat_read(ZS_DEFER_FALLBACKS);
	deferred = zs_defer_stat_read(ZS_DEFER_DEFERRED);
	drained = zs_defer_stat_read(ZS_DEFER_DRAINED);
	WRITE_ONCE(zs_defer_test_hold, true);
	/* Half of them; the other half stays allocated and is checked */
	migrate_disable();
	for (i = 0; i < nr; i += 2)
		zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
			fallbacks);
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_DEFERRED) - deferred,
			(u64)(nr / 2));
	/* The workers held: the producer drained all but its last buffer */
	KUNIT_EXPECT_GE(test, zs_defer_stat_read(ZS_DEFER_DRAINED) - drained,
			(u64)(nr / 2 - ZS_HBUF_SLOTS));
	for (i = 1; i < nr; i += 2)
		zs_defer_test_check(test, pool, handles[i], 300, i);

	/* A bigger pool: deferring again; a drain frees it all */
	zs_hbuf_resize(pages);
	deferred = zs_defer_stat_read(ZS_DEFER_DEFERRED);
	for (i = 1; i < nr; i += 2)
		zs_defer_test_free(pool, handles[i]);
	KUNIT_EXPECT_GT(test, zs_defer_stat_read(ZS_DEFER_DEFERRED), deferred);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * Frees racing on every CPU, in hbuf and then while the mode switches,
 * with hbuf's pool held at one page: hbuf's producers drain their own
 * full buffers (zs_hbuf_self_drain()) while the periodic flush and the
 * switches take buffers off their CPUs. Nothing may be freed twice (the
 * debug variant's KASAN) or left behind (the settles' checks).
 */
static void zs_defer_test_self_drain_race(struct kunit *test)
{
	unsigned long pages = READ_ONCE(zs_hbuf_pool_pages);

	if (!zs_defer_test_self_drains(zs_defer_test_mode(test)))
		kunit_skip(test, "%s: no self-drain",
			   zs_defer_test_mode(test)->name);
	zs_hbuf_resize(1);
	zs_defer_test_concurrent(test, false);
	zs_defer_test_concurrent(test, true);
	zs_hbuf_resize(pages);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
struct zs_defer_test_owner {
	struct completion off;		/* the section has begun */
	struct completion finished;	/* the kthread is about to return */
	bool done;			/* the section has ended */
};

/*
 * What a producer's self-drain looks like to zs_hbuf_close_all(): its CPU's
 * slot holds no buffer (zs_hbuf_self_drain() took it) while, preemption
 * disabled, it frees handles of any pool for a while.
 */
static int zs_defer_test_owner_fn(void *arg)
{
	struct zs_defer_test_owner *o = arg;
	u64 end;

	preempt_disable();
	complete(&o->off);
	end = ktime_get_ns() + 200 * NSEC_PER_MSEC;
	while (ktime_get_ns() < end)
		cpu_relax();
	WRITE_ONCE(o->done, true);
	preempt_enable();
	complete(&o->finished);
	return 0;
}

/*
 * A drain (zs_destroy_pool()) must not return while a producer still frees
 * a self-drained buffer's handles, which may be the pool's: the buffer is
 * on no slot, so zs_hbuf_close_all() takes nothing, and it used to wait for
 * the CPUs only when it took a buffer.
 */
static void zs_defer_test_close_waits(struct kunit *test)
{
	struct zs_defer_test_owner o = { };
	struct task_struct *t;
	unsigned int cpu;
	bool done;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second online CPU");
	zs_defer_test_settle(test, NULL);
	init_completion(&o.off);
	init_completion(&o.finished);
	/* Not on the owner's CPU, where the section would run first anyway */
	migrate_disable();
	cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	t = kthread_run_on_cpu(zs_defer_test_owner_fn, &o, cpu,
			       "zs_defer_owner/%u");
	if (IS_ERR(t)) {
		migrate_enable();
		KUNIT_FAIL(test, "no kthread on CPU %u", cpu);
		return;
	}
	wait_for_completion(&o.off);
	zs_hbuf_close_all(false);
	done = READ_ONCE(o.done);
	KUNIT_EXPECT_TRUE_MSG(test, done,
			      "returned while CPU %u was in its section", cpu);
	migrate_enable();
	wait_for_completion(&o.finished);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * A buffer its producer drained itself (at pending_limit) and filled again
 * must still be flushed once the frees stop. The flush armed when the CPU
 * took the buffer may have run meanwhile, found the slot empty (the
 * self-drain held the buffer) and not armed itself again, as it does only
 * for a busy buffer; the entries pushed after the self-drain then stayed
 * pending until that CPU filled the buffer or a drain came. The test
 * cancels the flush where such a run would have ended it, and frees one
 * handle more.
 */
static void zs_defer_test_hbuf_self_drain_flush(struct kunit *test)
{
	unsigned long limit = READ_ONCE(zs_defer_pending_limit);
	const unsigned int nr = ZS_HBUF_SLOTS + 1;
	unsigned long *handles;
	struct zs_pool *pool;
	u64 drained;
	unsigned int i;

	pool = zs_defer_test_hbuf_objs(test, nr, &handles);
	zs_defer_test_settle(test, NULL);
	/* No full buffer may be queued: its producer drains it itself */
	WRITE_ONCE(zs_defer_pending_limit, 1);
	drained = zs_defer_stat_read(ZS_DEFER_DRAINED);
	/* Held: the flush must not take the buffer while it fills */
	WRITE_ONCE(zs_defer_test_hold, true);
	migrate_disable();
	for (i = 0; i < ZS_HBUF_SLOTS; i++)
		zs_defer_test_free(pool, handles[i]);
	cancel_delayed_work_sync(&zs_hbuf_flush_dwork);
	WRITE_ONCE(zs_defer_test_hold, false);
	/* The buffer is full and may not be queued: drained, then refilled */
	zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_DRAINED) - drained,
			(u64)ZS_HBUF_SLOTS);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), 1UL);

	/* Busy at the first look, taken at the second: 40 ms and a drain */
	for (i = 0; i < 50 && zs_defer_read_pending(); i++)
		msleep(20);
	KUNIT_EXPECT_EQ_MSG(test, zs_defer_read_pending(), 0UL,
			    "still pending %u ms after the last free", i * 20);
	WRITE_ONCE(zs_defer_pending_limit, limit);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

/*
 * A failed page allocation holds the pool's growth off until the next
 * jiffy, and no longer: once that has passed the mark is cleared, or
 * jiffies would wrap around it (2^31 jiffies later on 32-bit, 25 days at
 * HZ=1000) and hold growth off for as long again.
 */
static void zs_defer_test_hbuf_grow_retry(struct kunit *test)
{
	const unsigned long wait = msecs_to_jiffies(200);
	unsigned long retry;
	struct zs_hbuf *buf;

	KUNIT_ASSERT_EQ(test, zs_defer_switch(&hbuf_defer_ops), 0);
	zs_defer_test_settle(test, NULL);
	KUNIT_ASSERT_LT(test, READ_ONCE(zs_hbuf_total),
			READ_ONCE(zs_hbuf_pool_pages));
	/* As zs_hbuf_grow() marks a failure, further out */
	WRITE_ONCE(zs_hbuf_grow_retry, jiffies + wait);
	KUNIT_EXPECT_NULL(test, zs_hbuf_grow());
	msleep(jiffies_to_msecs(wait) + 20);
	buf = zs_hbuf_grow();
	retry = READ_ONCE(zs_hbuf_grow_retry);
	KUNIT_EXPECT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, retry, 0UL);
	if (buf)
		zs_hbuf_put(buf);
	WRITE_ONCE(zs_hbuf_grow_retry, 0);
	zs_defer_test_settle(test, NULL);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * A burst that needs more buffers than the reserve grows the pool instead
 * of falling back, and the pool returns to its reserve once idle (the
 * shrink work, ZS_HBUF_SHRINK_DELAY after the last growth).
 */
static void zs_defer_test_hbuf_grow(struct kunit *test)
{
	unsigned long pages = READ_ONCE(zs_hbuf_pool_pages);
	unsigned long cpus = num_possible_cpus();
	unsigned int i, nr = (2 * cpus + 2) * ZS_HBUF_SLOTS;
	unsigned long *handles, peak;
	struct zs_pool *pool;
	u64 fallbacks;

	/* With the worker held, every entry counts against pending_limit */
	if (nr > READ_ONCE(zs_defer_pending_limit))
		kunit_skip(test, "%u frees pass pending_limit", nr);
	/* Closed buffers, one open per CPU, and slack */
	zs_hbuf_resize(3 * cpus + 4);
	KUNIT_ASSERT_EQ(test, zs_hbuf_reserve(), 2 * cpus);
	pool = zs_defer_test_hbuf_objs(test, nr, &handles);

	/* Every buffer is back in the pool: down to the reserve */
	zs_defer_test_settle(test, NULL);
	KUNIT_EXPECT_TRUE(test, zs_hbuf_trim(2 * cpus));
	KUNIT_EXPECT_EQ(test, READ_ONCE(zs_hbuf_total), 2 * cpus);
	fallbacks = zs_defer_stat_read(ZS_DEFER_FALLBACKS);
	/* The worker held: every full buffer stays queued */
	WRITE_ONCE(zs_defer_test_hold, true);
	for (i = 0; i < nr; i++)
		zs_defer_test_free(pool, handles[i]);
	peak = READ_ONCE(zs_hbuf_total);
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
			fallbacks);
	KUNIT_EXPECT_GT(test, peak, 2 * cpus);
	KUNIT_EXPECT_LE(test, peak, 3 * cpus + 4);
	zs_defer_test_release(test);

	/* Idle now: back to the reserve within a few shrink delays */
	for (i = 0; i < 50 && READ_ONCE(zs_hbuf_total) > 2 * cpus; i++)
		msleep(100);
	KUNIT_EXPECT_EQ(test, READ_ONCE(zs_hbuf_total), 2 * cpus);
	kunit_info(test, "pool grew from %lu to %lu pages, back in %u ms\n",
		   2 * cpus, peak, i * 100);

	zs_hbuf_resize(pages);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/* Free @handles[0..@nr) of @pool on one CPU; returns that CPU */
static int zs_defer_test_free_here(struct zs_pool *pool, unsigned long *handles,
				   unsigned int nr)
{
	unsigned int i;
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	for (i = 0; i < nr; i++)
		zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	return cpu;
}

/* The flush's next look finds @elapsed jiffies since its last one */
static void zs_defer_test_flush_last(unsigned long elapsed)
{
	mutex_lock(&zs_hbuf_flush_lock);
	zs_hbuf_flush_last = jiffies - elapsed;
	mutex_unlock(&zs_hbuf_flush_lock);
}

/*
 * The delayed flush leaves the buffer of a CPU that is filling it fast and
 * takes it once the CPU stopped: taking it would cost a pool page and a
 * drain for a part of its entries. Fast is a rate, ZS_HBUF_FLUSH_BUSY
 * entries per ZS_HBUF_FLUSH_DELAY since the last look, so that the
 * recheck a few ms after a look that left a buffer still leaves it while
 * its CPU frees: half that many entries within a jiffy of the look are
 * busy, the same number over four flush delays is not.
 */
static void zs_defer_test_hbuf_flush_busy(struct kunit *test)
{
	unsigned int nr = 2 * ZS_HBUF_FLUSH_BUSY, few = ZS_HBUF_FLUSH_BUSY / 2;
	unsigned long *handles;
	struct zs_hbuf *buf;
	struct zs_pool *pool;
	int cpu;

	pool = zs_defer_test_hbuf_objs(test, nr + 2 * few, &handles);
	zs_defer_test_settle(test, NULL);
	/* The delayed flush is held too: only these looks count */
	WRITE_ONCE(zs_defer_test_hold, true);
	KUNIT_EXPECT_FALSE(test, zs_hbuf_close_all(true));
	cpu = zs_defer_test_free_here(pool, handles, nr);
	buf = READ_ONCE(per_cpu(zs_hbuf_cur, cpu));
	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* Busy: left on its CPU; idle since: taken and queued */
	KUNIT_EXPECT_TRUE(test, zs_hbuf_close_all(true));
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(per_cpu(zs_hbuf_cur, cpu)), buf);
	KUNIT_EXPECT_TRUE(test, list_empty_careful(&zs_hbuf_queue_list));
	KUNIT_EXPECT_FALSE(test, zs_hbuf_close_all(true));
	KUNIT_EXPECT_NULL(test, READ_ONCE(per_cpu(zs_hbuf_cur, cpu)));
	KUNIT_EXPECT_FALSE(test, list_empty_careful(&zs_hbuf_queue_list));

	/* A few within a jiffy: busy, left on its CPU */
	cpu = zs_defer_test_free_here(pool, handles + nr, few);
	buf = READ_ONCE(per_cpu(zs_hbuf_cur, cpu));
	KUNIT_ASSERT_NOT_NULL(test, buf);
	zs_defer_test_flush_last(0);
	KUNIT_EXPECT_TRUE(test, zs_hbuf_close_all(true));
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(per_cpu(zs_hbuf_cur, cpu)), buf);

	/* As many over four flush delays: idle, taken */
	cpu = zs_defer_test_free_here(pool, handles + nr + few, few);
	zs_defer_test_flush_last(4 * ZS_HBUF_FLUSH_DELAY);
	KUNIT_EXPECT_FALSE(test, zs_hbuf_close_all(true));
	KUNIT_EXPECT_NULL(test, READ_ONCE(per_cpu(zs_hbuf_cur, cpu)));

	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * A backlog brings helpers: with 2 * ZS_HBUF_QUEUE_PER_WORKER buffers or
 * more queued, the worker queues a helper when hbuf_drain_workers allows
 * two workers (the first helper, and no other), and none when it allows
 * one. Every buffer is drained either way. (Whether a helper got a
 * buffer before the worker took them all is up to the scheduler: only
 * its run is checked.)
 */
static void zs_defer_test_hbuf_helpers(struct kunit *test)
{
	unsigned int workers = READ_ONCE(zs_hbuf_drain_workers);
	const unsigned int bufs = 2 * ZS_HBUF_QUEUE_PER_WORKER + 1;
	const unsigned int nr = bufs * ZS_HBUF_SLOTS;
	unsigned long *handles, ran;
	struct zs_pool *pool;
	unsigned int w, i;

	if (!zs_hbuf_nr_helpers || num_online_cpus() < 2)
		kunit_skip(test, "one CPU: no helpers");
	/* With the worker held, every handle counts a page */
	if (nr > READ_ONCE(zs_defer_pending_limit))
		kunit_skip(test, "%u frees pass pending_limit", nr);
	pool = zs_defer_test_hbuf_objs(test, 2 * nr, &handles);

	for (w = 1; w <= 2; w++) {
		zs_defer_test_settle(test, NULL);
		WRITE_ONCE(zs_hbuf_drain_workers, w);
		/* Held: the buffers stay queued, no worker armed */
		WRITE_ONCE(zs_defer_test_hold, true);
		migrate_disable();
		for (i = 0; i < nr; i++)
			zs_defer_test_free(pool, handles[(w - 1) * nr + i]);
		migrate_enable();
		/* The last buffer is full, still on its CPU */
		KUNIT_EXPECT_GE(test, READ_ONCE(zs_hbuf_nr_queued), bufs - 1);

		zs_hbuf_helpers_ran = 0;
		WRITE_ONCE(zs_defer_test_hold, false);
		queue_delayed_work(zs_defer_wq, &zs_hbuf_work, 0);
		zs_hbuf_flush_workers();
		ran = READ_ONCE(zs_hbuf_helpers_ran);
		KUNIT_EXPECT_EQ(test, ran, w == 1 ? 0UL : BIT(0));
		zs_defer_test_settle(test, NULL);
		KUNIT_EXPECT_EQ(test, READ_ONCE(zs_hbuf_nr_queued), 0U);
	}
	WRITE_ONCE(zs_hbuf_drain_workers, workers);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
/*
 * pending_limit bounds what the buffers pin: hbuf's handles, a page each
 * (an object is at most a page), besides their own pages, one of which
 * holds ZS_HBUF_SLOTS handles.
 */
static void zs_defer_test_hbuf_limit(struct kunit *test)
{
	unsigned long limit = READ_ONCE(zs_defer_pending_limit);
	unsigned long pages = READ_ONCE(zs_hbuf_pool_pages);
	unsigned int i, nr = 6 * ZS_HBUF_SLOTS;
	unsigned long *handles;
	struct zs_pool *pool;
	u64 fallbacks, drained;

	zs_hbuf_resize(16);
	pool = zs_defer_test_hbuf_objs(test, nr, &handles);

	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_pending_limit, 2 * ZS_HBUF_SLOTS);
	fallbacks = zs_defer_stat_read(ZS_DEFER_FALLBACKS);
	WRITE_ONCE(zs_defer_test_hold, true);
	drained = zs_defer_stat_read(ZS_DEFER_DRAINED);
	for (i = 0; i < nr; i++)
		zs_defer_test_free(pool, handles[i]);
	KUNIT_EXPECT_LE(test, zs_defer_read_pending_pages(),
			(unsigned long)(2 * ZS_HBUF_SLOTS));
	/* At the limit the producer frees its full buffer itself */
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
			fallbacks);
	KUNIT_EXPECT_GT(test, zs_defer_stat_read(ZS_DEFER_DRAINED), drained);

	WRITE_ONCE(zs_defer_pending_limit, limit);
	zs_hbuf_resize(pages);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
/* More classes than the drain gathers one by one, so that it sorts too */
#define ZS_DEFER_TEST_CLASSES	(3 * ZS_HBUF_GATHER)

static unsigned int zs_defer_test_class_size(unsigned int i)
{
	return 32 + (i % ZS_DEFER_TEST_CLASSES) * 80;
}

static bool zs_defer_test_buffer_mode(const struct zs_defer_ops *mode)
{
	return mode->drain == drain_hbuf;
}

/*
 * One buffer (one CPU, one short of full) of handles of 48 sizes (more
 * classes than ZS_HBUF_GATHER, merged classes or not), interleaved, each
 * beside a live object of its size: the drain gathers
 * the first classes and sorts the rest, and must free each handle in its
 * own class and nothing else. hbuf-cb: every zs_free() of the users'
 * callbacks leaves its handle to the drain (zs_hbuf_collect), and the
 * callbacks are given batches of values, not one each.
 */
static void zs_defer_test_gather(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	unsigned int i, nr = 2 * (ZS_HBUF_SLOTS - 1);
	unsigned long *handles;
	struct zs_pool *pool;

	if (!zs_defer_test_buffer_mode(mode))
		kunit_skip(test, "%s fills no buffers", mode->name);
	pool = zs_defer_test_start(test);
	handles = kunit_kcalloc(test, nr, sizeof(*handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool,
						 zs_defer_test_class_size(i / 2),
						 i);

	zs_defer_test_settle(test, NULL);
	zs_defer_test_collected(true);
	WRITE_ONCE(zs_defer_test_hold, true);
	migrate_disable();
	for (i = 0; i < nr; i += 2)
		zs_defer_test_free(pool, handles[i]);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending(), (unsigned long)nr / 2);
	zs_defer_test_release(test);

	if (mode->push) {
		KUNIT_EXPECT_EQ(test, zs_defer_test_collected(false), nr / 2);
		zs_defer_test_expect_batches(test, nr / 2);
	}
	for (i = 1; i < nr; i += 2) {
		zs_defer_test_check(test, pool, handles[i],
				    zs_defer_test_class_size(i / 2), i);
		zs_free(pool, handles[i]);
	}
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
/*
 * pending_limit counts a user's entries by the sizes the user gave: a
 * closed buffer of 300-byte objects counts its own page and its entries'
 * bytes in pages (20 pages with 4 KB pages, not 255), so three of them
 * pass a limit of two buffers' worth of page-sized entries, where
 * counting each entry as a page made the third fall back.
 */
static void zs_defer_test_hbufcb_bytes(struct kunit *test)
{
	const unsigned int nr = 3 * ZS_HBUF_SLOTS, size = 300;
	unsigned long limit = READ_ONCE(zs_defer_pending_limit);
	unsigned long per_buf = 1 + DIV_ROUND_UP(ZS_HBUF_SLOTS * size,
						 PAGE_SIZE);
	unsigned long *handles;
	struct zs_pool *pool;
	unsigned int i, taken = 0;
	u64 fallbacks;

	pool = zs_defer_test_start_in(test, &hbufcb_defer_ops);
	handles = kunit_kcalloc(test, nr, sizeof(*handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool, size, i);

	zs_defer_test_settle(test, NULL);
	WRITE_ONCE(zs_defer_pending_limit, 2 * ZS_HBUF_SLOTS);
	fallbacks = zs_defer_stat_read(ZS_DEFER_FALLBACKS);
	WRITE_ONCE(zs_defer_test_hold, true);
	/* One CPU's buffer: each fills and is closed at ZS_HBUF_SLOTS */
	migrate_disable();
	for (i = 0; i < nr; i++) {
		if (zs_free_cb_push(&zs_defer_test_user.cb, handles[i], size))
			taken++;
		else
			zs_free(pool, handles[i]);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, taken, nr);
	KUNIT_EXPECT_EQ(test, zs_defer_stat_read(ZS_DEFER_FALLBACKS),
			fallbacks);
	KUNIT_EXPECT_EQ(test, zs_defer_read_pending_pages(), 3 * per_buf);

	WRITE_ONCE(zs_defer_pending_limit, limit);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif

#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
#ifdef CONFIG_HOTPLUG_CPU
struct zs_defer_test_offline {
	unsigned int cpu;
	int ret;
	bool visible;
	struct completion offlined;
	struct completion checked;
};

static int zs_defer_test_offline_fn(void *data)
{
	struct zs_defer_test_offline *o = data;

	o->ret = remove_cpu(o->cpu);
	complete(&o->offlined);
	return 0;
}

/*
 * Hold the drain lock while o->cpu goes offline, and look whether its
 * buffer is still there once the dead callbacks run. Bound to a CPU that
 * stays online: a timer (msleep()) queued on the CPU going offline would
 * only fire once its timers are migrated, after the dead callbacks, which
 * wait for the lock this thread holds.
 */
static int zs_defer_test_hold_drain_fn(void *data)
{
	struct zs_defer_test_offline *o = data;
	struct task_struct *t;
	unsigned int i;

	mutex_lock(&zs_defer_drain_lock);
	t = kthread_run(zs_defer_test_offline_fn, o, "zs_defer_offline");
	if (IS_ERR(t)) {
		o->ret = PTR_ERR(t);
		complete(&o->offlined);
	} else {
		/* The dead callbacks run once the CPU left cpu_online_mask */
		for (i = 0; i < 500 && cpu_online(o->cpu); i++)
			msleep(20);
		msleep(200);
	}
	o->visible = READ_ONCE(per_cpu(zs_hbuf_cur, o->cpu));
	mutex_unlock(&zs_defer_drain_lock);
	complete(&o->checked);
	return 0;
}

/*
 * A CPU goes offline with handles in its buffer while a drain holds the
 * drain lock: the buffer must stay where the drain can see it until the
 * dead callback holds the lock, or the drain (a pool destroy) returns
 * with handles of the pool still pending.
 */
static void zs_defer_test_cpu_dead(struct kunit *test)
{
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
	const struct zs_defer_ops *mode = &hbuf_defer_ops;
#else
	const struct zs_defer_ops *mode = &hbufcb_defer_ops;
#endif
	unsigned int i, cpu = cpumask_last(cpu_online_mask);
	unsigned int holder = cpumask_first(cpu_online_mask);
	struct zs_defer_test_worker w = { .nr = 64 };
	struct zs_defer_test_offline off = { .cpu = cpu };
	struct task_struct *t;
	struct zs_pool *pool;
	bool visible;

	if (num_online_cpus() < 2 || !cpu || holder == cpu)
		kunit_skip(test, "needs a second online CPU");
	pool = zs_defer_test_start_in(test, mode);
	w.pool = pool;
	w.handles = kunit_kcalloc(test, w.nr, sizeof(*w.handles), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w.handles);
	for (i = 0; i < w.nr; i++)
		w.handles[i] = zs_defer_test_alloc(test, pool, 300, i);
	zs_defer_test_settle(test, NULL);

	/* Fill @cpu's buffer; held, so nothing flushes it */
	WRITE_ONCE(zs_defer_test_hold, true);
	init_completion(&w.done);
	t = kthread_run_on_cpu(zs_defer_test_free_fn, &w, cpu,
			       "zs_defer_test/%u");
	if (IS_ERR(t))
		zs_defer_test_free_fn(&w);
	wait_for_completion(&w.done);
	if (IS_ERR(t) || !READ_ONCE(per_cpu(zs_hbuf_cur, cpu))) {
		zs_defer_test_release(test);
		zs_destroy_pool(pool);
		kunit_skip(test, "could not fill cpu %u's buffer", cpu);
	}

	init_completion(&off.offlined);
	init_completion(&off.checked);
	t = kthread_run_on_cpu(zs_defer_test_hold_drain_fn, &off, holder,
			       "zs_defer_hold/%u");
	if (IS_ERR(t)) {
		KUNIT_FAIL(test, "no kthread to hold the drain lock");
		zs_defer_test_release(test);
		zs_destroy_pool(pool);
		return;
	}
	wait_for_completion(&off.checked);
	wait_for_completion(&off.offlined);
	visible = off.visible;

	KUNIT_EXPECT_EQ(test, off.ret, 0);
	KUNIT_EXPECT_TRUE_MSG(test, visible,
			      "cpu %u's buffer left it before the drain lock was taken",
			      cpu);
	KUNIT_EXPECT_NULL(test, READ_ONCE(per_cpu(zs_hbuf_cur, cpu)));
	if (!off.ret)
		KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	zs_defer_test_release(test);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}
#endif /* CONFIG_HOTPLUG_CPU */
#endif /* CONFIG_ZSMALLOC_DEFER_BUFFERS */

static int zs_defer_test_suite_init(struct kunit_suite *suite)
{
	if (!zs_defer_ready)
		return -ENODEV;
	zs_defer_test_saved = rcu_access_pointer(zs_defer_cur);
	return 0;
}

/*
 * A switch arms the hooks the new mode needs and disarms the others, so
 * that back in sync zs_free() runs upstream's code again; with
 * zsmalloc.keep_armed (QEMU multi-threaded TCG) they stay armed. Keys are
 * patched here while nothing runs the code they guard (no zsmalloc user
 * frees during the suite), which that TCG tolerates.
 */
static void zs_defer_test_disarm(struct kunit *test)
{
	const struct zs_defer_ops *mode = zs_defer_test_mode(test);
	bool keep = zs_defer_keep_armed;

	if (zs_defer_probe_armed())
		kunit_skip(test, "a ceiling probe keeps its hook armed");

	zs_defer_keep_armed = false;
	KUNIT_ASSERT_EQ(test, zs_defer_switch(mode), 0);
	KUNIT_EXPECT_EQ(test, static_key_enabled(&zs_defer_active),
			zs_defer_ops_defers(mode));
	KUNIT_EXPECT_EQ(test, static_key_enabled(&zs_defer_handle_active),
			!!mode->free_handle);
	KUNIT_EXPECT_EQ(test, static_key_enabled(&zs_free_cb_active),
			!!mode->push);
	KUNIT_ASSERT_EQ(test, zs_defer_switch(&sync_defer_ops), 0);
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&zs_defer_active));
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&zs_defer_handle_active));
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&zs_free_cb_active));

	zs_defer_keep_armed = true;
	KUNIT_ASSERT_EQ(test, zs_defer_switch(mode), 0);
	KUNIT_ASSERT_EQ(test, zs_defer_switch(&sync_defer_ops), 0);
	KUNIT_EXPECT_EQ(test, static_key_enabled(&zs_defer_active),
			zs_defer_ops_defers(mode));
	KUNIT_EXPECT_EQ(test, static_key_enabled(&zs_free_cb_active),
			!!mode->push);
	zs_defer_keep_armed = keep;
}

/*
 * CONFIG_ZSMALLOC_LOCKFIX: zs_free() finds the size class from the object
 * value read without pool->migrate_lock, then reads the value again under
 * class->lock. Force the interleaving that must survive: read each live
 * object's class as zs_free() does, let compaction move the objects to
 * other zspages meanwhile (it re-points their handles), then check under
 * the class lock read before the move that the object is still in that
 * class, and its data intact, and free it.
 */
static void zs_defer_test_lockfix_compact(struct kunit *test)
{
	const unsigned int nr = ZS_DEFER_TEST_OBJS, sizes = ARRAY_SIZE(zs_defer_test_sizes);
	unsigned int i, live = 0, moved = 0;
	struct size_class **before;
	unsigned long *handles, *objs;
	struct zs_pool *pool;

	if (!OBJ_CLASS_BITS)
		kunit_skip(test, "needs CONFIG_ZSMALLOC_LOCKFIX");
	pool = zs_defer_test_start(test);
	handles = kunit_kcalloc(test, nr, sizeof(*handles), GFP_KERNEL);
	objs = kunit_kcalloc(test, nr, sizeof(*objs), GFP_KERNEL);
	before = kunit_kcalloc(test, nr, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handles);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, before);

	for (i = 0; i < nr; i++)
		handles[i] = zs_defer_test_alloc(test, pool, zs_defer_test_size(i), i);
	/* Half of each class's objects, alternating: zspages half used */
	for (i = 0; i < nr; i++)
		if (!((i / sizes) & 1))
			zs_defer_test_free(pool, handles[i]);
	zs_defer_drain_all(NULL);
	for (i = 0; i < nr; i++) {
		if (!((i / sizes) & 1))
			continue;
		objs[i] = READ_ONCE(*(unsigned long *)handles[i]);
		before[i] = pool->size_class[obj_to_class_idx(objs[i])];
	}

	KUNIT_EXPECT_GT(test, zs_compact(pool), 0UL);

	for (i = 0; i < nr; i++) {
		struct size_class *class = before[i];
		struct page *page;
		unsigned long obj;

		if (!class)
			continue;
		spin_lock(&class->lock);
		obj = handle_to_obj(handles[i]);
		obj_to_page(obj, &page);
		KUNIT_EXPECT_EQ(test, (unsigned int)get_zspage(page)->class, class->index);
		KUNIT_EXPECT_EQ(test, obj_to_class_idx(obj), class->index);
		spin_unlock(&class->lock);
		live++;
		moved += obj != objs[i];
		zs_defer_test_check(test, pool, handles[i], zs_defer_test_size(i), i);
		zs_defer_test_free(pool, handles[i]);
	}
	KUNIT_EXPECT_GT(test, moved, 0U);
	kunit_info(test, "%u of %u live objects moved by compaction\n", moved, live);
	zs_defer_test_settle(test, pool);
	zs_destroy_pool(pool);
}

static void zs_defer_test_suite_exit(struct kunit_suite *suite)
{
	WRITE_ONCE(zs_defer_test_hold, false);
	if (zs_defer_test_saved)
		zs_defer_switch(zs_defer_test_saved);
	zs_defer_drain_all(NULL);
}

static struct kunit_case zs_defer_test_cases[] = {
	KUNIT_CASE_PARAM(zs_defer_test_patterns, zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM_ATTR(zs_defer_test_concurrent_frees,
			      zs_defer_test_modes_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(zs_defer_test_switch_during_frees,
			      zs_defer_test_modes_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(zs_defer_test_two_pools,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_destroy_pending,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_shrinker,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_switch_pending,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_limit, zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_hwm, zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_kick_batches,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_shrink_budget,
			 zs_defer_test_modes_gen_params),
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
	KUNIT_CASE(zs_defer_test_drain_order),
#endif
#endif
	KUNIT_CASE(zs_defer_test_boot_param),
	KUNIT_CASE_PARAM(zs_defer_test_reclaim_resched,
			 zs_defer_test_modes_gen_params),
#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
	KUNIT_CASE(zs_defer_test_bulk_sleep),
#endif
	KUNIT_CASE_PARAM(zs_defer_test_shrink_page_locked,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_reclaim_concurrent,
			 zs_defer_test_modes_gen_params),
	KUNIT_CASE(zs_defer_test_put_back),
	KUNIT_CASE_PARAM(zs_defer_test_disarm, zs_defer_test_modes_gen_params),
	KUNIT_CASE_PARAM(zs_defer_test_lockfix_compact,
			 zs_defer_test_modes_gen_params),
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
	KUNIT_CASE_PARAM_ATTR(zs_defer_test_self_drain_race,
			      zs_defer_test_modes_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(zs_defer_test_hbuf_pool),
	KUNIT_CASE_SLOW(zs_defer_test_hbuf_grow),
	KUNIT_CASE(zs_defer_test_hbuf_flush_busy),
	KUNIT_CASE(zs_defer_test_hbuf_limit),
	KUNIT_CASE(zs_defer_test_hbuf_helpers),
	KUNIT_CASE(zs_defer_test_hbuf_self_drain_flush),
	KUNIT_CASE(zs_defer_test_hbuf_grow_retry),
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
	KUNIT_CASE(zs_defer_test_hbufcb_bytes),
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
	KUNIT_CASE(zs_defer_test_close_waits),
	KUNIT_CASE_PARAM(zs_defer_test_gather, zs_defer_test_modes_gen_params),
#ifdef CONFIG_HOTPLUG_CPU
	KUNIT_CASE(zs_defer_test_cpu_dead),
#endif
#endif
	{}
};

static struct kunit_suite zs_defer_test_suite = {
	.name = "zsmalloc_defer",
	.suite_init = zs_defer_test_suite_init,
	.suite_exit = zs_defer_test_suite_exit,
	.test_cases = zs_defer_test_cases,
};

kunit_test_suite(zs_defer_test_suite);
