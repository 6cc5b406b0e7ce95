# The slow state of llist at incompressible data: 8 munmaps under
# trace-cmd (scheduler switches and migrations, zsmalloc events), then per
# run: munmap_ms, cpu_ms, and per CPU the time each task ran from the
# barrier on (the trace covers the whole run; the fill ends before it).
Z=/sys/kernel/mm/zsmalloc
echo llist > $Z/free_mode
for r in 1 2 3 4 5 6 7 8; do
  trace-cmd record -q -e sched:sched_switch -e sched:sched_migrate_task \
    -e zsmalloc:zs_defer_drain_begin -e zsmalloc:zs_defer_drain_end \
    -o /tmp/t.dat munmap -p 1 -s 256 -r 3600 -b zram > /tmp/res
  echo "run $r $(grep -o 'munmap_ms=[0-9.]*\|cpu_ms=[0-9.]*' /tmp/res | tr '\n' ' ')"
  trace-cmd report -i /tmp/t.dat 2>/dev/null | grep -v "^cpus=" > /results/slow-$r.txt
done
