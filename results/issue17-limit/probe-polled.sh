Z=/sys/kernel/mm/zsmalloc
echo "limit=$(cat $Z/pending_limit) memtotal=$(grep MemTotal /proc/meminfo)"
for lim in 190746 381492 190746 381492; do
 for m in hbuf-cb llist hbuf; do
  echo $lim > $Z/pending_limit
  echo $m > $Z/free_mode; sleep 1
  fb0=$(cat $Z/fallbacks)
  ( mx=0; while [ ! -e /tmp/stop ]; do v=$(cat $Z/pending_pages); [ "$v" -gt "$mx" ] && mx=$v && echo $mx > /tmp/mx; sleep 0.01; done ) &
  out=$(munmap -b zram -p 4 -s 256 -r 3600)
  touch /tmp/stop; wait; rm -f /tmp/stop
  fb1=$(cat $Z/fallbacks)
  echo "lim=$lim mode=$m fb=$((fb1-fb0)) peak_pending_pages=$(cat /tmp/mx) $(echo "$out" | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
  echo 0 > /tmp/mx
  echo sync > $Z/free_mode; sleep 2
 done
done
