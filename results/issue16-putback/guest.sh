# Guest script (run as in COMMANDS.txt): how long the deferred-free
# shrinker takes to give back what a burst left pending. Per mode in
# MODES, ROUNDS times: the workers held (zsmalloc.test_hold), MB megabytes
# of incompressible data swapped to zram and unmapped (every free empties
# a one-page zspage: MB * 256 zspages pending), then drop_caches=2, which
# runs every shrinker until they free next to nothing. Prints one line per
# run: mode, round, pending before and after, ms drop_caches took.
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc; H=/sys/module/zsmalloc/parameters/test_hold
MB=${MB:-768}
# /proc/uptime in hundredths of a second (busybox date has no %N)
zsd_uptime_cs() { awk '{ sub(/\./, "", $1); print $1 + 0 }' /proc/uptime; }
for r in $(seq 1 "${ROUNDS:-3}"); do
	for m in ${MODES:-llist pcpu hbuf-cb}; do
		echo "$m" >$Z/free_mode || exit 1
		echo Y >"$H"
		munmap -b zram -p 1 -s "$MB" -r 3600 -R >/dev/null || exit 1
		p0=$(cat $Z/pending)
		t0=$(zsd_uptime_cs)
		echo 2 >/proc/sys/vm/drop_caches
		t1=$(zsd_uptime_cs)
		p1=$(cat $Z/pending)
		echo N >"$H"
		echo 2 >/proc/sys/vm/drop_caches
		echo "putback mode=$m round=$r pending_before=$p0 pending_after=$p1 drop_caches_ms=$(((t1 - t0) * 10))"
	done
done
