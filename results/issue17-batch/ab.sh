#!/bin/sh
# Alternating boots of two builds of the default kernel, before (OLD:
# 3a2cb3d) and after (NEW) the drain change, 3 cycles; each boot runs
# sync, hbuf and hbuf-cb, 4 rounds, rotated, every hook armed (as bench
# does under multi-vCPU TCG), 1 x 256 MB at ~13:1 and incompressible.
# usage: ab.sh OLD_BZIMAGE NEW_BZIMAGE OUTDIR
set -e
old=$1 new=$2 out=$3
bz=$HOME/.cache/zsdefer/build/default/arch/x86/boot/bzImage
mkdir -p "$out"
cmd="sh /usr/share/zsdefer/modes.sh -a 4 'sync hbuf hbuf-cb' zram <<'PLAN'
munmap -p 1 -s 256 -r 256 -b zram
munmap -p 1 -s 256 -r 3600 -b zram
PLAN"
for c in 1 2 3; do
	for k in old new; do
		eval cp "\$$k" "$bz"
		echo "== cycle $c kernel $k"
		scripts/zsdefer run --variant default --mem 3G --swap zram --swap-size 3G \
			--append kunit.enable=0 -- sh -c "$cmd" | sed "s/^/$k $c /" | tee -a "$out/ab.txt"
	done
done
