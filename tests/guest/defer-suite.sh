#!/bin/sh
# Guest suite for the free policies (TAP). Runs in every compiled-in mode:
# data integrity, zram slot reuse, a refill at zram's mem_limit with frees
# pending, zram reset with frees pending, CPU offline/online under load,
# frees during page migration and pool compaction, a switch storm, and
# free_mode input handling.
# usage: defer-suite.sh [INTEGRITY_MB [STRESS_MB [MODES]]]
# MODES (comma-separated) limits the runs to those compiled-in modes; the
# debug variant's run in make check uses it to fit CI's time.
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
H=/sys/module/zsmalloc/parameters/test_hold
MB=${1:-1024}
SMB=${2:-48}   # per process, in the hotplug and switch-storm runs
# The unmap-then-reset runs use MB where it is smaller than their usual
# size, so that a slow kernel (KASAN under TCG) runs every section.
TMB=$((MB < 128 ? MB : 128))
RMB=$((MB < 32 ? MB : 32))

[ -r $Z/free_mode ] || { echo "not ok 1 - $Z/free_mode missing"; exit 1; }
modes=$(tr -d '[]' <$Z/free_mode)
if [ -n "${3:-}" ]; then
	for m in $(echo "$3" | tr , ' '); do
		echo " $modes " | grep -q " $m " || { echo "not ok 1 - mode $m is not compiled in ($modes)"; exit 1; }
	done
	modes=$(echo "$3" | tr , ' ')
fi
echo "# modes: $modes; $(nproc) CPUs; $(pagesize)-byte pages; $(cat /proc/sys/kernel/osrelease)"

zram_reset() {
	swapoff /dev/zram0 && echo 1 >/sys/block/zram0/reset
}

zram_remake() {
	zsd_zram_make 1G >/dev/null && swapon /dev/zram0
}

# nr_zspages: zone counters fold per-CPU deltas lazily; fold them first.
nr_zspages() {
	echo 1 >/proc/sys/vm/stat_refresh
	awk '/^nr_zspages/ {print $2}' /proc/vmstat
}

