"""Instructions per emptied zspage by symbol, from icount-perf.txt (perf's
event count of cpu-clock under -icount is guest instructions)."""
import collections
import re

N = 65536  # emptied zspages per run: 256 MB of huge objects, one page each
total = {}
sym = collections.defaultdict(dict)
for line in open("icount-perf.txt"):
    m = re.match(r"perf (\S+) (\d) # Event count \(approx.\): (\d+)", line)
    if m:
        total[(m[1], m[2])] = int(m[3])
        continue
    m = re.match(r"perf (\S+) (\d)\s+([\d.]+)%\s+\[k\] (\S+)", line)
    if m:
        sym[m[4]][(m[1], m[2])] = float(m[3])


def per_zspage(s: str, mode: str) -> float:
    return sum(total[(mode, r)] * sym[s].get((mode, r), 0) / 100 for r in "12") / 2 / N


rows = sorted((per_zspage(s, "llist") - per_zspage(s, "sync"), s) for s in sym)
print("instructions per emptied zspage, mean of 2 runs (1 vCPU, -icount, 256 MB incompressible)")
print(f"{'symbol':36}{'sync':>7}{'llist':>7}{'pcpu':>7}{'llist-sync':>11}")
for d, s in rows[:10] + rows[-25:]:
    print(f"{s:36}{per_zspage(s, 'sync'):7.0f}{per_zspage(s, 'llist'):7.0f}"
          f"{per_zspage(s, 'pcpu'):7.0f}{d:11.0f}")
for mode in ("sync", "llist", "pcpu"):
    print(mode, "total per zspage:", round(sum(total[(mode, r)] for r in "12") / 2 / N))
