/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the zsmalloc free policies (mm/zsmalloc_defer*.c).
 * Every event carries the name of the mode it concerns.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zsmalloc

#if !defined(_TRACE_ZSMALLOC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_ZSMALLOC_H

#include <linux/tracepoint.h>

/*
 * Enqueue and drain events.
 * @mode: name of the free mode
 * @count: pages of the zspage (enqueue), zspages in the batch (drain);
 *	for hbuf, handles in the buffer (enqueue: the buffer left its CPU)
 * @ns: time the batch took (drain_end), 0 otherwise
 */
DECLARE_EVENT_CLASS(zs_defer_class,
		    TP_PROTO(const char *mode, unsigned long count, u64 ns),
		    TP_ARGS(mode, count, ns),
		    TP_STRUCT__entry(__string(mode, mode)
				     __field(unsigned long, count)
				     __field(u64, ns)),
		    TP_fast_assign(__assign_str(mode);
				   __entry->count = count;
				   __entry->ns = ns;),
		    TP_printk("mode=%s count=%lu ns=%llu",
			      __get_str(mode), __entry->count, __entry->ns)
);

/* zs_free() handed an emptied zspage of @count pages to @mode */
DEFINE_EVENT(zs_defer_class, zs_defer_enqueue,
	     TP_PROTO(const char *mode, unsigned long count, u64 ns),
	     TP_ARGS(mode, count, ns)
);

/* A batch of @count zspages of @mode is about to be torn down */
DEFINE_EVENT(zs_defer_class, zs_defer_drain_begin,
	     TP_PROTO(const char *mode, unsigned long count, u64 ns),
	     TP_ARGS(mode, count, ns)
);

/* A batch of @count zspages of @mode was torn down in @ns nanoseconds */
DEFINE_EVENT(zs_defer_class, zs_defer_drain_end,
	     TP_PROTO(const char *mode, unsigned long count, u64 ns),
	     TP_ARGS(mode, count, ns)
);

/* @mode refused an emptied zspage for @reason; zs_free() freed it */
TRACE_EVENT(zs_defer_fallback,
	    TP_PROTO(const char *mode, const char *reason),
	    TP_ARGS(mode, reason),
	    TP_STRUCT__entry(__string(mode, mode)
			     __string(reason, reason)),
	    TP_fast_assign(__assign_str(mode);
			   __assign_str(reason);),
	    TP_printk("mode=%s reason=%s", __get_str(mode), __get_str(reason))
);

/* The free mode changed; @drained zspages of @old were freed on the way */
TRACE_EVENT(zs_defer_mode_switch,
	    TP_PROTO(const char *old, const char *new, unsigned long drained),
	    TP_ARGS(old, new, drained),
	    TP_STRUCT__entry(__string(old, old)
			     __string(new, new)
			     __field(unsigned long, drained)),
	    TP_fast_assign(__assign_str(old);
			   __assign_str(new);
			   __entry->drained = drained;),
	    TP_printk("old=%s new=%s drained=%lu",
		      __get_str(old), __get_str(new), __entry->drained)
);

#endif /* _TRACE_ZSMALLOC_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
