"""PNG figures of records (matplotlib), drawn from the figure data of :mod:`.figure_data`.

Three layouts, chosen by the record's ``series`` (docs/records.md):

* a time series with one column: log10 y against log10 t, and next to it, when the plot
  hints ask for it (:func:`~bnproof.report.figure_data.wants_rate_panel`), the rate panel
  ``-ln y / (ln t)^2`` against ``ln t`` for t > 1 with its minimum marked -- bounded below
  exactly when ``y <= exp(-c ln^2 t)``; it is computed from log10 y, so y = 1e-400 never
  underflows;
* a time series with several columns: one labelled curve each on shared log axes;
* panels: one subplot per :class:`~bnproof.core.records.Panel`, linear or log axes,
  labelled curves and dashed reference lines.

Figures are bare :class:`matplotlib.figure.Figure` objects, never registered with pyplot, so
drawing needs no backend and leaves a caller's pyplot state alone.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bnproof.core.series import Panel
from bnproof.report.figure_data import LogCurve, TimePlot, figure_panels, time_plot
from bnproof.report.load import PathLike

__all__ = ["plot_record"]

_DPI = 110
_LOG_T_LABEL = r"log t   ($\log_{10} t$)"


def plot_record(record: dict, path: PathLike) -> str | None:
    """Plot a record's series to a PNG at ``path``; return the path, or None without a figure.

    A time series (``series["t"]``) takes precedence over ``series["panels"]``; see the module
    docstring for the layouts and :mod:`bnproof.report.figure_data` for what is read.
    """
    plot = time_plot(record)
    if plot is not None:
        fig = _draw_multi(plot) if plot.multi else _draw_single(plot)
    else:
        panels = figure_panels(record)
        if not panels:
            return None
        fig = _draw_panels(panels)
    return _finish(fig, record, path)


def _new_figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=_DPI, layout="constrained")


def _draw_single(plot: TimePlot) -> Figure:
    """log10 y over log10 t, plus the rate panel when ``plot.rate``."""
    fig = _new_figure((11, 4.2) if plot.rate else (6.5, 4.2))
    axes = fig.subplots(1, 2) if plot.rate else [fig.subplots()]
    curve = plot.curves[0]
    left = axes[0]
    left.plot(curve.log10_t, curve.log10_y, marker="o", markersize=3, linewidth=1.2)
    left.set_xlabel(_LOG_T_LABEL)
    left.set_ylabel(rf"$\log_{{10}}$ {curve.name}")
    title = plot.title or curve.name
    prefix = f"{title}: " if title != curve.name else ""
    left.set_title(f"{prefix}$\\log_{{10}}$ {curve.name} vs log t", fontsize=10)
    left.grid(True, alpha=0.3)
    if plot.rate:
        _draw_rate(axes[1], curve)
    return fig


def _draw_rate(ax: Axes, curve: LogCurve) -> None:
    """``-ln y / (ln t)^2`` against ``ln t`` (t > 1), with its minimum as a dashed line."""
    ln10 = math.log(10.0)
    pts = [(lt * ln10, -ly * ln10 / (lt * ln10) ** 2) for lt, ly in zip(curve.log10_t, curve.log10_y) if lt > 0]
    if pts:
        ln_t, ratio = zip(*pts)
        ax.plot(ln_t, ratio, marker="o", markersize=3, linewidth=1.2, color="tab:red")
        low = min(ratio)
        ax.axhline(low, color="grey", linestyle="--", linewidth=0.8, label=f"min = {low:.4g}")
        ax.legend(loc="best", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no checkpoints with t > 1", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(r"$\ln t$")
    ax.set_ylabel(rf"$-\ln(\mathrm{{{_mathtext_escape(curve.name)}}})\,/\,(\ln t)^2$")
    ax.set_title("rate ratio (bounded below if the bound holds)", fontsize=10)
    ax.grid(True, alpha=0.3)


def _mathtext_escape(name: str) -> str:
    """A column name made safe inside mathtext (``sample_gap`` must not become a subscript)."""
    return re.sub(r"([_#%&$])", r"\\\1", name)


def _draw_multi(plot: TimePlot) -> Figure:
    """Several columns as labelled curves on shared log axes (one panel)."""
    fig = _new_figure((7.5, 4.6))
    ax = fig.subplots()
    for name, log10_t, log10_y in plot.curves:
        ax.plot(log10_t, log10_y, marker="o", markersize=2.5, linewidth=1.2, label=str(plot.labels.get(name) or name))
    ax.set_xlabel(_LOG_T_LABEL)
    ax.set_ylabel(r"$\log_{10}$ value")
    ax.set_title(plot.title or "series", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def _draw_panels(panels: list[Panel]) -> Figure:
    """One subplot per panel."""
    fig = _new_figure((5.6 * len(panels), 4.4))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        _draw_panel(ax, panel)
    return fig


def _draw_panel(ax: Axes, panel: Panel) -> None:
    """Labelled curves, dashed reference lines, scales and labels of one panel."""
    for curve in panel.curves:
        ax.plot(curve.x, curve.y, curve.style, markersize=3, linewidth=1.2, label=curve.label)
    for line in panel.hlines:
        ax.axhline(line.y, color="grey", linestyle="--", linewidth=0.9, label=line.label)
    ax.set_xscale(panel.xscale)
    ax.set_yscale(panel.yscale)
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.set_title(panel.title, fontsize=10)
    ax.grid(True, alpha=0.3)
    if any(h.get_label() and not h.get_label().startswith("_") for h in ax.get_lines()):
        ax.legend(loc="best", fontsize=8)


def _finish(fig: Figure, record: dict, path: PathLike) -> str:
    """Title the figure with the claim and its verdict, write the PNG, free the figure."""
    verdict = record.get("verdict")
    fig.suptitle(f"{record.get('claim', '?')}" + (f" — {verdict}" if verdict else ""), fontsize=12)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    fig.clear()  # not registered with pyplot, so dropping it frees it; clear() releases artists early
    return str(out)
