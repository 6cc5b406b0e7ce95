// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc free policies, built into mm/zsmalloc.c's translation unit.
 *
 * mm/zsmalloc.c includes this file at its end, the way
 * kernel/sched/build_policy.c includes the scheduling classes: the
 * policies use zsmalloc's static internals (struct zspage, the size class
 * stats, lock_zspage(), ...) without exporting them, and end up in the
 * zsmalloc module when zsmalloc is built as one.
 *
 * Adding a mode: a new zsmalloc_defer_<mode>.c with a struct zs_defer_ops,
 * a Kconfig bool, its include below and its line in zs_defer_modes[] in
 * zsmalloc_defer_core.c.
 */

#ifdef CONFIG_ZSMALLOC_DEFER_LLIST
#include "zsmalloc_defer_llist.c"
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_PCPU
#include "zsmalloc_defer_pcpu.c"
#endif

/* Defined after the core, whose internals (counters, locks) they use */
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF
static const struct zs_defer_ops hbuf_defer_ops;
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
static const struct zs_defer_ops hbufcb_defer_ops;
#endif

#include "zsmalloc_defer_core.c"

/* The per-CPU buffers of hbuf and hbuf-cb, and the hbuf mode */
#ifdef CONFIG_ZSMALLOC_DEFER_BUFFERS
#include "zsmalloc_defer_hbuf.c"
#endif
#ifdef CONFIG_ZSMALLOC_DEFER_HBUF_CB
#include "zsmalloc_defer_hbufcb.c"
#endif

#include "zsmalloc_defer_sysfs.c"

#ifdef CONFIG_ZSMALLOC_DEFER_KUNIT_TEST
#include "zsmalloc_defer_kunit.c"
#endif
