"""Generated kernels against high-precision finite differences (≥ 50 digits)."""

import mpmath
import numpy as np
import pytest

from bnproof.core.data import gaussian_instance
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.engines.baseline import plain_mpmath_gd
from bnproof.engines.bn_linear import gram_and_z0, simulate
from bnproof.kernels.codegen import compile_kernel, kernel_source
from bnproof.symbolic import bn_linear as bl
from bnproof.testing import assert_gradient

DPS = 110  # working digits; FD step 1e-30: truncation ~1e-60, rounding ~1e-80


def _kernel(ctx, loss, center, seed=1, n=5, d=7):
    ds = gaussian_instance(seed, n, d, 1.3)
    with ctx.scope():
        G, z0, X = gram_and_z0(ctx, ds, center, ds.w0)
        k = compile_kernel(bl.step_program(loss), ctx, G=G, y=ds.y, eta=ctx.num("0.1"))
    return ds, k, z0, X


def _check_gradient(ctx, k, ds, z0, X):
    """∇_{(w,γ)} L from the kernel (∇_w L = Xᵀ ∂L/∂z) against a central difference at DPS digits, h = 1e-30."""
    with ctx.scope():
        gz, gg = k.gradient(ctx.aslist(z0), ctx.num("1.7"))
        w = ctx.vector(ds.w0)

    def L(x):  # loss as a function of the parameters x = (w, γ), through z = X w
        with ctx.scope():
            zz = [ctx.sum([a * ctx.num(str(b)) for a, b in zip(xi, x[:-1])]) for xi in X]
            return mpmath.mpf(ctx.to_str(k.loss(zz, ctx.num(str(x[-1]))), DPS))

    with mpmath.workdps(DPS):
        x = [mpmath.mpf(ctx.to_str(v, DPS)) for v in w] + [mpmath.mpf("1.7")]
        Xm = [[mpmath.mpf(ctx.to_str(v, DPS)) for v in row] for row in X]
        gzm = [mpmath.mpf(ctx.to_str(v, DPS)) for v in gz]
        grad = [mpmath.fsum(Xm[i][j] * gzm[i] for i in range(ds.n)) for j in range(ds.d)]
        grad.append(mpmath.mpf(ctx.to_str(gg, DPS)))
    assert_gradient(L, grad, x, dps=DPS, h="1e-30", atol=1e-50)


@pytest.mark.parametrize("loss", bl.LOSSES)
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("ctx", [MpmathContext(DPS), FlintContext(DPS)], ids=["mpmath", "flint"])
def test_gradient_matches_finite_difference_to_50_digits(ctx, loss, center):
    ds, k, z0, X = _kernel(ctx, loss, center)
    _check_gradient(ctx, k, ds, z0, X)


@pytest.mark.parametrize("loss", bl.LOSSES)
def test_float64_kernel_agrees_with_mpmath(loss):
    _, k64, z64, _ = _kernel(Float64Context(), loss, False)
    _, kmp, zmp, _ = _kernel(MpmathContext(40), loss, False)
    gz64, gg64 = k64.gradient(z64, 1.3)
    with MpmathContext(40).scope():
        gzmp, ggmp = kmp.gradient(zmp, mpmath.mpf("1.3"))
    np.testing.assert_allclose(gz64, [float(v) for v in gzmp], rtol=1e-12, atol=1e-14)
    assert abs(gg64 - float(ggmp)) < 1e-13


def test_wrong_gradient_is_caught_by_the_finite_difference():
    """Negative control: drop the A·m term (the missing quotient-rule term) and the FD check fails."""
    ctx = MpmathContext(DPS)
    ds, k, z0, X = _kernel(ctx, "exp", False)
    wrong = bl.StepProgram(**{**bl.step_program("exp").__dict__,
                              "grad_z": -(bl.gamma / (bl.n * bl.s)) * bl.y * bl.r})
    with ctx.scope():
        G, _, _ = gram_and_z0(ctx, ds, False, ds.w0)
        kw = compile_kernel(wrong, ctx, G=G, y=ds.y, eta=ctx.num("0.1"))
        gz_ok, _ = k.gradient(z0, ctx.num(1))
        gz_bad, _ = kw.gradient(z0, ctx.num(1))
        assert max(abs(a - b) for a, b in zip(gz_ok, gz_bad)) > 1e-3
    with pytest.raises(AssertionError, match="finite difference"):
        _check_gradient(ctx, kw, ds, z0, X)


def test_generated_source_has_no_float_literals():
    for loss in bl.LOSSES:
        for vec in (False, True):
            src = kernel_source(bl.step_program(loss), vec)
            assert "0.5" not in src and "e-" not in src.replace("exp", "").replace("one", "")


def test_step_is_the_parameter_space_gd_step():
    """One engine step equals one plain d-dimensional GD step on (w, γ) (baseline in mpmath)."""
    ds = gaussian_instance(4, 5, 9, 1.5)
    for center in (False, True):
        w, g = plain_mpmath_gd(ds.X, ds.y, ds.w0, eta="0.1", steps=25, dps=60, center=center)
        ctx = FlintContext(60)
        tr, _ = simulate(ds, loss="exp", eta="0.1", steps=25, ctx=ctx, center=center)
        z, gam = tr.final_state
        with mpmath.workdps(60):
            xs = [[mpmath.mpf(float(v)) for v in row] for row in ds.X]
            if center:
                mean = [mpmath.fsum(r[k] for r in xs) / ds.n for k in range(ds.d)]
                xs = [[r[k] - mean[k] for k in range(ds.d)] for r in xs]
            zref = [mpmath.fsum(a * b for a, b in zip(row, w)) for row in xs]
            with ctx.scope():
                zl = [mpmath.mpf(ctx.to_str(v, 60)) for v in ctx.aslist(z)]
            assert max(abs(a - b) for a, b in zip(zl, zref)) < mpmath.mpf("1e-50")
            assert abs(mpmath.mpf(ctx.to_str(gam, 60)) - g) < mpmath.mpf("1e-50")


# --- hoisting and the frozen kernel (mutation testing, benchmarks/mutation.py) -----------------------


def test_hoisted_prints_nothing_when_there_is_no_invariant_factor():
    from bnproof.kernels.codegen import hoisted

    assert hoisted(bl.y * bl.r, str, "c") == ("", "r*y")
    assert hoisted(3 * bl.y * bl.r, str, "c") == ("c = 3", "c * (r*y)")


def test_compiled_kernel_is_frozen():
    import dataclasses

    k = _kernel(Float64Context(), "exp", False)[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.n = 3
