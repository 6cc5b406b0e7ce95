#!/usr/bin/python3
"""Secondary analysis of two main-job runs (issue #14 item 5): per munmap
point and mode, the verdict against its base (summary.base_of()) by Welch's
t-test (what the tables use) and by the exact two-sided Mann-Whitney U test
(ranks: one slow sample counts as one rank, not as its size), and whether
the two runs agree under each.

With both runs' samples, the rounds a row would need for its verdict to
repeat: n = 2 ((z_0.975 + z_0.8) s / d)^2 per mode, with d the difference of
the mean log times (mode against base, both runs pooled) and s the pooled
standard deviation of the log times within each run and column: the
normal approximation of a two-sample test at 80% power.

usage: ranks.py RUN1_DIR RUN2_DIR   (each holding one run's *.json)
"""
import itertools
import math
import statistics
import sys
from pathlib import Path
from typing import List, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from zsdefer_lib import agree, results, summary  # noqa: E402


def mwu_p(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Exact two-sided p of the Mann-Whitney U test (no ties expected:
    times in us), by enumerating every split of the pooled samples."""
    pooled = list(xs) + list(ys)
    n = len(xs)

    def u(sub: Sequence[float], other: Sequence[float]) -> float:
        return sum((a < b) + 0.5 * (a == b) for a in sub for b in other)

    obs = u(xs, ys)
    mean = n * len(ys) / 2
    extreme = 0
    total = 0
    for idx in itertools.combinations(range(len(pooled)), n):
        s = set(idx)
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(len(pooled)) if i not in s]
        total += 1
        extreme += abs(u(a, b) - mean) >= abs(obs - mean) - 1e-9
    return extreme / total


def load(d: str) -> List[results.Record]:
    recs: List[results.Record] = []
    for f in sorted(Path(d).glob("*.json")):
        recs += results.load(f)[1]
    return recs


def verdicts(recs: List[results.Record]):
    w = agree.workloads.MUNMAP
    main = [r for r in agree.report.main_records(recs) if agree.workloads.of(r) is w]
    out = {}
    for point, cols in results.group(main, "munmap_ms", w.point).items():
        for mode, mine in cols.items():
            base = summary.base_of(mode)
            if mode in summary.SKIP or base not in cols or not mine:
                continue
            sp, welch = summary.verdict(cols[base], mine)
            rank = ("+" if sp > 1 else "-") if mwu_p(cols[base], mine) < 0.05 else "="
            out[(point, mode)] = (sp, welch, rank, cols[base], mine)
    return out


def rounds_needed(groups: List[Sequence[float]], pairs) -> str:
    """Rounds per mode for 80% power (module docstring); '-' for no
    difference at all."""
    logs = [[math.log(x) for x in g] for g in groups]
    dof = sum(len(g) - 1 for g in logs)
    s = math.sqrt(sum((len(g) - 1) * statistics.variance(g) for g in logs) / dof)
    d = abs(statistics.mean(math.log(x) for b, _ in pairs for x in b)
            - statistics.mean(math.log(x) for _, m in pairs for x in m))
    if d == 0:
        return "-"
    n = 2 * ((1.96 + 0.8416) * s / d) ** 2
    return f"{math.ceil(n)}" if n < 1000 else ">999"


def main() -> None:
    a, b = verdicts(load(sys.argv[1])), verdicts(load(sys.argv[2]))
    common = sorted(set(a) & set(b), key=lambda k: (k[0], agree.report.mode_key(k[1])))
    print(f"{'point':<30}{'mode':<16}{'run 1':>8}{'run 2':>8}  Welch 1 2  ranks 1 2  rounds")
    ok_w = ok_r = 0
    for k in common:
        (s1, w1, r1, b1, m1), (s2, w2, r2, b2, m2) = a[k], b[k]
        need = rounds_needed([b1, m1, b2, m2], [(b1, m1), (b2, m2)])
        ok_w += w1 == w2
        ok_r += r1 == r2
        print(f"{summary.point_name(k[0]):<30}{k[1]:<16}{s1:>7.2f}x{s2:>7.2f}x"
              f"  {w1} {w2} {'yes' if w1 == w2 else 'NO '}  {r1} {r2} {'yes' if r1 == r2 else 'NO '}"
              f"  {need:>6}")
    print(f"agree: Welch {ok_w} of {len(common)} rows, ranks {ok_r} of {len(common)}")


if __name__ == "__main__":
    main()
