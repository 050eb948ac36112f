"""The one figure style of bnproof: matplotlib rcParams for paper-grade figures.

A plain dict (no matplotlib import here), applied with ``matplotlib.rc_context(RC_PARAMS)`` by
every module that draws (the report's figures, the sweep figures).  Serif text and mathtext
from the STIX fonts that ship with matplotlib (Times-like, as in a paper), with DejaVu as the
fallback for the few glyphs STIX lacks (superscript digits); colour-blind-safe measured
colours (Okabe-Ito, without black and red, which mark theory and bounds); fonts embedded as
TrueType in PDF and kept as text in SVG; PNG at 200 dpi.
"""

from __future__ import annotations

__all__ = ["RC_PARAMS"]

RC_PARAMS: dict = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "font.family": ["STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "axes.prop_cycle": "cycler('color', ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', "
                       "'#8C564B', '#9467BD', '#BCBD22'])",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "legend.framealpha": 0.85,
    "legend.handlelength": 2.4,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.4,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}
