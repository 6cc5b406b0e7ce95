"""PNG plots for people: per-mode bars with spread, one panel per data
point; and for a size sweep, lines of the median per mode against size with
the min-max spread shaded, one panel per data point but size.

Uses Debian's python3-matplotlib when present; without it, says so and
skips (the tables and JSON are the record, plots are a convenience).
"""

import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .progress import say

Panels = Dict[str, Dict[str, List[float]]]        # {panel title: {mode: samples}}
Sweeps = Dict[str, Dict[str, Dict[int, List[float]]]]  # {panel: {mode: {size: samples}}}


def _pyplot() -> Optional[Any]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("plots: python3-matplotlib not installed, no PNG")
        return None
    return plt


def _figure(plt: Any, n: int) -> Tuple[Any, List[Any]]:
    fig, axes = plt.subplots(1, n, figsize=(max(5.0, 3.4 * n), 3.6), squeeze=False)
    return fig, list(axes[0])


def _save(plt: Any, fig: Any, title: str, path: Path) -> Path:
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _spread(xs: List[float]) -> Tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(xs), min(xs), max(xs)


def bars(panels: Panels, title: str, unit: str, path: Path) -> Optional[Path]:
    plt = _pyplot()
    if plt is None or not panels:
        return None
    fig, axes = _figure(plt, len(panels))
    for ax, (name, cols) in zip(axes, panels.items()):
        modes = list(cols)
        spread = [_spread(cols[m]) for m in modes]
        ax.bar(modes, [s[0] for s in spread], capsize=4, color="#4a7ab5",
               yerr=[[s[0] - s[1] for s in spread], [s[2] - s[0] for s in spread]])
        _label(ax, name, unit)
    return _save(plt, fig, f"{title}: median, bars min-max", path)


def lines(sweeps: Sweeps, title: str, unit: str, path: Path) -> Optional[Path]:
    plt = _pyplot()
    if plt is None or not sweeps:
        return None
    fig, axes = _figure(plt, len(sweeps))
    for ax, (name, modes) in zip(axes, sweeps.items()):
        for mode, by_size in modes.items():
            sizes = sorted(by_size)
            spread = [_spread(by_size[s]) for s in sizes]
            line, = ax.plot(sizes, [s[0] for s in spread], marker="o", label=mode)
            ax.fill_between(sizes, [s[1] for s in spread], [s[2] for s in spread],
                            alpha=0.2, color=line.get_color())
            ax.set_xticks(sizes)
        ax.set_xlabel("MB per process", fontsize=8)
        ax.legend(fontsize=7)
        _label(ax, name, unit)
    return _save(plt, fig, f"{title} by size: median, shaded min-max", path)


def _label(ax: Any, name: str, unit: str) -> None:
    ax.set_title(name, fontsize=8)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(labelsize=8)

