Z=/sys/kernel/mm/zsmalloc
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done
for r in $(seq 1 20); do
  if [ $((r % 2)) = 0 ]; then o="-u x"; else o="x -u"; fi
  for f in $o; do
    [ "$f" = x ] && f=
    line=$(munmap -b zram -p 1 -s 256 -r 3600 $f)
    echo "$line round=$r"
  done
done
