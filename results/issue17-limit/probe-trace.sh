Z=/sys/kernel/mm/zsmalloc
T=/sys/kernel/tracing
echo "limit=$(cat $Z/pending_limit) pool=$(cat $Z/hbuf_pool_pages) workers=$(cat $Z/hbuf_drain_workers)"
for m in hbuf-cb hbuf-cb hbuf-cb hbuf; do
  echo $m > $Z/free_mode; sleep 1
  echo 1 > $T/events/zsmalloc/zs_defer_fallback/enable 2>/dev/null || ls $T/events | head
  echo > $T/trace
  fb0=$(cat $Z/fallbacks)
  out=$(munmap -b zram -p 4 -s 256 -r 3600)
  fb1=$(cat $Z/fallbacks)
  echo "mode=$m fb=$((fb1-fb0)) hwm=$(cat $Z/pending_hwm) $(echo "$out" | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
  grep -o 'zs_defer_fallback.*' $T/trace | sed 's/[0-9]\+//g' | sort | uniq -c | head
  echo sync > $Z/free_mode; sleep 2
done
