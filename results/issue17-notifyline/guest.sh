# Guest side of ../issue17-cbbatch/ab.sh: sync and hbuf-cb, 1 x 256 MB,
# ~13:1, ~3.7:1 and incompressible data, ROUNDS rounds (default 4), the
# order of the two modes rotated; fallbacks counted around each munmap.
Z=/sys/kernel/mm/zsmalloc
set -- sync hbuf-cb
for round in $(seq 1 "${ROUNDS:-4}"); do
	for r in 256 1024 3600; do
		for m in "$@"; do
			echo "$m" > $Z/free_mode; sleep 1
			fb0=$(cat $Z/fallbacks)
			out=$(munmap -b zram -p 1 -s 256 -r "$r")
			fb1=$(cat $Z/fallbacks)
			echo "AB round=$round procs=1 random_bytes=$r mode=$m fallbacks=$((fb1 - fb0)) $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
			echo sync > $Z/free_mode
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
