# One boot of the probe kernel: 1 x 256 MB munmaps, each mode in turn,
# order rotated each round. $P is the ceiling_probe the boot runs.
Z=/sys/kernel/mm/zsmalloc
P=$(cat /sys/module/zsmalloc/parameters/ceiling_probe)
R=-R # leaking probes: no release wait (release_ms=-1; cpu_ms to munmap's end)
case $P in
  none) MODES="sync llist pcpu" R= ;;
  teardown) MODES="sync" ;;
  *) MODES="sync llist pcpu" ;;
esac
for r in 1 2 3; do
  set -- $MODES
  i=1; while [ $i -lt $r ]; do x=$1; shift; set -- "$@" $x; i=$((i + 1)); done
  for m in "$@"; do
    echo $m > $Z/free_mode
    for d in 3600 256; do
      echo "probe=$P mode=$m data=$d round=$r $(munmap -p 1 -s 256 -r $d -b zram $R | grep -o 'munmap_ms=[0-9.]*\|cpu_ms=[0-9.]*\|release_ms=[0-9.]*' | tr '\n' ' ')"
    done
  done
done
