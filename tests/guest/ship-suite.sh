#!/bin/sh
# Guest suite of the ship cell (TAP): a shipping, GKI-like kernel
# (configs/ship.config: memcg, zram writeback and recompression, CMA, memory
# hotplug, PREEMPT), in every compiled-in free mode:
#  zram post-processing: a second zram device, lz4 with zstd to recompress
#    with and a loop device on a tmpfs file to write back to, is the swap.
#    zramhold holds two regions of every kind of page in it (the first
#    marked idle) while recompression and huge and idle writeback run, and
#    meanwhile a memcg at its limit swaps, unmaps, and is killed with its
#    memory in swap (frees deferred all along). Every held page is read back
#    (from the backing device, through zstd) and checked; mm_stat, bd_stat
#    and block_state must agree; after swapoff and a switch to sync (which
#    drains) nothing is pending and zram is back at its baseline.
#  memory offline: while the memcg swaps and unmaps and zramhold holds data
#    in zram, the movable memory blocks (movablecore=; zspages among their
#    pages) go offline and online again and CMA allocates from its area
#    (cma=). An offline may fail with EBUSY, a CMA allocation with ENOMEM;
#    none may hang (each step is bounded by timeout; the first that runs
#    out ends the cycles). Then the same checks.
#  In both, a deferring mode must have deferred frees meanwhile.
#  held frees: with the free workers held, a written-back region's backing
#    blocks come back once it is freed (zram never defers those slots),
#    and so does a memcg's memory.zswap.current for its zswap entries;
#    and zswap, once full, stores again when what it holds above its
#    accept threshold is only pending frees.
#  Then other people's tests with zswap (lzo, zsmalloc) in front of the
#    cell's swap disk /dev/vdb as the only swap: cgroup's test_zswap and
#    stress-ng (peer-suite.sh), pinned to every mode and during a switch
#    storm; their TAP is counted here.
# usage: ship-suite.sh [MB [MODE...]]  (MB/4 per held region, MB/8 per churn
#        process; every compiled-in mode unless MODEs are named; SHIP_PEER=0
#        leaves the peer tests out, SHIP_PEER_SECONDS their stress-ng time)
#        ship-suite.sh postproc|offline|band   (internal: zramhold's commands;
#        settings in SHIP_* variables)
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
CG=/sys/fs/cgroup
MEM=/sys/devices/system/memory
STOP=/tmp/ship.stop
CHURN=/tmp/ship-churn.log

# cg_exec CMD...: run CMD in the ship memcg.
cg_exec() {
	# shellcheck disable=SC2016  # $$ is the inner shell's
	sh -c 'echo $$ >"$0" && exec "$@"' "$CG/ship/cgroup.procs" "$@"
}

# churn: until $STOP exists (at least once), in the memcg (its limit below
# the load, so reclaim swaps too): swapstress fills, swaps out, checks and
# unmaps SHIP_CMB MB while a zramhold with SHIP_CMB MB in swap is killed.
# $CHURN gets the TAP of the runs, $CHURN.rc "runs failed".
churn() {
	runs=0
	bad=0
	: >$CHURN
	while [ $runs = 0 ] || [ ! -e $STOP ]; do
		# shellcheck disable=SC2016  # $PPID: zramhold's, in its shell
		cg_exec zramhold -p -s "$SHIP_CMB" -x 'kill -9 $PPID' >/dev/null 2>&1 &
		cg_exec swapstress -p 1 -s "$SHIP_CMB" -l 1 -r 1024 >>$CHURN 2>&1 ||
			bad=$((bad + 1))
		wait $!
		runs=$((runs + 1))
	done
	echo "$runs $bad" >$CHURN.rc
}

# try OUT WHAT SECS FILE VALUE: write VALUE to FILE within SECS seconds;
# append "WHAT rc error" to OUT; rc (also returned) >= 124: it ran out of time.
try() {
	err=$( { timeout "$3" sh -c "echo $5 >$4"; } 2>&1 )
	rc=$?
	echo "$2 $rc ${err:-}" | tr '\n' ' ' >>"$1"
	echo >>"$1"
	return $rc
}

# stat_field FILE FIELD: one field of a stat line (mm_stat, bd_stat).
stat_field() {
	awk -v f="$2" '{ print $f }' "$1"
}

