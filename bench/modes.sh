#!/bin/sh
# Guest side of `zsdefer bench`: every compiled-in free mode in one boot,
# ROUNDS rounds, the mode order rotated each round, an idle drain checked
# before each measurement. Prints one "result ..." line per measurement.
# usage: modes.sh ROUNDS SIZE_MB "PROCS..." "RANDOM_BYTES..." [kill]
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
rounds=$1 size=$2 procs=$3 rnds=$4 kill=${5:+-k} # kill: "" or "-k"

if [ -r $Z/free_mode ]; then
	modes=$(tr -d '[]' <$Z/free_mode)
else
	modes=unpatched  # a kernel without our code: one column
fi
n=$(echo "$modes" | wc -w)
echo "# modes: $modes"
echo "env cpus=$(nproc) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	# Rotate: round r starts at mode number (r-1) mod n.
	# shellcheck disable=SC2086 # split the mode list into words
	set -- $modes
	k=$(((r - 1) % n))
	while [ $k -gt 0 ]; do
		m=$1
		shift
		set -- "$@" "$m"
		k=$((k - 1))
	done
	order="$*"
	echo "# round $r/$rounds: $order"
	for rnd in $rnds; do
		for p in $procs; do
			for m in $order; do
				[ "$m" = unpatched ] || echo "$m" >$Z/free_mode || exit 1
				zsd_wait_idle || { echo "# $m: pending never drained"; exit 1; }
				line=$(munmap -p "$p" -s "$size" -r "$rnd" ${kill:+"$kill"}) || {
					echo "# munmap failed: mode $m procs $p rnd $rnd: $line"
					exit 1
				}
				echo "$line mode=$m round=$r"
			done
		done
	done
done
[ -w $Z/free_mode ] && echo sync >$Z/free_mode
exit 0
