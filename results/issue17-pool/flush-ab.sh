Z=/sys/kernel/mm/zsmalloc; P=/sys/module/zsmalloc/parameters/ab_old
ls $P || exit 1
for round in 1 2 3; do
 for procs in 1 4; do for r in 1024 3600; do
  order="0 1"; [ $((round % 2)) = 0 ] && order="1 0"
  for ab in $order; do for m in hbuf hbuf-cb; do
   echo $ab > $P; echo $m > $Z/free_mode; sleep 1
   f0=$(cat $Z/fallbacks)
   out=$(munmap -b zram -p $procs -s 256 -r $r)
   echo "AB ab=$ab mode=$m procs=$procs r=$r fb=$(( $(cat $Z/fallbacks) - f0 )) $out"
   echo sync > $Z/free_mode
  done; done
 done; done
done
