#!/bin/sh
# Guest side of `zsdefer profile`: in every compiled-in mode, one munmap run
# under trace-cmd (zsmalloc events) and one under perf (call graphs of all
# CPUs, enabled only from the barrier until the memory is back). Reports
# are made here, where /proc/kallsyms matches, and left in /results.
# usage: profile.sh SIZE_MB PROCS "RANDOM_BYTES..."
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
size=$1 procs=$2 rnds=$3
modes=$(tr -d '[]' <$Z/free_mode)

mkfifo /tmp/ctl /tmp/ack || exit 1
for rnd in $rnds; do
	for m in $modes; do
		echo "# profiling $m, $procs x $size MB, $rnd random B/page"
		echo "$m" >$Z/free_mode || exit 1
		zsd_wait_idle
		trace-cmd record -q -e zsmalloc -o /tmp/t.dat \
			munmap -p "$procs" -s "$size" -r "$rnd" >"trace-$m-$rnd.result" || exit 1
		trace-cmd report -i /tmp/t.dat >"trace-$m-$rnd.txt" 2>/dev/null
		rm -f /tmp/t.dat
		zsd_wait_idle
		perf record -q -a -g -e cpu-clock -D -1 --control=fifo:/tmp/ctl,/tmp/ack \
			-o /tmp/perf.data -- munmap -p "$procs" -s "$size" -r "$rnd" \
			-C /tmp/ctl,/tmp/ack >"perf-$m-$rnd.result" || exit 1
		perf report -i /tmp/perf.data --stdio --children --sort symbol -g none \
			--percent-limit 0.3 >"perf-$m-$rnd.txt" 2>/dev/null
		rm -f /tmp/perf.data
		cat "trace-$m-$rnd.result" "perf-$m-$rnd.result"
	done
done
echo sync >$Z/free_mode
