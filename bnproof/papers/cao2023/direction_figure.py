r"""Figure pieces of the 1/log t claims (``cao2023.nobn.max-margin``, ``cao2023.contrast``).

Plain GD approaches the max-margin direction like 1/log t, BN its uniform margin like
exp(-Ω(log² t)).  These helpers draw what the verdicts of :mod:`.profiles` read:

* :func:`inverse_log_reference` -- the 1/log t reference C/ln t through the horizon's value;
* :func:`last_decade_fit` -- the inverse-log fit C·(ln t)^{-p} on the last decade of the late
  window, whose exponent p the verdict compares with 1 - p_tol;
* :func:`log2_ratio_curve` -- -ln y / ln² t over a window (bounded below and not decreasing for an
  exp(-c log² t) decay, falling to 0 for 1/log t).

Values are in the observable's own units (radians for angles); on time-series axes (log10 units)
pass them through :func:`as_log10`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bnproof.analysis import rates
from bnproof.core.series import Curve

__all__ = ["as_log10", "inverse_log_reference", "last_decade_fit", "log2_ratio_curve", "values"]


def values(log10_column: Sequence[float | None]) -> list[float | None]:
    """A recorded log10 column as values (None where missing or below float range)."""
    return [None if v is None or not math.isfinite(v) or v < -300 else 10.0 ** v for v in log10_column]


def as_log10(curve: Curve) -> Curve:
    """``curve`` with its y in log10 units (for the time-series axes)."""
    return Curve(curve.label, [math.log10(v) for v in curve.y], x=curve.x, style=curve.style, kind=curve.kind)


def inverse_log_reference(t: Sequence[float], t_end: float, y_end: float, label: str = r"$\propto 1/\ln t$",
                          colour: str | None = None) -> Curve:
    """C/ln t over the checkpoints t > 1, with C = y_end·ln t_end (through the horizon's value).

    ``colour``: that of the measured curve it belongs to (a format-string colour such as ``"C0"``).
    """
    c = y_end * math.log(t_end)
    ts = [float(v) for v in t if v > 1]
    return Curve(label, [c / math.log(v) for v in ts], x=ts, style=colour, kind="theory")


def last_decade_fit(t: np.ndarray, log_y: np.ndarray, p_min: float) -> Curve | None:
    """The inverse-log fit over the last decade of the window (ln y natural), as the verdict fits it.

    None when the decade holds fewer than 3 checkpoints (the fit is undefined there).
    """
    last = t >= t[-1] / 10
    if int(last.sum()) < 3:
        return None
    fit = rates.fit_inverse_log(t[last], log_y[last])
    p, c_log = fit.params["p"], fit.params["C_log"]
    ts = [float(v) for v in t[last]]
    return Curve(f"fit $(\\ln t)^{{-p}}$, $p = {p:.3f}$ (needs $\\geq {p_min:g}$)",
                 [math.exp(c_log - p * math.log(math.log(v))) for v in ts], x=ts, kind="fit")


def log2_ratio_curve(t: np.ndarray, log_y: np.ndarray, label: str, style: str | None = None) -> Curve:
    """-ln y / ln² t over the window (t > 1), the profile ``rates.ratio_profile(t, ln y, 2)`` judges."""
    keep = t > 1
    tt, ly = t[keep], log_y[keep]
    return Curve(label, [float(-v / math.log(x) ** 2) for x, v in zip(tt, ly)], x=[float(x) for x in tt],
                 style=style)
