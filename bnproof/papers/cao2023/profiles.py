r"""Decay profiles over a late window: is a gap O(1/log t), or super-polynomial, exp(-c·log² t)?

The no-BN baseline (``cao2023.nobn.max-margin``) and the contrast (``cao2023.contrast``) tell the
two apart from the same checkpoints (reference notes §3 T2 and check E): plain GD approaches the
max-margin direction like 1/log t (Soudry et al. 2018), BN reaches its uniform margin
super-polynomially fast.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis import rates
from bnproof.core.errors import BadInput
from bnproof.engines.runner import Trajectory

__all__ = ["MIN_WINDOW_POINTS", "P_RISING", "late_log", "inverse_log_profile", "inverse_log_ok", "superpoly",
           "fit_summary"]

MIN_WINDOW_POINTS = 8
P_RISING = 0.05  # rise of the local exponent between the last two decades that marks a transient


def late_log(tr: Trajectory, key: str, frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Late-window checkpoints t ≥ 2 and ln of observable ``key`` (from the recorded log10)."""
    t = np.array(tr.t, dtype=float)
    lg = np.array(tr.log10[key], dtype=float) * math.log(10)
    keep = t >= 2
    t, lg = t[keep], lg[keep]
    mask = rates.late_window(t, frac)
    if int(mask.sum()) < MIN_WINDOW_POINTS:
        raise BadInput(f"the late window holds only {int(mask.sum())} checkpoints (need {MIN_WINDOW_POINTS}); "
                       "raise --steps, --param window or --param per_decade")
    return t[mask], lg[mask]


def inverse_log_profile(t: np.ndarray, log_gap: np.ndarray) -> dict:
    r"""Is gap = O(1/log t)?  P(t) = gap·ln t over the window, and the local exponent p_last.

    Soudry et al.: w_t = w_mm·ln t + ρ_t with ρ_t bounded, so the angle behaves like
    A/(B ln t + D): P(t) → A/B, from above or from below depending on the sign of D.  A growing
    P is therefore *not* by itself a violation (it may be rising to its limit), but the local
    exponent p = -d ln gap / d ln ln t tends to 1 either way, while it stays < 1 for a slower
    decay (p → 0 when the direction converges elsewhere; 1 - 1/ln ln t for log log t / log t).
    ``p_last`` is the inverse-log exponent fitted (``rates.fit_inverse_log``) on the last decade
    of t in the window, ``p_prev`` on the decade before.  A p_last still rising by more than
    ``P_RISING`` (a transient that approaches from below) is not evidence against the claim.
    """
    P = np.exp(log_gap) * np.log(t)

    def p_on(mask: np.ndarray) -> float | None:
        return float(rates.fit_inverse_log(t[mask], log_gap[mask]).params["p"]) if int(mask.sum()) >= 3 else None

    p_last = p_on(t >= t[-1] / 10)
    p_prev = p_on((t >= t[-1] / 100) & (t <= t[-1] / 10))
    return {"first": float(P[0]), "last": float(P[-1]), "max": float(P.max()), "p_last": p_last,
            "p_prev": p_prev,
            "rising": p_last is not None and p_prev is not None and p_last > p_prev + P_RISING}


def inverse_log_ok(prof: dict, p_tol: float) -> bool:
    """The local inverse-log exponent over the last decade is at least 1 - p_tol."""
    return prof["p_last"] is not None and prof["p_last"] >= 1 - p_tol


def fit_summary(fits: list[rates.Fit]) -> dict:
    """The best family, the inverse-log exponent and every fit, for the record."""
    best = fits[0]
    inv = next(f for f in fits if f.family == "inverse-log")
    return {"best_family": best.family, "p_inverse_log": round(inv.params["p"], 4),
            "p_inverse_log_stderr": round(inv.stderr["p"], 4), "fits": [f.to_dict() for f in fits]}


def superpoly(t: np.ndarray, log_gap: np.ndarray) -> dict:
    """The exp(-c log² t) profile test (the no-BN mutated rate, the contrast's BN side): -ln gap / ln² t
    bounded below and not decreasing.  The rate claims decide by :mod:`~.local_rate` instead."""
    prof = rates.ratio_profile(t, log_gap, 2.0)
    return {**prof, "holds": bool(prof["min"] > 0 and prof["nondecreasing"])}
