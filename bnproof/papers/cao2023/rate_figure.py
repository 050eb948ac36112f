r"""The figure of the two rate claims (``cao2023.linear.rate``, ``cao2023.cnn.rate``).

It shows what the verdict decides on (:mod:`.local_rate`), next to the measurement:

* left, the gap over t (log10), with the late window the verdict reads (a span), the
  linearisation's prediction over that window (theory: ln gap(t0) − c∫h dt, whose asymptotic
  exponent is the claim's limit) and the global exp-polylog fit (fit: −c·ln^k(shift·t));
* right, segment by segment over the window, the measured local rate over the predicted one,
  with the prediction (1) and the tolerance band 1 ± rate_tol that every segment must stay in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from bnproof.core.series import Band, Curve, HLine, Panel, Span, TimeSeries
from bnproof.papers.cao2023.local_rate import LocalRate, predicted_drops, usable

__all__ = ["RateWindow", "rate_series"]

LN10 = math.log(10.0)


@dataclass(frozen=True)
class RateWindow:
    """The late window a rate verdict read: checkpoints, ln gap, the intensity h and constant c."""

    t: np.ndarray
    log_gap: np.ndarray  # natural log of the gap
    intensity: np.ndarray | None  # h: predicted -d ln gap/dt = c·h (None: no mechanism to compare with)
    c: float
    shift: float  # the fit variable is ln(shift·t)
    k_limit: int  # the linearisation's asymptotic exponent


def rate_series(base: TimeSeries, win: RateWindow, local: LocalRate | None, fit: tuple[float, float] | None,
                rate_tol: float, mechanism: str) -> dict:
    """``base`` (the gap's time series) with the window, prediction and fit added, and the ratio panel.

    ``fit`` is ``(c, k)`` of the global fit gap = exp(−c·ln^k(shift·t)) (None: undefined);
    ``mechanism`` names the predicted local rate in the legend (mathtext).
    """
    curves, spans, extra = [], [], []
    if len(win.t):
        spans.append(Span(float(win.t[0]), float(win.t[-1]), "late window (verdict)"))
    theory = _prediction(win, mechanism)
    if theory is not None:
        curves.append(theory)
    if fit is not None:
        curves.append(_fit_curve(win, *fit))
    if local is not None and local.ratios:
        extra.append(_ratio_panel(win, local, rate_tol))
    return replace(base, rate=False, curves=[*base.curves, *curves], spans=[*base.spans, *spans],
                   panels=[*base.panels, *extra]).to_dict()


def _prediction(win: RateWindow, mechanism: str) -> Curve | None:
    """log10 of the predicted gap over the window, anchored at its first checkpoint."""
    if win.intensity is None or not (math.isfinite(win.c) and win.c > 0):
        return None
    t, lg, h = usable(win.t, win.log_gap, win.intensity)
    if len(t) < 2:
        return None
    pred = lg[0] - np.concatenate(([0.0], np.cumsum(predicted_drops(t, h, win.c))))
    return Curve(f"linearisation: {mechanism} ($k \\to {win.k_limit}$)", [float(v / LN10) for v in pred],
                 x=[float(v) for v in t], kind="theory")


def _fit_curve(win: RateWindow, c: float, k: float) -> Curve:
    """log10 of the fitted gap exp(−c·L^k), L = ln(shift·t), where L > 1 (where the fit was made)."""
    t = [float(v) for v in win.t if win.shift * v > math.e]
    y = [-c * math.log(win.shift * v) ** k / LN10 for v in t]
    return Curve(f"fit $e^{{-c L^k}}$, $k = {k:.3f}$", y, x=t, kind="fit")


def _ratio_panel(win: RateWindow, local: LocalRate, rate_tol: float) -> Panel:
    """Measured / predicted local rate per segment (at the segments' geometric midpoints)."""
    t = usable(win.t, win.log_gap, win.intensity)[0] if win.intensity is not None else win.t
    mid = [math.sqrt(a * b) for a, b in pairwise(t)]
    ratios = [r if math.isfinite(r) else None for r in local.ratios]
    lo, hi = float(t[0]), float(t[-1])
    return Panel("local rate over the late window", "step $t$", r"$-\Delta\ln\mathrm{gap}\;/\;c\!\int h\,dt$",
                 mid, [Curve("measured / predicted", ratios)], xscale="log",
                 hlines=[HLine(1.0, "linearisation", kind="theory")],
                 bands=[Band(f"tolerance $1 \\pm {rate_tol:g}$", [1 - rate_tol] * 2, [1 + rate_tol] * 2,
                             x=[lo, hi], kind="theory")])
