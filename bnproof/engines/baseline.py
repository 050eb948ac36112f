"""Plain reference implementations, kept deliberately naive.

They exist for two reasons only: the benchmark measures the engine against them, and the
tests check that the engine's exact n-dimensional recursion reproduces GD in parameter
space.  No claim uses them.
"""

from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["plain_mpmath_gd"]


def plain_mpmath_gd(X: np.ndarray, y: np.ndarray, w0: np.ndarray, *, eta: str, steps: int,
                    dps: int, loss: str = "exp", center: bool = False):
    r"""Full d-dimensional GD on (w, γ) of the BN linear model, in mpmath, written plainly.

    ∇_w L = -(γ/(n s)) [Σ_i r_i y_i x_i - (Σ_i r_i m_i) Σw / s],  ∂_γ L = -(1/n) Σ_i r_i m_i,
    with z_i = ⟨w, x_i⟩, s = sqrt(mean z²), m_i = y_i z_i / s, r_i = -ℓ'(γ m_i)
    (reference notes §1.2).  Returns (w, γ) as mpmath numbers.
    """
    with mpmath.workdps(dps):
        n, d = X.shape
        xs = [[mpmath.mpf(float(v)) for v in row] for row in X]
        if center:
            mean = [mpmath.fsum(row[k] for row in xs) / n for k in range(d)]
            xs = [[row[k] - mean[k] for k in range(d)] for row in xs]
        ys = [int(v) for v in y]
        w = [mpmath.mpf(float(v)) for v in w0]
        gamma = mpmath.mpf(1)
        step = mpmath.mpf(eta)
        for _ in range(steps):
            z = [mpmath.fsum(xi[k] * w[k] for k in range(d)) for xi in xs]
            s = mpmath.sqrt(mpmath.fsum(zi * zi for zi in z) / n)
            m = [yi * zi / s for yi, zi in zip(ys, z)]
            if loss == "exp":
                r = [mpmath.exp(-gamma * mi) for mi in m]
            else:
                r = [1 / (1 + mpmath.exp(gamma * mi)) for mi in m]
            A = mpmath.fsum(ri * mi for ri, mi in zip(r, m))
            sigma_w = [mpmath.fsum(z[i] * xs[i][k] for i in range(n)) / n for k in range(d)]
            grad_w = [-(gamma / (n * s)) * (mpmath.fsum(r[i] * ys[i] * xs[i][k] for i in range(n))
                                            - A * sigma_w[k] / s) for k in range(d)]
            grad_gamma = -A / n
            w = [wk - step * gk for wk, gk in zip(w, grad_w)]
            gamma = gamma - step * grad_gamma
        return w, gamma
