"""Central finite differences, in float64 or at any mpmath precision.

Every hand-derived or generated gradient in bnproof is checked against these (the derivations
in :mod:`bnproof.symbolic`, the tests through :func:`bnproof.testing.assert_gradient`).  A small
helper of our own: NumPy and SciPy offer float64 differences only, and mpmath's ``diff`` works
on one scalar variable, not on the array-shaped arguments our models take.
"""

from __future__ import annotations

from typing import Any, Callable

import mpmath
import numpy as np

__all__ = ["central_gradient"]


def central_gradient(f: Callable[[np.ndarray], Any], x: Any, *, h: Any = None, dps: int | None = None) -> np.ndarray:
    """The central difference (f(x + h e_i) − f(x − h e_i)) / 2h for every coordinate i of ``x``.

    ``dps=None``: float64; ``x`` is turned into a float array of any shape and ``h`` defaults
    to 1e-6 (error O(h²) plus O(ε/h) round-off, about 1e-10 relative for smooth f).
    ``dps=D``: ``x`` becomes an object array of ``mpmath.mpf`` and ``f`` is evaluated inside
    ``mpmath.workdps(D)``; ``h`` defaults to 10^(-D/3), so the error is about 10^(-2D/3).
    The result has the shape of ``x`` (object dtype of ``mpf`` at ``dps``).
    """
    if dps is None:
        x = np.array(x, dtype=float)
        step = 1e-6 if h is None else float(h)
        return _differences(f, x, step)
    with mpmath.workdps(dps):
        xm = np.array(x, dtype=object)
        flat = xm.reshape(-1)
        for i, v in enumerate(flat):
            flat[i] = mpmath.mpf(v)
        step = mpmath.mpf(10) ** (-(dps // 3)) if h is None else mpmath.mpf(h)
        return _differences(f, xm, step)


def _differences(f: Callable, x: np.ndarray, h: Any) -> np.ndarray:
    g = np.zeros(x.shape, dtype=x.dtype)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g
