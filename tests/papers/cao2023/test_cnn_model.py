"""GD on the BN linear CNN (bnproof/papers/cao2023/cnn_model.py) and the model it runs: derivations,
generated kernels against ≥ 50-digit finite differences, the engine step against plain GD, the
linearisation, properties on random patch instances.

Negative controls that must be rejected: the patches-as-samples gradient (symbolically and in the
kernels), a wrong linearisation, the gradient without patch-pooled statistics.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bnproof.core.differences import central_gradient
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.engines.bn_cnn import patch_system, simulate
from bnproof.kernels.bn_cnn import compile_cnn_kernel, kernel_source
from bnproof.models.bn_linear import (
    asymptotic_rate,
    gaussian_patch_instance,
    patchwise_solution,
    slow_eigenvalue,
)
from bnproof.strategies import patch_data
from bnproof.symbolic import bn_cnn as bc
from bnproof.testing import assert_gradient

DPS = 110  # working digits of the finite-difference checks; step 1e-30: truncation ~1e-60


# --- symbolic --------------------------------------------------------------------------------


def test_every_cnn_identity_holds():
    ids = bc.all_identities()  # cached per process: shared with `bnproof derive` and the drift test
    assert len(ids) == 9 and all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_linearisation_holds_and_a_wrong_one_is_rejected():
    assert bc.prove_linearisation(2, 2)[0].holds
    # negative control: drop the sample-mean term ρ B δ (as if BN statistics were per patch)
    assert not bc.prove_linearisation(2, 2, rho_coefficient=0)[0].holds


def test_patches_as_samples_gradient_is_rejected():
    assert bc.patches_as_samples_control().holds


def test_unknown_pooling_or_loss_is_an_error():
    with pytest.raises(ValueError):
        bc.step_program("exp", "max")
    with pytest.raises(ValueError):
        bc.step_program("hinge", "average")


# --- generated kernels against ≥ 50-digit finite differences ------------------------------------


def _kernel(ctx, loss, pooling, ds=None, program=None):
    ds = ds or gaussian_patch_instance(1, 2, 3, 7, 1.3)
    with ctx.scope():
        G, z0, rows = patch_system(ctx, ds, ds.w0)
        k = compile_cnn_kernel(program or bc.step_program(loss, pooling), ctx, G=G, y=ds.y, P=ds.P,
                               eta=ctx.num("0.1"))
    return ds, k, z0, rows


def _to_mp(ctx, v):
    text = ctx.to_str(v, DPS)
    with mpmath.workdps(DPS):  # parse at full precision (a flint scope leaves mpmath at 15 digits)
        return mpmath.mpf(text)


@pytest.mark.parametrize("pooling", bc.POOLINGS)
@pytest.mark.parametrize("loss", ("exp", "logistic"))
@pytest.mark.parametrize("ctx", [MpmathContext(DPS), FlintContext(DPS)], ids=["mpmath", "flint"])
def test_gradient_matches_finite_difference_to_50_digits(ctx, loss, pooling):
    ds, k, z0, rows = _kernel(ctx, loss, pooling)
    with ctx.scope():
        gz, gg = k.gradient(ctx.aslist(z0), ctx.num("1.7"))
        Xm = [[_to_mp(ctx, v) for v in row] for row in rows]
        gzm = [_to_mp(ctx, v) for v in gz]
        ggm = _to_mp(ctx, gg)
    with mpmath.workdps(DPS):  # ∇_w L = Σ_ip x_i^(p) ∂L/∂z_ip coordinate by coordinate, then ∂L/∂γ
        grad = [mpmath.fsum(Xm[r][j] * gzm[r] for r in range(len(Xm))) for j in range(ds.d)] + [ggm]

    def L(v):  # the loss as a function of (w, γ), through z_ip = ⟨w, x_i^(p)⟩
        wv, g = v[:-1], v[-1]
        with ctx.scope():
            z = [ctx.num(mpmath.nstr(mpmath.fsum(a * b for a, b in zip(row, wv)), DPS + 10)) for row in Xm]
            return _to_mp(ctx, k.loss(z, ctx.num(mpmath.nstr(g, DPS + 10))))

    x = [mpmath.mpf(float(v)) for v in ds.w0] + ["1.7"]
    assert_gradient(L, grad, x, dps=DPS, h="1e-30", atol=1e-50)


def test_gradient_without_patch_pooled_statistics_is_caught():
    """Negative control in the kernels: the linear model's A·m term without the 1/P that comes
    from s² averaging over all nP patches, -(γ/(ns)) y (c r - A m), is not the gradient."""
    ctx = MpmathContext(60)
    right = bc.step_program("exp", "average")
    wrong = bc.CNNProgram(**{**right.__dict__, "grad_z": -(bc.gamma / (bc.n * bc.s)) * bc.y
                             * (bc.r / bc.P - bc.A * bc.m)})
    _, k_ok, z0, _ = _kernel(ctx, "exp", "average")
    _, k_bad, _, _ = _kernel(ctx, "exp", "average", program=wrong)
    with ctx.scope():
        a, _ = k_ok.gradient(z0, ctx.num(1))
        b, _ = k_bad.gradient(z0, ctx.num(1))
        assert max(abs(x - y) for x, y in zip(a, b)) > 1e-3


@pytest.mark.parametrize("pooling", bc.POOLINGS)
def test_float64_kernel_agrees_with_mpmath(pooling):
    _, k64, z64, _ = _kernel(Float64Context(), "exp", pooling)
    _, kmp, zmp, _ = _kernel(MpmathContext(40), "exp", pooling)
    gz64, gg64 = k64.gradient(z64, 1.3)
    with MpmathContext(40).scope():
        gzmp, ggmp = kmp.gradient(zmp, mpmath.mpf("1.3"))
    np.testing.assert_allclose(gz64, [float(v) for v in gzmp], rtol=1e-12, atol=1e-14)
    assert abs(gg64 - float(ggmp)) < 1e-13


def test_generated_source_has_no_float_literals():
    for loss in ("exp", "logistic"):
        for pooling in bc.POOLINGS:
            for vec in (False, True):
                src = kernel_source(bc.step_program(loss, pooling), vec)
                assert "0.5" not in src and "e-" not in src.replace("exp", "").replace("one", "")


@pytest.mark.parametrize("pooling", bc.POOLINGS)
def test_engine_step_is_plain_parameter_space_gd(pooling):
    """20 engine steps (nP-dim recursion) = 20 plain GD steps on (w, γ) in R^d, written from the
    model's definition and differentiated by 120-digit finite differences (independent of SymPy)."""
    ds = gaussian_patch_instance(4, 2, 3, 7, 1.2)
    steps, dps = 20, 120
    tr, _ = simulate(ds, loss="exp", eta="0.1", steps=steps, ctx=FlintContext(60), pooling=pooling)
    z_eng, g_eng = tr.final_state
    with mpmath.workdps(dps):
        X = [[[mpmath.mpf(float(v)) for v in patch] for patch in sample] for sample in ds.X]
        c = mpmath.mpf(1) / ds.P if pooling == "average" else mpmath.mpf(1)
        eta, h = mpmath.mpf("0.1"), mpmath.mpf("1e-40")

        def L(w, g):  # f(w, γ; x_i) = γ c Σ_p ⟨w, x_i^(p)⟩ / ‖w‖_Σ, Σ pooled over samples and patches
            z = [[mpmath.fsum(a * b for a, b in zip(p, w)) for p in s] for s in X]
            s = mpmath.sqrt(mpmath.fsum(v * v for row in z for v in row) / (ds.n * ds.P))
            return mpmath.fsum(mpmath.exp(-yi * g * c * mpmath.fsum(row) / s) for yi, row in zip(ds.y, z)) / ds.n

        w, g = [mpmath.mpf(float(v)) for v in ds.w0], mpmath.mpf(1)
        for _ in range(steps):
            grad = central_gradient(lambda v: L(v[:-1], v[-1]), [*w, g], h=h, dps=dps)
            w, g = [a - eta * b for a, b in zip(w, grad[:-1])], g - eta * grad[-1]
        z_ref = [mpmath.fsum(a * b for a, b in zip(p, w)) for s in X for p in s]
        with FlintContext(60).scope():
            z_e = [mpmath.mpf(FlintContext(60).to_str(v, 60)) for v in FlintContext(60).aslist(z_eng)]
            g_e = mpmath.mpf(FlintContext(60).to_str(g_eng, 60))
        assert max(abs(a - b) for a, b in zip(z_e, z_ref)) < mpmath.mpf("1e-50")
        assert abs(g_e - g) < mpmath.mpf("1e-50")


