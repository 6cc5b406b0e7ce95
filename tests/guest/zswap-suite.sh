#!/bin/sh
# Guest suite for the free policies with zswap in front of a swap disk
# (TAP). In every compiled-in mode: swap load with every page checked while
# zswap's pool limit and shrinker write entries back to the disk, so that
# writeback meets entries whose free is deferred; then everything must
# drain and zswap must store nothing; compressor changes (each retires a
# pool) race CPU offline under load. Then a refill at the pool limit with
# frees pending must not be rejected.
# usage: zswap-suite.sh [MB]   (per process; 2 processes)
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
P=/sys/module/zswap/parameters
D=/sys/kernel/debug/zswap
MB=${1:-64}

[ -r $Z/free_mode ] || { echo "not ok 1 - $Z/free_mode missing"; exit 1; }
[ "$(cat $P/enabled)" = Y ] || { echo "not ok 1 - zswap is not enabled"; exit 1; }
[ -r $D/written_back_pages ] || { echo "not ok 1 - no $D"; exit 1; }
modes=$(tr -d '[]' <$Z/free_mode)
# A pool limit well below what the load stores (2 x MB at about 2:1), so
# zswap writes entries back all the time; the shrinker adds reclaim-driven
# writeback under memory pressure.
echo Y >$P/shrinker_enabled
echo 2 >$P/max_pool_percent
echo "# modes: $modes; $(nproc) CPUs; zswap $(cat $P/compressor)/$(cat $P/zpool), pool limit $(cat $P/max_pool_percent)%"

for m in $modes; do
	echo "$m" >$Z/free_mode
	wb0=$(cat $D/written_back_pages)
	swapstress -p 2 -s "$MB" -l 4 -r 2048 | grep -v '^1\.\.' |
		sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: zswap writeback: /"
	zsd_check_drained "$m: zswap, after the load"
	wb=$(($(cat $D/written_back_pages) - wb0))
	[ "$wb" -gt 0 ]
	zsd_ok $? "$m: zswap wrote $wb pages back during the load"
	stored=$(cat $D/stored_pages)
	[ "$stored" = 0 ]
	zsd_ok $? "$m: zswap stores $stored pages once idle"

	# Compressor changes racing CPU offline: each change retires a pool,
	# whose zs_destroy_pool() drains while cpu1, which holds frees in its
	# list or buffer, goes away; a swap load checks every page meanwhile.
	if [ -w /sys/devices/system/cpu/cpu1/online ]; then
		swapstress -p 2 -s "$((MB / 2))" -l 3 -r 2048 >/tmp/zc.out 2>&1 &
		pid=$!
		n=0
		while kill -0 $pid 2>/dev/null; do
			echo 0 >/sys/devices/system/cpu/cpu1/online
			echo lzo-rle >$P/compressor
			echo 1 >/sys/devices/system/cpu/cpu1/online
			echo lzo >$P/compressor
			n=$((n + 1))
		done
		wait $pid
		rc=$?
		grep -v '^1\.\.' /tmp/zc.out | sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: compressor vs offline: /"
		zsd_ok $rc "$m: $n compressor changes racing cpu1 offline/online under swap load"
		zsd_check_drained "$m: after compressor changes"
	else
		echo "ok - $m: compressor changes vs CPU offline # SKIP one CPU or no hotplug"
	fi
done

# Refill at the pool limit right after a large free: with the workers held,
# A's frees are pending when B is stored. The limit (1% of memory: 5122
# pages in the 2 GB guest) holds A or B alone with room to spare (40 MB
# of this data: about 3570 pool pages by scale), not both: B is taken only if
# zswap's limit check frees what is pending first; otherwise stores are
# rejected (pool_limit_hit) and B goes to the disk. The room covers what
# the check cannot free: the buffer modes' partly filled per-CPU buffers
# (up to 253 entries a CPU, left to their flush, which the held workers
# hold too). At 56 MB, A or B alone took 4992 pool pages, and those
# leftovers made B hit the limit now and then (3 stores, hbuf or hbuf-cb).
H=/sys/module/zsmalloc/parameters/test_hold
if [ -w "$H" ]; then
	echo 1 >$P/max_pool_percent
	for m in $modes; do
		echo "$m" >$Z/free_mode
		hit0=$(cat $D/pool_limit_hit)
		echo Y >"$H"
		slotreuse -s 40 -x "echo N >$H && echo 2 >/proc/sys/vm/drop_caches" | grep -v '^1\.\.' |
			sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$m: zswap pool limit refill: /"
		echo N >"$H"
		hit=$(($(cat $D/pool_limit_hit) - hit0))
		[ "$hit" = 0 ]
		zsd_ok $? "$m: zswap pool limit refill: the limit was hit $hit times"
		zsd_check_drained "$m: after the zswap pool limit refill"
	done
else
	echo "ok - zswap pool limit refill # SKIP no $H (kernel without the KUnit suite)"
fi
echo sync >$Z/free_mode
echo "1..$zsd_n"
