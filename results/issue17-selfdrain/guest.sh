# Guest side of issue #17 item 2 (the producer frees its own full buffer
# when no fresh one is to be had): hbuf with its pool held at POOL pages
# (hbuf_pool_pages; the reserve is two a CPU) against sync and against
# hbuf with its default pool, in one boot, 1 process x 256 MB on zram,
# ROUNDS rounds with the order rotated. Per run: fallbacks, drain runs,
# and the munmap figures. DATA: random bytes a page; MODES: MODE:POOL
# (small or default), sync alone.
Z=/sys/kernel/mm/zsmalloc
pool=$(cat $Z/hbuf_pool_pages)
# shellcheck disable=SC2086
set -- ${MODES:-sync hbuf:small hbuf:default}
for round in $(seq 1 "${ROUNDS:-3}"); do
	for r in ${DATA:-1024 3600}; do
		for mp in "$@"; do
			m=${mp%%:*}
			if [ "${mp#*:}" = small ]; then
				echo "${POOL:-4}" >$Z/hbuf_pool_pages
			else
				echo "$pool" >$Z/hbuf_pool_pages || exit 1
			fi
			echo "$m" >$Z/free_mode; sleep 1
			fb0=$(cat $Z/fallbacks); dr0=$(cat $Z/drain_runs)
			out=$(munmap -b zram -p 1 -s 256 -r "$r") || exit 1
			fb1=$(cat $Z/fallbacks); dr1=$(cat $Z/drain_runs)
			echo "SD round=$round random_bytes=$r mode=$mp pool=$(cat $Z/hbuf_pool_pages) fallbacks=$((fb1 - fb0)) drain_runs=$((dr1 - dr0)) $(echo "$out" | grep -o 'munmap_ms=[0-9.]*\|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr '\n' ' ')"
			echo sync >$Z/free_mode
		done
	done
	first=$1; shift; set -- "$@" "$first"
done
echo "$pool" >$Z/hbuf_pool_pages || exit 1
