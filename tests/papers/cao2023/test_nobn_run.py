"""Plain GD without BN (bnproof/papers/cao2023/nobn_run.py, Cao et al. 2023 / Soudry et al. 2018):
the derivation, the generated kernels against ≥ 50-digit finite differences and a plain GD."""

import math

import mpmath
import numpy as np
import pytest

from bnproof.core.data import gaussian_instance
from bnproof.core.differences import central_gradient
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.kernels.nobn import compile_nobn, kernel_source
from bnproof.symbolic import linear_nobn as ln
from bnproof.testing import assert_gradient

DPS = 110  # FD step 1e-30: truncation ~1e-60, rounding ~1e-80


# --------------------------------------------------------------------------- derivation


def test_symbolic_identities_hold_and_wrong_gradient_is_rejected():
    ids = ln.all_identities(fast=True)
    assert {i.name for i in ids} >= {"nobn_grad_z", "nobn_chain_rule", "nobn_norm", "nobn_inner",
                                     "nobn_loss_templates", "nobn_control_missing_label"}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]
    assert not ln._is_zero(ln.z * ln.y - ln.z)  # the exactness test is not vacuous


def test_generated_source_is_exact():
    for loss in ln.LOSSES:
        for vec in (False, True):
            src = kernel_source(ln.step_program(loss), vec)
            assert "0.5" not in src and "e-" not in src.replace("exp", "").replace("one", "")
    assert "log1p(exp(-q_))" in kernel_source(ln.step_program("logistic"), False)


# --------------------------------------------------------------------------- kernels


def _kernel(ctx, loss, seed=1, n=5, d=7):
    ds = gaussian_instance(seed, n, d, 1.3)
    with ctx.scope():
        k = compile_nobn(ln.step_program(loss), ctx, X=ds.X, y=ds.y, w0=ds.w0, eta="0.1")
    return ds, k


@pytest.mark.parametrize("loss", ln.LOSSES)
@pytest.mark.parametrize("ctx", [MpmathContext(DPS), FlintContext(DPS)], ids=["mpmath", "flint"])
def test_gradient_matches_finite_difference_to_50_digits(ctx, loss):
    ds, k = _kernel(ctx, loss)
    with ctx.scope():
        z0, _ = k.initial_state()
        gz_str = [ctx.to_str(v, DPS) for v in k.gradient(z0)]
    with mpmath.workdps(DPS):
        gz = [mpmath.mpf(v) for v in gz_str]
        X = [[mpmath.mpf(float(v)) for v in row] for row in ds.X]
        grad = [mpmath.fsum(X[i][j] * gz[i] for i in range(ds.n)) for j in range(ds.d)]  # ∇_w L = Xᵀ ∂L/∂z

    def L_w(w):  # the loss as a function of w, through the compiled loss of z = Xw
        with ctx.scope():
            z = ctx.state_vector([ctx.num(str(mpmath.fsum(a * b for a, b in zip(row, w)))) for row in X])
            return mpmath.mpf(ctx.to_str(k.loss(z), DPS))

    assert_gradient(L_w, grad, [float(v) for v in ds.w0], dps=DPS, h="1e-30", atol=1e-50)


def test_wrong_gradient_is_caught_by_the_finite_difference():
    """Negative control: drop the label factor from ∂L/∂z and the gradient no longer matches."""
    ctx = MpmathContext(40)
    ds, k = _kernel(ctx, "exp")
    wrong = ln.NoBNProgram(**{**ln.step_program("exp").__dict__, "grad_z": -ln.r / ln.n})
    with ctx.scope():
        kw = compile_nobn(wrong, ctx, X=ds.X, y=ds.y, w0=ds.w0, eta="0.1")
        z0, _ = k.initial_state()
        assert max(abs(a - b) for a, b in zip(k.gradient(z0), kw.gradient(z0))) > 1e-3


