# One boot: hbuf and hbuf-cb with one drain worker (hbuf_drain_workers=1)
# against the default (one per possible CPU), sync as the reference,
# order rotated each round. Run in the guest by scripts/zsdefer run.
# CFGS: "mode[:workers[:wm]]" each; wm only on the uncommitted build with
# the module parameter zsmalloc.hbuf_helper_wm (see COMMANDS.txt).
Z=/sys/kernel/mm/zsmalloc
ROUNDS=${ROUNDS:-3}
W=$(cat $Z/hbuf_drain_workers)
echo "ENV cpus=$(nproc) workers_default=$W pool=$(cat $Z/hbuf_pool_pages) limit=$(cat $Z/pending_limit)"
# shellcheck disable=SC2086 # CFGS is a list
set -- ${CFGS:-sync hbuf:1 hbuf:$W hbuf-cb:1 hbuf-cb:$W}
for round in $(seq 1 "$ROUNDS"); do
 for r in 1024 3600; do for p in ${PROCS:-1 4}; do
  for cfg in "$@"; do
   m=${cfg%%:*}; rest=${cfg#"$m"}; rest=${rest#:}; w=${rest%%:*}; wm=${rest#"$w"}; wm=${wm#:}
   [ -n "$w" ] || w=$W
   tag=""
   if [ -n "$wm" ]; then
    echo "$wm" > /sys/module/zsmalloc/parameters/hbuf_helper_wm; tag="wm=$wm "
   fi
   echo "$w" > $Z/hbuf_drain_workers
   echo "$m" > $Z/free_mode; sleep 1
   fb0=$(cat $Z/fallbacks)
   out=$(munmap -b zram -p "$p" -s 256 -r "$r")
   fb1=$(cat $Z/fallbacks)
   echo "AB round=$round procs=$p random_bytes=$r mode=$m workers=$w ${tag}fallbacks=$((fb1 - fb0)) $(echo "$out" | grep -o 'munmap_ms=[0-9.]* \|release_ms=[0-9.]*\|cpu_ms=[0-9.]*' | tr -d ' ' | tr '\n' ' ')"
   echo sync > $Z/free_mode
  done
 done; done
 # rotate the order for the next round
 first=$1; shift; set -- "$@" "$first"
done
echo "$W" > $Z/hbuf_drain_workers