for m in $modes; do
	echo "# --- mode $m"
	echo "$m" >$Z/free_mode
	grep -q "\[$m\]" $Z/free_mode
	zsd_ok $? "$m: selected through free_mode"

	# Integrity: MB of data through zram and back, every page checked.
	swapstress -p 1 -s "$MB" -l 1 | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: integrity: /"
	zsd_check_drained "$m: after integrity"

	# Teardown: unmap (frees pending in deferred modes), then reset zram at
	# once; zs_destroy_pool must reach every pending zspage.
	smoke -s $TMB -r 3600 >/dev/null 2>&1 &
	wait $!
	zram_reset
	zsd_ok $? "$m: zram reset right after unmap"
	# No zram pool exists now: every zsmalloc page must be gone.
	z=$(nr_zspages)
	[ "$(cat $Z/pending)" = 0 ] && [ "$z" = 0 ]
	zsd_ok $? "$m: after reset nothing pending ($(cat $Z/pending)), nr_zspages $z"
	zsd_check_drained "$m: after reset"
	zram_remake
	zsd_ok $? "$m: zram set up again"

	# Slot reuse: with the workers held, A's swap slots are freed (in
	# hbuf-cb the zram slot frees stay pending), then B is written to the
	# same slots of a zram too small for both; the frees then run and B
	# must read back intact. Once idle and swapped off (which empties the
	# swap slot caches), zram must store only the swap header. "stale":
	# deferred frees that found their slot written again and left it alone.
	stale0=$(cat $Z/stale 2>/dev/null || echo 0)
	zram_reset && zsd_zram_make 64M >/dev/null && swapon /dev/zram0
	# the swap header page; zram's counters of stored data must come back
	read -r orig0 compr0 _ _ _ _ _ huge0 _ </sys/block/zram0/mm_stat
	if [ -w "$H" ]; then
		echo Y >"$H"
		slotreuse -s 40 -x "echo N >$H && echo 2 >/proc/sys/vm/drop_caches" |
			grep -v '^1\.\.' | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: slot reuse: /"
		echo N >"$H"
	else
		echo "ok - $m: slot reuse # SKIP no $H (kernel without the KUnit suite)"
	fi
	zsd_check_drained "$m: after slot reuse"
	swapoff /dev/zram0
	zsd_wait_idle
	read -r orig compr _ _ _ _ _ huge _ </sys/block/zram0/mm_stat
	stale=$(($(cat $Z/stale 2>/dev/null || echo 0) - stale0))
	[ "$orig" = "$orig0" ]
	zsd_ok $? "$m: slot reuse: zram stores $orig bytes once idle and swapped off (swap header: $orig0)"
	[ "$compr" = "$compr0" ] && [ "$huge" = "$huge0" ]
	zsd_ok $? "$m: slot reuse: compr_data_size $compr (was $compr0), huge_pages $huge (was $huge0)"
	if [ "$m" = hbuf-cb ] && [ -w "$H" ]; then
		[ "$stale" -gt 0 ]
		zsd_ok $? "$m: slot reuse: $stale deferred slot frees found their slot written again"
	fi
	echo 1 >/sys/block/zram0/reset && zram_remake
	zsd_ok $? "$m: zram set up again after slot reuse"

	# Same-filled slots hold nothing in zsmalloc: their frees must not be
	# deferred (hbuf-cb once pushed every slot free). Slot-cache entries
	# of earlier runs may reach zram meanwhile: 64 per CPU at most.
	d0=$(cat $Z/deferred)
	samefilled -s 32 | grep -v '^1\.\.' |
		sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: /"
	zsd_wait_idle
	d=$(($(cat $Z/deferred) - d0))
	[ "$d" -le $((64 * $(nproc))) ]
	zsd_ok $? "$m: same-filled: $d of $((32 * 1024 * 1024 / $(pagesize))) slot frees deferred"

	# Refill at mem_limit right after a large free: with the workers held,
	# A's frees are pending when B is written; the limit (about 1.5 times
	# what A or B needs alone) holds B only if the write path frees what
	# is pending before refusing. A refused write fails the swap-out
	# ("Write-error on swap-device"): B would not be in swap.
	if [ -w "$H" ]; then
		zram_reset && zsd_zram_make 256M >/dev/null &&
			echo 18M >/sys/block/zram0/mem_limit && swapon /dev/zram0
		zsd_ok $? "$m: zram with an 18M mem_limit"
		read -r _ fw0 _ </sys/block/zram0/io_stat
		echo Y >"$H"
		slotreuse -s 40 -x "echo N >$H && echo 2 >/proc/sys/vm/drop_caches" | grep -v '^1\.\.' |
			sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: mem_limit refill: /"
		echo N >"$H"
		read -r _ fw _ </sys/block/zram0/io_stat
		read -r _ _ _ _ max _ </sys/block/zram0/mm_stat
		[ "$fw" = "$fw0" ]
		zsd_ok $? "$m: mem_limit refill: $((fw - fw0)) writes refused (mem_used_max $max)"
		zsd_check_drained "$m: after mem_limit refill"
		zram_reset && zram_remake
		zsd_ok $? "$m: zram set up again after mem_limit refill"
	fi

	# Releasing the hold frees what the held workers left. Writing N only
	# cleared a flag: a list whose first push's kick the hold swallowed
	# stayed non-empty, so no later push armed its worker again (llist,
	# pcpu; the same for the reclaim retry list), and the shrinker leaves a
	# small count alone (the defer boot of 6586420's make check: llist's
	# memory-pressure cleanup kept 19 pending for good).
	if [ -w "$H" ] && [ "$m" != sync ]; then
		echo Y >"$H"
		munmap -b zram -p 1 -s 8 -r 3600 -R >/dev/null
		p0=$(cat $Z/pending)
		echo N >"$H"
		zsd_wait_idle
		idle=$?
		[ "$p0" -gt 0 ] && [ $idle = 0 ]
		zsd_ok $? "$m: hold released: $p0 held frees freed, $(cat $Z/pending) pending"
	fi

	# Global memory pressure takes pending memory back: with the workers
	# held, a third of RAM of incompressible data is unmapped (its frees
	# pending: more than the old pending_limit, a quarter of RAM, allowed),
	# swap goes off, and a file in tmpfs asks for what is free plus half
	# of what zram holds. Only the shrinker can give that back (nothing
	# else here is reclaimable without swap): no OOM kill, and zram's
	# memory must drop, by a quarter at least (reclaim frees what the
	# writer needs, about half, less what else it finds). Before its
	# freed pages counted as reclaim progress, pcpu's run ended in the
	# OOM killer with 652 of 666 MB still held; before reclaimers took
	# turns, a direct reclaim that met kswapd in the shrinker freed
	# nothing, and hbuf-cb's ended there once with 624 MB held
	# (results/review-reclaim-wait/; reclaim-race.sh runs it with
	# several writers).
	# Only at full size (MB >= 256): with 64 MB held (the debug run's
	# size) the writer's 32 MB beyond MemFree are of the order of the
	# watermark boost and of the freed pages the per-CPU page lists keep
	# (the debug kernel's OOM reports: 37-47 MB in free_pcp, zram emptied
	# by the shrinker; most of it on the other CPU's list, which the
	# allocator drains only after a direct reclaim that made progress:
	# results/issue16-pressure/COMMANDS.txt), so the test would measure
	# the page allocator.
	if [ -w "$H" ] && [ "$m" != sync ] && [ "$MB" -lt 256 ]; then
		echo "ok - $m: memory pressure # SKIP at $MB MB: see defer-suite.sh"
	elif [ -w "$H" ] && [ "$m" != sync ]; then
		zsd_pressure 1
		zsd_ok $? "$m: memory pressure: $zp_mb MB unmapped with $zp_pending frees pending, zram $((zp_held >> 20)) MB; $zp_each MB written to tmpfs with $zp_free MB free (rc $zp_rc2), OOM kills $zp_oom, zram $((zp_left >> 20)) MB after"
		zsd_check_drained "$m: after memory pressure"
		echo 1 >/sys/block/zram0/reset && zram_remake
		zsd_ok $? "$m: zram set up again after memory pressure"
	fi

	# CPU offline/online while frees are queued on that CPU's list.
	if [ -w /sys/devices/system/cpu/cpu1/online ]; then
		swapstress -p 2 -s "$SMB" -l 3 -r 3600 >/tmp/hp.out &
		pid=$!
		n=0
		while kill -0 $pid 2>/dev/null; do
			echo 0 >/sys/devices/system/cpu/cpu1/online
			sleep 0.05
			echo 1 >/sys/devices/system/cpu/cpu1/online
			n=$((n + 1))
			sleep 0.05
		done
		wait $pid
		rc=$?
		sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: hotplug: /" /tmp/hp.out | grep -v '^1\.\.'
		zsd_ok $rc "$m: $n CPU offline/online cycles under swap load"
		zsd_check_drained "$m: after hotplug"

		# CPU offline racing zram reset: zs_destroy_pool() drains while
		# the CPU whose list or buffer holds the pool's frees goes away.
		rm -f /tmp/hp.stop
		(
			while [ ! -e /tmp/hp.stop ]; do
				echo 0 >/sys/devices/system/cpu/cpu1/online
				sleep 0.02
				echo 1 >/sys/devices/system/cpu/cpu1/online
				sleep 0.02
			done
		) &
		tog=$!
		bad=0
		for i in 1 2 3 4 5; do
			smoke -s $RMB -r 3600 >/dev/null 2>&1
			zram_reset || bad=$((bad + 1))
			z=$(nr_zspages)
			[ "$(cat $Z/pending)" = 0 ] && [ "$z" = 0 ] || bad=$((bad + 1))
			zram_remake || bad=$((bad + 1))
		done
		touch /tmp/hp.stop
		wait $tog
		echo 1 >/sys/devices/system/cpu/cpu1/online
		[ "$bad" = 0 ]
		zsd_ok $? "$m: 5 zram resets right after unmap while cpu1 goes off and on line ($bad bad)"
	else
		echo "ok - $m: CPU hotplug # SKIP one CPU or no hotplug"
	fi
