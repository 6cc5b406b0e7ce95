# Where hbuf-cb's release time goes after munmap() returns: kprobes on the
# return of munmap (the benchmark child's), on the delayed flush
# (flush_work_hbuf: entry and return) and on synchronize_rcu() (entry,
# return), and the drain events; each run prints the events after the
# last munmap return, in ms from it, and munmap's result line.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
{
	echo 'r:munret __x64_sys_munmap'
	echo 'p:flush flush_work_hbuf'
	echo 'r:flushret flush_work_hbuf'
	echo 'p:gp synchronize_rcu'
	echo 'r:gpret synchronize_rcu'
} >$T/kprobe_events || exit 1
echo "${MODE:-hbuf-cb}" >/sys/kernel/mm/zsmalloc/free_mode
for i in $(seq 1 "${RUNS:-6}"); do
	for r in ${POINTS:-256 1024}; do
		trace-cmd record -q -o /tmp/t.dat -e kprobes -e zsmalloc:zs_defer_drain_end \
			munmap -b zram -p 1 -s 256 -r "$r" >/tmp/res.txt 2>&1 || { cat /tmp/res.txt; exit 1; }
		echo "RUN $i r=$r $(grep '^result' /tmp/res.txt | grep -o 'munmap_ms=[0-9.]* \|release_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
		trace-cmd report -i /tmp/t.dat 2>/dev/null | awk '
			{ for (f = 1; f <= NF; f++) if ($f ~ /^[0-9]+\.[0-9]+:$/) { t = substr($f, 1, length($f) - 1); ev = $(f + 1) } }
			ev ~ /munret/ && $0 ~ /munmap/ { last = t }
			{ T[NR] = t; E[NR] = ev; n = NR }
			END { for (k = 1; k <= n; k++) if (last && T[k] >= last - 0.0005) {
				e = E[k]; sub(":", "", e)
				if (e == "zs_defer_drain_end") { d++; dl = T[k]; continue }
				printf "  %+8.2f %s\n", (T[k] - last) * 1000, e }
			  if (d) printf "  drains after munmap returned: %d, last %+8.2f ms\n", d, (dl - last) * 1000 }'
	done
done
echo sync >/sys/kernel/mm/zsmalloc/free_mode
