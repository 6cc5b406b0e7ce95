Z=/sys/kernel/mm/zsmalloc
. /usr/share/zsdefer/lib.sh
def=$(cat $Z/hbuf_pool_pages)
echo "env cpus=$(nproc) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) pool_default=$def limit=$(cat $Z/pending_limit)"
c() { cat $Z/$1; }
for r in 1 2; do
	for cfg in "sync $def" "hbuf-cb $def" "hbuf-cb 4096" "hbuf $def" "hbuf 4096"; do
		set -- $cfg
		echo "$1" >$Z/free_mode || exit 1
		echo "$2" >$Z/hbuf_pool_pages || exit 1
		zsd_wait_idle || { echo "# never idle"; exit 1; }
		f0=$(c fallbacks) d0=$(c deferred) n0=$(c drain_runs) t0=$(c drain_time_ns) h0=$(c pending_hwm)
		line=$(munmap -b zram -p 8 -s 256 -r 3600 </dev/null) || { echo "# failed: $line"; exit 1; }
		zsd_wait_idle
		echo "$line mode=$1 pool=$2 round=$r fallbacks=$(($(c fallbacks) - f0)) deferred=$(($(c deferred) - d0)) drain_runs=$(($(c drain_runs) - n0)) drain_ms=$((($(c drain_time_ns) - t0) / 1000000)) hwm=$(c pending_hwm)"
	done
done
echo sync >$Z/free_mode
