#!/bin/sh
# pin the zsdefer QEMU's vCPU threads once they appear
for i in $(seq 1 120); do
  for t in /proc/[0-9]*/task/*; do
    c=$(cat $t/comm 2>/dev/null)
    case "$c" in "CPU 0/TCG") taskset -p -c 0 ${t##*/} >/dev/null && p0=1;; "CPU 1/TCG") taskset -p -c 1 ${t##*/} >/dev/null && p1=1;; esac
  done
  [ -n "$p0" ] && [ -n "$p1" ] && { echo pinned; exit 0; }
  sleep 0.5
done
