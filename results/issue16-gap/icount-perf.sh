# Instructions by symbol (1 vCPU, -icount: cpu-clock samples count guest
# instructions; 20 kHz = one sample per 50000 instructions), from the
# barrier until the memory is back, sync against llist and pcpu, 256 MB
# incompressible, twice each.
Z=/sys/kernel/mm/zsmalloc
. /usr/share/zsdefer/lib.sh
mkfifo /tmp/ctl /tmp/ack || exit 1
for r in 1 2; do
  for m in sync llist pcpu; do
    echo $m > $Z/free_mode
    zsd_wait_idle
    perf record -q -a -e cpu-clock -F 20000 -D -1 --control=fifo:/tmp/ctl,/tmp/ack \
      -o /tmp/perf.data -- munmap -p 1 -s 256 -r 3600 -b zram -C /tmp/ctl,/tmp/ack | sed "s/^/$m $r /"
    perf report -i /tmp/perf.data --stdio --no-children --sort symbol --percent-limit 0.2 2>/dev/null \
      | sed "s/^/perf $m $r /" | grep -v "^perf $m $r #$" 
    rm -f /tmp/perf.data
  done
done
