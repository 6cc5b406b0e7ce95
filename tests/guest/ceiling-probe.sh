#!/bin/sh
# Guest test of the ceiling probe (TAP), on a kernel built with
# CONFIG_ZSMALLOC_DEFER_CEILING_PROBE (the probe variant), zram as swap:
# each depth, written at run time, keeps the memory of the frees it skips
# (parked) and a write of none gives all of it back; bad input is refused
# and changes nothing; a zram reset with frees parked (a drain: zram's
# callback and its pool go away) frees them first and stops the probe, so
# that nothing parked outlives the device (the runner fails the boot on an
# oops, e.g. a later release of a stale entry).
# usage: ceiling-probe.sh [MB]   (default 32 MB a measurement)
# shellcheck source=scripts/guest/lib.sh
. /usr/share/zsdefer/lib.sh
p=/sys/module/zsmalloc/parameters/ceiling_probe
mb=${1:-32}
# probe_set VALUE: write the probe; the write's status
probe_set() { echo "$1" >$p; }
bytes=$((mb << 20))

[ -w $p ] && [ "$(cat $p)" = none ]
zsd_ok $? "$p is writable and reads none at boot"
[ -w $p ] || exit 1

for m in llist hbuf hbuf-cb sync; do # arm every hook once, as bench does
	echo $m >/sys/kernel/mm/zsmalloc/free_mode || exit 1
done

# check_parked DEPTH [LABEL] (TAP): set at run time, DEPTH keeps the
# memory of the frees it skips, until none gives all of it back
check_parked() {
	t=${2:-$1}
	base=$(zsd_zram_mem)
	probe_set "$1"
	zsd_ok $? "$t: set at run time"
	[ "$(cat $p)" = "$1" ]
	zsd_ok $? "$t: reads back ($(cat $p))"
	line=$(munmap -b zram -p 1 -s "$mb" -r 3600 -R)
	zsd_ok $? "$t: munmap of $mb MB of huge objects ($line)"
	# worker: the mode's workers have taken every zspage or buffer
	zsd_wait_idle
	zsd_ok $? "$t: nothing pending ($(cat /sys/kernel/mm/zsmalloc/pending))"
	parked=$(zsd_zram_mem)
	# Every object of the fill was a page: all of it stays allocated
	[ $((parked - base)) -ge $((bytes * 3 / 4)) ]
	zsd_ok $? "$t: the skipped frees hold their memory ($base -> $parked bytes)"
	probe_set none
	zsd_ok $? "$t: none written"
	zsd_check_back "$base" "$(zsd_zram_mem)" "$t: released: zram memory"
}

for d in teardown zs_free notify; do
	check_parked "$d"
done
# worker (not a ceiling): the mode pushes and its workers park what they
# take: llist its zspages, hbuf its handles, hbuf-cb zram's slots (given
# back through zram's callback)
for m in llist hbuf hbuf-cb; do
	echo $m >/sys/kernel/mm/zsmalloc/free_mode || exit 1
	check_parked worker "worker in $m"
done
echo sync >/sys/kernel/mm/zsmalloc/free_mode || exit 1

# Without a probe a free is done at once (sync): nothing is held
base=$(zsd_zram_mem)
munmap -b zram -p 1 -s "$mb" -r 3600 >/dev/null
zsd_check_back "$base" "$(zsd_zram_mem)" "none: sync frees at once: zram memory"

echo teardown >$p || exit 1
for bad in bogus "" "zs_free x" worker2; do
	! probe_set "$bad" 2>/dev/null
	zsd_ok $? "'$bad' is refused"
	[ "$(cat $p)" = teardown ]
	zsd_ok $? "after '$bad' the probe is still teardown"
done
echo none >$p

size=$(cat /sys/block/zram0/disksize)
# worker in hbuf-cb: what is parked holds zram's callback and slots
for d in teardown zs_free notify worker; do
	m=sync
	[ "$d" != worker ] || m=hbuf-cb
	echo $m >/sys/kernel/mm/zsmalloc/free_mode || exit 1
	echo "$d" >$p || exit 1
	munmap -b zram -p 1 -s "$mb" -r 3600 -R >/dev/null
	swapoff /dev/zram0 && echo 1 >/sys/block/zram0/reset
	zsd_ok $? "$d: zram reset with frees parked"
	[ "$(cat $p)" = none ]
	zsd_ok $? "$d: the reset's drain stopped the probe ($(cat $p))"
	zsd_zram_make "$size" && swapon /dev/zram0
	zsd_ok $? "$d: zram set up again"
	probe_set "$d" && probe_set none
	zsd_ok $? "$d: probing again and stopping finds nothing stale"
done
echo sync >/sys/kernel/mm/zsmalloc/free_mode || exit 1

echo "1..$zsd_n"
exit $((zsd_fail > 0))
