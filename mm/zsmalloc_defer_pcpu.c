// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policy "pcpu": one lock-less list of emptied zspages per
 * CPU, each with its own work item on the unbound zs_defer workqueue.
 *
 * Why per-CPU lists: with frees on many CPUs at once (several processes
 * exiting, swapoff) the single llist head is a cache line every CPU
 * cmpxchg()es; here each CPU pushes on its own line.
 *
 * Why unbound workers rather than per-CPU bound ones: deferring exists to
 * take the teardown off the freeing task's CPU. A worker bound to that CPU
 * competes with the task it is meant to relieve, and on a busy CPU it runs
 * late, so pending memory grows; an unbound worker lets the scheduler run
 * the teardown on an idle CPU (the unbound workqueue still prefers the
 * queueing CPU's cache domain). One work item per CPU keeps the batches of
 * different CPUs independent, so they are torn down in parallel. Workers
 * do not need their CPU to be online.
 *
 * zs_defer_pcpu_lists: a struct zs_defer_list per CPU (the push, the
 * worker and its kick are the core's, shared with llist). zs_free() pushes
 * on the local CPU's list under the class lock (preemption, or on
 * PREEMPT_RT migration, disabled); any CPU may llist_del_all() it (worker,
 * drain, CPU hotplug). Pushing on another CPU's list would be correct as
 * well, only slower.
 */

static const struct zs_defer_ops pcpu_defer_ops;

static DEFINE_PER_CPU(struct zs_defer_list, zs_defer_pcpu_lists);

/* CPU hotplug state of the dead callback, or 0 */
static int zs_defer_pcpu_hp_state;

static unsigned long drain_pcpu(struct zs_pool *pool)
{
	return zs_defer_drain_lists(NULL, &zs_defer_pcpu_lists);
}

/* Reclaim: at most @nr zspages off the CPUs' lists, never sleeping */
static unsigned long reclaim_pcpu(unsigned long nr)
{
	unsigned long done = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		if (done >= nr)
			break;
		done += zs_defer_reclaim_list(per_cpu_ptr(&zs_defer_pcpu_lists,
							  cpu), nr - done);
	}
	return done;
}

/*
 * CPU hotplug dead callback, run on a control CPU once @cpu is gone:
 * nothing can push on @cpu's list any more (pushes run on @cpu with
 * preemption or migration disabled), so free what is left on it now rather
 * than leaving it to its worker.
 */
static int cpu_dead_pcpu(unsigned int cpu)
{
	zs_defer_reap(per_cpu_ptr(&zs_defer_pcpu_lists, cpu));
	return 0;
}

static int init_pcpu(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu)
		zs_defer_list_init(per_cpu_ptr(&zs_defer_pcpu_lists, cpu),
				   &pcpu_defer_ops);

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"mm/zsmalloc/defer_pcpu:dead",
					NULL, cpu_dead_pcpu);
	if (ret < 0)
		return ret;
	zs_defer_pcpu_hp_state = ret;
	return 0;
}

static void exit_pcpu(void)
{
	if (zs_defer_pcpu_hp_state > 0)
		cpuhp_remove_state_nocalls(zs_defer_pcpu_hp_state);
	zs_defer_pcpu_hp_state = 0;
}

static const struct zs_defer_ops pcpu_defer_ops = {
	.name = "pcpu",
	.init = init_pcpu,
	.exit = exit_pcpu,
	.pcpu_lists = &zs_defer_pcpu_lists,
	.drain = drain_pcpu,
	.reclaim = reclaim_pcpu,
};
