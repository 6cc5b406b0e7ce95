Z=/sys/kernel/mm/zsmalloc
for m in llist pcpu hbuf hbuf-cb sync; do echo $m > $Z/free_mode; done
set -- sync hbuf hbuf-cb llist
for round in 1 2 3 4; do
	for m in "$@"; do
		for r in 256 3600; do
			echo "$m" > $Z/free_mode; sleep 1
			out=$(munmap -b zram -p 1 -s 256 -r "$r") || exit 1
			echo "OBS round=$round mode=$m r=$r $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|release_ms=[0-9.]*\|cpu_ms=[0-9.]*\|observer_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
