"""PNG plots for people: per-mode bars with spread, one panel per workload.

Uses Debian's python3-matplotlib when present; without it, says so and
skips (the tables and JSON are the record, plots are a convenience).
"""

import statistics
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .progress import say

Grouped = Dict[Tuple[int, int, int], Dict[str, List[float]]]


def bars(grouped: Grouped, title: str, unit: str, path: Path) -> Optional[Path]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("plots: python3-matplotlib not installed, no PNG")
        return None
    keys = sorted(grouped)
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        cols = grouped[key]
        names = list(cols)
        med = [statistics.median(cols[n]) for n in names]
        lo = [m - min(cols[n]) for m, n in zip(med, names)]
        hi = [max(cols[n]) - m for m, n in zip(med, names)]
        ax.bar(names, med, yerr=[lo, hi], capsize=4, color="#4a7ab5")
        ax.set_title(f"{key[1]} proc, {key[0]} rnd B/page", fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{title} (median, bars: min-max)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
