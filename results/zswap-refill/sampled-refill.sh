Z=/sys/kernel/mm/zsmalloc
P=/sys/module/zswap/parameters
D=/sys/kernel/debug/zswap
H=/sys/module/zsmalloc/parameters/test_hold
echo Y >$P/shrinker_enabled
echo 1 >$P/max_pool_percent
echo "max_pool_pages ~ $(( $(grep MemTotal /proc/meminfo | awk '{print $2}') / 4 / 100 ))"
for it in 1 2 3 4 5 6; do
 for m in ${MODES:-hbuf-cb}; do
  echo "$m" >$Z/free_mode
  hit0=$(cat $D/pool_limit_hit)
  ( while :; do echo "S $(cut -d' ' -f1 /proc/uptime) tot=$(($(cat $D/pool_total_size)/4096)) st=$(cat $D/stored_pages) hit=$(cat $D/pool_limit_hit) pend=$(cat $Z/pending) pp=$(cat $Z/pending_pages) wb=$(cat $D/written_back_pages) rr=$(cat $D/reject_reclaim_fail)"; sleep 0.05; done ) > /tmp/s.$it &
  sp=$!
  echo Y >"$H"
  slotreuse -s 40 -x "echo N >$H && echo 2 >/proc/sys/vm/drop_caches" | grep -v '^1\.\.' | sed "s/^/$m it$it: /"
  echo N >"$H"
  kill $sp; wait $sp 2>/dev/null
  hit=$(($(cat $D/pool_limit_hit) - hit0))
  echo "RESULT $m it$it hit=$hit"
  if [ "$hit" != 0 ] || [ $it = 1 ]; then awk -v h=$hit0 '{print}' /tmp/s.$it | awk 'NR%4==1 || /hit=/' | uniq | tail -80; fi
  grep -c . /tmp/s.$it
 done
done
