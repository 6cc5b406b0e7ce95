# Instructions by symbol (1 vCPU, -icount: cpu-clock samples count guest
# instructions; 20 kHz = one sample per 50000 instructions), from the
# barrier until the memory is back, sync against hbuf and hbuf-cb, 256 MB
# at ~13:1 (256 random bytes a page) and incompressible (3600), twice each.
# MODES: the modes to profile (default: sync hbuf hbuf-cb).
Z=/sys/kernel/mm/zsmalloc
. /usr/share/zsdefer/lib.sh
mkfifo /tmp/ctl /tmp/ack || exit 1
for r in 1 2; do
  for d in 256 3600; do
    for m in ${MODES:-sync hbuf hbuf-cb}; do
      echo "$m" > $Z/free_mode
      zsd_wait_idle
      perf record -q -a -e cpu-clock -F 20000 -D -1 --control=fifo:/tmp/ctl,/tmp/ack -o /tmp/perf.data -- munmap -p 1 -s 256 -r $d -b zram -C /tmp/ctl,/tmp/ack | sed "s/^/$m $d $r /"
      perf report -i /tmp/perf.data --stdio --no-children --sort symbol --percent-limit 0.2 2>/dev/null | sed "s/^/perf $m $d $r /" | grep -v "^perf $m $d $r #$"
      rm -f /tmp/perf.data
    done
  done
done
