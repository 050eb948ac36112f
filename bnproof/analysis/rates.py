"""Late-time rate fitting and model selection for a decaying gap sequence.

A "gap" g_t > 0 is measured at log-spaced checkpoints t (GD step counts).
Upstream computes ``log_gap = log g_t`` (natural log) in high precision, so it
can be -700 or -5000; everything here therefore works in log space and never
exponentiates ``log_gap``.

Candidate families (all linear after a change of variables, so every fit is a
plain ordinary-least-squares problem):

=============  ===============================  ===================================
family         model                            linearisation
=============  ===============================  ===================================
exp-polylog    g = exp(-c * log(s*t)^k)         log(-log g) = log c + k*log(log(s*t))
power          g = C * t^(-a)                   log g = log C - a*log t
inverse-log    g = C * log(t)^(-p)              log g = log C - p*log(log t)
exponential    g = C * exp(-c*t)                log g = log C - c*t
=============  ===============================  ===================================

The motivating question is telling exp(-c log^2 t) (Cao et al. 2023) from
exp(-(c/3) log^3(eta t)) (our analysis, k = 3), and both from polynomial,
1/log t and exponential decay.

Input contract (checked by every public function, ``ValueError`` otherwise):
``t`` and ``log_gap`` are 1-D float arrays of equal length >= 3, all values
finite, ``t > 0`` and strictly increasing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Fit",
    "late_window",
    "fit_exp_polylog",
    "fit_power",
    "fit_inverse_log",
    "fit_exponential",
    "fit_all",
    "local_exponent",
    "ratio_profile",
    "integrated_rate",
]

FloatArray = NDArray[np.float64]

# Every family has two free parameters; the noise variance is common to all
# and therefore left out of the AIC parameter count.
_N_PARAMS = 2

# Residuals smaller than this fraction of max|log_gap| are float64 round-off,
# not model misfit.  Flooring rss there keeps AIC finite for exact data and
# makes two families that both fit to round-off tie (broken by canonical order)
# rather than be ranked by noise in the last bits.
_RSS_REL_FLOOR = 1e-10

# Canonical family order; also the tie-break order of ``fit_all``.
_FAMILIES = ("exp-polylog", "power", "inverse-log", "exponential")


@dataclass(frozen=True)
class Fit:
    """Result of fitting one family to (t, log_gap).

    ``rss`` is the residual sum of squares in log_gap space (for exp-polylog the
    parameters are estimated in log(-log_gap) space, but rss is still measured
    in log_gap space so that all families are comparable), and
    ``aic = n*log(max(rss, floor)/n) + 2*p`` with p = 2.
    """

    family: str
    formula: str
    params: dict[str, float]
    stderr: dict[str, float]
    rss: float
    aic: float
    n_points: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: strings, Python floats and an int (``n_points``)."""
        return {
            "family": str(self.family),
            "formula": str(self.formula),
            "params": {str(k): float(v) for k, v in self.params.items()},
            "stderr": {str(k): float(v) for k, v in self.stderr.items()},
            "rss": float(self.rss),
            "aic": float(self.aic),
            "n_points": int(self.n_points),
        }


# --------------------------------------------------------------------------
# validation and OLS helpers
# --------------------------------------------------------------------------


