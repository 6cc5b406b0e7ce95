#!/bin/sh
# Guest side of `zsdefer bench`: a plan of workloads, each run in the chosen
# free modes of this boot, ROUNDS rounds, the mode order rotated each round,
# an idle drain checked before each measurement.
#
# The plan comes on stdin, one workload command a line (munmap ..., swapio
# ...), written by the host. Each measurement prints the workload's "result
# ..." line with mode=, round= and armed= appended; armed=1 means the
# sample ran with a deferring mode's static keys patched in.
#
# Where the kernel disarms the hooks when it leaves a mode (its
# zsmalloc.keep_armed is N: KVM, hardware, single-threaded TCG), every mode
# runs with its own hooks only and sync with none (armed=0). Where they
# stay armed once armed (keep_armed=Y under multi-threaded TCG, or a kernel
# before the parameter), -a arms every hook first: every compiled-in mode
# is selected once before round 1, then sync, so that every sample, sync's
# included, runs with every key patched in whatever place the rotation
# gives it (without it, a sync sample was pristine or armed depending on
# whether a deferring mode came before it in the boot). The boot prints
# which: "# armed: own" or "# armed: all".
#
# With PROBES (the probe kernel, CONFIG_ZSMALLOC_DEFER_CEILING_PROBE), each
# depth is a column too, "@depth": sync with zsmalloc.ceiling_probe set to
# it, rotated with the modes, so that each mode and the ceiling of the work
# it defers are timed in the same boot. A column switch writes the probe
# (none, then the depth), which frees what the last probe column parked
# before the next measurement. Every result line then carries probe=, none
# for a mode's column. A probe keeps every hook armed: such a boot always
# runs "armed: all".
#
# usage: modes.sh [-a] ROUNDS MODES SWAP [PROBES] <PLAN
#   MODES:  "all" (every compiled-in mode) or a list, e.g. "sync"; a kernel
#           without our code has one column, "unpatched", whatever is asked
#   SWAP:   the backend the boot set up (zram or zswap); reported, so that
#           the host refuses a guest that is not what it asked for
#   PROBES: ceiling probe depths, e.g. "teardown zs_free notify"; a kernel
#           whose probe cannot be set at run time stops here (the host
#           names what is missing)
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
arm_all=0
if [ "$1" = -a ]; then
	arm_all=1
	shift
fi
rounds=$1 want=$2 swap=$3 probes=${4:-}

if [ -r $Z/free_mode ]; then
	compiled=$(tr -d '[]' <$Z/free_mode)
	current=$(sed 's/.*\[\(.*\)\].*/\1/' <$Z/free_mode)
	if [ "$want" = all ]; then
		modes=$compiled
	else
		for m in $want; do
			case " $compiled " in
			*" $m "*) ;;
			*) echo "# mode $m is not compiled in (have: $compiled)"; exit 1 ;;
			esac
		done
		modes=$want
	fi
else
	modes=unpatched # a kernel without our code: one column
	current=unpatched
fi
armed=0
case $current in sync | unpatched) ;; *) armed=1 ;; esac

# The swap backend really set up, and the ceiling probe the kernel runs
# ("absent": a kernel that does not know zsmalloc.ceiling_probe).
have=none
if grep -q '^/dev/zram0 ' /proc/swaps; then
	have=zram
elif grep -q '^/dev/vdb ' /proc/swaps &&
	[ "$(cat /sys/module/zswap/parameters/enabled)" = Y ]; then
	have=zswap
	# Keep every page in zswap's pool: at the default 20% of RAM a large
	# run would be written back to the disk and measure the disk.
	echo 60 >/sys/module/zswap/parameters/max_pool_percent || exit 1
fi
probe=absent
p=/sys/module/zsmalloc/parameters/ceiling_probe
# The value, or the bracketed one of a list (like free_mode's); empty: none.
[ -r $p ] && probe=$(sed 's/.*\[\(.*\)\].*/\1/' <$p) && probe=${probe:-none}

