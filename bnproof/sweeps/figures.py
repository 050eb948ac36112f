"""The sweep figure: what the population looks like over the grid.

- no grid: a histogram of the first metric (the verdict counts when no metric is chosen);
- a 1-D grid: the verified rate with its Wilson 95 % band, and the first metric's median with
  its q05-q95 band, over the grid values (a numeric axis when every value is a number);
- a 2-D grid: heatmaps of the verified rate and of the first metric's median;
- more keys: the verified rate per cell, cells in order.

Bare ``matplotlib.figure.Figure`` objects (no pyplot state) in the project style
(:data:`bnproof.core.style.RC_PARAMS`), saved as png, pdf and svg next to each other.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bnproof.core.records import VERDICTS
from bnproof.core.style import RC_PARAMS
from bnproof.sweeps.summary import metric_column

__all__ = ["FORMATS", "save_sweep_figure", "sweep_figure"]

FORMATS = ("png", "pdf", "svg")


def _numbers(values: Sequence[Any]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def _value(cell: Mapping[str, Any], key: str) -> float:
    v = cell.get(key)
    return float("nan") if v is None else float(v)


def _band(ax, x, mid, lo, hi, numeric: bool, label: str, band_label: str) -> None:
    """A line with a shaded band over a numeric axis; points with error bars over categories
    (a line between categories would suggest an order that is not there)."""
    if numeric:
        ax.fill_between(x, lo, hi, alpha=0.25, label=band_label)
        ax.plot(x, mid, marker="o", label=label)
        return
    ax.errorbar(x, mid, yerr=[[m - a for m, a in zip(mid, lo)], [b - m for m, b in zip(mid, hi)]], fmt="o",
                capsize=3, label=f"{label} ({band_label})")


def _line(fig, cells: list[dict], key: str, metric: str | None) -> None:
    xs = [c[f"param.{key}"] for c in cells]
    numeric = _numbers(xs) is not None
    x = _numbers(xs) if numeric else list(range(len(xs)))
    ax = fig.add_subplot(1, 2 if metric else 1, 1)
    _band(ax, x, [_value(c, "verified_rate") for c in cells], [_value(c, "wilson_lo") for c in cells],
          [_value(c, "wilson_hi") for c in cells], numeric, "verified rate", "Wilson 95 %")
    ax.set(xlabel=key, ylabel="verified rate", ylim=(-0.02, 1.02), title="verified rate over the grid")
    ax.legend()
    if metric:
        ax2 = fig.add_subplot(1, 2, 2)
        _band(ax2, x, [_value(c, f"{metric}.q50") for c in cells], [_value(c, f"{metric}.q05") for c in cells],
              [_value(c, f"{metric}.q95") for c in cells], numeric, "median", "q05-q95")
        ax2.set(xlabel=key, ylabel=metric, title=f"{metric} over the grid")
        ax2.legend()
    if numeric and min(x) > 0 and max(x) >= 20 * min(x):  # widths, depths, batch sizes: spread over decades
        for a in fig.axes:
            a.set_xscale("log")
    if not numeric:
        for a in fig.axes:
            a.set_xticks(x, [str(v) for v in xs])
            a.set_xlim(-0.5, len(xs) - 0.5)


def _heatmap(fig, ax, cells: list[dict], keys: list[str], field: str, label: str, cmap: str, limits=None) -> None:
    rows = list(dict.fromkeys(c[f"param.{keys[0]}"] for c in cells))
    cols = list(dict.fromkeys(c[f"param.{keys[1]}"] for c in cells))
    grid = [[float("nan")] * len(cols) for _ in rows]
    for c in cells:
        grid[rows.index(c[f"param.{keys[0]}"])][cols.index(c[f"param.{keys[1]}"])] = _value(c, field)
    image = ax.imshow(grid, cmap=cmap, aspect="auto", origin="lower",
                      **({"vmin": limits[0], "vmax": limits[1]} if limits else {}))
    for (i, j), value in ((ij, grid[ij[0]][ij[1]]) for ij in itertools.product(range(len(rows)), range(len(cols)))):
        if not math.isnan(value):  # the cell's value written on it, in a colour that reads on the map
            shade = float(image.norm(value))
            ax.text(j, i, f"{value:.4g}", ha="center", va="center", fontsize=7,
                    color="black" if not math.isnan(shade) and shade > 0.6 else "white")
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set(xlabel=keys[1], ylabel=keys[0], title=label)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=label)


def _histogram(fig, table, metric: str | None) -> None:
    import pandas as pd

    ax = fig.add_subplot(1, 1, 1)
    column = metric_column(metric) if metric else None
    values = pd.to_numeric(table[column], errors="coerce").dropna() if column in table else None
    if values is not None and len(values):
        ax.hist(values, bins=min(50, max(5, len(values) // 5)))
        ax.set(xlabel=metric, ylabel="instances", title=f"{metric} over {len(values)} instances")
        return
    counts = [int((table["verdict"] == v).sum()) for v in VERDICTS]
    ax.bar(list(VERDICTS), counts)
    ax.set(xlabel="verdict", ylabel="instances", title=f"verdicts over {len(table)} instances")


def sweep_figure(table, cells: list[dict], grid_keys: Sequence[str], metrics: Sequence[str]):
    """The figure of a sweep (a ``matplotlib.figure.Figure``), or None when nothing has finished."""
    import matplotlib
    from matplotlib.figure import Figure

    if not len(table):
        return None
    metric = metrics[0] if metrics else None
    keys = list(grid_keys)
    with matplotlib.rc_context(RC_PARAMS):
        fig = Figure(figsize=(9 if (metric and 1 <= len(keys) <= 2) else 5, 3.4), layout="constrained")
        if not keys:
            _histogram(fig, table, metric)
        elif len(keys) == 1:
            _line(fig, cells, keys[0], metric)
        elif len(keys) == 2:
            panels = 2 if metric else 1
            _heatmap(fig, fig.add_subplot(1, panels, 1), cells, keys, "verified_rate", "verified rate", "viridis", (0, 1))
            if metric:
                _heatmap(fig, fig.add_subplot(1, 2, 2), cells, keys, f"{metric}.q50", f"median {metric}", "magma")
        else:
            ax = fig.add_subplot(1, 1, 1)
            labels = [",".join(f"{k}={c[f'param.{k}']}" for k in keys) for c in cells]
            ax.errorbar(range(len(cells)), [_value(c, "verified_rate") for c in cells], fmt="o",
                        yerr=[[_value(c, "verified_rate") - _value(c, "wilson_lo") for c in cells],
                              [_value(c, "wilson_hi") - _value(c, "verified_rate") for c in cells]])
            ax.set_xticks(range(len(cells)), labels, rotation=60, ha="right")
            ax.set(ylabel="verified rate", ylim=(-0.02, 1.02), title="verified rate per grid cell (Wilson 95 %)")
        return fig


def save_sweep_figure(table, cells: list[dict], grid_keys: Sequence[str], metrics: Sequence[str], stem: Path) -> str | None:
    """Draw and save ``stem.{png,pdf,svg}``; return the stem relative to the sweep directory, or None."""
    import matplotlib

    fig = sweep_figure(table, cells, grid_keys, metrics)
    if fig is None:
        return None
    stem.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC_PARAMS):
        for fmt in FORMATS:
            fig.savefig(stem.with_suffix(f".{fmt}"))
    return f"{stem.parent.name}/{stem.name}"
