# Guest side of the pending_limit A/B (issue #17 item 3, #16 item 3): in
# one boot, 4 processes x 256 MB munmap on zram in every mode, with
# pending_limit at 1/4 of RAM (the old default) and 1/2 (the new one)
# alternately, ROUNDS rounds with the order rotated. Per run: fallbacks,
# pending_hwm (reset before the run) and the munmap figures. MODES: a
# list of MODE:D (pending_limit 1/D of RAM), DATA: random bytes a page.
Z=/sys/kernel/mm/zsmalloc
ram=$(awk '/MemTotal/ { print int($2 / 4) }' /proc/meminfo)
# shellcheck disable=SC2086
set -- ${MODES:-sync llist:4 llist:2 pcpu:4 pcpu:2 hbuf:4 hbuf:2 hbuf-cb:4 hbuf-cb:2}
echo "# RAM $ram pages; limits 1/4: $((ram / 4)), 1/2: $((ram / 2))"
for round in $(seq 1 "${ROUNDS:-3}"); do
	for r in ${DATA:-1024 3600}; do
		for ml in "$@"; do
			m=${ml%%:*}; d=${ml#*:}; [ "$m" = sync ] && d=2
			echo $((ram / d)) > $Z/pending_limit
			echo "$m" > $Z/free_mode; sleep 1
			echo 0 > $Z/pending_hwm
			fb0=$(cat $Z/fallbacks)
			out=$(munmap -b zram -p 4 -s 256 -r "$r")
			fb1=$(cat $Z/fallbacks)
			echo "AB round=$round random_bytes=$r mode=$m limit=1/$d fallbacks=$((fb1 - fb0)) hwm=$(cat $Z/pending_hwm) $(echo "$out" | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
			echo sync > $Z/free_mode
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
