# One boot of the A/B: MODES (sync, hbuf, hbuf-cb) rotated each round, 1 x 256 MB
# at POINTS (~13:1, ~3.7:1, incompressible), ROUNDS rounds (default 3); munmap
# with its release wait. Prints "AB ..." lines.
Z=/sys/kernel/mm/zsmalloc
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done
# shellcheck disable=SC2086 # the modes are words
set -- ${MODES:-sync hbuf hbuf-cb}
for round in $(seq 1 "${ROUNDS:-3}"); do
	for m in "$@"; do
		for r in ${POINTS:-256 1024 3600}; do
			echo "$m" > $Z/free_mode; sleep 1
			out=$(munmap -b zram -p 1 -s 256 -r "$r") || exit 1
			echo "AB round=$round mode=$m r=$r $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|release_ms=[0-9.]*\|cpu_ms=[0-9.]*\|observer_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