# zramhold's second command: post-processing while frees are deferred.
postproc() {
	b=/sys/block/$SHIP_ZD
	out=$SHIP_OUT
	rm -f $STOP
	churn &
	cpid=$!
	sleep 1
	huge0=$(stat_field "$b"/mm_stat 8)
	d0=$(cat $Z/deferred)
	try "$out" "recompress-huge" 300 "$b"/recompress "type=huge"
	echo "huge $huge0 $(stat_field "$b"/mm_stat 8)" >>"$out"
	try "$out" "writeback-huge" 300 "$b"/writeback huge
	try "$out" "writeback-idle" 300 "$b"/writeback idle
	try "$out" "recompress-all" 300 "$b"/recompress "algo=zstd"
	echo "deferred $d0 $(cat $Z/deferred)" >>"$out"
	{
		awk '{ if (substr($3, 2, 1) == "w") w++; if (substr($3, 5, 1) == "r") r++ }
		     END { print "slots", w + 0, r + 0 }' \
			"/sys/kernel/debug/zram/$SHIP_ZD/block_state"
		echo "mm $(cat "$b"/mm_stat)"
		echo "bd $(cat "$b"/bd_stat)"
	} >>"$out"
	touch $STOP
	wait $cpid
}

# zramhold's command: memory offline and CMA while frees are deferred.
offline() {
	out=$SHIP_OUT
	rm -f $STOP
	churn &
	cpid=$!
	sleep 1
	echo 1 >/proc/sys/vm/stat_refresh
	awk '$1 == "Node" { z = $4 } z == "Movable" && $1 == "nr_zspages" { print "zspages", $2 }' \
		/proc/zoneinfo >>"$out"
	d0=$(cat $Z/deferred)
	for pass in 1 2; do
		for blk in $SHIP_BLOCKS; do
			s=$MEM/$blk/state
			# try leaves its status in rc; one that ran out of time ends it all.
			try "$out" "offline-$pass-$blk" 120 "$s" offline
			[ $rc -lt 124 ] || break 2
			if [ "$(cat "$s")" = offline ]; then
				try "$out" "online-$pass-$blk" 60 "$s" online_movable
				[ $rc -lt 124 ] || break 2
			fi
			for a in /sys/kernel/debug/cma/*/alloc; do
				[ -w "$a" ] || continue
				try "$out" "cma-alloc-$pass" 60 "$a" "$SHIP_CMA_PAGES"
				[ $rc != 0 ] ||
					try "$out" "cma-free-$pass" 60 "${a%/alloc}/free" "$SHIP_CMA_PAGES"
				[ $rc -lt 124 ] || break 3
			done
		done
	done
	echo "deferred $d0 $(cat $Z/deferred)" >>"$out"
	touch $STOP
	wait $cpid
}

# zramhold's command in held_phase's zswap band test, with its region in
# zswap: zswap marks its pool full at max_pool_percent 0 on one store from
# the root memcg (whose pages go to the disk: no writeback from the ship
# memcg); then the accept threshold goes to about half of the region and
# the limit above it (less than 1% of memory more; the threshold first, so
# that no store in between finds the pool below it), and zramhold is
# killed, so that its exit frees the region's entries (zswap_invalidate(),
# which every deferring mode defers). $SHIP_BAND gets "pool pages, limit
# pages, threshold pages, limit hits meanwhile".
band() {
	zp=/sys/module/zswap/parameters
	zd=/sys/kernel/debug/zswap
	pool=$(($(cat $zd/pool_total_size) / 4096))
	total=$(awk '$1 == "MemTotal:" { print int($2 / 4) }' /proc/meminfo)
	hit=$(cat $zd/pool_limit_hit)
	echo 0 >$zp/max_pool_percent || return 1
	# shellcheck disable=SC2016  # $$ is the inner shell's
	sh -c 'echo $$ >"$0" && exec "$@"' "$CG/cgroup.procs" \
		zramhold -p -s 1 -x true >"$SHIP_BAND.trigger" 2>&1 || return 1
	pct=$((pool * 100 / total + 1))
	max=$((total * pct / 100))
	thr=$((pool * 50 / max))
	echo $thr >$zp/accept_threshold_percent && echo $pct >$zp/max_pool_percent &&
		echo "$pool $max $((max * thr / 100)) $(($(cat $zd/pool_limit_hit) - hit))" >"$SHIP_BAND" ||
		return 1
	# system() may run this through sh -c: zramhold is the first zramhold up
	pid=$PPID
	while [ "$pid" -gt 1 ] && [ "$(cat "/proc/$pid/comm")" != zramhold ]; do
		pid=$(awk '{ print $4 }' "/proc/$pid/stat")
	done
	[ "$pid" -gt 1 ] && kill -9 "$pid"
}

# deferred_check M WHAT FROM TO: a deferring mode deferred frees meanwhile.
deferred_check() {
	if [ "$1" = sync ]; then
		[ "$4" = "$3" ]
	else
		[ "$4" -gt "$3" ]
	fi
	zsd_ok $? "$1: $2: $(($4 - $3)) frees deferred meanwhile"
}

case ${1:-} in
postproc) postproc; exit 0 ;;
offline) offline; exit 0 ;;
band) band; exit ;;
esac

MB=${1:-128}
[ $# -gt 0 ] && shift
export SHIP_CMB=$((MB / 8)) SHIP_CMA_PAGES=4096
HMB=$((MB / 4))
hpages=$((HMB * 256))
SELF=$0

[ -r $Z/free_mode ] || { echo "not ok 1 - $Z/free_mode missing"; exit 1; }
modes=${*:-$(tr -d '[]' <$Z/free_mode)}
echo "# modes: $modes; $(nproc) CPUs; $(cat /proc/sys/kernel/osrelease); $(cat /proc/cmdline)"

# label TEXT FILE: FILE's TAP lines with TEXT after their number, no plan.
label() {
	grep -v '^1\.\.' "$2" | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$1: /"
}

# --- the configuration ships what it says
v=$(uname -v)
case $v in *PREEMPT_RT*) false ;; *PREEMPT*) true ;; *) false ;; esac
zsd_ok $? "kernel preempts fully, not RT: $v"
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG
echo +memory >$CG/cgroup.subtree_control && mkdir -p $CG/ship &&
	echo $((MB * 3 / 16))M >$CG/ship/memory.max
zsd_ok $? "memcg ship, memory.max $(cat $CG/ship/memory.max 2>/dev/null)"
[ -r $CG/ship/memory.zswap.max ] && [ -r $CG/ship/memory.zswap.current ]
zsd_ok $? "memcg accounts zswap: memory.zswap.max $(cat $CG/ship/memory.zswap.max 2>/dev/null)"

ZD=zram$(cat /sys/class/zram-control/hot_add)
zsd_ok $? "hot_add: $ZD"
export SHIP_ZD="$ZD"
B=/sys/block/$ZD
LD=
if command -v losetup >/dev/null; then
	truncate -s $((HMB * 4))M /tmp/ship-bd.img && LD=$(losetup -f) &&
		losetup "$LD" /tmp/ship-bd.img
	zsd_ok $? "backing device $LD on a tmpfs file of $((HMB * 4)) MB"
fi
command -v timeout >/dev/null
have_timeout=$?
H=/sys/module/zsmalloc/parameters/test_hold
# A swap disk for zswap: a second loop device on a tmpfs file.
SW=
if [ -n "$LD" ]; then
	truncate -s $((MB * 2))M /tmp/ship-swap.img && SW=$(losetup -f) &&
		losetup "$SW" /tmp/ship-swap.img && mkswap "$SW" >/dev/null
	zsd_ok $? "swap disk for zswap: $SW on a tmpfs file of $((MB * 2)) MB"
fi

# zram_up BACKING: the ship device, lz4 and zstd to recompress with,
# writing back to BACKING ("" for none), as the only swap.
zram_up() {
	echo lz4 >"$B"/comp_algorithm &&
		echo "algo=zstd priority=1" >"$B"/recomp_algorithm &&
		{ [ -z "$1" ] || echo "$1" >"$B"/backing_dev; } &&
		echo $((MB * 2))M >"$B"/disksize && mkswap "/dev/$ZD" >/dev/null && swapon "/dev/$ZD"
}

# settle M WHAT BASE: swapoff, switch to sync (drains), then nothing is
# pending and zram holds only the swap header (maybe written back), in no
# more memory than BASE; back to mode M. Except the missed frees: zram's
# swap free notify only trylocks the slot, and a slot that post-processing
# holds locked keeps its data until it is written again or zram is reset
# (debug_stat's miss_free); each may pin a zspage (at most 8 pages).
settle() {
	swapoff "/dev/$ZD"
	zsd_ok $? "$1: $2: swapoff $ZD"
	echo sync >$Z/free_mode
	p=$(cat $Z/pending)
	[ "$p" = 0 ]
	zsd_ok $? "$1: $2: nothing pending once switched to sync ($p)"
	zsd_check_drained "$1: $2"
	read -r orig compr mem _ <"$B"/mm_stat
	read -r bdc _ <"$B"/bd_stat 2>/dev/null || bdc=0
	miss=$(awk 'NR == 2 { print $2 }' "$B"/debug_stat)
	[ "$orig" -le $((4096 * (1 + miss))) ] && [ "$mem" -le $(($3 + miss * 8 * 4096)) ] &&
		[ "$bdc" -le 1 ]
	rc=$?
	zsd_ok $rc "$1: $2: $ZD back to its baseline: orig_data_size $orig compr $compr mem_used_total $mem (baseline $3), bd_count $bdc; missed frees $miss"
	if [ $rc != 0 ]; then
		echo "# stale $(cat $Z/stale 2>/dev/null); slots left (index, access time, flags swhirn):"
		head -20 "/sys/kernel/debug/zram/$ZD/block_state" | sed 's/^/# /'
	fi
	echo 1 >"$B"/reset
	echo "$1" >$Z/free_mode
}

# churn_checks M WHAT: the memcg load's runs passed, reclaim hit its limit.
churn_checks() {
	read -r runs bad <$CHURN.rc
	[ "$bad" = 0 ]
	zsd_ok $? "$1: $2: memcg load: $runs runs of swapstress and a killed zramhold, $bad failed"
	[ "$bad" = 0 ] || grep '^not ok\|^#' $CHURN | head -5 | sed 's/^/# /'
	events=$(tr '\n' ' ' <$CG/ship/memory.events)
	n=$(awk '$1 == "max" { print $2 }' $CG/ship/memory.events)
	k=$(awk '$1 == "oom_kill" { print $2 }' $CG/ship/memory.events)
	[ "$n" -gt "$max0" ] && [ "$k" = 0 ]
	zsd_ok $? "$1: $2: memcg reclaimed at its limit, no OOM kill ($events)"
	max0=$n
}
max0=0

# postproc_phase M: zram post-processing while frees are deferred.
postproc_phase() {
	export SHIP_OUT=/tmp/ship-pp.out
	: >$SHIP_OUT
	zram_up "$LD"
	zsd_ok $? "$1: $ZD swap: lz4, recompress with $(grep -o zstd "$B"/recomp_algorithm | head -1), backing $(cat "$B"/backing_dev)"
	read -r _ _ base _ <"$B"/mm_stat
	zramhold -s "$HMB" -x "echo all >$B/idle" -x "sh $SELF postproc" >/tmp/ship-hold.out 2>&1
	rc=$?
	label "$1: post-processing" /tmp/ship-hold.out
	zsd_ok $rc "$1: post-processing: zramhold exited $rc"
	while read -r what a b c d e f g h i; do
		case $what in
		recompress-* | writeback-*)
			[ "$a" = 0 ]
			zsd_ok $? "$1: $what: rc $a $b $c $d $e $f" ;;
		huge)
			[ "$b" -le $((a - hpages / 8)) ]
			zsd_ok $? "$1: recompress type=huge: huge_pages $a -> $b (held: 2 x $hpages pages, a quarter recompressible)" ;;
		slots)
			[ "$a" -ge $((hpages / 2)) ] && [ "$b" -ge $((hpages / 8)) ]
			zsd_ok $? "$1: block_state: $a slots written back, $b recompressed" ;;
		mm)
			# orig compr mem limit max same compacted huge huge_since
			[ -n "$i" ] && [ "$b" -le "$a" ] && [ "$b" -le "$c" ] &&
				[ $((f * 4096)) -le "$a" ] && [ $((h * 4096)) -le "$a" ]
			zsd_ok $? "$1: mm_stat sane: $a $b $c $d $e $f $g $h $i" ;;
		deferred) deferred_check "$1" "post-processing" "$a" "$b" ;;
		bd)
			[ "$a" -gt 0 ] && [ "$c" -ge "$a" ]
			zsd_ok $? "$1: bd_stat after writeback: count $a reads $b writes $c" ;;
		esac
	done <$SHIP_OUT
	read -r bdc bdr bdw <"$B"/bd_stat
	[ "$bdr" -gt 0 ]
	zsd_ok $? "$1: the written-back pages were read back: bd_stat $bdc $bdr $bdw"
	churn_checks "$1" "post-processing"
	settle "$1" "post-processing" "$base"
}

# offline_phase M: memory offline and CMA while frees are deferred.
offline_phase() {
	export SHIP_OUT=/tmp/ship-off.out
	: >$SHIP_OUT
	zram_up ""
	zsd_ok $? "$1: $ZD swap again, no backing device"
	read -r _ _ base _ <"$B"/mm_stat
	zramhold -s "$HMB" -x "sh $SELF offline" >/tmp/ship-hold.out 2>&1
	rc=$?
	label "$1: memory offline" /tmp/ship-hold.out
	zsd_ok $rc "$1: memory offline: zramhold exited $rc"
	off=0 busy=0 on=0 cma=0 cmafail=0 bad=
	while read -r what rc err; do
		case $what:$rc in
		zspages:*)
			[ "$rc" -gt 0 ]
			zsd_ok $? "$1: memory offline: $rc zsmalloc pages in ZONE_MOVABLE before it" ;;
		deferred:*) deferred_check "$1" "memory offline" "$rc" "$err" ;;
		offline-*:0) off=$((off + 1)) ;;
		offline-*:1)
			case $err in
			*busy*) busy=$((busy + 1)) ;;
			*) bad="$bad; $what $rc $err" ;;
			esac ;;
		online-*:0) on=$((on + 1)) ;;
		cma-alloc-*:0) cma=$((cma + 1)) ;;
		cma-alloc-*:1)
			case $err in
			*memory*) cmafail=$((cmafail + 1)) ;;
			*) bad="$bad; $what $rc $err" ;;
			esac ;;
		cma-free-*:0) ;;
		*) bad="$bad; $what $rc $err" ;;
		esac
	done <$SHIP_OUT
	[ -z "$bad" ] && [ "$on" = "$off" ]
	zsd_ok $? "$1: memory offline: $off blocks offline and online again, $busy EBUSY; no step timed out or failed otherwise${bad:+: ${bad#; }}"
	[ "$off" -gt 0 ]
	zsd_ok $? "$1: memory offline: at least one block went offline ($off)"
	notonline=
	for blk in $blocks; do
		[ "$(cat "$MEM/$blk/state")" = online ] || notonline="$notonline $blk"
	done
	[ -z "$notonline" ]
	zsd_ok $? "$1: every movable block online again${notonline:+ (not:$notonline)}"
	if ls /sys/kernel/debug/cma/*/alloc >/dev/null 2>&1; then
		[ "$cma" -gt 0 ]
		zsd_ok $? "$1: CMA: $cma allocations of $SHIP_CMA_PAGES pages made and freed, $cmafail ENOMEM"
	else
		echo "ok - $1: CMA # SKIP no CMA area in debugfs (cma=?)"
	fi
	churn_checks "$1" "memory offline"
	settle "$1" "memory offline" "$base"
}

