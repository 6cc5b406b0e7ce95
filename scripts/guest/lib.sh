# shellcheck shell=sh
# Shared guest helpers, sourced by init and by guest test scripts.

# zsd_setup_swap KIND SIZE: KIND is none, zram (lzo-rle) or zswap (zswap
# with lzo and zsmalloc in front of the raw disk /dev/vdb).
zsd_setup_swap() {
	case "$1" in
	none) return 0 ;;
	zram)
		zsd_zram_make "$2" && swapon /dev/zram0 ;;
	zswap)
		[ -b /dev/vdb ] || { echo "zswap: no swap disk /dev/vdb"; return 1; }
		p=/sys/module/zswap/parameters
		echo lzo >"$p/compressor" && echo zsmalloc >"$p/zpool" &&
			echo Y >"$p/enabled" && mkswap /dev/vdb >/dev/null &&
			swapon /dev/vdb ;;
	*) echo "unknown swap kind: $1"; return 1 ;;
	esac
}

# zsd_zram_make SIZE: (re)initialise zram0 with lzo-rle and make it swap.
zsd_zram_make() {
	z=/sys/block/zram0
	[ -d "$z" ] || { echo "no /sys/block/zram0 (CONFIG_ZRAM?)"; return 1; }
	echo lzo-rle >"$z/comp_algorithm" && echo "$1" >"$z/disksize" &&
		mkswap /dev/zram0 >/dev/null
}

# zsd_zram_mem: zram's memory figure (mm_stat mem_used_total), in bytes.
zsd_zram_mem() {
	read -r _ _ mem _ </sys/block/zram0/mm_stat && echo "$mem"
}

# zsd_wait_idle: wait (10 s at most) until no deferred free is pending;
# non-zero if it never drains. A kernel without our code has nothing pending.
zsd_wait_idle() {
	f=/sys/kernel/mm/zsmalloc/pending
	[ -r $f ] || return 0
	i=0
	while [ "$(cat $f)" != 0 ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# zsd_load_modules "NAME...": modprobe each (a kernel with zsmalloc or zram
# as modules; modules.dep comes with them in the initramfs).
zsd_load_modules() {
	for m in $1; do
		modprobe "$m" || { echo "modprobe $m failed"; return 1; }
	done
}

# zsd_check_drained WHAT (TAP): once idle, every deferred free has been
# drained.
zsd_check_drained() {
	zsd_wait_idle
	idle=$?
	d=$(cat /sys/kernel/mm/zsmalloc/deferred)
	r=$(cat /sys/kernel/mm/zsmalloc/drained)
	[ $idle = 0 ] && [ "$d" = "$r" ]
	zsd_ok $? "$1: idle, deferred $d == drained $r, pending $(cat /sys/kernel/mm/zsmalloc/pending)"
}

# zsd_field KEY LINE: the value of KEY=VALUE in a benchmark's result line
# (empty if absent).
zsd_field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# TAP helpers: zsd_ok COND DESC; zsd_fail counts the failures.
zsd_n=0
zsd_fail=0
zsd_ok() {
	zsd_n=$((zsd_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $zsd_n - $2"
	else
		zsd_fail=$((zsd_fail + 1))
		echo "not ok $zsd_n - $2"
	fi
}

# zsd_check_back BASE NOW WHAT (TAP): the swap backend's memory (zram0's
# mem_used_total, zswap's pool size) is back from NOW to BASE, but for the
# swap slot caches: 64 entries per CPU, each pinning at most one zspage of
# at most 8 pages (6.12's chain size) of the kernel's size.
zsd_check_back() {
	[ "$2" -le $(($1 + 64 * $(nproc) * 8 * $(pagesize))) ]
	zsd_ok $? "$3 back to baseline ($1 -> $2 bytes)"
}

# zsd_pressure WRITERS: memory pressure that only the zsmalloc shrinker can
# relieve (defer-suite.sh's memory-pressure check, reclaim-race.sh). With
# the workers held (zsmalloc.test_hold), a third of RAM of incompressible
# data is unmapped from zram swap (its frees pending), swap goes off, and
# WRITERS dd processes write, between them, what is free plus half of what
# zram holds to a tmpfs of RAM's size. Then the hold is released and what
# is left freed. Sets zp_mb (MB unmapped), zp_pending (frees pending
# after the unmap), zp_held and zp_left (zram's memory before and after the
# writers, bytes), zp_free (MemFree before them, MB), zp_each (MB per
# writer), zp_secs (their wall time), zp_rc2 (0: every file written in
# full) and zp_oom (OOM kills meanwhile, from the kernel log: small configs
# have no vmstat oom_kill). Returns 0 if the unmap worked, frees were
# pending, the writers wrote it all, nothing was OOM-killed and zram's
# memory dropped by a quarter at least. zram0 is left swapped off.
zsd_pressure() {
	zp_ram=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
	zp_mb=$((zp_ram / 3))
	zp_oom=$(dmesg | grep -c 'invoked oom-killer')
	echo Y >/sys/module/zsmalloc/parameters/test_hold
	munmap -b zram -p 1 -s "$zp_mb" -r 3600 -R >/dev/null
	zp_rc=$?
	zp_held=$(zsd_zram_mem)
	zp_pending=$(cat /sys/kernel/mm/zsmalloc/pending)
	swapoff /dev/zram0
	zp_free=$(awk '/^MemFree/ { print int($2 / 1024) }' /proc/meminfo)
	zp_each=$(((zp_free + zp_held / 2097152) / $1))
	zp_t0=$(cut -d' ' -f1 /proc/uptime)
	# a tmpfs of its own: /tmp's stops at half of RAM
	mkdir -p /mnt/pressure && mount -t tmpfs -o size="$zp_ram"M none /mnt/pressure
	zp_rc2=$?
	zp_i=0
	zp_pids=
	while [ $zp_rc2 = 0 ] && [ $zp_i -lt "$1" ]; do
		dd if=/dev/zero of=/mnt/pressure/fill$zp_i bs=1M count="$zp_each" 2>/dev/null &
		zp_pids="$zp_pids $!"
		zp_i=$((zp_i + 1))
	done
	for zp_p in $zp_pids; do
		wait "$zp_p" || zp_rc2=1
	done
	while [ $zp_i -gt 0 ]; do
		zp_i=$((zp_i - 1))
		[ "$(($(wc -c </mnt/pressure/fill$zp_i) >> 20))" = "$zp_each" ] || zp_rc2=1
	done
	# shellcheck disable=SC2034 # for the callers
	zp_secs=$(awk -v a="$zp_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
	zp_left=$(zsd_zram_mem)
	rm -f /mnt/pressure/fill*
	umount /mnt/pressure
	# released: what the shrinker left, it frees again
	echo N >/sys/module/zsmalloc/parameters/test_hold && echo 2 >/proc/sys/vm/drop_caches
	zp_oom=$(($(dmesg | grep -c 'invoked oom-killer') - zp_oom))
	[ $zp_rc = 0 ] && [ "$zp_pending" -gt 0 ] && [ $zp_rc2 = 0 ] &&
		[ $zp_oom = 0 ] && [ "$zp_left" -le $((zp_held * 3 / 4)) ]
}
