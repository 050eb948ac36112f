r"""Local-slope diagnostics of a late-time rate against the linearised mechanism's predicted constant.

Both rate claims (``cao2023.linear.rate``, ``cao2023.cnn.rate``) are decided here.  The
linearisation [derived] predicts the local decay rate of the gap,

    -d ln gap/dt ≈ c·h(t),

with h the measured intensity (linear model: h = η e^{-γ} γ(γ+1) and c = λ_min(QKQ|1⊥)/(n s²);
CNN: h = η|γ| c_pool r(γ̃) λ_min(QK(ρB+I))/(n s²), c = 1).  Since η t e^{-γ} → 1, this is
-d ln gap/d ln t ≈ c·γ(γ+1) (linear) resp. c′·γ (CNN), so -ln gap ≈ (c/3)L³ + (c/2)L² (linear) resp.
(c′/2)L² (CNN) with L = ln(ηt): the asymptotic exponent is 3 resp. 2, and a global power-of-log fit
at a finite horizon sees less (3 - 1/(L+1) locally for the linear model).

Measured over the late window, segment by segment: the ratio ρ_j = -Δ ln gap_j / (c ∫_j h dt)
(≈ 1 when the mechanism holds), and the effective exponent k_eff = 1 + d ln σ / d ln L of the local
rate σ = -d ln gap/d ln t (``analysis.rates.local_exponent``), beside the k_eff the mechanism
predicts at the same checkpoints.  :func:`decide_local_rate` turns them into a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis import rates
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED
from bnproof.papers.cao2023.common import ci95

__all__ = ["MIN_POINTS", "MIN_DECADES", "RATE_TOL", "LocalRate", "local_rate", "decide_local_rate", "predicted_drops",
           "usable"]

MIN_POINTS = 8  # checkpoints the late window needs
MIN_DECADES = 1.0  # decades of t the late window must span
RATE_TOL = 0.05  # default tolerance of |measured/predicted local rate - 1|


@dataclass(frozen=True)
class LocalRate:
    """Local rates over the late window: measured against predicted, and the effective exponents."""

    t0: int
    t1: int
    n_points: int
    ratios: tuple[float, ...]  # per segment: measured / predicted local rate
    k_eff: float | None  # measured effective exponent (local slopes), None where undefined
    k_eff_err: float | None
    k_eff_pred: float | None  # the same estimator on the predicted curve

    @property
    def decades(self) -> float:
        return math.log10(self.t1 / self.t0) if self.t0 > 0 else 0.0

    @property
    def max_dev(self) -> float:
        return max(abs(r - 1) for r in self.ratios) if self.ratios else math.inf

    @property
    def last_dev(self) -> float:
        return abs(self.ratios[-1] - 1) if self.ratios else math.inf

    def k_eff_interval(self) -> list[float] | None:
        if self.k_eff is None or self.k_eff_err is None:
            return None
        return ci95(self.k_eff, self.k_eff_err)

    def record(self) -> dict:
        """The record's entries (rounded)."""
        r = self.ratios
        return {
            "local_rate_ratio": (f"{r[0]:.4f} → {r[-1]:.4f} (max |ratio-1| {self.max_dev:.4f})" if r else None),
            "local_rate_ratio_last": round(r[-1], 5) if r else None,
            "local_rate_ratio_max_dev": round(self.max_dev, 5) if r else None,
            "k_eff": None if self.k_eff is None else round(self.k_eff, 4),
            "k_eff_ci95": self.k_eff_interval(),
            "k_eff_predicted": None if self.k_eff_pred is None else round(self.k_eff_pred, 4),
            "local_window": [self.t0, self.t1],
        }


def _k_local(t: np.ndarray, lg: np.ndarray, shift: float) -> tuple[float | None, float | None]:
    try:
        out = rates.local_exponent(t, lg, shift=shift)
    except ValueError:
        return None, None
    return float(out["k"]), float(out["k_stderr"])


