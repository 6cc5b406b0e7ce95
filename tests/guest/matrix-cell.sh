#!/bin/sh
# Guest test of one config-matrix cell (TAP). The kernel offers exactly the
# free modes its config compiled in, the boot default selected; modules that
# init loaded are live, unload (taking our sysfs with them) and load again;
# the smoke test passes in every compiled-in mode (or the defer suite runs,
# and the zswap suite where the cell has a swap disk; or, for the ship
# cell, the smoke test, the defer suite and ship-suite.sh).
# usage: matrix-cell.sh smoke|suite|ship SIZE_MB CPUS
# env:   ZSDEFER_EXPECT_MODES  free_mode as it must read after boot; empty:
#                              no /sys/kernel/mm/zsmalloc (our option is off)
#        ZSDEFER_MODULES       the modules init loaded, in load order
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc
test=$1
mb=$2
cpus=$3
expect=${ZSDEFER_EXPECT_MODES:-}
mods=${ZSDEFER_MODULES:-}

# run_smoke LABEL: the smoke test, its TAP lines labelled, its status checked.
run_smoke() {
	smoke -s "$mb" -c "$cpus" >/tmp/smoke.out 2>&1
	rc=$?
	sed "s/^\(not \)\{0,1\}ok [0-9]* - /&$1: /" /tmp/smoke.out
	zsd_ok $rc "$1: smoke exited $rc"
}

# The machine asked for: every vCPU online (an arm64 board without its
# interrupt controller's CPUs, or an x86 MP table listing one, boots fewer),
# and a clocksource finer than jiffies (init exports the one it found).
n=$(nproc)
[ "$n" = "$cpus" ]
zsd_ok $? "the guest has the $cpus CPUs asked for (nproc: $n)"
[ -n "${ZSDEFER_CLOCKSOURCE:-}" ] && [ "$ZSDEFER_CLOCKSOURCE" != jiffies ]
zsd_ok $? "clocksource ${ZSDEFER_CLOCKSOURCE:-unknown}, not jiffies"

for m in $mods; do
	grep -q "^$m " /proc/modules
	zsd_ok $? "module $m is loaded"
done

if [ -z "$expect" ]; then
	[ ! -e $Z ]
	zsd_ok $? "no $Z: no free policies in this kernel"
	run_smoke smoke
	exit $((zsd_fail > 0))
fi

have=$(cat $Z/free_mode)
[ "$have" = "$expect" ]
zsd_ok $? "free_mode after boot is '$have' (want '$expect')"

case $test in
suite)
	sh /usr/share/zsdefer/defer-suite.sh "$mb"
	zsd_ok $? "defer suite exited 0"
	# A cell with a swap disk runs the zswap suite too (make check runs
	# it on x86): zram's swap off, zswap in front of /dev/vdb.
	if [ -b /dev/vdb ]; then
		swapoff /dev/zram0 && zsd_setup_swap zswap
		zsd_ok $? "swap moved from zram to zswap in front of /dev/vdb"
		sh /usr/share/zsdefer/zswap-suite.sh 64
		zsd_ok $? "zswap suite exited 0"
	fi ;;
smoke | ship)
	for m in $(tr -d '[]' <$Z/free_mode); do
		echo "$m" >$Z/free_mode
		grep -q "\[$m\]" $Z/free_mode
		zsd_ok $? "$m: selected"
		run_smoke "$m"
		zsd_check_drained "$m: after smoke"
	done
	if [ "$test" = ship ]; then
		sh /usr/share/zsdefer/defer-suite.sh "$mb" 16
		zsd_ok $? "defer suite exited 0"
		sh /usr/share/zsdefer/ship-suite.sh "$mb"
		zsd_ok $? "ship suite exited 0"
	fi ;;
*)
	zsd_ok 1 "unknown test $test" ;;
esac

if [ -n "$mods" ]; then
	# Unload in reverse order: zram holds zsmalloc.
	swapoff /dev/zram0
	zsd_ok $? "swapoff zram0"
	rev=
	for m in $mods; do rev="$m $rev"; done
	for m in $rev; do
		rmmod "$m"
		zsd_ok $? "rmmod $m"
	done
	[ ! -e $Z ]
	zsd_ok $? "$Z gone with the module"
	zsd_load_modules "$mods"
	zsd_ok $? "modules load again"
	have=$(cat $Z/free_mode)
	[ "$have" = "$expect" ]
	zsd_ok $? "free_mode after reload is '$have' (want '$expect')"
	zsd_zram_make 1G >/dev/null && swapon /dev/zram0
	zsd_ok $? "zram0 swap again"
	run_smoke reloaded
fi
exit $((zsd_fail > 0))
