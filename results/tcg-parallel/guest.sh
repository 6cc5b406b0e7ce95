# One boot, 2 vCPUs: how fast does one vCPU run while the other is idle,
# and while it is busy? A fixed loop (awk, 3M iterations) pinned to CPU 0,
# timed alone and with a spinning awk pinned to CPU 1, alternately,
# ROUNDS times (default 8). Prints "PAR ..." lines (ms of wall time;
# /proc/uptime counts 10 ms).
ms() { read -r t _ </proc/uptime; echo "$t"; }
for round in $(seq 1 "${ROUNDS:-8}"); do
	for other in idle busy; do
		pid=
		if [ $other = busy ]; then
			taskset -c 1 awk 'BEGIN { for (;;) s++ }' &
			pid=$!
			sleep 0.5
		fi
		t0=$(ms)
		taskset -c 0 awk 'BEGIN { for (i = 0; i < 3000000; i++) s += i }'
		t1=$(ms)
		[ -z "$pid" ] || { kill "$pid"; wait "$pid" 2>/dev/null; }
		echo "PAR round=$round other=$other ms=$(echo "$t1 $t0" | awk '{ printf "%.0f", ($1 - $2) * 1000 }')"
		sleep 0.5
	done
done