# held_phase M: with the free workers held, what must not wait does not:
# written-back zram slots give their backing-device block back at once
# (zram never defers them), and zswap entries leave their memcg's
# memory.zswap.current at once (hbuf-cb defers only their zpool free).
# Slack: the swap slot caches keep up to 64 freed entries per CPU.
held_phase() {
	slack=$((64 * $(nproc)))
	zram_up "$LD"
	zsd_ok $? "$1: held frees: $ZD swap, backing $(cat "$B"/backing_dev)"
	read -r _ _ base _ <"$B"/mm_stat
	echo Y >$H
	zramhold -p -s "$SHIP_CMB" -x "echo all >$B/idle" -x "echo idle >$B/writeback" \
		>/tmp/ship-held.out 2>&1
	rc=$?
	read -r bdc _ bdw <"$B"/bd_stat
	p=$(cat $Z/pending)
	echo N >$H
	echo 2 >/proc/sys/vm/drop_caches
	label "$1: held writeback" /tmp/ship-held.out
	zsd_ok $rc "$1: held writeback: zramhold exited $rc"
	[ "$bdw" -gt $((4 * slack)) ] && [ "$bdc" -le "$slack" ]
	zsd_ok $? "$1: held writeback: of $bdw pages written back, $bdc blocks left once freed (at most $slack; pending $p)"
	settle "$1" "held writeback" "$base"

	if [ -z "$SW" ]; then
		echo "ok - $1: zswap in a memcg # SKIP no loop device for a swap disk"
		return
	fi
	# No writeback to the tmpfs-backed disk: the entries stay in zswap
	wb=$CG/ship/memory.zswap.writeback
	[ ! -w $wb ] || echo 0 >$wb
	echo Y >/sys/module/zswap/parameters/enabled && swapon "$SW"
	zsd_ok $? "$1: held frees: zswap in front of $SW"
	echo Y >$H
	cg_exec zramhold -p -s "$SHIP_CMB" -x "cat $CG/ship/memory.zswap.current >/tmp/ship-zc" \
		>/tmp/ship-held.out 2>&1
	rc=$?
	held=$(cat /tmp/ship-zc)
	after=$(cat $CG/ship/memory.zswap.current)
	p=$(cat $Z/pending)
	echo N >$H
	echo 2 >/proc/sys/vm/drop_caches
	label "$1: held zswap" /tmp/ship-held.out
	zsd_ok $rc "$1: held zswap: zramhold exited $rc"
	[ "$held" -gt 0 ] && [ "$after" -le $((held / 8)) ]
	zsd_ok $? "$1: held zswap: memory.zswap.current $held with the region in zswap, $after once it is freed (pending $p)"
	zsd_check_drained "$1: held zswap"

	# Pending frees must not keep a full pool refusing stores: once full,
	# zswap refuses them until its total falls to the accept threshold,
	# and that total counts them. band (above) marks the pool full with
	# a region in zswap, sets the threshold to about half of it and kills
	# the region's holder (its entries' frees are pending: the total
	# stays). Another region's stores must then find the pool below the
	# threshold once the first of them frees what is pending. The memcg's
	# zswpout counts the stores taken: both push-outs of the region (a
	# refused page stays in the swap cache, with no writeback in the
	# memcg).
	zp=/sys/module/zswap/parameters
	read -r pct0 <$zp/max_pool_percent && read -r thr0 <$zp/accept_threshold_percent
	rm -f /tmp/ship-band
	echo Y >$H
	SHIP_BAND=/tmp/ship-band cg_exec zramhold -p -s "$SHIP_CMB" -x "sh $SELF band" \
		>/tmp/ship-held.out 2>&1
	rc=$?
	p=$(cat $Z/pending)
	out0=$(awk '$1 == "zswpout" { print $2 }' $CG/ship/memory.stat)
	cg_exec zramhold -p -s "$SHIP_CMB" -x true >>/tmp/ship-held.out 2>&1
	rc2=$?
	out=$(($(awk '$1 == "zswpout" { print $2 }' $CG/ship/memory.stat) - out0))
	echo N >$H
	echo "$pct0" >$zp/max_pool_percent && echo "$thr0" >$zp/accept_threshold_percent
	echo 2 >/proc/sys/vm/drop_caches
	read -r pool max thr hits </tmp/ship-band
	label "$1: zswap band" /tmp/ship-held.out
	# A deferring mode must have held the region's frees, or the test
	# tests nothing; the threshold must stay above what reclaim cannot
	# reach (partly filled hbuf buffers: 254 objects a CPU at most).
	[ $rc = 137 ] && [ $rc2 = 0 ] && { [ "$1" = sync ] || [ "$p" -gt 0 ]; }
	zsd_ok $? "$1: zswap band: the holder was killed ($rc), with $p frees pending; the other zramhold exited $rc2"
	[ "${hits:-0}" -gt 0 ] && [ "${pool:-0}" -gt "${thr:-0}" ] && [ "${pool:-0}" -lt "${max:-0}" ] &&
		[ $((${thr:-0} * 4)) -ge "${pool:-1}" ]
	zsd_ok $? "$1: zswap band: the pool was full (limit hit ${hits:-?} times), then held ${pool:-?} pages, between the threshold ${thr:-?} (at least a quarter of it) and the limit ${max:-?}"
	# Refused, the region's two push-outs give 0 stores; taken, 2 x pages.
	want=$((SHIP_CMB * 256))
	[ "$out" -ge "$want" ]
	zsd_ok $? "$1: zswap band: zswap took $out stores of the other region's two push-outs of $want pages each (want >= $want)"
	zsd_check_drained "$1: zswap band"
	swapoff "$SW" && echo N >/sys/module/zswap/parameters/enabled
	zsd_ok $? "$1: held frees: zswap off, $SW swapped off"
	[ ! -w $wb ] || echo 1 >$wb
}

