# One boot of the probe kernel on the 16-core device machine (12 vCPUs):
# every mode beside its ceiling with vCPUs to spare for the deferred work
# (#16, #17), and llist against pcpu with 4 and 8 freeing processes (#16
# item 4). phase() is results/issue17-split/guest.sh with the data points
# and the process count as parameters: columns rotated each round, each
# "MODE@DEPTH" column is sync (or MODE) with zsmalloc.ceiling_probe=DEPTH,
# a column switch writes none first. Prints "SPLIT ..." lines and, after
# each phase, the defer counters.
Z=/sys/kernel/mm/zsmalloc
P=/sys/module/zsmalloc/parameters/ceiling_probe
echo "GUEST nproc=$(nproc) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) mem=$(grep MemTotal /proc/meminfo)"
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done # arm all
phase() { # PROCS ROUNDS "POINTS" COLUMNS...
	procs=$1 rounds=$2 points=$3; shift 3
	t0=$(date +%s)
	for round in $(seq 1 "$rounds"); do
		for c in "$@"; do
			m=${c%@*} d=none
			[ "$m" = "$c" ] || d=${c#*@}
			for r in $points; do
				echo none > $P || exit 1
				echo "$m" > $Z/free_mode || exit 1
				echo "$d" > $P || exit 1
				sleep 1
				fb0=$(cat $Z/fallbacks)
				out=$(munmap -b zram -p "$procs" -s 256 -r "$r" -R) || { echo "# munmap failed: $c"; exit 1; }
				fb1=$(cat $Z/fallbacks)
				echo "SPLIT procs=$procs round=$round column=$c random_bytes=$r fallbacks=$((fb1 - fb0)) $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|cpu_ms=[0-9.]*\|fill_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
			done
		done
		first=$1; shift; set -- "$@" "$first"
		echo "# procs=$procs round $round done at +$(( $(date +%s) - t0 )) s"
	done
	echo none > $P; echo sync > $Z/free_mode
	for f in deferred drained fallbacks drain_runs pending_hwm; do printf 'COUNTER procs=%s %s=%s\n' "$procs" $f "$(cat $Z/$f)"; done
}
COLS="sync llist pcpu hbuf hbuf-cb sync@teardown sync@zs_free sync@notify"
# shellcheck disable=SC2086 # the columns are words
phase 4 4 "1024 3600" $COLS
# shellcheck disable=SC2086
phase 8 3 "3600" $COLS
