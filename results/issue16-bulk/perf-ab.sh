# shellcheck shell=sh
# Host side: results/issue16-gap/icount-perf.sh (instructions by symbol,
# 1 vCPU, -icount, 256 MB incompressible, sync/llist/pcpu twice) on each
# given bzImage of the default kernel in turn, one boot each; restores the
# build tree's own bzImage.
# usage: sh perf-ab.sh OUTDIR NAME=BZIMAGE...  -> OUTDIR/icount-perf-NAME.txt
set -e
out=$1; shift
bz=$HOME/.cache/zsdefer/build/default/arch/x86/boot/bzImage
cp "$bz" "$bz.ab-saved"
trap 'cp "$bz.ab-saved" "$bz"; rm -f "$bz.ab-saved"' EXIT
for kv in "$@"; do
	cp "${kv#*=}" "$bz"
	scripts/zsdefer run --variant default --accel icount --cpus 1 --mem 2G \
		--swap zram --swap-size 1G --append kunit.enable=0 \
		-- sh -c "$(cat results/issue16-gap/icount-perf.sh)" \
		> "$out/icount-perf-${kv%%=*}.txt"
done
