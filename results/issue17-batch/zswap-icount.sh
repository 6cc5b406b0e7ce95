#!/bin/sh
# hbuf-cb through zswap by instruction count, the two builds of ab.sh:
# 1 vCPU, --accel icount, 1 x 64 MB munmaps, ~13:1 and ~3.7:1 (zswap refuses incompressible pages),
# sync and hbuf-cb, 3 rounds (guest cpu_ms = million instructions).
# usage: zswap-icount.sh OLD_BZIMAGE NEW_BZIMAGE OUTFILE
set -e
bz=$HOME/.cache/zsdefer/build/default/arch/x86/boot/bzImage
cmd="sh /usr/share/zsdefer/modes.sh 3 'sync hbuf-cb' zswap <<'PLAN'
munmap -p 1 -s 64 -r 256 -b zswap
munmap -p 1 -s 64 -r 1024 -b zswap
PLAN"
for k in old new; do
	if [ $k = old ]; then cp "$1" "$bz"; else cp "$2" "$bz"; fi
	scripts/zsdefer run --variant default --accel icount --cpus 1 --mem 2G \
		--swap zswap --swap-size 1G --append kunit.enable=0 -- sh -c "$cmd" |
		sed "s/^/$k /" | tee -a "$3"
done
