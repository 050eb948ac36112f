"""Cao et al. 2023, the BN linear CNN: derivations, kernels, claims, negative controls, properties.

Claims: ``cao2023.cnn.patchwise-uniform`` and ``cao2023.cnn.rate`` (bnproof/papers/cao2023_cnn.py).
Negative controls that must be rejected: no patch-wise uniform solution (nP > d) run anyway,
the rate mutated to k = 4 (and k = 3, which holds for the linear model but not for the CNN),
the patches-as-samples gradient (symbolically and by finite differences), a wrong linearisation.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from helpers import cli
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bnproof.claims import get_claim, run_claim
from bnproof.core.data import validate
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.kernels.bn_cnn import compile_cnn_kernel, kernel_source
from bnproof.papers.cao2023_cnn import (
    _patch_system,
    asymptotic_rate,
    gaussian_patch_instance,
    patchwise_solution,
    simulate,
    slow_eigenvalue,
)
from bnproof.strategies import patch_data
from bnproof.symbolic import bn_cnn as bc

PW, RATE = "cao2023.cnn.patchwise-uniform", "cao2023.cnn.rate"
DPS = 110  # working digits of the finite-difference checks; step 1e-30: truncation ~1e-60


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


@pytest.fixture(scope="module")
def quick_pw():
    return check(PW, quick=True)


@pytest.fixture(scope="module")
def quick_rate():
    return check(RATE, quick=True)


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
        G, z0, rows = _patch_system(ctx, ds, ds.w0)
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
    with mpmath.workdps(DPS):
        h = mpmath.mpf("1e-30")
        wm = [mpmath.mpf(float(v)) for v in ds.w0]
        g0 = mpmath.mpf("1.7")

        def L(wv, g):  # the loss as a function of (w, γ), through z_ip = ⟨w, x_i^(p)⟩
            with ctx.scope():
                z = [ctx.num(mpmath.nstr(mpmath.fsum(a * b for a, b in zip(row, wv)), DPS + 10)) for row in Xm]
                return _to_mp(ctx, k.loss(z, ctx.num(mpmath.nstr(g, DPS + 10))))

        for j in range(ds.d):  # ∇_w L = Σ_ip x_i^(p) ∂L/∂z_ip, coordinate by coordinate
            e = [h if i == j else 0 for i in range(ds.d)]
            fd = (L([a + b for a, b in zip(wm, e)], g0) - L([a - b for a, b in zip(wm, e)], g0)) / (2 * h)
            an = mpmath.fsum(Xm[r][j] * gzm[r] for r in range(len(Xm)))
            assert abs(fd - an) < mpmath.mpf("1e-50"), (j, fd, an)
        fd_g = (L(wm, g0 + h) - L(wm, g0 - h)) / (2 * h)
        assert abs(fd_g - ggm) < mpmath.mpf("1e-50")


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
            grad = [(L([v + (h if i == j else 0) for i, v in enumerate(w)], g)
                     - L([v - (h if i == j else 0) for i, v in enumerate(w)], g)) / (2 * h) for j in range(ds.d)]
            gg = (L(w, g + h) - L(w, g - h)) / (2 * h)
            w, g = [a - eta * b for a, b in zip(w, grad)], g - eta * gg
        z_ref = [mpmath.fsum(a * b for a, b in zip(p, w)) for s in X for p in s]
        with FlintContext(60).scope():
            z_e = [mpmath.mpf(FlintContext(60).to_str(v, 60)) for v in FlintContext(60).aslist(z_eng)]
            g_e = mpmath.mpf(FlintContext(60).to_str(g_eng, 60))
        assert max(abs(a - b) for a, b in zip(z_e, z_ref)) < mpmath.mpf("1e-50")
        assert abs(g_e - g) < mpmath.mpf("1e-50")


def test_linearised_slow_eigenvalue_tends_to_the_schur_complement():
    ds = gaussian_patch_instance(0, 3, 2, 12, 1.0)
    lam = [slow_eigenvalue(ds, rho) for rho in (10.0, 1e3, 1e6)]
    c_inf = asymptotic_rate(ds, "average", 1.0)
    lam_inf = c_inf * 2 * ds.n * ds.P
    assert lam[0] < lam[1] < lam[2] and abs(lam[2] - lam_inf) / lam_inf < 1e-4
    assert asymptotic_rate(gaussian_patch_instance(0, 3, 1, 12), "average", 1.0) is None  # P = 1: linear model


# --- the claims ---------------------------------------------------------------------------------


def test_patchwise_uniform_verified_quick(quick_pw):
    rec = quick_pw
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["confidence"] == "paper" and "[recon]" in rec["notes"]
    m = rec["measured"]
    assert float(m["gap"]) < 1e-12 and m["gap_nonincreasing_late"]
    assert all(abs(float(x) - 1) < 1e-12 for row in m["patch_margins"] for x in row)
    assert len(m["patch_margins"]) == 4 and len(m["patch_margins"][0]) == 3
    np.testing.assert_allclose([float(v) for v in m["direction"]], [float(v) for v in rec["expected"]["direction"]],
                               atol=1e-10)
    # patch-wise is stricter than sample-wise: sample margins equalise first
    assert float(m["sample_gap"]) < float(m["gap"]) / 10
    first = m["patch_gap_when_sample_gap_first_below_1e-3"]
    assert float(first["gap"]) > 1e-3
    assert rec["precision"]["agreeing_digits"]["gap"] >= 10
    assert rec["params"]["pooling"] == "average" and rec["params"]["P"] == 3


def test_rate_verified_quick_with_the_linearised_mechanism(quick_rate):
    rec = quick_rate
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["confidence"] == "recon" and "[recon]" in rec["notes"]
    m = rec["measured"]
    assert abs(m["mechanism"] - 1) < 0.01  # d ln gap/dt = -η|γ|c r(γ̃) λ_min(QK(ρB+I))/(ns²)
    assert 1.8 < m["k_local"] < 2.3  # log², not the linear model's log³
    assert isinstance(m["gap"], str) and rec["series"]["t"][-1] == 5000
    assert rec["precision"]["agreeing_digits"]["gap"] >= 10


@pytest.mark.parametrize("k", [4, 3])
def test_rate_mutated_exponent_is_refuted(k):
    # k = 3 is what the linear model attains; the CNN's patch gap only decays like exp(-c log² t)
    rec = check(RATE, quick=True, params={"k": k})
    assert rec["verdict"] == "refuted", rec["reason"]


@pytest.mark.parametrize("cid", [PW, RATE])
def test_no_patchwise_solution_is_inapplicable(cid):
    rec = check(cid, steps=2000, params={"d": 8})  # nP = 12 > d = 8
    assert rec["verdict"] == "inapplicable" and "patch-wise" in rec["reason"]
    assert float(rec["measured"]["gap_lower_bound"]) > 0.1


@pytest.mark.parametrize("cid", [PW, RATE])
def test_no_patchwise_solution_run_anyway_is_refuted(cid):
    rec = check(cid, steps=3000, params={"d": 8, "enforce_assumptions": "false"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert float(rec["measured"]["gap"]) >= float(rec["measured"].get("gap_lower_bound", 0))


def test_both_pooling_conventions():
    # sum pooling = average pooling with γ' = Pγ and step P²η on γ': slower, same limit.  On this
    # instance both converge (average so fast that it needs more digits, next test).
    small = {"n": 3, "P": 2, "d": 48, "pooling": "sum"}
    rec = check(PW, quick=True, seed=1, params=small)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["pooling"] == "sum"
    rec = check(RATE, quick=True, seed=1, params=small)
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["mechanism"] - 1) < 0.02 and rec["measured"]["fit_variable"] == "log(0.4*t)"
    # on the default instance sum pooling is far from converged early on: never a refutation
    for cid in (PW, RATE):
        rec = check(cid, steps=2000, params={"pooling": "sum"})
        assert rec["verdict"] == "inconclusive", rec["reason"]


def test_average_pooling_converges_faster_and_underflow_is_inconclusive():
    small = {"n": 3, "P": 2, "d": 48}
    rec = check(PW, quick=True, seed=1, params=small)  # average pooling: gap 3.5e-51 at t = 5000
    assert rec["verdict"] == "verified" and float(rec["measured"]["gap"]) < 1e-40, rec["reason"]
    # the same run at 40 digits loses the gap below the working precision: inconclusive, with advice
    rec = check(PW, quick=True, seed=1, dps=40, params=small)
    assert rec["verdict"] == "inconclusive" and "--dps" in rec["reason"]


def test_logistic_loss_verified():
    rec = check(PW, quick=True, loss="logistic")
    assert rec["verdict"] == "verified", rec["reason"]


def test_float64_noise_is_never_a_verdict():
    rec = check(RATE, quick=True, params={"arith": "float64", "audit_dps": 60})
    assert rec["verdict"] == "inconclusive", rec["reason"]
    assert rec["precision"]["agreeing_digits"]["gap"] < 6


def test_audit_disabled_cannot_verify():
    rec = check(PW, steps=3000, params={"audit": "false", "gap_tol": 1e-6})
    assert rec["verdict"] == "inconclusive"


def test_same_inputs_same_record(quick_pw):
    again = check(PW, quick=True)
    for key in ("verdict", "measured", "params", "expected"):
        assert again[key] == quick_pw[key]


def test_patch_data_through_the_api():
    ds = gaussian_patch_instance(0, 4, 3, 48, 1.0)
    rec = check(PW, quick=True, data=validate(ds.X, ds.y, ds.w0, "api"))
    assert rec["verdict"] == "verified" and rec["params"]["w0"] == "from --data"
    with pytest.raises(BadInput, match="n×P×d"):
        check(PW, quick=True, data=validate(ds.X[:, 0, :], ds.y, ds.w0, "matrix"))


# --- bad input: exit 2 with one line ----------------------------------------------------------


def _one_line_error(code, out, err, fragment):
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("bnproof: error:") and fragment in err, err


def test_unrecognised_pooling_exits_2(capsys):
    _one_line_error(*cli(["check", PW, "--param", "pooling=max", "--quick"], capsys), "pooling")


@pytest.mark.parametrize("arrays, fragment", [
    ({"X": np.zeros((4, 3, 10)), "y": np.array([1, -1, 1])}, "y must have shape"),
    ({"X": np.ones((4, 3, 10)), "y": np.array([1, -1, 1, 1]), "w0": np.ones(9)}, "w0 must have shape"),
    ({"X": np.ones((4, 3, 10, 2)), "y": np.array([1, -1, 1, 1])}, "X must be"),
    ({"X": np.ones((4, 10)), "y": np.array([1, -1, 1, 1])}, "n×P×d"),
])
def test_inconsistent_patch_data_exits_2(arrays, fragment, capsys, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    _one_line_error(*cli(["check", RATE, "--data", str(path), "--quick"], capsys), fragment)


def test_bad_sizes_exit_2(capsys):
    _one_line_error(*cli(["check", PW, "--param", "P=0", "--quick"], capsys), "P >= 1")


# --- properties on random instances (bnproof._patch_strategies.patch_data) -----------------------

weights = hnp.arrays(np.float64, 16, elements=st.floats(-3, 3, allow_subnormal=False), fill=st.nothing())


@given(ds=patch_data(), w=weights)
def test_mean_square_patch_margin_is_one(ds, w):
    w = w[: ds.d]
    if not np.any(ds.X.reshape(-1, ds.d) @ w):
        w = ds.w0
    ctx = MpmathContext(50)
    with ctx.scope():
        G, z, _ = _patch_system(ctx, ds, w)
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


# --- engines (--param engine: the deviation engine of bnproof.deviation_cnn) ----------------------


def test_deviation_and_multiprecision_engines_agree_and_records_only_add_keys(quick_pw):
    from bnproof.engines.audit import agreeing_digits

    dev = quick_pw  # engine=auto: the deviation engine
    mp = check(PW, quick=True, params={"engine": "multiprecision"})
    assert dev["params"]["engine_used"] == "deviation" and mp["params"]["engine_used"] == "multiprecision"
    assert dev["verdict"] == mp["verdict"] == "verified"
    assert set(dev["measured"]) == set(mp["measured"])
    assert set(mp["params"]) <= set(dev["params"]) and set(mp["precision"]) <= set(dev["precision"])
    assert dev["params"]["dps"] == mp["params"]["dps"]
    for key in ("gap", "sample_gap", "gamma"):
        assert agreeing_digits([dev["measured"][key]], [mp["measured"][key]], cap=30)[0] >= 10, key
    xval = dev["precision"]["cross_validation"]
    assert xval["steps"] == dev["series"]["t"][-1] and xval["agreeing_digits"]["gap"] >= 10
    assert dev["precision"]["agreeing_digits"]["gap"] <= xval["agreeing_digits"]["gap"]  # minimum over audits


def test_auto_engine_with_an_arithmetic_is_multiprecision():
    rec = check(PW, steps=300, params={"arith": "mpmath", "gap_tol": 1e-3})
    assert rec["params"]["engine_used"] == "multiprecision" and rec["params"]["arith"] == "mpmath"
    assert "cross_validation" not in rec["precision"]


def test_bad_xval_steps_is_an_input_error():
    with pytest.raises(BadInput, match="xval_steps"):
        check(PW, steps=300, params={"xval_steps": 0})