def _as_1d(x: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _check_t(t: ArrayLike) -> FloatArray:
    tt = _as_1d(t, "t")
    if tt.size < 3:
        raise ValueError(f"need at least 3 points, got {tt.size}")
    if not np.all(np.isfinite(tt)):
        raise ValueError("t contains non-finite values")
    if np.any(tt <= 0):
        raise ValueError("t must be positive")
    if np.any(np.diff(tt) <= 0):
        raise ValueError("t must be strictly increasing")
    return tt


def _check(t: ArrayLike, log_gap: ArrayLike) -> tuple[FloatArray, FloatArray]:
    tt = _as_1d(t, "t")
    lg = _as_1d(log_gap, "log_gap")
    if tt.shape != lg.shape:
        raise ValueError(f"t and log_gap differ in length: {tt.size} != {lg.size}")
    tt = _check_t(tt)
    if not np.all(np.isfinite(lg)):
        raise ValueError("log_gap contains non-finite values")
    return tt, lg


@dataclass(frozen=True)
class _OLS:
    """y = intercept + slope*x with standard errors from s^2 (X^T X)^-1."""

    intercept: float
    slope: float
    intercept_se: float
    slope_se: float


def _ols(x: FloatArray, y: FloatArray) -> _OLS:
    """Ordinary least squares of y on [1, x] via ``numpy.linalg.lstsq``.

    x is centred first: that makes X^T X diagonal (so the covariance is exact
    and cheap) and keeps the design well conditioned when x = t ~ 1e6.
    With x_c = x - mean(x), y = a + b*x_c, s^2 = rss/(n-2):
        var(b) = s^2 / sum(x_c^2),  var(a) = s^2 / n,  cov(a, b) = 0,
    and the intercept at x = 0 is a - b*mean(x) with
        var = var(a) + mean(x)^2 var(b).
    """
    n = x.size
    if n < 3:
        raise ValueError(f"need at least 3 usable points for a fit, got {n}")
    xm = float(np.mean(x))
    xc = x - xm
    sxx = float(xc @ xc)
    if not sxx > 0:
        raise ValueError("regressor is constant; cannot fit a slope")
    design = np.column_stack([np.ones(n), xc])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    a, b = float(coef[0]), float(coef[1])
    resid = y - design @ coef
    s2 = float(resid @ resid) / (n - 2)
    var_b = s2 / sxx
    var_a = s2 / n
    return _OLS(
        intercept=a - b * xm,
        slope=b,
        intercept_se=float(np.sqrt(var_a + xm * xm * var_b)),
        slope_se=float(np.sqrt(var_b)),
    )


def _aic(rss: float, n: int, scale: float) -> float:
    """AIC = n*log(rss/n) + 2p, rss floored at round-off level n*(1e-10*scale)^2."""
    floor = n * (_RSS_REL_FLOOR * max(1.0, scale)) ** 2
    return float(n * np.log(max(rss, floor) / n) + 2 * _N_PARAMS)


def _make_fit(
    family: str,
    formula: str,
    params: dict[str, float],
    stderr: dict[str, float],
    log_gap: FloatArray,
    pred: FloatArray,
) -> Fit:
    resid = log_gap - pred
    rss = float(resid @ resid)
    n = int(log_gap.size)
    return Fit(
        family=family,
        formula=formula,
        params={k: float(v) for k, v in params.items()},
        stderr={k: float(v) for k, v in stderr.items()},
        rss=rss,
        aic=_aic(rss, n, float(np.max(np.abs(log_gap)))),
        n_points=n,
    )


def _polylog_mask(t: FloatArray, log_gap: FloatArray, shift: float) -> NDArray[np.bool_]:
    """Points where the exp-polylog linearisation is defined and sensible.

    log(-log_gap) needs log_gap < 0; log(log(shift*t)) needs shift*t > 1, and we
    require shift*t > e (log(shift*t) > 1) as specified, which keeps
    log log(shift*t) > 0 away from the singular region near shift*t = 1.
    """
    return (log_gap < 0) & (np.log(shift * t) > 1.0)


def _check_shift(shift: float) -> float:
    s = float(shift)
    if not (np.isfinite(s) and s > 0):
        raise ValueError(f"shift must be finite and positive, got {shift!r}")
    return s


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def late_window(t: ArrayLike, frac: float = 0.5) -> NDArray[np.bool_]:
    """Boolean mask selecting the last ``frac`` of the range of log t.

    With l = log t, the mask is ``l >= l_max - frac*(l_max - l_min)``, i.e. the
    checkpoints whose log t lies in the top ``frac`` fraction of
    [log t_min, log t_max].  ``frac = 1`` selects every point, ``frac -> 0``
    only t_max.  A relative slack of 1e-12 on the threshold keeps the boundary
    point in despite round-off.  Requires 0 < frac <= 1.
    """
    tt = _check_t(t)
    f = float(frac)
    if not (0.0 < f <= 1.0):
        raise ValueError(f"frac must be in (0, 1], got {frac!r}")
    lt = np.log(tt)
    span = float(lt.max() - lt.min())
    return (lt.max() - lt) <= f * span * (1.0 + 1e-12)


def fit_exp_polylog(t: ArrayLike, log_gap: ArrayLike, *, shift: float = 1.0) -> Fit:
    """Fit gap = exp(-c * log(shift*t)^k).

    With L = log(shift*t):  log(-log_gap) = log c + k*log L, an OLS problem in
    (x, y) = (log L, log(-log_gap)).  Points with log_gap >= 0 or shift*t <= e
    are dropped (``n_points`` counts what is left); fewer than 3 -> ValueError.

    params {"c", "k"}; stderr of k is the OLS slope stderr and stderr of
    c = exp(log c) follows by the delta method: se(c) = c * se(log c).
    rss/aic are measured in log_gap space (residual log_gap + c L^k).
    """
    tt, lg = _check(t, log_gap)
    s = _check_shift(shift)
    keep = _polylog_mask(tt, lg, s)
    if int(keep.sum()) < 3:
        raise ValueError(
            f"exp-polylog fit needs >=3 points with log_gap<0 and shift*t>e, got {int(keep.sum())}"
        )
    tt, lg = tt[keep], lg[keep]
    x = np.log(np.log(s * tt))
    y = np.log(-lg)
    r = _ols(x, y)
    c = float(np.exp(r.intercept))
    k = r.slope
    # -c L^k computed as -exp(log c + k log L): no overflow for large k*log L.
    pred = -np.exp(r.intercept + k * x)
    where = "log(t)" if s == 1.0 else f"log({s!r}*t)"
    return _make_fit(
        "exp-polylog",
        f"gap = exp(-c*{where}^k)",
        {"c": c, "k": k},
        {"c": c * r.intercept_se, "k": r.slope_se},
        lg,
        pred,
    )


def fit_power(t: ArrayLike, log_gap: ArrayLike) -> Fit:
    """Fit gap = C * t^(-a):  log_gap = C_log - a*log t  (OLS).

    params {"a", "C_log"} with C_log = log C; stderr from the OLS covariance.
    """
    tt, lg = _check(t, log_gap)
    x = np.log(tt)
    r = _ols(x, lg)
    return _make_fit(
        "power",
        "gap = exp(C_log) * t^(-a)",
        {"a": -r.slope, "C_log": r.intercept},
        {"a": r.slope_se, "C_log": r.intercept_se},
        lg,
        r.intercept + r.slope * x,
    )


def fit_inverse_log(t: ArrayLike, log_gap: ArrayLike) -> Fit:
    """Fit gap = C * log(t)^(-p):  log_gap = C_log - p*log(log t)  (OLS).

    Points with t <= 1 (log log t undefined) are dropped; fewer than 3 left ->
    ValueError.  params {"p", "C_log"}; stderr from the OLS covariance.
    """
    tt, lg = _check(t, log_gap)
    keep = tt > 1.0
    if int(keep.sum()) < 3:
        raise ValueError(f"inverse-log fit needs >=3 points with t>1, got {int(keep.sum())}")
    tt, lg = tt[keep], lg[keep]
    x = np.log(np.log(tt))
    r = _ols(x, lg)
    return _make_fit(
        "inverse-log",
        "gap = exp(C_log) * log(t)^(-p)",
        {"p": -r.slope, "C_log": r.intercept},
        {"p": r.slope_se, "C_log": r.intercept_se},
        lg,
        r.intercept + r.slope * x,
    )


def fit_exponential(t: ArrayLike, log_gap: ArrayLike) -> Fit:
    """Fit gap = C * exp(-c*t):  log_gap = C_log - c*t  (OLS).

    params {"c", "C_log"}; stderr from the OLS covariance.
    """
    tt, lg = _check(t, log_gap)
    r = _ols(tt, lg)
    return _make_fit(
        "exponential",
        "gap = exp(C_log) * exp(-c*t)",
        {"c": -r.slope, "C_log": r.intercept},
        {"c": r.slope_se, "C_log": r.intercept_se},
        lg,
        r.intercept + r.slope * tt,
    )


def fit_all(t: ArrayLike, log_gap: ArrayLike, *, shift: float = 1.0) -> list[Fit]:
    """Fit all four families and return them sorted by AIC, best first.

    AIC is only comparable on identical data, so every family is fitted on
    the same subset: points with log_gap < 0 and shift*t > e (needed by
    exp-polylog) and t > 1 (needed by inverse-log).  Fewer than 3 common
    points -> ValueError.  Exact AIC ties (two families both fitting to
    round-off) keep the canonical order exp-polylog, power, inverse-log,
    exponential.
    """
    tt, lg = _check(t, log_gap)
    s = _check_shift(shift)
    keep = _polylog_mask(tt, lg, s) & (tt > 1.0)
    if int(keep.sum()) < 3:
        raise ValueError(f"fit_all needs >=3 points valid for every family, got {int(keep.sum())}")
    tt, lg = tt[keep], lg[keep]
    fits = [
        fit_exp_polylog(tt, lg, shift=s),
        fit_power(tt, lg),
        fit_inverse_log(tt, lg),
        fit_exponential(tt, lg),
    ]
    # sorted() is stable, so ties keep the canonical order above.
    return sorted(fits, key=lambda f: f.aic)


def local_exponent(t: ArrayLike, log_gap: ArrayLike, *, shift: float = 1.0) -> dict[str, float | int]:
    """Estimate k from local log-log slopes, independently of a global fit.

    sigma_j = -(log_gap[j+1] - log_gap[j]) / (log t[j+1] - log t[j]) is the
    local decay exponent at the midpoint m_j = (log t[j] + log t[j+1])/2.
    Under gap = exp(-c L^k), L = log(shift*t):  sigma = -d log_gap/d log t
    = c k L^(k-1).  So with L_j = log(shift) + m_j, an OLS of log sigma_j on
    log L_j has slope k - 1 and intercept b = log(c k):
        k_local = 1 + slope,  c_local = exp(b) / k_local.
    Non-positive sigma_j (non-decreasing gap) and L_j <= 0 are skipped; fewer
    than 3 usable slopes -> ValueError.

    The secant slope is c*(L2^k - L1^k)/(L2 - L1), not c k L_mid^(k-1), so for
    k != 1, 2 there is an O((dL/L)^2) bias: ~1e-3 in k for 40 points over
    t in [1e2, 1e6].  Returns {"k", "k_stderr", "c", "n_points"}.
    """
    tt, lg = _check(t, log_gap)
    s = _check_shift(shift)
    lt = np.log(tt)
    sigma = -np.diff(lg) / np.diff(lt)
    L_mid = np.log(s) + 0.5 * (lt[1:] + lt[:-1])
    ok = (sigma > 0) & (L_mid > 0)
    n = int(ok.sum())
    if n < 3:
        raise ValueError(f"local_exponent needs >=3 positive local slopes with shift*t>1, got {n}")
    r = _ols(np.log(L_mid[ok]), np.log(sigma[ok]))
    k = 1.0 + r.slope
    return {
        "k": float(k),
        "k_stderr": float(r.slope_se),
        "c": float(np.exp(r.intercept) / k),
        "n_points": n,
    }


def ratio_profile(t: ArrayLike, log_gap: ArrayLike, k: float) -> dict[str, Any]:
    """Profile R(t) = -log_gap / log(t)^k over the given points.

    Used to judge a claim "-log gap / log^k t stays bounded below and does not
    decrease".  Returns {"k", "min", "first", "last", "slope", "slope_stderr",
    "nondecreasing"} where slope is the OLS slope of R against log t and

        nondecreasing := slope + 2*slope_stderr >= 0
                         and R[-1] >= R[0] - 1e-3*|R[0]|.

    Note: no shift is applied, so for data exp(-c' log(eta*t)^3) with eta < 1,
    R_k(t) ~ (log t - |log eta|)^3 / log(t)^k rises until
    log t = k|log eta|/(k-3) and only then falls for k > 3 (for k = 4 that is
    t = eta^-4).  Restrict to a late window (``late_window``) before judging.
    Requires all t > 1.
    """
    tt, lg = _check(t, log_gap)
    kk = float(k)
    if not np.isfinite(kk):
        raise ValueError(f"k must be finite, got {k!r}")
    if np.any(tt <= 1.0):
        raise ValueError("ratio_profile needs t > 1 (log t > 0)")
    lt = np.log(tt)
    R = -lg / lt**kk
    r = _ols(lt, R)
    first, last = float(R[0]), float(R[-1])
    nondecreasing = bool(
        (r.slope + 2.0 * r.slope_se >= 0.0) and (last >= first - 1e-3 * abs(first))
    )
    return {
        "k": kk,
        "min": float(np.min(R)),
        "first": first,
        "last": last,
        "slope": float(r.slope),
        "slope_stderr": float(r.slope_se),
        "nondecreasing": nondecreasing,
    }


def integrated_rate(t: ArrayLike, log_gap: ArrayLike, intensity: ArrayLike) -> float:
    """Rate constant of d log g/dt = -c·h(t): ĉ = (log g(t_0) - log g(t_end)) / ∫ h dt.

    ``intensity`` is h at the checkpoints.  The integral is a trapezoid rule in log t on
    h(t)·t, which is smooth on log-spaced checkpoints (h ~ polylog(t)/t in the cases of
    interest).  For the BN linear model h = η e^{-γ} γ(γ+1) (reference notes, check C).
    """
    tt, lg = _check(t, log_gap)
    h = _as_1d(intensity, "intensity")
    if h.shape != tt.shape or not np.all(np.isfinite(h)):
        raise ValueError("intensity must be finite and match t")
    lt = np.log(tt)
    ht = h * tt
    integral = float(np.sum(0.5 * (ht[1:] + ht[:-1]) * np.diff(lt)))
    if integral <= 0:
        raise ValueError("intensity integrates to a non-positive value")
    return float((lg[0] - lg[-1]) / integral)
