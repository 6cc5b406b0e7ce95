# Host side: alternating boots of two builds of the default kernel, each
# running a guest script that prints "AB ..." lines; prints them tagged
# with the build and cycle. Restores the build tree's own bzImage.
# usage: [ACCEL=icount CPUS=1 MEM=2G] sh ab.sh OLD_BZIMAGE NEW_BZIMAGE \
#            CYCLES GUEST_SCRIPT > OUT   (the tool's progress goes to stderr)
set -e
old=$1 new=$2 cycles=$3 guest=$4
bz=$HOME/.cache/zsdefer/build/default/arch/x86/boot/bzImage
cp "$bz" "$bz.ab-saved"
trap 'cp "$bz.ab-saved" "$bz"; rm -f "$bz.ab-saved"' EXIT
for c in $(seq 1 "$cycles"); do
	for k in old new; do
		if [ "$k" = old ]; then cp "$old" "$bz"; else cp "$new" "$bz"; fi
		scripts/zsdefer run --variant default --accel "${ACCEL:-tcg}" \
			--cpus "${CPUS:-2}" --mem "${MEM:-3G}" --swap zram \
			--swap-size 2G --append kunit.enable=0 \
			-- sh -c "$(cat "$guest")" |
			sed -n "s/^AB /AB build=$k cycle=$c /p"
	done
done
