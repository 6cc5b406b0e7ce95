Z=/sys/kernel/mm/zsmalloc
W=/sys/devices/virtual/workqueue/cpumask
echo "wq cpumask was $(cat $W)"
for r in 1 2 3; do
  for mask in 2 1; do
    echo $mask > $W || echo "cannot set $W"
    for m in sync llist; do
      echo $m > $Z/free_mode
      echo "wqmask=$mask mode=$m round=$r $(taskset -c 0 munmap -p 1 -s 256 -r 256 -b zram | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
    done
  done
done
