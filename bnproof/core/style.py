"""The one figure style of bnproof: matplotlib rcParams for paper-grade figures.

A plain dict (no matplotlib import here), applied with ``matplotlib.rc_context(RC_PARAMS)`` by
every module that draws (the report's figures, the sweep figures).
"""

from __future__ import annotations

__all__ = ["RC_PARAMS"]

RC_PARAMS: dict = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.4,
    "mathtext.fontset": "cm",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}
