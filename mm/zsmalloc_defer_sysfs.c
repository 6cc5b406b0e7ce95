// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/zsmalloc/: the free mode and the counters of the zsmalloc
 * free policies, one value per file, the same files for every mode. Part
 * of mm/zsmalloc.c's translation unit, see mm/zsmalloc_defer.c.
 *
 * free_mode	rw	every compiled-in mode, the active one in brackets;
 *			write a mode name (one trailing newline allowed) to
 *			switch, anything else is -EINVAL
 * pending	ro	zspages deferred and not yet freed
 * pending_pages ro	their pages (still counted in zs_get_total_pages())
 * pending_hwm	rw	high-water mark of pending (approximate: sampled as
 *			drains start and pending is read); write 0 to
 *			reset it to what is pending now
 * pending_limit rw	pending pages above which frees go synchronous; > 0
 * deferred	ro	zspages taken by a deferring mode
 * drained	ro	deferred zspages freed; equals deferred once idle
 * fallbacks	ro	emptied zspages freed at once because of the limit
 * drain_runs	ro	batches torn down
 * drain_time_ns ro	time spent tearing batches down
 * hbuf_pool_pages rw	(hbuf) most handle buffer pages in the pool; > 0
 * hbuf_drain_workers rw	(hbuf) most workers draining buffers at once; 1 to
 *			the possible CPUs
 *
 * hbuf counts handles, not zspages: deferred, drained, pending and
 * fallbacks count zs_free() calls (fallback reasons: no_buffer, the pool
 * was empty; pending_limit). pending_pages counts what its handle buffers
 * that left their CPU and are not drained yet hold back: each buffer's
 * page and a page per handle (an object is at most a page); pending_limit
 * caps that as a full buffer leaves its CPU (the delayed flush queues
 * part-filled buffers regardless: a buffer per CPU of slack, and below
 * one full buffer's count no full buffer is ever queued, the producer
 * drains it itself); drain_runs counts buffers drained. Its pool keeps
 * two pages per CPU and grows during a burst up to hbuf_pool_pages, by
 * default pending_limit plus two per CPU.
 *
 * hbuf-cb shares hbuf's buffers and pool (hbuf_pool_pages) and counts its
 * users' frees (zram slot frees, zswap entry frees) as hbuf counts
 * handles, in pending_pages by the bytes each free gives back (the
 * compressed size) rather than a page each. Its own counter:
 * stale	ro	users' deferred frees that found nothing left to free
 *			(zram: the slot was written again before the free ran)
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

static struct kobject *zs_defer_kobj;

static ssize_t free_mode_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	const struct zs_defer_ops *cur;
	int i, len = 0;

	rcu_read_lock();
	cur = rcu_dereference(zs_defer_cur);
	for (i = 0; i < ARRAY_SIZE(zs_defer_modes); i++) {
		const struct zs_defer_ops *mode = zs_defer_modes[i];

		len += sysfs_emit_at(buf, len,
				     mode == cur ? "%s[%s]" : "%s%s",
				     i ? " " : "", mode->name);
	}
	rcu_read_unlock();
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* Exactly a mode name, optionally followed by one newline */
static ssize_t free_mode_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	const struct zs_defer_ops *mode;
	size_t len = count;
	int ret;

	if (len && buf[len - 1] == '\n')
		len--;
	mode = zs_defer_find(buf, len);
	if (!mode)
		return -EINVAL;
	ret = zs_defer_switch(mode);
	return ret ? ret : count;
}

static struct kobj_attribute free_mode_attr = __ATTR_RW(free_mode);

static ssize_t pending_show(struct kobject *kobj,
			    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", zs_defer_read_pending());
}

static struct kobj_attribute pending_attr = __ATTR_RO(pending);

static ssize_t pending_pages_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", zs_defer_read_pending_pages());
}

static struct kobj_attribute pending_pages_attr = __ATTR_RO(pending_pages);