def test_linearised_slow_eigenvalue_tends_to_the_schur_complement():
    ds = gaussian_patch_instance(0, 3, 2, 12, 1.0)
    lam = [slow_eigenvalue(ds, rho) for rho in (10.0, 1e3, 1e6)]
    c_inf = asymptotic_rate(ds, 1 / ds.P, 1.0)
    lam_inf = c_inf * 2 * ds.n * ds.P
    assert lam[0] < lam[1] < lam[2] and abs(lam[2] - lam_inf) / lam_inf < 1e-4
    assert asymptotic_rate(gaussian_patch_instance(0, 3, 1, 12), 1.0, 1.0) is None  # P = 1: linear model


# --- properties on random instances (bnproof.strategies.patch_data) -----------------------

weights = hnp.arrays(np.float64, 16, elements=st.floats(-3, 3, allow_subnormal=False), fill=st.nothing())


@given(ds=patch_data(), w=weights)
def test_mean_square_patch_margin_is_one(ds, w):
    w = w[: ds.d]
    if not np.any(ds.X.reshape(-1, ds.d) @ w):
        w = ds.w0
    ctx = MpmathContext(50)
    with ctx.scope():
        G, z, _ = patch_system(ctx, ds, w)
        k = compile_cnn_kernel(bc.step_program("exp", "average"), ctx, G=G, y=ds.y, P=ds.P, eta=ctx.num("0.1"))
        _, m = k.margins(z, ctx.num(1))
        assert abs(mpmath.fsum(v * v for v in m) / len(m) - 1) < mpmath.mpf("1e-45")
        # and hence the pool-normalised sample margins have mean square <= 1
        assert mpmath.fsum(v * v for v in k.sample_margins(z, ctx.num(1))) / ds.n <= 1 + mpmath.mpf("1e-45")


@given(ds=patch_data())
def test_patchwise_solution_exists_for_every_draw(ds):
    assert ds.kind == "patches" and ds.n * ds.P <= ds.d
    assert patchwise_solution(ds)[0]


# Thresholds verified empirically: worst of 300 uniformly random draws (float64) gap 1.6e-3 after
# 3000 steps; Hypothesis' shrinker finds sparse instances (initial gap 3, c∞ ≈ 0.16) at 0.05.
PROPERTY_STEPS, PROPERTY_GAP = 3000, 1e-1


@given(ds=patch_data())
def test_patchwise_uniform_margin_is_reached_on_random_instances(ds):
    tr, _ = simulate(ds, loss="exp", eta="0.1", steps=PROPERTY_STEPS, ctx=Float64Context(), pooling="average",
                     checkpoints=[0, PROPERTY_STEPS // 10, PROPERTY_STEPS])
    gap = [float(v) for v in tr.values["gap"]]
    assert gap[-1] < PROPERTY_GAP, (ds.source, gap)
    assert gap[-1] < gap[1] / 2 or gap[-1] < 1e-12, (ds.source, gap)  # contracting, or at the float64 floor
