"""Property tests of GD on the BN linear model (bnproof/papers/cao2023/linear_model.py) on random instances.

Identities at 50 digits, convergence to a uniform margin, the late monotonicity of the gap, the
negative case (no uniform-margin solution) and the exactness of the n-dimensional z-recursion
against plain d-dimensional GD.  Instances come from ``bnproof.strategies``; sizes stay small
(n <= 6, d <= 10) and runs short so the whole file takes well under a minute.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bnproof import strategies as S
from bnproof.core.precision import FlintContext, MpmathContext
from bnproof.engines.baseline import plain_mpmath_gd
from bnproof.engines.bn_linear import simulate
from bnproof.kernels.codegen import compile_kernel
from bnproof.models.bn_linear import uniform_margin_exists
from bnproof.symbolic import bn_linear

DPS = 50  # identities
GD_STEPS = 3000
GD_DPS = 40
ETA = "0.1"

_small_n = st.integers(2, 6)
_small_d = st.integers(1, 10)

any_data = st.one_of(
    S.separable_data(n=_small_n, d=_small_d),
    S.uniform_margin_data(n=_small_n, d=st.integers(2, 10), min_condition=1e-3),
    S.no_uniform_margin_data(n=_small_n, d=st.integers(1, 5)),
)
directions = hnp.arrays(np.float64, 10, elements=st.floats(-3, 3, allow_subnormal=False),
                        fill=st.nothing())


# --- helpers: everything in mpmath at the working precision of the caller -----------------


def _mp_rows(X: np.ndarray) -> list[list[mpmath.mpf]]:
    return [[mpmath.mpf(float(v)) for v in row] for row in X]  # float64 -> mpf is exact


def _matvec(rows, v) -> list[mpmath.mpf]:
    return [mpmath.fsum(a * b for a, b in zip(row, v)) for row in rows]


def _rmatvec(rows, c, d: int) -> list[mpmath.mpf]:
    """Xᵀ c."""
    return [mpmath.fsum(rows[i][k] * c[i] for i in range(len(rows))) for k in range(d)]


def _margins(y, z) -> tuple[mpmath.mpf, list[mpmath.mpf]]:
    s = mpmath.sqrt(mpmath.fsum(zi * zi for zi in z) / len(z))
    return s, [int(yi) * zi / s for yi, zi in zip(y, z)]


def _norm(v) -> mpmath.mpf:
    return mpmath.sqrt(mpmath.fsum(x * x for x in v))


def _direction(raw: np.ndarray, ds) -> np.ndarray:
    """A w from drawn coordinates, rejected when ‖w‖_Σ is (numerically) 0."""
    w = raw[: ds.d]
    assume(np.any(w != 0))
    w = w / np.max(np.abs(w))
    assume(np.linalg.norm(ds.X @ w) > 1e-8 * np.linalg.norm(ds.X))
    return w


# --- identities at high precision -------------------------------------------------------


@given(any_data, directions)
def test_mean_square_margin_is_one(ds, raw):
    w = _direction(raw, ds)
    with mpmath.workdps(DPS):
        X = _mp_rows(ds.X)
        _, m = _margins(ds.y, _matvec(X, [mpmath.mpf(float(v)) for v in w]))
        assert abs(mpmath.fsum(mi * mi for mi in m) / ds.n - 1) < mpmath.mpf("1e-45")


@given(any_data, directions, directions, st.floats(-3, 3), S.losses())
def test_gradient_is_orthogonal_to_w(ds, raw, raw_v, gamma, loss):
    """⟨w, ∇_w L⟩ = 0 with ∇_w L = Xᵀ·gz from the compiled kernel; gz is also checked as a gradient."""
    w_f = _direction(raw, ds)
    ctx = MpmathContext(dps=DPS)
    with ctx.scope():
        X = _mp_rows(ds.X)
        w = [mpmath.mpf(float(v)) for v in w_f]
        G = ctx.matrix([[mpmath.fsum(a * b for a, b in zip(xi, xj)) for xj in X] for xi in X])
        kernel = compile_kernel(bn_linear.step_program(loss), ctx, G=G, y=ds.y, eta=ctx.num(ETA))
        g = ctx.num(gamma)
        z = _matvec(X, w)
        gz, _ = kernel.gradient(z, g)
        grad_w = _rmatvec(X, gz, ds.d)
        inner = mpmath.fsum(a * b for a, b in zip(w, grad_w))
        # relative to the size of what cancels: ‖X‖‖w‖ times the size of gz's terms (|m_j| <= √n,
        # r_j <= e^{|γ|√n}); ∇_w L itself can be 0 (d = 1, or equal margins), so not ‖w‖‖∇_w L‖
        s, _ = kernel.margins(z, g)
        terms = abs(g) * mpmath.exp(abs(g) * mpmath.sqrt(ds.n)) / s
        scale = _norm([a for row in X for a in row]) * _norm(w) * (_norm(gz) + terms)
        note(f"<w, grad> = {mpmath.nstr(inner, 5)}, scale = {mpmath.nstr(scale, 5)}")
        assert abs(inner) <= mpmath.mpf("1e-40") * scale
        # gz really is ∂L/∂z: the directional derivative of the kernel's loss along Xv
        v = [mpmath.mpf(float(a)) for a in raw_v[: ds.d]]
        xv = _matvec(X, v)
        numeric = mpmath.diff(lambda t: kernel.loss([zi + t * xi for zi, xi in zip(z, xv)], g), 0)
        analytic = mpmath.fsum(a * b for a, b in zip(gz, xv))
        assert abs(numeric - analytic) <= mpmath.mpf("1e-30") * (1 + _norm(gz) * _norm(xv))


@given(S.uniform_margin_data(n=_small_n, d=st.integers(2, 10), min_condition=1e-3))
def test_minimum_norm_solution_has_uniform_margin(ds):
    """ŵ = Xᵀ(XXᵀ)⁻¹y has every m_i = 1 (and ‖ŵ‖_Σ = 1)."""
    ctx = MpmathContext(dps=DPS)
    with ctx.scope():
        X = _mp_rows(ds.X)
        G = ctx.matrix([[mpmath.fsum(a * b for a, b in zip(xi, xj)) for xj in X] for xi in X])
        c = ctx.solve(G, [mpmath.mpf(int(v)) for v in ds.y])
        w_hat = _rmatvec(X, c, ds.d)
        s, m = _margins(ds.y, _matvec(X, w_hat))
        assert max(abs(mi - 1) for mi in m) < mpmath.mpf("1e-40")
        assert abs(s - 1) < mpmath.mpf("1e-40")


# --- gradient descent: uniform margin, late monotonicity, negative case ------------------

_runs: dict = {}


def _gd_run(ds, loss: str):
    """simulate(...) at GD_DPS digits, memoised on the instance (the two GD tests share runs)."""
    key = (ds.X.tobytes(), ds.X.shape, ds.y.tobytes(), ds.w0.tobytes(), loss)
    if key not in _runs:
        _runs[key] = simulate(ds, loss=loss, eta=ETA, steps=GD_STEPS, ctx=FlintContext(dps=GD_DPS),
                              center=False)[0]
    return _runs[key]


_uniform = S.uniform_margin_data(n=_small_n, d=st.integers(2, 10))


@given(_uniform, S.losses())
def test_gd_reaches_uniform_margin(ds, loss):
    assert uniform_margin_exists(ds, center=False)[0]
    tr = _gd_run(ds, loss)
    note(f"{ds.source}, loss={loss}: final gap {tr.last('gap')[:12]} (log10 {tr.log10['gap'][-1]:.2f})")
    with mpmath.workdps(GD_DPS + 10):
        assert mpmath.mpf(tr.last("gap")) < mpmath.mpf("1e-6")


# Below about 10^-(dps-10) the gap is at the rounding floor of the working precision (an O(1)
# quantity minus 1 at GD_DPS digits), where its last digits are noise.  Monotonicity is a
# statement about the true gap: checkpoints above the floor must not rise, and once the gap is
# below the floor it must stay there.  (About 15 % of these instances are below the floor
# before t = steps/10 already; for them only the second half of the check has content.)
_FLOOR_LOG10 = -(GD_DPS - 10)


@given(_uniform, S.losses())
def test_gap_nonincreasing_late(ds, loss):
    tr = _gd_run(ds, loss)
    late = [(t, lg if math.isfinite(lg) else -math.inf)  # nan/-inf: exactly 0 at the floor
            for t, lg in zip(tr.t, tr.log10["gap"]) if t >= GD_STEPS // 10]
    assert len(late) >= 20
    above = sum(lg > _FLOOR_LOG10 for _, lg in late)
    note(f"{ds.source}, loss={loss}: {above} of {len(late)} late checkpoints above the floor")
    for (t0, a), (t1, b) in zip(late, late[1:]):
        if a > _FLOOR_LOG10 and b > _FLOOR_LOG10:
            assert b <= a + 1e-9, f"log10 gap rose from {a:.12f} (t={t0}) to {b:.12f} (t={t1})"
        elif a <= _FLOOR_LOG10:
            assert b <= _FLOOR_LOG10, f"gap came back above 1e{_FLOOR_LOG10} at t={t1} ({b:.3f})"


@given(S.no_uniform_margin_data(n=_small_n, d=st.integers(1, 5)), S.losses())
def test_no_uniform_margin_gap_stays_large(ds, loss):
    assert uniform_margin_exists(ds, center=False)[0] is False
    tr = simulate(ds, loss=loss, eta=ETA, steps=GD_STEPS, ctx=FlintContext(dps=GD_DPS), center=False)[0]
    yf = ds.y.astype(float)
    sol, *_ = np.linalg.lstsq(ds.X, yf, rcond=None)
    residual = np.linalg.norm(ds.X @ sol - yf) / np.linalg.norm(yf)
    with mpmath.workdps(GD_DPS + 10):
        gaps = [mpmath.mpf(v) for v in tr.values["gap"]]
    note(f"{ds.source}, loss={loss}: residual {residual:.4g}, final gap {float(gaps[-1]):.6g}")
    assert gaps[-1] > mpmath.mpf("1e-3")
    # sharper: every normalised-margin vector lies in D_y range(X), so gap >= residual always
    assert all(g >= residual * (1 - 1e-9) for g in gaps)


# --- the n-dimensional z-recursion is exact ---------------------------------------------


@settings(max_examples=15)
@given(st.one_of(S.uniform_margin_data(n=_small_n, d=st.integers(2, 10), min_condition=1e-2),
                 S.no_uniform_margin_data(n=_small_n, d=st.integers(1, 5))),
       S.losses(), st.booleans())
def test_z_recursion_equals_full_gd(ds, loss, center):
    steps, dps = 20, 50
    if center:  # the centred data must see w0 (‖w0‖_Σ > 0 after centring)
        Xc = ds.X - ds.X.mean(axis=0)
        assume(np.linalg.norm(Xc @ ds.w0) > 1e-3 * np.linalg.norm(Xc) * np.linalg.norm(ds.w0))
    w, gamma = plain_mpmath_gd(ds.X, ds.y, ds.w0, eta=ETA, steps=steps, dps=dps, loss=loss, center=center)
    tr, _ = simulate(ds, loss=loss, eta=ETA, steps=steps, ctx=MpmathContext(dps=dps), center=center,
                     checkpoints=[steps])
    z_rec, gamma_rec = tr.final_state
    with mpmath.workdps(dps):
        X = _mp_rows(ds.X)
        if center:
            mean = [mpmath.fsum(row[k] for row in X) / ds.n for k in range(ds.d)]
            X = [[row[k] - mean[k] for k in range(ds.d)] for row in X]
        z_plain = _matvec(X, w)
        scale = max(1, max(abs(v) for v in z_plain))
        err = max(abs(a - b) for a, b in zip(z_plain, z_rec))
        note(f"max |z_plain - z_rec| = {mpmath.nstr(err, 5)} (scale {mpmath.nstr(scale, 5)})")
        assert err <= mpmath.mpf("1e-40") * scale
        assert abs(gamma - gamma_rec) <= mpmath.mpf("1e-40") * max(1, abs(gamma))
