r"""The closed-form integrals of the orthogonality proof, by quadrature (Daneshmand et al. 2021, Lemmas 9 and 10).

SciPy's adaptive quad in float64 does the bulk of the checks; mpmath at a chosen number of digits
cross-checks it.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.integrate import quad

from bnproof.symbolic import bn_init as sb

__all__ = ["p_quadrature", "p_reading", "lemma10_g"]


def p_quadrature(sig2: np.ndarray, i: int, dps: int | None = None) -> float:
    """p_i(σ) = ∫_0^∞ σ_i² (1+2tσ_i²)^{-1} Π_j (1+2tσ_j²)^{-1/2} dt (Lemma 9 / Sawa 1972, θ = −t).

    ``dps=None``: SciPy's adaptive quad in float64 (abs. error ~1e-13, the bulk of the checks);
    ``dps=k``: mpmath tanh-sinh at k digits (the cross-check).
    """
    s2 = np.asarray(sig2, float)
    if dps is None:
        f = lambda t: s2[i] / (1 + 2 * t * s2[i]) / np.sqrt(np.prod(1 + 2 * t * s2))  # noqa: E731
        return float(quad(f, 0, np.inf, epsabs=1e-14, epsrel=1e-12, limit=200)[0])
    with mpmath.workdps(dps):
        s = [mpmath.mpf(float(x)) for x in s2]

        def fm(t):
            prod = mpmath.mpf(1)
            for sj in s:
                prod *= 1 + 2 * t * sj
            return s[i] / (1 + 2 * t * s[i]) / mpmath.sqrt(prod)

        return float(mpmath.quad(fm, [0, 1, 10, 100, mpmath.inf]))


def p_reading(sig2: np.ndarray, reading: str) -> np.ndarray:
    """The vector (p_1, …, p_n) under a reading of Lemma 6 (one of ``P_READINGS``): ``sigma_i`` as
    intended, or ``sigma_n`` as printed, which makes every p_i = p_n."""
    n = len(sig2)
    if reading == "sigma_i":
        return np.array([p_quadrature(sig2, i) for i in range(n)])
    return np.full(n, p_quadrature(sig2, n - 1))


def lemma10_g(delta: float, n: int, derivative: int = 0, dps: int | None = None) -> float:
    """g(δ) of Lemma 10 or its δ-derivative, differentiated under the integral (SymPy), integrated by
    SciPy (``dps=None``) or mpmath (``dps=k`` digits)."""
    if dps is None:
        f = sb.lemma10_integrand(n, derivative, "numpy")
        return float(quad(lambda t: f(t, delta), 0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)[0])
    f = sb.lemma10_integrand(n, derivative, "mpmath")
    with mpmath.workdps(dps):
        dl = mpmath.mpf(delta)
        return float(mpmath.quad(lambda t: f(t, dl), [0, 1, 10, 100, mpmath.inf]))
