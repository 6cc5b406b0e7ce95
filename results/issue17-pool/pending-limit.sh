Z=/sys/kernel/mm/zsmalloc; T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
echo 16384 > $T/buffer_size_kb
lim0=$(cat $Z/pending_limit); pool0=$(cat $Z/hbuf_pool_pages)
for set in default raised default raised; do
 if [ $set = raised ]; then echo 393216 > $Z/pending_limit; echo 1600 > $Z/hbuf_pool_pages
 else echo $lim0 > $Z/pending_limit; echo $pool0 > $Z/hbuf_pool_pages; fi
 for m in hbuf hbuf-cb; do for r in 1024 3600; do
  echo $m > $Z/free_mode; sleep 1
  echo 0 > $T/tracing_on; echo > $T/trace
  echo 1 > $T/events/zsmalloc/zs_defer_fallback/enable; echo 1 > $T/tracing_on
  out=$(munmap -b zram -p 4 -s 256 -r $r)
  echo 0 > $T/tracing_on
  ms=$(echo "$out" | sed -n 's/.* munmap_ms=\([0-9.]*\).*/\1/p')
  echo "FB $set limit=$(cat $Z/pending_limit) pool=$(cat $Z/hbuf_pool_pages) $m r=$r munmap_ms=$ms: $(grep -o 'reason=[a-z_]*' $T/trace | sort | uniq -c | tr '\n' ' ')"
  echo sync > $Z/free_mode
 done; done
done
