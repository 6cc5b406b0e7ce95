# IPIs and context switches around each hbuf munmap (1 x 256 MB ~13:1),
# three times, on the kernel in place: does the drain worker, now idle
# between buffers, cost the freeing CPU wakeups?
Z=/sys/kernel/mm/zsmalloc
. /usr/share/zsdefer/lib.sh
for m in hbuf-cb sync; do echo $m > $Z/free_mode; done
echo hbuf > $Z/free_mode
snap() { awk '/RES:|CAL:|LOC:|TLB:/ {s=0; for(i=2;i<=3;i++) s+=$i; printf "%s%d ", $1, s} /^ctxt/ {printf "ctxt:%d ", $2}' /proc/interrupts /proc/stat; }
for r in 1 2 3; do
  zsd_wait_idle
  a=$(snap)
  munmap -p 1 -s 256 -r 256 -b zram | sed 's/.*munmap_ms=\([0-9.]*\).*release_ms=\([0-9.]*\).*/munmap_ms=\1 release_ms=\2/'
  b=$(snap)
  echo "before $a"; echo "after  $b"
done
