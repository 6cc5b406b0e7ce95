#!/bin/sh
# sync's own cost by instruction count (issue #14 item 3): QEMU -icount
# shift=0,sleep=off, one vCPU, single-threaded TCG, so the guest's clock
# counts instructions (1 ns each). A: the nokunit kernel (every mode, no
# test options) in sync only, never armed, against the unpatched kernel;
# B: our tree with the option off against the unpatched kernel (the same
# objects: the measurement's own zero). Boots alternate, BOOTS each
# (default 3), ROUNDS rounds (default 4); TAG names the result folders.
set -e
cd "$(dirname "$0")/../.."
common="--accel icount --cpus 1 --modes sync --boots ${BOOTS:-3} --swap zram --workloads munmap --procs 1 --sizes 64 --data 1024,3600 --rounds ${ROUNDS:-4}"
# shellcheck disable=SC2086
scripts/zsdefer bench --variant nokunit $common --out "results/issue14-icount/nokunit${TAG:-}"
# shellcheck disable=SC2086
scripts/zsdefer bench --variant off $common --out "results/issue14-icount/off${TAG:-}"