def test_step_is_plain_parameter_space_gd():
    """12 engine steps on (z, c) = 12 plain GD steps on w ∈ R^d with an FD gradient, to 1e-50."""
    ctx, steps = FlintContext(80), 12
    ds, k = _kernel(ctx, "logistic", seed=4, n=5, d=9)
    with ctx.scope():
        state = k.initial_state()
        for _ in range(steps):
            state = k.step(*state)
        w_eng = [ctx.to_str(v, 80) for v in k.weights(state[1])]
        z_eng = [ctx.to_str(v, 80) for v in ctx.aslist(state[0])]
    with mpmath.workdps(120):  # FD rounding error 1e-120/h = 1e-85, truncation h² = 1e-70
        w_eng, z_eng = [mpmath.mpf(v) for v in w_eng], [mpmath.mpf(v) for v in z_eng]
        X = [[mpmath.mpf(float(v)) for v in row] for row in ds.X]
        y = [int(v) for v in ds.y]
        eta, h = mpmath.mpf("0.1"), mpmath.mpf("1e-35")

        def L(w):
            return mpmath.fsum(mpmath.log1p(mpmath.exp(-yi * mpmath.fsum(a * b for a, b in zip(row, w))))
                               for row, yi in zip(X, y)) / len(y)

        w = [mpmath.mpf(float(v)) for v in ds.w0]
        for _ in range(steps):
            grad = central_gradient(L, w, h=h, dps=120)
            w = [wi - eta * gi for wi, gi in zip(w, grad)]
        z_ref = [mpmath.fsum(a * b for a, b in zip(row, w)) for row in X]
        assert max(abs(a - b) for a, b in zip(w_eng, w)) < mpmath.mpf("1e-50")
        assert max(abs(a - b) for a, b in zip(z_eng, z_ref)) < mpmath.mpf("1e-50")


@pytest.mark.parametrize("loss", ln.LOSSES)
def test_float64_kernel_and_observables_agree_with_mpmath_and_numpy(loss):
    ds, k64 = _kernel(Float64Context(), loss)
    _, kmp = _kernel(MpmathContext(40), loss)
    s64 = k64.initial_state()
    with MpmathContext(40).scope():
        smp = kmp.initial_state()
        for _ in range(30):
            smp = kmp.step(*smp)
        v = np.arange(1.0, ds.d + 1)
        ref = kmp.reference("v", v)
        ang_mp, gap_mp = float(kmp.angle(*smp, ref)), float(kmp.margin_gap(*smp, mpmath.mpf("0.2")))
    for _ in range(30):
        s64 = k64.step(*s64)
    np.testing.assert_allclose(s64[0], [float(x) for x in smp[0]], rtol=1e-12)
    # observables against plain numpy on w = w0 + Xᵀc
    w = ds.w0 + ds.X.T @ s64[1]
    cosang = w @ v / np.linalg.norm(w) / np.linalg.norm(v)
    assert abs(k64.angle(*s64, k64.reference("v", v)) - math.acos(cosang)) < 1e-12
    assert abs(ang_mp - math.acos(cosang)) < 1e-12
    gap = 0.2 - np.min(ds.y * (ds.X @ w)) / np.linalg.norm(w)
    assert abs(k64.margin_gap(*s64, 0.2) - gap) < 1e-12 and abs(gap_mp - gap) < 1e-12


def test_reference_angle_is_scale_free_and_zero_along_w():
    """The reference is normalised before use (a huge v neither overflows nor changes the angle), and
    the clamp of ‖w‖²‖v‖² − ⟨w, v⟩² at 0 keeps the angle to w itself at 0."""
    ds, k64 = _kernel(Float64Context(), "exp")
    s64 = k64.initial_state()
    for _ in range(30):
        s64 = k64.step(*s64)
    v = np.arange(1.0, ds.d + 1)
    base = k64.angle(*s64, k64.reference("v", v))
    assert abs(k64.angle(*s64, k64.reference("big", 1e100 * v)) - base) < 1e-12
    w = ds.w0 + ds.X.T @ s64[1]
    assert k64.angle(*s64, k64.reference("w", w)) < 1e-7
