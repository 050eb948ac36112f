"""Least-squares slopes and time scales: exponents and speeds measured across depth, width or time.

``slope`` is ordinary least squares of y on x; ``loglog_slope`` the exponent a of y ∝ x^a;
``log_slope`` the rate r of y ∝ e^{r x} (so e^r is a per-layer factor).  Each takes the last
axis of ``y`` as the x axis, so one call fits every seed or replicate at once.
``time_scale`` is the speed c at which a measured curve follows a predicted one, y(t) ≈ f(c·t);
``time_scale_with_lag`` fits y(t) ≈ f(c·t + s), the lag s absorbing a transient at the start.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import least_squares, minimize_scalar

__all__ = ["slope", "loglog_slope", "log_slope", "time_scale", "time_scale_with_lag"]


def slope(x: ArrayLike, y: ArrayLike) -> np.ndarray | float:
    """OLS slope of ``y`` against ``x`` along y's last axis (a float for one-dimensional y)."""
    xa = np.asarray(x, float)
    ya = np.asarray(y, float)
    xc = xa - xa.mean()
    out = (ya - ya.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)
    return float(out) if np.ndim(out) == 0 else out


def loglog_slope(x: ArrayLike, y: ArrayLike) -> np.ndarray | float:
    """Exponent a of y ∝ x^a: the slope of ln y against ln x."""
    return slope(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)))


def log_slope(x: ArrayLike, y: ArrayLike) -> np.ndarray | float:
    """Rate r of y ∝ e^{r x}: the slope of ln y against x."""
    return slope(x, np.log(np.asarray(y, float)))


def time_scale(t: ArrayLike, y: ArrayLike, curve: Callable[[np.ndarray], np.ndarray], c_max: float,
               xatol: float = 1e-7) -> tuple[float, float]:
    """Least-squares c ∈ [0, c_max] of y(t) ≈ curve(c·t) (bounded scalar search); returns (c, RMS residual)."""
    ta, ya = np.asarray(t, float), np.asarray(y, float)

    def rms(c: float) -> float:
        return math.sqrt(float(np.mean((ya - curve(c * ta)) ** 2)))

    res = minimize_scalar(rms, bounds=(0.0, c_max), method="bounded", options={"xatol": xatol})
    return float(res.x), float(res.fun)


def time_scale_with_lag(t: ArrayLike, y: ArrayLike, curve: Callable[[np.ndarray], np.ndarray], c_max: float,
                        lag_max: float) -> tuple[float, float, float]:
    """Least-squares (c, s) with c ∈ [0, c_max], |s| ≤ lag_max, of y(t) ≈ curve(c·t + s); returns (c, s, RMS)."""
    ta, ya = np.asarray(t, float), np.asarray(y, float)
    fit = least_squares(lambda x: curve(x[0] * ta + x[1]) - ya, [1.0, 0.0], bounds=([0.0, -lag_max], [c_max, lag_max]),
                        xtol=1e-12, ftol=1e-14)
    return float(fit.x[0]), float(fit.x[1]), math.sqrt(float(np.mean(fit.fun ** 2)))
