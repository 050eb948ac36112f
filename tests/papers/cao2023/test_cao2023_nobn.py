"""No-BN baseline and BN-vs-no-BN contrast (Cao et al. 2023 / Soudry et al. 2018).

Derivation, generated kernels against ≥ 50-digit finite differences and a plain GD, the two
claims on their quick defaults, and the negative controls the checker must reject.
"""

import json
import math

import mpmath
import numpy as np
import pytest
from helpers import cli

from bnproof.claims import get_claim, run_claim
from bnproof.core.data import gaussian_instance, validate
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.kernels.nobn import compile_nobn, kernel_source
from bnproof.papers.cao2023_nobn import contrast_instance, limits
from bnproof.symbolic import linear_nobn as ln

MM, CONTRAST = "cao2023.nobn.max-margin", "cao2023.contrast"
DPS = 110  # FD step 1e-30: truncation ~1e-60, rounding ~1e-80


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


def _npz(tmp_path, name, ds):
    path = tmp_path / name
    arrays = {"X": ds.X, "y": ds.y} | ({"w0": ds.w0} if ds.w0 is not None else {})
    np.savez(path, **arrays)
    return str(path)


def _coinciding():
    """d ≫ n isotropic: every point is a support vector, so ŵ = w_mm (seed 0: all α_i > 0)."""
    ds = gaussian_instance(0, 8, 24, 1.0)
    assert limits(ds).alpha.min() > 0
    return ds


def _not_separable():
    # x and -x with the same label: no w through the origin separates them
    return validate(np.array([[1.0, 0.2, 0.0], [-1.0, -0.2, 0.0], [0.0, 1.0, 0.5]]), np.array([1, 1, -1]),
                    None, "not separable")


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
        h = mpmath.mpf("1e-30")
        X = [[mpmath.mpf(float(v)) for v in row] for row in ds.X]
        w0 = [mpmath.mpf(float(v)) for v in ds.w0]

        def L_w(w):  # the loss as a function of w, through the compiled loss of z = Xw
            with ctx.scope():
                z = ctx.state_vector([ctx.num(str(mpmath.fsum(a * b for a, b in zip(row, w)))) for row in X])
                return mpmath.mpf(ctx.to_str(k.loss(z), DPS))

        for j in range(ds.d):
            e = [h if i == j else 0 for i in range(ds.d)]
            fd = (L_w([a + b for a, b in zip(w0, e)]) - L_w([a - b for a, b in zip(w0, e)])) / (2 * h)
            an = mpmath.fsum(X[i][j] * gz[i] for i in range(ds.n))  # ∇_w L = Xᵀ ∂L/∂z
            assert abs(fd - an) < mpmath.mpf("1e-50"), (j, fd, an)


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
            grad = [(L([wi + (h if i == j else 0) for i, wi in enumerate(w)])
                     - L([wi - (h if i == j else 0) for i, wi in enumerate(w)])) / (2 * h) for j in range(ds.d)]
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


# --------------------------------------------------------------------------- instances and limits


def test_generated_instance_is_deterministic_and_the_limits_differ():
    a, b = contrast_instance(0, 8, 12, 1.0), contrast_instance(0, 8, 12, 1.0)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and a.source == b.source
    lim = limits(a)
    assert lim.alpha.min() < 0  # not every point is a support vector ...
    assert lim.separation >= 0.3  # ... so ŵ and w_mm differ
    assert max(lim.svm.kkt.values()) < 1e-8
    assert not np.array_equal(contrast_instance(1, 8, 12, 1.0).X, a.X)


# --------------------------------------------------------------------------- claim 1: max margin


@pytest.fixture(scope="module")
def quick_mm():
    return check(MM, quick=True)


def test_max_margin_verified_quick(quick_mm):
    rec = quick_mm
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["best_family"] == "inverse-log" and m["p_last_decade"] >= 0.75
    assert float(m["angle_to_max_margin"]) < 0.1 < float(m["angle_to_uniform_margin"])
    d = np.array([float(v) for v in m["direction"]])
    assert abs(np.linalg.norm(d) - 1) < 1e-12 and len(d) == rec["params"]["d"]
    assert max(m["svm"]["kkt"].values()) < 1e-8
    prec = rec["precision"]
    assert prec["context"] == "float64" and prec["audit_dps"] == 30
    assert len(prec["audits"]) == 2 and prec["agreeing_digits"]["angle"] >= 10
    assert isinstance(m["angle_to_max_margin"], str) and rec["params"]["steps"] == 100_000
    assert rec["confidence"] == "recon" and "[recon]" in rec["notes"]


def test_max_margin_logistic_verified():
    rec = check(MM, quick=True, loss="logistic")
    assert rec["verdict"] == "verified", rec["reason"]


