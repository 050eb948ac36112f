"""bnproof.meanfield (kernels, recursions, rates) and bnproof.symbolic.meanfield (derivations)."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models import meanfield as mf
from bnproof.strategies.meanfield import correlations
from bnproof.symbolic import meanfield as smf


def test_yang_identities_hold():
    ids = smf.yang_identities()
    assert {i.name for i in ids} >= {"J_at_1", "J_prime", "q_star_half", "relu_rate_limit", "relu_rate_decreasing",
                                     "c_k_positive", "bn_jacobian", "numeric_evaluators"}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_wei_identities_hold():
    ids = smf.wei_identities()
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_wrong_limit_and_wrong_kernel_are_rejected():
    """Negative controls for the symbolic checks: a mutated limit and kernel do not pass."""
    lam = smf.relu_rate_expr()
    assert sp.simplify(sp.limit(lam, smf.B, sp.oo) - 1) != 0
    wrong_J = smf.J_expr() * sp.pi / 2  # unnormalised
    assert sp.simplify(wrong_J.subs(smf.c, 1) - 1) != 0


def test_rendered_derivations_are_deterministic():
    from bnproof.papers.wei2019 import render_derivation as wei_render
    from bnproof.papers.yang2019 import render_derivation as yang_render

    for render in (yang_render, wei_render):
        files, failed = render()
        assert failed == []
        again, _ = render()
        assert files == again and all(t.startswith("<!-- generated") for t in files.values())


@settings(max_examples=40, deadline=None)
@given(correlations())
def test_J_properties(x):
    assert -1e-12 <= mf.J(x) <= 1 + 1e-12
    assert mf.J(x) >= x - 1e-12  # ReLU correlations are pulled up
    assert 0 <= mf.relu_deriv_kernel(x) <= 0.5
    if -0.999 < x < 0.999:
        h = 1e-6
        assert abs((mf.J(x + h) - mf.J(x - h)) / (2 * h) - mf.J_prime(x)) < 1e-6


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
