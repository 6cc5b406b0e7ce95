"""Issue #14 item 5: would another test make two runs' verdicts agree?

For pairs of saved bench runs, each munmap row's verdict against its base
(+ faster, - slower, = neither at p < 0.05) by five tests, and how many
rows the two runs agree on:
  welch     Welch's t-test on the times (what summary.verdict() uses)
  welchlog  Welch's t-test on log times
  yuen      Yuen's trimmed (20%) Welch test (scipy ttest_ind trim=0.2)
  yuenlog   the same on log times
  mw        Mann-Whitney U
  paired    one-sample t-test of log(base/mode) per (boot, round)
  welchfit  Welch's t-test without the samples whose fill was slow
            (hostload.fit(): what bench and compare --drop-slow-fills do)
and, for Welch, each disagreeing row's p in both runs.
Usage (from results/): /usr/bin/python3 issue14-tests/tests.py A:B ...
"""
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from scipy import stats as ss  # noqa: E402

from zsdefer_lib import hostload, report, results, summary, workloads  # noqa: E402

HOWS = ("welch", "welchlog", "yuen", "yuenlog", "mw", "paired", "welchfit")


def load(d):
    recs = []
    for p in sorted(Path(d).glob("*.json")):
        one = results.load(p)[1]
        hostload.mark_slow_fills(one)  # per boot, as bench and compare
        recs += one
    return recs


def pvalue(how, base, mine, rounds):
    if how == "paired":
        ds = [math.log(v[0] / v[1]) for v in rounds]
        return ss.ttest_1samp(ds, 0.0).pvalue if len(ds) > 1 else 1.0
    if how.endswith("log"):
        base, mine = [math.log(x) for x in base], [math.log(x) for x in mine]
    if how == "mw":
        return ss.mannwhitneyu(base, mine, alternative="two-sided").pvalue
    return ss.ttest_ind(base, mine, equal_var=False,
                        trim=0.2 if how.startswith("yuen") else 0.0).pvalue


def verdicts(recs, how):
    if how == "welchfit":
        recs, how = hostload.fit(recs), "welch"
    w = workloads.MUNMAP
    main = [r for r in report.main_records(recs) if workloads.of(r) is w]
    by = {}
    for r in main:
        pt = tuple(r.get(f) for f in w.point)
        by.setdefault(pt, {}).setdefault((r.get("boot"), r.get("round")), {})[r["mode"]] = \
            float(r["munmap_ms"])
    out = {}
    for pt, c in results.group(main, "munmap_ms", w.point).items():
        for mode in c:
            base = summary.base_of(mode)
            if mode in summary.SKIP or base not in c:
                continue
            rounds = [(v[base], v[mode]) for v in by[pt].values() if base in v and mode in v]
            p = pvalue(how, c[base], c[mode], rounds)
            sp = statistics.median(c[base]) / statistics.median(c[mode])
            out[(pt, mode)] = (sp, p, ("+" if sp > 1 else "-") if p < 0.05 else "=")
    return out


for pair in sys.argv[1:]:
    a, b = pair.split(":")
    ra, rb = load(a), load(b)
    for how in HOWS:
        va, vb = verdicts(ra, how), verdicts(rb, how)
        common = sorted(set(va) & set(vb), key=str)
        agree = sum(va[k][2] == vb[k][2] for k in common)
        print(f"{a} vs {b} {how:<9} {agree}/{len(common)} agree")
        if how not in ("welch", "welchfit"):
            continue
        for k in common:
            x, y = va[k], vb[k]
            if x[2] != y[2]:
                print(f"    {summary.point_name(k[0]):<30}{k[1]:<14}"
                      f"{x[0]:.2f}x{x[2]} p={x[1]:.3f}   {y[0]:.2f}x{y[2]} p={y[1]:.3f}")
