Z=/sys/kernel/mm/zsmalloc
p=/sys/module/zsmalloc/parameters/ceiling_probe
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done
tlb() { awk '/TLB:/ { s=0; for (i=2;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i; print s }
             /CAL:/ { c=0; for (i=2;i<=NF;i++) if ($i ~ /^[0-9]+$/) c+=$i; printf "cal=%d ", c }' /proc/interrupts | tr '\n' ' '; }
for r in $(seq 1 16); do
  for c in sync zs_free; do
    echo none > $p; echo sync > $Z/free_mode
    [ $c = zs_free ] && echo zs_free > $p
    a=$(tlb); line=$(munmap -b zram -p 1 -s 256 -r 3600 -R); b=$(tlb)
    echo "$line col=$c round=$r tlb0=[$a] tlb1=[$b]"
  done
done
echo none > $p
