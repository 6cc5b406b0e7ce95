# shellcheck shell=sh
# Guest side of ab.sh: sync and hbuf-cb (or the modes in ZSD_MODES, set
# by a line put before this script), 1 x 64 MB munmaps at ~13:1 and
# incompressible data, ROUNDS rounds, order rotated.
Z=/sys/kernel/mm/zsmalloc
# shellcheck disable=SC2086 # a list of modes
set -- ${ZSD_MODES:-sync hbuf-cb}
for round in $(seq 1 "${ROUNDS:-6}"); do
	for r in 256 3600; do
		for m in "$@"; do
			echo "$m" > $Z/free_mode; sleep 1
			out=$(munmap -b zram -p 1 -s 64 -r "$r")
			echo "AB round=$round random_bytes=$r mode=$m $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|cpu_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
			echo sync > $Z/free_mode
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