done

# Frees during page migration and pool compaction: compact_memory migrates
# zspage pages (zs_page_migrate()) and zram's compact moves objects between
# zspages (__zs_compact()), both re-pointing handles, while two processes
# swap, check and unmap. CONFIG_ZSMALLOC_LOCKFIX's zs_free() finds the class
# from a handle read without the pool lock: this is the race it must win.
# Both kinds of move must have happened for the check to count: pages
# migrated by the mm_migrate_pages event (/proc/vmstat has no pgmigrate_*
# without VM_EVENT_COUNTERS; the event is switched while nothing migrates),
# objects moved by zram's mm_stat.
TR=/sys/kernel/tracing
migrated() {
	sed -n 's/.*mm_migrate_pages: nr_succeeded=\([0-9]*\).*/\1/p' $TR/trace |
		awk '{s += $1} END {print s + 0}'
}
for m in $modes; do
	echo "$m" >$Z/free_mode
	rm -f /tmp/cm.stop
	: >$TR/trace
	echo 1 >$TR/events/migrate/mm_migrate_pages/enable
	read -r _ _ _ _ _ _ cmp0 _ </sys/block/zram0/mm_stat
	(
		while [ ! -e /tmp/cm.stop ]; do
			echo 1 >/proc/sys/vm/compact_memory
			echo 1 >/sys/block/zram0/compact
		done
	) &
	cm=$!
	swapstress -p 2 -s "$SMB" -l 4 -r 2048 >/tmp/cm.out 2>&1
	rc=$?
	touch /tmp/cm.stop
	wait $cm
	echo 0 >$TR/events/migrate/mm_migrate_pages/enable
	mig=$(migrated)
	read -r _ _ _ _ _ _ cmp _ </sys/block/zram0/mm_stat
	cmp=$((cmp - cmp0))
	[ $rc = 0 ] || sed 's/^/# /' /tmp/cm.out
	[ $rc = 0 ] && [ "$mig" -gt 0 ] && [ "$cmp" -gt 0 ]
	zsd_ok $? "$m: swap, check, unmap during migration and compaction ($mig pages migrated, $cmp compacted, data $([ $rc = 0 ] && echo intact || echo BAD))"
	zsd_check_drained "$m: migration and compaction"