def test_mutated_rate_exp_log2_is_refuted():
    """Negative control: 'no-BN gap decays like exp(-c log² t)' must come out refuted."""
    rec = check(MM, quick=True, params={"claim_rate": "exp-log2"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert "exp(-c·log² t)" in rec["reason"]


def test_mutated_limit_uniform_margin_is_refuted():
    """Negative control: 'GD without BN converges to the uniform-margin ŵ' must come out refuted."""
    rec = check(MM, quick=True, params={"limit": "uniform-margin"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert rec["measured"]["p_last_decade"] < 0.5


def test_max_margin_on_flint_main_run_agrees():
    """The same short run in python-flint (audited as a whole) gives the float64 angle."""
    a = check(MM, steps=3000, params={"arith": "flint", "audit_steps": 3000})
    b = check(MM, steps=3000, params={"audit_steps": 3000})
    assert a["precision"]["context"] == "flint" and len(a["precision"]["audits"]) == 1
    assert abs(float(a["measured"]["angle_to_max_margin"]) - float(b["measured"]["angle_to_max_margin"])) < 1e-12


def test_audit_disabled_cannot_verify():
    rec = check(MM, steps=3000, params={"audit": "false"})
    assert rec["verdict"] == "inconclusive" and "audit" in rec["reason"]


def test_divergent_step_size_is_inconclusive():
    rec = check(MM, steps=500, eta="50", params={"audit_steps": 200})
    assert rec["verdict"] == "inconclusive" and "--eta" in rec["reason"]


# --------------------------------------------------------------------------- claim 2: contrast


def test_contrast_verified_quick():
    rec = check(CONTRAST, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert all(m["checks"].values())
    sep = float(m["separation"])
    assert float(m["bn_angle_to_uniform"]) < 1e-10 and float(m["bn_angle_to_max_margin"]) > 0.99 * sep
    assert float(m["nobn_angle_to_max_margin"]) < 0.25 * sep < 0.75 * sep < float(m["nobn_angle_to_uniform"])
    assert float(m["bn_gap"]) < 1e-12 and m["nobn_best_family"] == "inverse-log"
    series = rec["series"]
    assert series["plot"]["y"] == ["bn_gap", "nobn_angle_mm", "nobn_angle_hat"]
    assert all(len(series["log10"][k]) == len(series["t"]) for k in series["plot"]["y"])
    assert rec["precision"]["agreeing_digits"]["bn_gap"] >= 6 and rec["precision"]["agreeing_digits"]["nobn_angle"] >= 10


def test_contrast_coinciding_limits_is_inapplicable_via_data(tmp_path, capsys):
    """Negative control: all α_i > 0 (d ≫ n isotropic) is not reported as a contrast."""
    path = _npz(tmp_path, "coincide.npz", _coinciding())
    code, out, _ = cli(["check", CONTRAST, "--data", path, "--json"], capsys)
    rec = json.loads(out)
    assert code == 3 and rec["verdict"] == "inapplicable"
    assert "the two limits coincide: every point is a support vector" in rec["reason"]


def test_contrast_coinciding_limits_run_anyway_is_refuted():
    rec = check(CONTRAST, data=_coinciding(), steps=2000, params={"enforce_assumptions": "false", "bn_steps": 2000})
    assert rec["verdict"] == "refuted" and "limits_differ" in rec["reason"], rec["reason"]


@pytest.mark.parametrize("cid", [MM, CONTRAST])
def test_not_separable_data_is_inapplicable(cid, tmp_path, capsys):
    path = _npz(tmp_path, "nonsep.npz", _not_separable())
    code, out, _ = cli(["check", cid, "--data", path, "--json"], capsys)
    rec = json.loads(out)
    assert code == 3 and rec["verdict"] == "inapplicable" and "not linearly separable" in rec["reason"]


@pytest.mark.parametrize(("cid", "param"), [(MM, "claim_rate=fast"), (MM, "limit=elsewhere"),
                                            (CONTRAST, "center=maybe"), (CONTRAST, "own_frac=0.7"),
                                            (MM, "audit_steps=-1")])
def test_bad_param_value_is_a_one_line_error(cid, param, capsys):
    code, out, err = cli(["check", cid, "--param", param, "--steps", "1000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("bnproof: error:"), err


def test_bad_param_value_raises_badinput():
    with pytest.raises(BadInput):
        check(MM, steps=1000, params={"claim_rate": "exp-log3"})


def _balanced(seed=8, n=8, d=12):
    rng = np.random.default_rng(seed)
    y = np.array([1, -1] * (n // 2))
    return validate(rng.standard_normal((n, d)), y, rng.standard_normal(d) / np.sqrt(d), "balanced")


def test_contrast_centred_bn_convention():
    """The other BN convention (``center=true``; the default is checked above): centred BN needs
    Σ y_i = 0, and then its uniform-margin limit differs from w_mm as well."""
    data = _balanced()
    lim = limits(data, True)
    assert lim.separation > 0.5 and lim.separation != limits(data, False).separation
    rec = check(CONTRAST, quick=True, data=data, params={"center": "true", "own_frac": 0.35})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["center"] is True
    # generic (unbalanced) labels: no centred uniform margin, so the BN limit does not exist
    rec = check(CONTRAST, quick=True, params={"center": "true"})
    assert rec["verdict"] == "inapplicable" and "Σ y_i = 0" in rec["reason"]
