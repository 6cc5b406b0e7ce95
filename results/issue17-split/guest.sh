# One boot of the probe kernel: the buffer modes' gap to their ceilings
# split in two. Columns, rotated each round: sync, hbuf, hbuf-cb, each
# buffer mode with zsmalloc.ceiling_probe=worker (it pushes and wakes its
# drain as usual, the drain parks what it takes: "MODE@worker"), and the
# ceilings @zs_free (hbuf's) and @notify (hbuf-cb's), which are sync with
# that depth. PROCS x 256 MB (default 1), ~13:1, ~3.7:1 and
# incompressible, ROUNDS rounds (default 8). COLUMNS replaces the list of
# columns. A column switch writes none first, which frees what the last
# column parked. Prints "SPLIT ..." lines.
Z=/sys/kernel/mm/zsmalloc
P=/sys/module/zsmalloc/parameters/ceiling_probe
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done # arm all
# shellcheck disable=SC2086 # the columns are words
set -- ${COLUMNS:-sync hbuf hbuf-cb hbuf@worker hbuf-cb@worker sync@zs_free sync@notify}
for round in $(seq 1 "${ROUNDS:-8}"); do
	for c in "$@"; do
		m=${c%@*} d=none
		[ "$m" = "$c" ] || d=${c#*@}
		for r in 256 1024 3600; do
			echo none > $P || exit 1
			echo "$m" > $Z/free_mode || exit 1
			echo "$d" > $P || exit 1
			sleep 1
			fb0=$(cat $Z/fallbacks)
			out=$(munmap -b zram -p "${PROCS:-1}" -s 256 -r "$r" -R) || { echo "# munmap failed: $c"; exit 1; }
			fb1=$(cat $Z/fallbacks)
			echo "SPLIT procs=${PROCS:-1} round=$round column=$c random_bytes=$r fallbacks=$((fb1 - fb0)) $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|cpu_ms=[0-9.]*\|fill_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
echo none > $P; echo sync > $Z/free_mode