done

# Switch storm: two processes swapping and unmapping while the mode changes
# every 3 ms through every compiled-in mode.
base=$(zsd_zram_mem)
swapstress -p 2 -s "$SMB" -l 6 -r 2048 -m "$(echo "$modes" | tr ' ' ,)" -i 3000 |
	sed "s/^\(not \)\{0,1\}ok [0-9]* - /&switch storm: /" | grep -v '^1\.\.'
zsd_check_drained "switch storm"
zsd_check_back "$base" "$(zsd_zram_mem)" "switch storm: zram memory"

# The benchmark's workloads run to completion in every mode (munmap, kill,
# and swapio, which checks every page it swaps back in).
# pending_hwm, reset before each mode's munmap runs, must show the
# backlog they left in a deferring mode (nobody reads pending meanwhile:
# the buffer modes' mark once stayed 0 through such a burst) and none in
# sync.
for m in $modes; do
	echo "$m" >$Z/free_mode
	echo 0 >$Z/pending_hwm
	r=$(munmap -p 2 -s "$SMB" -r 1024) && k=$(munmap -p 2 -s "$SMB" -r 3600 -k)
	zsd_ok $? "$m: munmap benchmark: ${r#result } / kill: ${k#result }"
	# The release poll's CPU is the benchmark's own, reported apart from
	# cpu_ms: it ran (the poll reads at least once) and fits in the
	# window it polled, on one CPU.
	obs=$(zsd_field observer_ms "$r") rel=$(zsd_field release_ms "$r")
	awk -v o="$obs" -v w="$rel" 'BEGIN { exit !(o > 0 && o <= w) }'
	zsd_ok $? "$m: munmap's observer_ms $obs ms is apart from cpu_ms, within release_ms $rel ms"
	hwm=$(cat $Z/pending_hwm)
	if [ "$m" = sync ]; then [ "$hwm" = 0 ]; else [ "$hwm" -gt 0 ]; fi
	zsd_ok $? "$m: pending_hwm after the munmap runs: $hwm"
	s=$(swapio -s "$SMB" -r 1024)
	zsd_ok $? "$m: swapio benchmark: ${s#result }"
