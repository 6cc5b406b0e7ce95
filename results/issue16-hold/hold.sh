. /usr/share/zsdefer/lib.sh
Z=/sys/kernel/mm/zsmalloc; H=/sys/module/zsmalloc/parameters/test_hold
for m in llist pcpu hbuf hbuf-cb; do
	echo $m > $Z/free_mode
	echo Y >"$H"
	munmap -b zram -p 1 -s 8 -r 3600 -R >/dev/null
	p0=$(cat $Z/pending)
	echo N >"$H"
	zsd_wait_idle
	idle=$?
	[ "$p0" -gt 0 ] && [ $idle = 0 ]
	zsd_ok $? "$m: hold released: $p0 held frees freed, $(cat $Z/pending) pending"
	echo sync > $Z/free_mode
done
