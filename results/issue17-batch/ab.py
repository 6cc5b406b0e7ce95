"""ab.txt (ab.sh) per kernel, data point and mode: munmap and CPU medians
over every boot, and each mode's speedup against sync (median of its
boots' ratios of medians, with each boot's)."""
import collections
import re
import statistics as st
import sys

rec: dict = collections.defaultdict(list)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "ab.txt"):
    m = re.match(r"(old|new) (\d) result .*random_bytes=(\d+) .*munmap_ms=([\d.]+) .*"
                 r"cpu_ms=([\d.]+) mode=(\S+)", line)
    if m:
        rec[(m[1], m[3], m[6], m[2])].append((float(m[4]), float(m[5])))
for data in ("256", "3600"):
    print(f"\n{data} random bytes a page, 1 x 256 MB: munmap ms / CPU ms medians; speedup per boot")
    for k in ("old", "new"):
        for mode in ("sync", "hbuf", "hbuf-cb"):
            boots = sorted(b for (kk, d, mm, b) in rec if (kk, d, mm) == (k, data, mode))
            mu = [x for b in boots for x, _ in rec[(k, data, mode, b)]]
            cpu = [c for b in boots for _, c in rec[(k, data, mode, b)]]
            per = [st.median(x for x, _ in rec[(k, data, "sync", b)])
                   / st.median(x for x, _ in rec[(k, data, mode, b)]) for b in boots]
            print(f"  {k} {mode:8} {st.median(mu):7.1f} {st.median(cpu):7.1f}  "
                  f"{st.median(per):5.2f}x  [" + " ".join(f"{p:.2f}" for p in per) + "]")
