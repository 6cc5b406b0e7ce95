# Static keys toggled under TCG while other CPUs run the patched code,
# without zsmalloc's keys: (1) the kmem:kfree tracepoint's key, toggled
# N times while the other vCPUs free slab objects in a loop; (2)
# kernel.sched_schedstats' key, toggled N times while they fork and exit.
# Each toggle patches text with text_poke_bp() (int3, then 3 sync IPIs).
N=${N:-3000}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
last=$(($(nproc) - 1))
hammer() {
	c=1
	while [ $c -le $last ]; do
		taskset -c $c sh -c "$1" &
		c=$((c + 1))
	done
}
echo "cpus=$(nproc) toggles=$N"
hammer 'while :; do cat /proc/meminfo /proc/self/status >/dev/null; done'
i=0; t0=$(cut -d' ' -f1 /proc/uptime)
while [ $i -lt $N ]; do
	echo 1 >$T/events/kmem/kfree/enable
	echo 0 >$T/events/kmem/kfree/enable
	i=$((i + 1))
done
echo "kfree tracepoint: $N on/off pairs done in $(awk -v t0=$t0 '{print $1 - t0}' /proc/uptime) s"
kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
if [ -w /proc/sys/kernel/sched_schedstats ]; then
	hammer 'while :; do /bin/true; done'
	i=0; t0=$(cut -d' ' -f1 /proc/uptime)
	while [ $i -lt $N ]; do
		echo 1 >/proc/sys/kernel/sched_schedstats
		echo 0 >/proc/sys/kernel/sched_schedstats
		i=$((i + 1))
	done
	echo "sched_schedstats: $N on/off pairs done in $(awk -v t0=$t0 '{print $1 - t0}' /proc/uptime) s"
	kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
else
	echo "sched_schedstats: not in this kernel"
fi
echo "toggler: survived"
