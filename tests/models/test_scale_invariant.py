"""bnproof.models.scale_invariant: the toy models T1-T3, their curvature and the GD+WD loop.

Gradients against finite differences, complex-step HVPs against the closed-form T1 Hessian,
Lanczos against dense, the scale-invariance identities as Hypothesis properties over the
three families, the weight-decay conventions, and the float64 underflow trap with its remedy.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models.scale_invariant import (
    BNRegression,
    SphereToy,
    dense_hessian,
    gd,
    hvp,
    make_model,
    normalize_groups,
    shrink_factor,
    spherical_sharpness,
    third_derivative_along,
    top_eigenvalue,
)
from bnproof.strategies import (
    bn_mlps,
    bn_regressions,
    nonzero_weights,
    scale_invariant_models,
    sphere_toys,
)
from bnproof.testing import assert_gradient


@pytest.mark.parametrize("kind", ["t1", "t2", "t3"])
def test_gradient_matches_finite_differences(kind):
    rng = np.random.default_rng(1)
    model = make_model(kind, rng, D=4)
    w = rng.standard_normal(model.dim)
    g = model.grad(w)
    assert_gradient(model.loss, g, w, h=1e-6, atol=1e-7 * max(1.0, np.abs(g).max()))


def test_sphere_toy_fast_path_equals_generic_formula():
    toy = SphereToy()
    w = np.array([0.3, -1.1, 0.7])
    assert np.allclose(toy._grad3(w), np.real(toy.grad(w.astype(complex))), rtol=1e-14, atol=0)


@pytest.mark.parametrize("D,k", [(3, 1), (5, 2)])
def test_complex_step_hvp_matches_closed_form_hessian(D, k):
    toy = SphereToy(D, k, 0.7)
    w = np.random.default_rng(2).standard_normal(D)
    H = toy.hess(w)
    Hc = np.column_stack([hvp(toy, w, e) for e in np.eye(D)])
    assert np.abs(H - Hc).max() <= 1e-14 * np.abs(H).max()


def test_sphere_toy_sharpness_on_manifold_is_h():
    toy = SphereToy()
    for phi in (0.0, 0.3, 1.2, math.pi / 2):
        w = toy.start(phi, 0.0, 2.5)
        assert spherical_sharpness(toy, w) == pytest.approx(1 + 0.5 * math.cos(phi) ** 2, rel=1e-13)
        assert np.linalg.norm(toy.grad(w)) == 0.0  # on Γ: a minimiser


@pytest.mark.parametrize("kind", ["t2", "t3"])
def test_lanczos_matches_dense(kind):
    rng = np.random.default_rng(3)
    model = make_model(kind, rng, n=8, d=12, width=5)
    w = rng.standard_normal(model.dim)
    dense, lanczos = top_eigenvalue(model, w, "dense"), top_eigenvalue(model, w, "lanczos")
    assert lanczos == pytest.approx(dense, rel=1e-9)


def test_lanczos_used_above_dense_limit_agrees_on_block():
    rng = np.random.default_rng(4)
    model = make_model("t3", rng, n=8, d=6, width=3)
    w = rng.standard_normal(model.dim)
    for j, g in enumerate(model.groups):
        block = top_eigenvalue(model, w, "dense", g)
        assert top_eigenvalue(model, w, "lanczos", g) == pytest.approx(block, rel=1e-9)
        # per-group spherical sharpness = ‖w_g‖²·λ₁(H_gg(w)) when only that group is rescaled
        th = w.copy()
        th[g] /= np.linalg.norm(w[g])
        assert top_eigenvalue(model, th, "dense", g) == pytest.approx(np.dot(w[g], w[g]) * block, rel=1e-9)
    assert spherical_sharpness(model, w, group=0) > 0


def test_bn_eps_breaks_scale_invariance():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((6, 9)), rng.standard_normal(6)
    w = rng.standard_normal(9)
    exact, eps = BNRegression(X, y), BNRegression(X, y, bn_eps=1e-3)
    assert abs(exact.loss(3 * w) - exact.loss(w)) < 1e-14
    assert abs(eps.loss(0.1 * w) - eps.loss(w)) > 1e-6
    assert abs(w @ eps.grad(w)) > 1e-6 * np.linalg.norm(w) * np.linalg.norm(eps.grad(w))


def _rel(a, b):
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(b)), 1e-300)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_identities_hold_on_every_family(data):
    """⟨w,∇L⟩ = 0 per group, ∇L(cw) = ∇L/c, ∇²L(cw) = ∇²L/c², ∇²L·w = −∇L on T1-T3."""
    model = data.draw(scale_invariant_models())
    w = data.draw(nonzero_weights(model))
    c = data.draw(st.floats(0.1, 10.0))
    g, H = model.grad(w), dense_hessian(model, w)
    scale = float(np.linalg.norm(H)) * float(np.linalg.norm(w)) + float(np.linalg.norm(g)) + 1e-300
    for s in model.groups:
        assert abs(float(w[s] @ g[s])) <= 1e-11 * float(np.linalg.norm(w[s])) * scale
    assert float(np.linalg.norm(c * model.grad(c * w) - g)) <= 1e-10 * scale
    assert float(np.linalg.norm(c * c * dense_hessian(model, c * w) - H)) <= 1e-10 * float(np.linalg.norm(H)) + 1e-300
    assert float(np.linalg.norm(H @ w + g)) <= 1e-10 * scale


@settings(max_examples=10, deadline=None)
@given(sphere_toys(), st.data())
def test_third_derivative_contraction_on_sphere_toys(toy, data):
    w = data.draw(nonzero_weights(toy))
    H = toy.hess(w)
    assert _rel(third_derivative_along(toy, w, w), -2 * H) <= 1e-12


@settings(max_examples=8, deadline=None)
@given(st.one_of(bn_regressions(bn_eps=1e-2), bn_mlps(bn_eps=1e-2)), st.data())
def test_bn_eps_models_are_not_scale_invariant(model, data):
    """Negative control: with ε inside BN, ∇²L·w ≠ −∇L by far more than rounding."""
    w = data.draw(nonzero_weights(model)) * 0.05  # small ‖u‖ so ε matters
    g, H = model.grad(w), dense_hessian(model, w)
    assert float(np.linalg.norm(H @ w + g)) > 1e-8 * (float(np.linalg.norm(g)) + 1e-300) or np.linalg.norm(g) == 0


def test_weight_decay_conventions():
    assert shrink_factor(0.1, 1e-3, "coupled") == pytest.approx(1 - 1e-4)
    assert shrink_factor(0.1, 1e-3, "decoupled") == pytest.approx(1 - 1e-3)
    toy = SphereToy()
    w0 = toy.start(0.3, 0.1, 1.0)
    for conv, q in (("coupled", 1 - 0.1 * 0.01), ("decoupled", 1 - 0.01)):
        r = gd(toy, w0, lr=0.1, weight_decay=0.01, steps=1, convention=conv)
        assert np.allclose(r.w, q * w0 - 0.1 * toy.grad(w0), rtol=1e-15, atol=0)
    with pytest.raises(ValueError):
        gd(toy, w0, lr=0.1, weight_decay=0.01, steps=1, convention="adamw")


def test_gd_without_wd_grows_the_norm_exactly():
    rng = np.random.default_rng(6)
    model = make_model("t3", rng)
    w0 = normalize_groups(model, rng.standard_normal(model.dim))
    r = gd(model, w0, lr=2.0, weight_decay=0.0, steps=200, observe=lambda t, w, g: {"x": float(w @ w), "g2": float(g @ g)})
    x, g2 = np.array(r.obs["x"]), np.array(r.obs["g2"])
    assert np.all(np.diff(x) >= 0)
    assert np.max(np.abs(x[1:] - x[:-1] - 4.0 * g2[:-1]) / x[1:]) < 1e-13


def test_float_underflow_trap_and_remedy():
    """Below EoS the normal component contracts to exactly 0 without noise; 1e-12 noise keeps it alive."""
    toy = SphereToy()
    w0 = toy.start(0.3, 1e-3, 1.0)
    bare = gd(toy, w0, lr=0.1, weight_decay=1e-2, steps=6000)
    assert bare.w[2] == 0.0 and not toy.grad(bare.w).any()
    noisy = gd(toy, w0, lr=0.1, weight_decay=1e-2, steps=6000, noise=1e-12, seed=0)
    assert noisy.w[2] != 0.0


def test_noisy_gd_seed_defaults_to_zero():
    toy = SphereToy()
    w0 = toy.start(0.3, 1e-3, 1.0)
    default = gd(toy, w0, lr=0.1, weight_decay=1e-2, steps=50, noise=1e-6)
    assert np.array_equal(default.w, gd(toy, w0, lr=0.1, weight_decay=1e-2, steps=50, noise=1e-6, seed=0).w)
    assert not np.array_equal(default.w, gd(toy, w0, lr=0.1, weight_decay=1e-2, steps=50, noise=1e-6, seed=1).w)
