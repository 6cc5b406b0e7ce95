Z=/sys/kernel/mm/zsmalloc
for r in 1 2 3; do
  case $r in 1) order="sync llist pcpu";; 2) order="llist pcpu sync";; 3) order="pcpu sync llist";; esac
  for d in 3600 1024; do
    for m in $order; do
      echo $m > $Z/free_mode
      d0=$(cat $Z/deferred)
      out=$(munmap -p 1 -s 64 -r $d -b zram | grep '^result')
      echo "icount mode=$m data=$d round=$r deferred=$(( $(cat $Z/deferred) - d0 )) $(echo "$out" | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
    done
  done
done
