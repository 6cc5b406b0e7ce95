# Where does the llist/pcpu worker run while one process frees? Per munmap:
# each CPU's busy ticks (/proc/stat, 10 ms) from before the fill to after
# the release; pin=1: munmap on CPU 0 and unbound workers on CPU 1.
Z=/sys/kernel/mm/zsmalloc
W=/sys/devices/virtual/workqueue/cpumask
busy() { awk '/^cpu[01] /{printf "%d ", $2+$3+$4+$7+$8}' /proc/stat; }
for r in 1 2 3 4 5 6; do
  for pin in 0 1; do
    for m in sync llist pcpu; do
      echo $m > $Z/free_mode
      if [ $pin = 1 ]; then echo 2 > $W; T="taskset -c 0"; else echo 3 > $W; T=; fi
      b0=$(busy)
      out=$($T munmap -p 1 -s 256 -r 3600 -b zram | grep -o 'munmap_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')
      b1=$(busy)
      echo "place pin=$pin mode=$m round=$r $out ticks=$(echo $b0 $b1 | awk '{print $3-$1 "," $4-$2}')"
    done
  done
done
