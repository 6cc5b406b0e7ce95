Z=/sys/kernel/mm/zsmalloc
for r in 1 2 3; do
  for h in 0 1; do
    for m in sync; do
      echo $m > $Z/free_mode
      HP=
      if [ $h = 1 ]; then taskset -c 1 sh -c 'while :; do :; done' & HP=$!; sleep 0.2; fi
      echo "hog=$h mode=$m round=$r $(taskset -c 0 munmap -p 1 -s 256 -r 3600 -b zram | grep -o 'munmap_ms=[0-9.]*')"
      [ -n "$HP" ] && kill $HP && wait $HP 2>/dev/null
    done
  done
done
