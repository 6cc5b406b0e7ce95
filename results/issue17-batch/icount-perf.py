"""Instructions per freed page by symbol, from an icount-perf.sh output
(perf's cpu-clock count under -icount is guest instructions; idle
symbols are left out). Columns: the modes found, in ORDER, then any other
label (two kernels' outputs can be joined with one's label renamed).
usage: python3 icount-perf.py FILE [BASE MODE]"""
import collections
import re
import sys

PAGES = 65536  # 256 MB
ORDER = ["sync", "llist", "pcpu", "hbuf", "hbuf-cb"]
IDLE = ("default_idle", "pv_native_safe_halt", "do_idle", "cpuidle_idle_call",
        "native_safe_halt", "arch_cpu_idle", "default_idle_call",
        "__cpuidle_text_start")
total: dict = collections.defaultdict(float)
sym: dict = collections.defaultdict(lambda: collections.defaultdict(float))
runs: dict = collections.defaultdict(set)
count = {}
for line in open(sys.argv[1]):
    m = re.match(r"perf (\S+) (\d+) (\d) # Event count \(approx.\): (\d+)", line)
    if m:
        count[(m[1], m[2], m[3])] = int(m[4])
        runs[(m[1], m[2])].add(m[3])
        continue
    m = re.match(r"perf (\S+) (\d+) (\d)\s+([\d.]+)%\s+\[k\] (\S+)", line)
    if m:
        n = count[(m[1], m[2], m[3])] * float(m[4]) / 100
        sym[(m[1], m[2])][m[5]] += n
base, mode = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ("sync", "hbuf-cb")
for data in sorted({d for _, d in runs}, key=int):
    def per_page(m: str, s: str) -> float:
        return sym[(m, data)].get(s, 0.0) / len(runs[(m, data)]) / PAGES
    modes = sorted({m for m, d in runs if d == data},
                   key=lambda m: (ORDER.index(m) if m in ORDER else len(ORDER), m))
    syms = {s for m in modes for s in sym[(m, data)] if s not in IDLE}
    print(f"\n{data} random bytes a page: instructions per freed page, mean of runs, idle left out")
    print(f"{'symbol':40}" + "".join(f" {m:>9}" for m in modes) + f"{mode + '-' + base:>16}")
    rows = sorted(syms, key=lambda s: per_page(mode, s) - per_page(base, s))
    for s in rows[:8] + rows[-22:]:
        print(f"{s:40}" + "".join(f" {per_page(m, s):9.0f}" for m in modes)
              + f"{per_page(mode, s) - per_page(base, s):16.0f}")
    print(f"{'total (no idle)':40}" + "".join(
        f" {sum(per_page(m, s) for s in syms):9.0f}" for m in modes))