n=$(echo "$modes" | wc -w)
echo "# modes: $modes"
echo "env cpus=$(nproc) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) swap=$have probe=$probe"
[ "$have" = "$swap" ] || { echo "# asked for swap $swap, the guest has $have"; exit 1; }
columns=$modes
if [ -n "$probes" ]; then
	[ "$probe" != absent ] || { echo "# no ceiling probe here"; exit 1; }
	[ -w $p ] || { echo "# the ceiling probe cannot be set at run time"; exit 1; }
	for d in $probes; do
		case $d in
		teardown | zs_free | notify | worker) columns="$columns @$d" ;;
		*) echo "# unknown ceiling probe depth $d"; exit 1 ;;
		esac
	done
	n=$(echo "$columns" | wc -w)
	echo "# probes: $probes"
fi
cat >/tmp/plan

# Y: hooks stay armed once armed; N: disarmed when their mode is left
keep=Y
[ -r /sys/module/zsmalloc/parameters/keep_armed ] &&
	keep=$(cat /sys/module/zsmalloc/parameters/keep_armed)
[ -z "$probes" ] || keep=Y # the first depth written sets keep_armed
if [ $arm_all = 1 ] && [ -w $Z/free_mode ]; then
	if [ "$keep" = N ]; then
		echo "# armed: own"
	else
		for m in $compiled sync; do
			echo "$m" >$Z/free_mode || { echo "# arming: cannot select $m"; exit 1; }
		done
		armed=1
		echo "# armed: all"
	fi
fi

# The deferral counters around a measurement: how many frees each mode
# deferred and how many it had to do synchronously (no buffer, pending
# limit), appended to the result line as deferred= and fallbacks=.
counters() {
	[ -r $Z/deferred ] && echo "$(cat $Z/deferred) $(cat $Z/fallbacks)"
}
delta() {
	[ -n "$1" ] && [ -n "$2" ] &&
		echo "$1 $2" | awk '{ printf " deferred=%d fallbacks=%d", $3 - $1, $4 - $2 }'
}

set -f # plan lines are split into words, never globbed
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	# Rotate: round r starts at mode number (r-1) mod n.
	# shellcheck disable=SC2086 # split the column list into words
	set -- $columns
	k=$(((r - 1) % n))
	while [ $k -gt 0 ]; do
		m=$1
		shift
		set -- "$@" "$m"
		k=$((k - 1))
	done
	order="$*"
	echo "# round $r/$rounds: $order"
	while IFS= read -r work; do
		[ -n "$work" ] || continue
		for c in $order; do
			m=${c#@} depth=none
			[ "$c" = "$m" ] || { depth=$m m=sync; }
			# Frees what the last column's probe parked, in its mode
			if [ -n "$probes" ]; then
				echo none >$p || { echo "# cannot stop the ceiling probe"; exit 1; }
			fi
			if [ "$m" != unpatched ]; then
				echo "$m" >$Z/free_mode || exit 1
				if [ "$m" != sync ]; then
					armed=1
				elif [ "$keep" = N ]; then
					armed=0
				fi
			fi
			if [ "$depth" != none ]; then
				echo "$depth" >$p || { echo "# cannot set ceiling probe $depth"; exit 1; }
			fi
			zsd_wait_idle || { echo "# $c: pending never drained"; exit 1; }
			c0=$(counters)
			read -r t0 _ </proc/uptime
			# shellcheck disable=SC2086 # the plan line is a command and its words
			line=$($work </dev/null) || {
				echo "# failed: column $c: $work: $line"
				exit 1
			}
			read -r t1 _ </proc/uptime
			echo "$line mode=$m${probes:+ probe=$depth} round=$r armed=$armed wall_s=$(echo "$t1 $t0" | awk '{ print $1 - $2 }')$(delta "$c0" "$(counters)")"
		done
	done </tmp/plan
done
[ -z "$probes" ] || echo none >$p || exit 1
[ -w $Z/free_mode ] && echo sync >$Z/free_mode
exit 0
