"""bnproof.core.differences: central differences in float64 and at 60 mpmath digits, shape preserved."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from bnproof.core.differences import central_gradient

X0 = np.array([0.7, -1.3, 2.0])


def cubic(x):
    """x0³ + 2 x0 x1² − x2 + 1/2: the central difference is exact in x1, x2 and off by h² in x0."""
    return x[0] ** 3 + 2 * x[0] * x[1] ** 2 - x[2] + 0.5


def cubic_gradient(x):
    return np.array([3 * x[0] ** 2 + 2 * x[1] ** 2, 4 * x[0] * x[1], -1 + 0 * x[0]], dtype=x.dtype)


def _sqrt(v):
    return mpmath.sqrt(v) if isinstance(v, mpmath.mpf) else math.sqrt(v)


def _exp(v):
    return mpmath.exp(v) if isinstance(v, mpmath.mpf) else math.exp(v)


# A BN-shaped function: the exponential loss of batch-normalised projections u = (Xw − mean)/std,
# written with Python operations so that it runs on float64 and on mpmath object arrays alike.
DATA = np.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [-0.6, 0.4, 1.1], [0.9, 0.2, -0.7]])
LABELS = np.array([1, -1, 1, -1])


def bn_loss(w):
    z = DATA @ w
    c = z - sum(z) / len(z)
    u = c / _sqrt(sum(c * c) / len(z))
    return sum(_exp(-yi * ui) for yi, ui in zip(LABELS, u))


def bn_gradient(w):
    """Chain rule through BN: ∂f/∂z = (g − mean g − u·mean(g u))/σ with g = ∂f/∂u (the quotient rule gives the u term)."""
    z = DATA @ w
    n = len(z)
    c = z - sum(z) / n
    s = _sqrt(sum(c * c) / n)
    u = c / s
    g = np.array([-yi * _exp(-yi * ui) for yi, ui in zip(LABELS, u)], dtype=u.dtype)
    return DATA.T @ ((g - sum(g) / n - u * (sum(g * u) / n)) / s)


def _mp(x):
    return np.array([mpmath.mpf(v) for v in np.ravel(x)], dtype=object).reshape(np.shape(x))


def _max_abs(a):
    return max(abs(v) for v in np.ravel(a))


def test_float64_on_a_polynomial():
    fd = central_gradient(cubic, X0)
    assert fd.dtype == np.float64 and fd.shape == (3,)
    np.testing.assert_allclose(fd, cubic_gradient(X0), rtol=1e-9, atol=1e-9)


def test_float64_step_is_h():
    # for x³ the central difference is exactly 3x² + h²
    fd = central_gradient(lambda x: x[0] ** 3, [2.0], h=1e-3)
    assert fd[0] == pytest.approx(12 + 1e-6, abs=1e-9)


def test_mpmath_at_60_digits_on_a_polynomial():
    with mpmath.workdps(60):
        x = _mp(X0)
        fd = central_gradient(cubic, X0, dps=60)
        exact = cubic_gradient(x)
        assert fd.dtype == object and all(isinstance(v, mpmath.mpf) for v in fd)
        # the default step h = 10^(-dps/3) balances truncation h² and round-off 10^-dps/h: ~10^-40 each
        assert _max_abs(fd - exact) < mpmath.mpf(10) ** -38


def test_mpmath_step_is_h():
    # 3x² + h² with h = 1e-10, seen through round-off of about 10^-60/h = 10^-50: 60 digits are used
    fd = central_gradient(lambda x: x[0] ** 3, [2], h="1e-10", dps=60)
    with mpmath.workdps(60):
        assert abs(fd[0] - 12 - mpmath.mpf("1e-20")) < mpmath.mpf(10) ** -45


def test_float64_on_a_bn_shaped_function():
    w = np.array([0.4, -1.1, 0.9])
    np.testing.assert_allclose(central_gradient(bn_loss, w), bn_gradient(w), rtol=1e-8, atol=1e-9)
    assert abs(w @ bn_gradient(w)) < 1e-12  # BN makes f scale-invariant: the gradient is ⟂ w


def test_mpmath_at_60_digits_on_a_bn_shaped_function():
    w = np.array([0.4, -1.1, 0.9])
    fd = central_gradient(bn_loss, w, dps=60)
    with mpmath.workdps(60):
        exact = bn_gradient(_mp(w))
        err = _max_abs(fd - exact)
    assert err < mpmath.mpf(10) ** -35  # the O(h²) error at h = 10^-20
    assert _max_abs(central_gradient(bn_loss, w) - bn_gradient(w)) > 1e-13  # float64 is far less precise


@pytest.mark.parametrize("dps", [None, 40])
def test_shape_is_preserved(dps):
    W = np.arange(6.0).reshape(2, 3) / 7
    fd = central_gradient(lambda V: sum(v**3 for v in np.ravel(V)), W, dps=dps)
    assert fd.shape == (2, 3) and fd.dtype == (np.float64 if dps is None else object)
    np.testing.assert_allclose(np.asarray(fd, dtype=float), 3 * W**2, rtol=1e-8, atol=1e-10)


def test_input_is_not_modified():
    x = X0.copy()
    central_gradient(cubic, x)
    central_gradient(cubic, x, dps=30)
    assert np.array_equal(x, X0)