done
echo sync >$Z/free_mode

# free_mode input handling.
sysfs_input | grep -v '^1\.\.' | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&free_mode input: /"

# pending_hwm input: 0 resets it; anything else is refused with EINVAL.
for bad in 1 -1 x 0x; do
	! printf '%s' "$bad" 2>/dev/null >$Z/pending_hwm
	zsd_ok $? "pending_hwm input: '$bad' refused"
done

# zsd_check_input NAME TOP WHAT BAD...: each BAD written to $Z/NAME is
# refused (EINVAL) and leaves its value as it was; 1 and TOP (WHAT) are
# taken; the value is restored.
zsd_check_input() {
	f=$Z/$1 name=$1 top=$2 what=$3
	shift 3
	v0=$(cat "$f")
	for bad in "$@"; do
		! printf '%s' "$bad" 2>/dev/null >"$f" && [ "$(cat "$f")" = "$v0" ]
		zsd_ok $? "$name input: '$bad' refused, still $v0"
	done
	echo 1 >"$f" && [ "$(cat "$f")" = 1 ] &&
		echo "$top" >"$f" && [ "$(cat "$f")" = "$top" ]
	zsd_ok $? "$name input: 1 and $top ($what) taken; default $v0"
	echo "$v0" >"$f"
}

# hbuf_drain_workers input: 1 to the possible CPUs (the default).
if [ -w $Z/hbuf_drain_workers ]; then
	max=$(($(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1))
	zsd_check_input hbuf_drain_workers "$max" "possible CPUs" \
		0 $((max + 1)) -1 x 1x
fi

# hbuf_pool_pages input: 1 to the pages of RAM; its boot default
# (pending_limit, half of RAM, plus two a CPU) can be written back (it was
# refused once the default outgrew a bound of RAM / 16). Twice MemTotal
# in KiB is more pages than RAM has, whatever PAGE_SIZE.
if [ -w $Z/hbuf_pool_pages ]; then
	zsd_check_input hbuf_pool_pages "$(cat $Z/hbuf_pool_pages)" default \
		0 "$(awk '/^MemTotal/ { print $2 * 2 }' /proc/meminfo)" -1 x 1x
fi

# Tracepoints: trace-cmd records the zsmalloc events.
if command -v trace-cmd >/dev/null; then
	first=$(echo "$modes" | awk '{print $NF}')
	echo "$first" >$Z/free_mode
	trace-cmd record -q -o /tmp/trace.dat -e zsmalloc smoke -s $((MB < 64 ? MB : 64)) -r 3600 >/dev/null 2>&1
	echo sync >$Z/free_mode
	if [ "$first" = sync ]; then
		# sync alone defers nothing and switches nowhere: no event fires,
		# but the events are there to be recorded.
		n=0
		for e in /sys/kernel/tracing/events/zsmalloc/zs_defer_*; do
			[ -d "$e" ] && n=$((n + 1))
		done
		[ "$n" -gt 0 ] && [ -s /tmp/trace.dat ]
		zsd_ok $? "trace-cmd record -e zsmalloc (sync only): $n zs_defer events defined"
	else
		n=$(trace-cmd report -i /tmp/trace.dat 2>/dev/null | grep -c 'zs_defer_')
		[ "$n" -gt 0 ]
		zsd_ok $? "trace-cmd record -e zsmalloc ($first, then switch): $n zs_defer events"
	fi
fi
# kmemleak (debug variant): a scan must find nothing unreferenced.
K=/sys/kernel/debug/kmemleak
if [ -w $K ]; then
	echo scan >$K
	sleep 1
	echo scan >$K
	n=$(grep -c '^unreferenced object' $K)
	[ "$n" = 0 ]
	zsd_ok $? "kmemleak: $n unreferenced objects"
	[ "$n" = 0 ] || head -40 $K | sed 's/^/# /'
fi
echo "1..$zsd_n"
