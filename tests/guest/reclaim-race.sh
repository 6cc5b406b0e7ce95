#!/bin/sh
# Reclaim with deferred frees pending, several writers at once (TAP): the
# defer suite's memory-pressure check (zsd_pressure), repeated, with
# WRITERS writers, so that direct reclaimers meet kswapd and one another
# in the zsmalloc shrinker; each round's reclaim trace events are kept in
# /results/trace-rROUND-MODE.txt. By hand (results/review-reclaim-wait/),
# not in make check; needs zram0 as swap and zsmalloc.test_hold (a kernel
# with the KUnit suite), a 2 GB guest and a 2 GB zram.
# usage: reclaim-race.sh [ROUNDS [MODES [WRITERS]]]
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
T=/sys/kernel/tracing
ROUNDS=${1:-3}
MODES=${2:-"llist pcpu hbuf hbuf-cb"}
W=${3:-2}

[ -w /sys/module/zsmalloc/parameters/test_hold ] ||
	{ echo "not ok 1 - no zsmalloc.test_hold: a kernel with the KUnit suite"; exit 1; }
[ -d $T/events ] || mount -t tracefs none $T
echo 8192 >$T/buffer_size_kb
for e in vmscan/mm_shrink_slab_start vmscan/mm_shrink_slab_end \
	vmscan/mm_vmscan_direct_reclaim_begin vmscan/mm_vmscan_direct_reclaim_end \
	vmscan/mm_vmscan_kswapd_wake vmscan/mm_vmscan_kswapd_sleep \
	oom/mark_victim zsmalloc/zs_defer_fallback zsmalloc/zs_defer_drain_begin; do
	echo 1 >$T/events/$e/enable || { echo "not ok 1 - trace event $e"; exit 1; }
done

round=0
while [ "$round" -lt "$ROUNDS" ]; do
	round=$((round + 1))
	for m in $MODES; do
		echo "$m" >$Z/free_mode || exit 1
		echo >$T/trace
		zsd_pressure "$W"
		zsd_ok $? "r$round $m: $zp_mb MB unmapped with $zp_pending frees pending, zram $((zp_held >> 20)) MB; $W writers x $zp_each MB to tmpfs with $zp_free MB free in $zp_secs s (rc $zp_rc2), OOM kills $zp_oom, zram $((zp_left >> 20)) MB after"
		zero=$(grep -c 'direct_reclaim_end: nr_reclaimed=0$' $T/trace)
		all=$(grep -c 'direct_reclaim_end:' $T/trace)
		echo "# r$round $m: $all direct reclaims, $zero of them reclaimed nothing"
		cp $T/trace "/results/trace-r$round-$m.txt"
		zsd_check_drained "r$round $m: after"
		echo 1 >/sys/block/zram0/reset && zsd_zram_make 2G >/dev/null &&
			swapon /dev/zram0
		zsd_ok $? "r$round $m: zram set up again"
	done
done
echo "1..$zsd_n"
