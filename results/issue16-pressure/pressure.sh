. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc; H=/sys/module/zsmalloc/parameters/test_hold; MB=${MB:-1024}
zram_remake() { zsd_zram_make 1G >/dev/null && swapon /dev/zram0; }
swapoff /dev/zram0; echo 1 >/sys/block/zram0/reset; zram_remake
for m in ${MODES:-sync llist pcpu hbuf hbuf-cb}; do echo $m > $Z/free_mode
	# Global memory pressure takes pending memory back: with the workers
	# held, a third of RAM of incompressible data is unmapped (its frees
	# pending: more than the old pending_limit, a quarter of RAM, allowed),
	# swap goes off, and a file in tmpfs asks for what is free plus half
	# of what zram holds. Only the shrinker can give that back (nothing
	# else here is reclaimable without swap): no OOM kill, and zram's
	# memory must drop by at least that half.
	if [ -w "$H" ] && [ "$m" != sync ]; then
		ram=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
		hmb=$((MB < 256 ? MB * 4 : ram / 3))
		# (the kernel log: small configs have no vmstat oom_kill)
		oom0=$(dmesg | grep -c 'invoked oom-killer')
		echo Y >"$H"
		munmap -b zram -p 1 -s "$hmb" -r 3600 -R >/dev/null
		rc=$?
		held=$(zsd_zram_mem)
		p0=$(cat $Z/pending)
		swapoff /dev/zram0
		free=$(awk '/^MemFree/ { print int($2 / 1024) }' /proc/meminfo)
		want=$((free + held / 2097152))
		# a tmpfs of its own: /tmp's stops at half of RAM
		mkdir -p /mnt/pressure && mount -t tmpfs -o size="$ram"M none /mnt/pressure &&
			dd if=/dev/zero of=/mnt/pressure/fill bs=1M count="$want" 2>/dev/null &&
			[ "$(($(wc -c </mnt/pressure/fill) >> 20))" = "$want" ]
		rc2=$?
		left=$(zsd_zram_mem)
		rm -f /mnt/pressure/fill
		umount /mnt/pressure
		# released: what the shrinker left, it frees again
		echo N >"$H" && echo 2 >/proc/sys/vm/drop_caches
		oom=$(dmesg | grep -c 'invoked oom-killer')
		[ $rc = 0 ] && [ "$p0" -gt 0 ] && [ $rc2 = 0 ] && [ "$oom" = "$oom0" ] &&
			[ "$left" -le $((held / 2)) ]
		zsd_ok $? "$m: memory pressure: $hmb MB unmapped with $p0 frees pending, zram $((held >> 20)) MB; $want MB written to tmpfs with $free MB free (rc $rc2), OOM kills $((oom - oom0)), zram $((left >> 20)) MB after"
		zsd_check_drained "$m: after memory pressure"
		echo 1 >/sys/block/zram0/reset && zram_remake
		zsd_ok $? "$m: zram set up again after memory pressure"
	fi
done
echo "1..$zsd_n"
