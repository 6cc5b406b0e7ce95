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
