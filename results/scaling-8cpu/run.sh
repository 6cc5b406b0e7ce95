#!/bin/sh
# Device run: boot the zsdefer kernel under TCG with the bundled QEMU.
# usage: sh .devbundle/run.sh [CPUS MEM EXTRA_CPIO GUEST_TIMEOUT_S]
B=$(cd "$(dirname "$0")" && pwd)
CPUS=${1:-8} MEM=${2:-8G} EXTRA=${3:-extra-dev.cpio} GT=${4:-420}
OUT=${OUT:-/tmp/zsdout}; mkdir -p "$OUT"
W=$B/w; rm -rf "$W"; mkdir -p "$W"
t0=$(date +%s)
{ echo "host: $(uname -a)"; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | sed -n 2p; } | tee "$OUT/host.txt"
tar -xzf "$B/qemu.tar.gz" -C "$W" || exit 1
cat "$B/base.cpio.gz" "$B/$EXTRA" >"$W/initrd.cpio" || exit 1
KHZ=$("$B/tscfreq")
echo "tsc khz: $KHZ  (cpu MHz line: $(grep -m1 'cpu MHz' /proc/cpuinfo))" | tee -a "$OUT/host.txt"
APPEND="console=ttyS0 panic=-1 oops=panic loglevel=7 rdinit=/init printk.devkmsg=on tsc=reliable${KHZ:+ tsc_early_khz=$KHZ} kunit.enable=0"
export QEMU_MODULE_DIR="$W/qmod"
set -- "$W/lib/ld-linux-x86-64.so.2" --library-path "$W/lib" "$W/qemu-system-x86_64" \
	-L "$W/share" -nodefaults -no-reboot -display none -vga none -net none \
	-accel tcg,thread=multi -cpu max -smp "cpus=$CPUS,sockets=$CPUS" -m "$MEM" \
	-kernel "$B/bzImage" -initrd "$W/initrd.cpio" -append "$APPEND" \
	-chardev "file,id=con,path=$OUT/console.log" -serial chardev:con \
	-chardev stdio,id=cmd,signal=off -serial chardev:cmd
echo "$*" >"$OUT/qemu-cmdline"
timeout -k 5 "$GT" "$@" </dev/null >"$OUT/guest-stdout.txt" 2>"$OUT/qemu-stderr.txt"
rc=$?
t1=$(date +%s)
echo "=== qemu rc=$rc wall=$((t1 - t0))s"
tr -d '\r' <"$OUT/guest-stdout.txt" | grep -v '^result ' | head -40
echo "results: $(grep -c '^result ' "$OUT/guest-stdout.txt")"
grep '^result ' "$OUT/guest-stdout.txt" | tail -3
echo "--- stderr:"; head -5 "$OUT/qemu-stderr.txt"
echo "--- console tail:"; tail -5 "$OUT/console.log"
grep -E 'clocksource|tsc:' "$OUT/console.log" | tail -6
rm -rf "$W"
exit $rc
