Z=/sys/kernel/mm/zsmalloc; T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
echo 16384 > $T/buffer_size_kb
echo "pool=$(cat $Z/hbuf_pool_pages) limit=$(cat $Z/pending_limit)"
for m in hbuf hbuf-cb; do for r in 1024 3600; do
 echo $m > $Z/free_mode; sleep 1
 echo 0 > $T/tracing_on; echo > $T/trace
 echo 1 > $T/events/zsmalloc/zs_defer_fallback/enable; echo 1 > $T/tracing_on
 munmap -b zram -p 4 -s 256 -r $r | cut -c1-160
 echo 0 > $T/tracing_on
 echo "$m $r: $(grep -o 'reason=[a-z_]*' $T/trace | sort | uniq -c | tr '\n' ' ') hwm=$(cat $Z/pending_hwm)"
 echo sync > $Z/free_mode
done; done
