"""bnproof.symbolic.lyu2022 (the SymPy proofs behind ``lyu2022.scale-invariance``) and its
renderer ``derivations/lyu2022.md``."""

import mpmath
import pytest
import sympy as sp

from bnproof.symbolic import lyu2022 as sym
from bnproof.symbolic.identity import Identity
from bnproof.testing import assert_gradient


def test_sympy_proves_every_identity_on_a_family_member():
    proofs = sym.prove(False, 1)
    assert {p.name for p in proofs} == set(sym.IDENTITY_NAMES)
    assert all(p.holds and p.residual == "0" for p in proofs)
    assert all(isinstance(p, Identity) for p in proofs)


def test_sympy_gradient_matches_mpmath_finite_difference():
    assert sym.check_gradient(0) < 1e-25


def test_sympy_gradient_of_second_member_with_assert_gradient():
    """The same cross-check through the public helper, on the other family member."""
    L = sym.family_member(*sym.DEFAULT_FAMILY[1])
    f = sp.lambdify(sym.W, L, "mpmath")
    with mpmath.workdps(50):
        pt = [mpmath.mpf("0.3"), mpmath.mpf("-1.1"), mpmath.mpf("0.7")]
        grad = [sp.lambdify(sym.W, sp.diff(L, x), "mpmath")(*pt) for x in sym.W]
    assert_gradient(lambda x: f(*x), grad, ["0.3", "-1.1", "0.7"], dps=50, rtol=1e-25)


def test_sphere_toy_closed_form_hessian_matches_sympy():
    assert sym.check_sphere_toy_hessian() < 1e-13


def test_degree_one_function_fails_euler():
    """The zero test is not vacuous: a degree-1 function (multiply by r², s.t. L = P/s) fails."""
    F, s = sym._member_fraction(*sym.DEFAULT_FAMILY[0], 0)
    res = sym._residuals(sym._Frac(F.P, 1), s)
    assert not res["euler"][0].is_zero and not res["hess_times_w"][0].is_zero


def test_epsilon_breaks_every_identity():
    assert not any(p.holds for p in sym.prove(True, 1))


def test_derivation_renders_deterministically():
    files, failed = sym.render_lyu2022()
    assert failed == [] and set(files) == {"lyu2022.md"}
    text = files["lyu2022.md"]
    assert "| `third_contract` |" in text and "**not 0**" not in text.split("## Negative control")[0]
    assert sym.render_lyu2022()[0] == files


def test_flow_constant_is_derived_from_the_clock_and_the_norm_recursion():
    fc = sym.flow_constant()
    g2 = sp.Symbol("g2", positive=True)
    assert sp.simplify(fc.c - 2 / (4 + g2)) == 0
    assert fc.c.subs(g2, 0) == sp.Rational(1, 2)  # the notes' constant only where ∇_Γ log λ₁ = 0
    phi, alpha = sp.symbols("varphi alpha", positive=True)
    # at φ = π/4, g = α/(1 + α/2): α = ½ gives g² = 0.16, α = 3 gives g² = 1.44
    assert float(fc.c_toy.subs({alpha: sp.Rational(1, 2), phi: sp.pi / 4})) == pytest.approx(2 / 4.16, rel=1e-12)
    assert float(fc.c_toy.subs({alpha: 3, phi: sp.pi / 4})) == pytest.approx(2 / 5.44, rel=1e-12)


def test_derivation_states_the_flow_constant():
    text = sym.render_lyu2022()[0]["lyu2022.md"]
    assert "## The sharpness-flow constant" in text and r"c = \frac{2}{g_{2} + 4}" in text


def test_derivation_quotes_the_flow_constant_at_a_quarter_turn():
    text = sym.render_lyu2022()[0]["lyu2022.md"]
    assert f"at φ = π/4: c = {2 / 4.16:.4f} (α = ½), c = {2 / 5.44:.4f} (α = 3)." in text


def test_a_long_failing_residual_is_summarised_by_its_value_at_the_test_point():
    w0, w1, w2 = sym.W
    expr = sum(w0**k for k in range(25)) * w1 * w2 * sym.C * sym.ETA * sym.LAM * sym.EPS  # 25 terms: too long
    poly = sp.Poly(expr, w0, w1, w2, sym.C, sym.ETA, sym.LAM, sym.EPS)
    point = {w0: sp.Rational(3, 10), w1: sp.Rational(-11, 10), w2: sp.Rational(7, 10), sym.C: 2,
             sym.ETA: sp.Rational(1, 10), sym.LAM: sp.Rational(1, 100), sym.EPS: sp.Rational(1, 1000)}
    value = sp.N(expr.subs(point), 6)  # the documented point: w = (0.3, −1.1, 0.7), c = 2, η = 0.1, λ = 0.01, ε = 1e-3
    assert f"25 terms, degree 30; value {value} at a test point" in sym._describe(poly)