static ssize_t pending_hwm_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	zs_defer_read_pending();
	return sysfs_emit(buf, "%lu\n", READ_ONCE(zs_defer_pending_hwm));
}

/* Only 0: reset the mark to what is pending now, as zram's mem_used_max */
static ssize_t pending_hwm_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	unsigned long val;

	if (kstrtoul(buf, 0, &val) || val)
		return -EINVAL;
	WRITE_ONCE(zs_defer_pending_hwm, 0);
	zs_defer_read_pending();
	return count;
}

static struct kobj_attribute pending_hwm_attr = __ATTR_RW(pending_hwm);

static ssize_t pending_limit_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(zs_defer_pending_limit));
}

/* 0 is rejected: use free_mode "sync" to stop deferring */
static ssize_t pending_limit_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	unsigned long limit;

	if (kstrtoul(buf, 0, &limit) || !limit)
		return -EINVAL;
	WRITE_ONCE(zs_defer_pending_limit, limit);
	return count;
}

static struct kobj_attribute pending_limit_attr = __ATTR_RW(pending_limit);

/* The event counters share one show routine */
struct zs_defer_stat_attr {
	struct kobj_attribute attr;
	enum zs_defer_stat_item item;
};

static ssize_t zs_defer_stat_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct zs_defer_stat_attr *stat =
		container_of(attr, struct zs_defer_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n", zs_defer_stat_read(stat->item));
}

#define ZS_DEFER_STAT_ATTR(_name, _item)				\
	{								\
		.attr = __ATTR(_name, 0444, zs_defer_stat_show, NULL),	\
		.item = _item,						\
	}

static struct zs_defer_stat_attr deferred_attr =
	ZS_DEFER_STAT_ATTR(deferred, ZS_DEFER_DEFERRED);
static struct zs_defer_stat_attr drained_attr =
	ZS_DEFER_STAT_ATTR(drained, ZS_DEFER_DRAINED);
static struct zs_defer_stat_attr fallbacks_attr =
	ZS_DEFER_STAT_ATTR(fallbacks, ZS_DEFER_FALLBACKS);
static struct zs_defer_stat_attr drain_runs_attr =
	ZS_DEFER_STAT_ATTR(drain_runs, ZS_DEFER_DRAIN_RUNS);
static struct zs_defer_stat_attr drain_time_ns_attr =
	ZS_DEFER_STAT_ATTR(drain_time_ns, ZS_DEFER_DRAIN_TIME_NS);
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
static struct zs_defer_stat_attr stale_attr =
	ZS_DEFER_STAT_ATTR(stale, ZS_DEFER_STALE);
#endif

static struct attribute *zs_defer_attrs[] = {
	&free_mode_attr.attr,
	&pending_attr.attr,
	&pending_pages_attr.attr,
	&pending_hwm_attr.attr,
	&pending_limit_attr.attr,
	&deferred_attr.attr.attr,
	&drained_attr.attr.attr,
	&fallbacks_attr.attr.attr,
	&drain_runs_attr.attr.attr,
	&drain_time_ns_attr.attr.attr,
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
	&stale_attr.attr.attr,
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
	&hbuf_pool_pages_attr.attr,
	&hbuf_drain_workers_attr.attr,
#endif
	NULL,
};

static const struct attribute_group zs_defer_attr_group = {
	.attrs = zs_defer_attrs,
};

static int zs_defer_sysfs_init(void)
{
	int ret;

	zs_defer_kobj = kobject_create_and_add("zsmalloc", mm_kobj);
	if (!zs_defer_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(zs_defer_kobj, &zs_defer_attr_group);
	if (ret) {
		kobject_put(zs_defer_kobj);
		zs_defer_kobj = NULL;
	}
	return ret;
}

static void zs_defer_sysfs_exit(void)
{
	if (!zs_defer_kobj)
		return;
	sysfs_remove_group(zs_defer_kobj, &zs_defer_attr_group);
	kobject_put(zs_defer_kobj);
	zs_defer_kobj = NULL;
}
