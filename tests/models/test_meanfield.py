"""bnproof.models.meanfield (kernels, recursions, rates) and bnproof.symbolic.meanfield (derivations)."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models import meanfield as mf
from bnproof.strategies import correlations
from bnproof.symbolic import meanfield as smf
from bnproof.testing import assert_gradient


@settings(max_examples=40, deadline=None)
@given(correlations())
def test_J_properties(x):
    assert -1e-12 <= mf.J(x) <= 1 + 1e-12
    assert mf.J(x) >= x - 1e-12  # ReLU correlations are pulled up
    assert 0 <= mf.relu_deriv_kernel(x) <= 0.5
    if -0.999 < x < 0.999:
        assert_gradient(lambda c: mf.J(c[0]), [mf.J_prime(x)], [x], h=1e-6, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 5), st.floats(0.1, 5), correlations())
def test_relu_kernel_against_quadrature(q1, q2, x):
    """E[relu(u)relu(v)] against 2-D Gauss-Hermite quadrature of the Gaussian pair."""
    k = mf.relu_kernel(q1, q2, x * math.sqrt(q1 * q2))
    assert k == pytest.approx(math.sqrt(q1 * q2) / 2 * mf.J(x))
    if abs(x) < 0.9:
        t, w = np.polynomial.hermite_e.hermegauss(120)
        U = math.sqrt(q1) * t[:, None] * np.ones_like(t)[None, :]
        V = math.sqrt(q2) * (x * t[:, None] + math.sqrt(1 - x * x) * t[None, :])
        quad = float(np.sum(np.outer(w, w) * np.maximum(U, 0) * np.maximum(V, 0))) / (2 * math.pi)
        assert abs(quad - k) < 1.5e-2 * (1 + k)  # Gauss-Hermite converges slowly across the kink


def test_relu_rate_matches_mpmath_evaluation():
    lam = sp.lambdify(smf.B, smf.relu_rate_expr(), "mpmath")
    with mpmath.workdps(30):
        for B in (4, 7, 50, 1000):
            assert abs(float(lam(B)) - mf.relu_rate(B)) < 1e-12


def test_wei_bound_readings_differ_and_hat_is_jensen_form():
    o = mf.wei_order_parameters(4, 2.0, 0.5, 1.0, True)
    widths = [50] * 4 + [1]
    hat = mf.wei_fim_bound(o, widths, "hat")
    tilde = mf.wei_fim_bound(o, widths, "tilde")
    assert hat["terms"][0] == pytest.approx(o.qtil_xy[1])  # q̂⁰_xy = 0: only the bias part of layer 1
    assert hat["bound"] != pytest.approx(tilde["bound"])
    with pytest.raises(ValueError):
        mf.wei_fim_bound(o, widths, "other")
    with pytest.raises(ValueError):
        mf.wei_order_parameters(4, 2.0, 0.5, 1.0, True, "other")


# --- Yang et al.: BSB1 values, explosion rates ------------------------------------------------


def test_relu_rate_values_decrease_to_the_limit():
    vals = {4: 3.084, 5: 2.274, 6: 2.004, 8: 1.788, 16: 1.590, 32: 1.522, 64: 1.493, 128: 1.480}
    for B, v in vals.items():
        assert abs(mf.relu_rate(B) - v) < 1e-3
    rates = [mf.relu_rate(B) for B in range(4, 400)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert abs(mf.relu_rate(10 ** 6) - mf.RATE_LIMIT) < 1e-5 and all(r > mf.RATE_LIMIT for r in rates)


def test_bsb1_theory_values():
    for B in (4, 8, 16, 64):
        assert abs(mf.bsb1_q_star(B) - 0.5) < 1e-14
    assert abs(mf.bsb1_c_star(8) - 0.2501) < 1e-4 and abs(mf.bsb1_c_star(64) - 0.3104) < 1e-4


def test_gegenbauer_series_reproduces_the_closed_forms():
    """Thm 9 with orthonormal a_k gives (B-2)/(B-3) for φ = id and tends to the ReLU closed form."""
    for B in (4, 8, 16):
        assert abs(mf.gegenbauer_rate(lambda x: x, B, kmax=4)["rate"] - mf.linear_rate(B)) < 1e-10
    r30 = mf.gegenbauer_rate(lambda x: np.maximum(x, 0), 8, kmax=30)["rate"]
    r10 = mf.gegenbauer_rate(lambda x: np.maximum(x, 0), 8, kmax=10)["rate"]
    assert r10 < r30 < mf.relu_rate(8) and mf.relu_rate(8) - r30 < 0.04
    assert mf.gegenbauer_rate(lambda x: np.ones_like(x), 8, kmax=6)["rate"] is None


# --- Wei et al.: order-parameter recursions ----------------------------------------------------


def test_bn_closed_forms_and_gamma_dependence():
    o = mf.wei_order_parameters(4, 2.0, 0.5, 1.5, True)
    assert o.qhat[1:4] == pytest.approx([1.125] * 3) and o.qhat_xy[2] == pytest.approx(1.5 ** 2 / (2 * math.pi))
    assert o.q[2] == pytest.approx(0.5 + 2 * 1.125) and o.qtil[4] == 1.0
    # variance reading: s² = σ_w² γ²(1/2 - 1/2π) for l ≥ 2, so q̃_xy^{l}/q̃_xy^{l+1} = 1/(2 - 2/π), γ-free
    assert o.qtil_xy[2] / o.qtil_xy[3] == pytest.approx(1 / (2 - 2 / math.pi))
    p = mf.wei_order_parameters(4, 2.0, 0.5, 1.5, True, "second-moment")
    assert p.qtil_xy[2] / p.qtil_xy[3] == pytest.approx(1.5 ** 2 * 2 / (4 * p.q[2]))
    widths = [100] * 4 + [1]
    bounds = [mf.wei_fim_bound(mf.wei_order_parameters(4, 2.0, 0.5, g, True), widths)["bound"] for g in (0.5, 1, 2)]
    assert bounds[0] < bounds[1] < bounds[2]


def test_vanilla_recursion_matches_kernels():
    o = mf.wei_order_parameters(3, 2.0, 0.0, 1.0, False)
    assert o.q[1:3] == pytest.approx([2.0, 2.0]) and o.q_xy[1] == 0.0
    assert o.qtil_xy[1] == pytest.approx(2.0 * 0.25 * o.qtil_xy[2])  # E[relu'relu'] = 1/4 at c = q_xy^1/q^1 = 0


# --- the truncation diagnostic and the tilde reading (mutation testing, benchmarks/mutation.py) ------


def test_gegenbauer_tail_is_the_share_of_the_last_four_terms():
    # φ = identity lives on C_1 alone: with kmax = 5 the last four terms (k = 2..5) carry nothing
    r = mf.gegenbauer_rate(lambda x: x, 8, kmax=5, nodes=400)
    assert r["rate"] == pytest.approx((8 - 2) / (8 - 3), rel=1e-10) and abs(r["tail"]) < 1e-12


def test_wei_fim_bound_tilde_reading_skips_the_first_layer():
    order = mf.WeiOrder([1.0, 1.0, 1.0], [0.5] * 3, [1.0] * 3, [0.25, 0.5, 0.75], [1.0] * 3, [2.0, 3.0, 5.0])
    assert mf.wei_fim_bound(order, [7, 10, 1], reading="tilde", biases=False)["terms"] == [0.0, 10 * 3.0 * 5.0]
    assert mf.wei_fim_bound(order, [7, 10, 1], reading="hat", biases=False)["terms"] == [7 * 0.25 * 3.0, 10 * 0.5 * 5.0]