def usable(t: np.ndarray, log_gap: np.ndarray, intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The checkpoints (t > 0) where t, ln gap and the intensity are all finite, as float arrays."""
    t, lg, h = (np.asarray(a, dtype=float) for a in (t, log_gap, intensity))
    ok = np.isfinite(t) & np.isfinite(lg) & np.isfinite(h) & (t > 0)
    return t[ok], lg[ok], h[ok]


def predicted_drops(t: np.ndarray, intensity: np.ndarray, c: float) -> np.ndarray:
    """The predicted -Δ ln gap of each segment, c ∫h dt (trapezoid in ln t on h·t)."""
    return c * 0.5 * (intensity[1:] * t[1:] + intensity[:-1] * t[:-1]) * np.diff(np.log(t))


def local_rate(t: np.ndarray, log_gap: np.ndarray, intensity: np.ndarray, c: float, shift: float) -> LocalRate:
    """Segment ratios -Δ ln gap / (c ∫h dt) (trapezoid in ln t on h·t) and effective exponents in log(shift·t)."""
    t, lg, h = usable(t, log_gap, intensity)
    if len(t) < 2 or not (math.isfinite(c) and c > 0):
        return LocalRate(int(t[0]) if len(t) else 0, int(t[-1]) if len(t) else 0, len(t), (), None, None, None)
    pred = predicted_drops(t, h, c)  # predicted -Δ ln gap per segment
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = -np.diff(lg) / pred
    ratios = tuple(float(r) if math.isfinite(r) else math.inf for r in ratios)
    k_eff, k_err = _k_local(t, lg, shift)
    lg_pred = lg[0] - np.concatenate(([0.0], np.cumsum(pred)))
    k_pred, _ = _k_local(t, lg_pred, shift)
    return LocalRate(int(t[0]), int(t[-1]), len(t), ratios, k_eff, k_err, k_pred)


def decide_local_rate(lr: LocalRate, k_claim: float, k_limit: int, rate_tol: float,
                      mechanism: str) -> tuple[str, str]:
    """The verdict on "gap ≤ exp(-c·log^k t) eventually" from the local-slope diagnostics.

    Inconclusive when the late window is too short (< MIN_POINTS checkpoints or < MIN_DECADES of
    t) or the measured local rate is not within ``rate_tol`` of the predicted one at every segment
    (the window starts before the linearised regime, or the mechanism does not describe the run).
    With the mechanism confirmed the asymptotic exponent is ``k_limit``: k ≤ k_limit is verified;
    k > k_limit is refuted when the measured k_eff interval lies below k, else inconclusive.
    """
    where = f"t ∈ [{lr.t0}, {lr.t1}]"
    if not lr.ratios and lr.n_points >= MIN_POINTS:
        return INCONCLUSIVE, (f"no predicted local rate to compare with over {where}: the mechanism's rate "
                              "constant is not positive")
    if lr.n_points < MIN_POINTS or lr.decades < MIN_DECADES or not lr.ratios:
        return INCONCLUSIVE, (f"too short for a late window: {lr.n_points} checkpoints over {lr.decades:.2f} decades "
                              f"of t ({where}; need ≥ {MIN_POINTS} over ≥ {MIN_DECADES:g}); raise --steps")
    ratio = f"measured/predicted local rate {lr.ratios[0]:.4f} → {lr.ratios[-1]:.4f}"
    if lr.max_dev > rate_tol:
        if lr.last_dev <= rate_tol:
            return INCONCLUSIVE, (f"the late window starts before the linearised regime: {ratio} over {where} "
                                  f"(|ratio - 1| up to {lr.max_dev:.3f} > rate_tol {rate_tol:g}); raise --steps")
        return INCONCLUSIVE, (f"the measured local rate does not follow {mechanism}: {ratio} over {where} "
                              f"(|ratio - 1| = {lr.last_dev:.3f} > rate_tol {rate_tol:g} at the horizon); "
                              "no asymptotic exponent can be read from this run")
    ci = lr.k_eff_interval()
    keff = ("k_eff undefined" if ci is None else
            f"measured effective exponent k_eff = {lr.k_eff:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
            + ("" if lr.k_eff_pred is None else f" (mechanism at this horizon: {lr.k_eff_pred:.3f})"))
    head = f"{ratio} over {where} (within {rate_tol:g}) of {mechanism}, whose asymptotic exponent is {k_limit}"
    if k_claim <= k_limit:
        return VERIFIED, f"{head} ≥ k = {k_claim:g}; {keff}"
    if ci is not None and ci[1] < k_claim:
        return REFUTED, (f"{head} < k = {k_claim:g}, and the {keff} lies below k: "
                         f"the gap is not ≤ exp(-c·log^{k_claim:g} t) eventually")
    return INCONCLUSIVE, f"{head} < k = {k_claim:g}, but the {keff} does not lie below k"