# in_ram START END: [START, END) lies inside one System RAM range of
# /proc/iomem (a block with a hole cannot go offline: EINVAL).
in_ram() {
	sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\1 \2/p' /proc/iomem >/tmp/ship-ram
	while read -r from to; do
		[ $((0x$from)) -le "$1" ] && [ $((0x$to)) -ge $(($2 - 1)) ] && return 0
	done </tmp/ship-ram
	return 1
}

# The movable memory blocks, without holes.
blocks=
holes=
bs=$((0x$(cat $MEM/block_size_bytes 2>/dev/null || echo 0)))
for d in "$MEM"/memory*; do
	[ "$(cat "$d/valid_zones" 2>/dev/null)" = Movable ] || continue
	n=${d##*/memory}
	if in_ram $((n * bs)) $(((n + 1) * bs)); then
		blocks="$blocks ${d##*/}"
	else
		holes="$holes ${d##*/}"
	fi
done
export SHIP_BLOCKS="$blocks"
echo "# movable memory blocks:${blocks:- none}${holes:+; left out, with a hole:$holes}; block size $bs"

swapoff /dev/zram0
zsd_ok $? "zram0 swapped off: $ZD is the only swap"

for m in $modes; do
	echo "# --- mode $m"
	echo "$m" >$Z/free_mode
	grep -q "\[$m\]" $Z/free_mode
	zsd_ok $? "$m: selected"
	if [ -z "$LD" ]; then
		echo "ok - $m: zram writeback and recompression # SKIP busybox has no losetup"
	else
		postproc_phase "$m"
	fi
	if [ -z "$blocks" ]; then
		echo "ok - $m: memory offline # SKIP no movable memory block (movablecore=?)"
	elif [ "$have_timeout" != 0 ]; then
		echo "ok - $m: memory offline # SKIP busybox has no timeout to bound it with"
	else
		offline_phase "$m"
	fi
	if [ -w "$H" ]; then
		held_phase "$m"
	else
		echo "ok - $m: held frees # SKIP no $H (kernel without the KUnit suite)"
	fi
done

# peer_phase: other people's tests on zswap (issue 15), in every mode and a
# storm: peer-suite.sh's TAP again through zsd_ok, so that it counts here.
peer_phase() {
	if [ ! -b /dev/vdb ]; then
		echo "ok - peer: test_zswap and stress-ng on zswap # SKIP no swap disk /dev/vdb (the cell's swap_disk)"
		return
	fi
	zsd_setup_swap zswap
	zsd_ok $? "peer: zswap $(cat /sys/module/zswap/parameters/compressor)/$(cat /sys/module/zswap/parameters/zpool) in front of /dev/vdb, the only swap"
	sh /usr/share/zsdefer/peer-suite.sh "${SHIP_PEER_SECONDS:-5}" 64 -- test_zswap stress-ng \
		>/tmp/ship-peer.out 2>&1
	prc=$?
	while IFS= read -r line; do
		case $line in
		*"# SKIP"*) echo "$line" | sed 's/^\(\(not \)\{0,1\}ok\) [0-9]* *- /\1 - peer: /' ;;
		"ok "*) zsd_ok 0 "peer: ${line#* - }" ;;
		"not ok "*) zsd_ok 1 "peer: ${line#* - }" ;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done </tmp/ship-peer.out
	zsd_ok $prc "peer: peer-suite.sh exited $prc"
	swapoff /dev/vdb && echo N >/sys/module/zswap/parameters/enabled
	zsd_ok $? "peer: /dev/vdb swapped off, zswap off"
}

echo sync >$Z/free_mode
if [ "${SHIP_PEER:-1}" != 0 ]; then
	peer_phase
	echo sync >$Z/free_mode
fi
swapon /dev/zram0
zsd_ok $? "zram0 swap again"
{ [ -z "$SW" ] || { losetup -d "$SW" && rm -f /tmp/ship-swap.img; }; } &&
	{ [ -z "$LD" ] || { losetup -d "$LD" && rm -f /tmp/ship-bd.img; }; } &&
	echo "${ZD#zram}" >/sys/class/zram-control/hot_remove
rc=$?
zsd_ok $rc "$ZD removed${LD:+, $LD detached}"
echo "1..$zsd_n"
