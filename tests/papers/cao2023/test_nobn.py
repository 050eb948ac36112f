"""The no-BN baseline claim ``cao2023.nobn.max-margin`` (bnproof/papers/cao2023/nobn.py) on its quick
defaults, and the negative controls the checker must reject."""

import json
import math

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import gaussian_instance, validate
from bnproof.core.errors import BadInput
from bnproof.papers.cao2023.limits import limits
from bnproof.papers.cao2023.nobn import MIN_DECADES, MaxMargin, decide_max_margin
from bnproof.testing import run_check

MM, CONTRAST = "cao2023.nobn.max-margin", "cao2023.contrast"


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


@pytest.fixture(scope="module")
def quick_mm():
    return run_check(MM, quick=True)


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
    rec = run_check(MM, quick=True, loss="logistic")
    assert rec["verdict"] == "verified", rec["reason"]


def test_mutated_rate_exp_log2_is_refuted():
    """Negative control: 'no-BN gap decays like exp(-c log² t)' must come out refuted."""
    rec = run_check(MM, quick=True, params={"claim_rate": "exp-log2"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert "exp(-c·log² t)" in rec["reason"]


def test_mutated_limit_uniform_margin_is_refuted():
    """Negative control: 'GD without BN converges to the uniform-margin ŵ' must come out refuted."""
    rec = run_check(MM, quick=True, params={"limit": "uniform-margin"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert rec["measured"]["p_last_decade"] < 0.5


def test_max_margin_on_flint_main_run_agrees():
    """The same short run in python-flint (audited as a whole) gives the float64 angle."""
    a = run_check(MM, steps=3000, params={"arith": "flint", "audit_steps": 3000})
    b = run_check(MM, steps=3000, params={"audit_steps": 3000})
    assert a["precision"]["context"] == "flint" and len(a["precision"]["audits"]) == 1
    assert abs(float(a["measured"]["angle_to_max_margin"]) - float(b["measured"]["angle_to_max_margin"])) < 1e-12


def test_audit_disabled_cannot_verify():
    rec = run_check(MM, steps=3000, params={"audit": "false"})
    assert rec["verdict"] == "inconclusive" and "audit" in rec["reason"]


def test_divergent_step_size_is_inconclusive():
    rec = run_check(MM, steps=500, eta="50", params={"audit_steps": 200})
    assert rec["verdict"] == "inconclusive" and "--eta" in rec["reason"]


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
        run_check(MM, steps=1000, params={"claim_rate": "exp-log3"})


# --- decision boundaries of cao2023.nobn.max-margin ------------------------------------------


def _mm(decades, p_last=1.0, p_prev=1.0, rising=False):
    prof = {"first": 1.0, "last": 1.0, "max": 1.0, "p_last": p_last, "p_prev": p_prev, "rising": rising}
    sup = {"holds": False, "min": 0.01, "first": 0.02, "last": 0.01}
    return MaxMargin(12.0, prof, sup, "inverse-log", 1.0, 0.1, 10**5, "t ∈ [a, b]", {}, decades)


@pytest.mark.parametrize(("decades", "verdict"), [(MIN_DECADES - 1e-3, "inconclusive"), (MIN_DECADES, "verified")])
def test_window_decades_boundary(decades, verdict):
    assert decide_max_margin(_mm(decades), "inverse-log", 0.25, "w_mm")[0] == verdict


@pytest.mark.parametrize(("p_last", "verdict"), [(0.75, "verified"), (0.7499, "refuted")])
def test_p_tol_boundary(p_last, verdict):
    assert decide_max_margin(_mm(3.0, p_last=p_last), "inverse-log", 0.25, "w_mm")[0] == verdict


def test_short_horizon_is_inconclusive_not_verified():
    rec = run_check(MM, steps=1000)
    assert rec["verdict"] == "inconclusive", rec["reason"]
    assert "decades" in rec["reason"]


# --- decide_max_margin: every branch and its reason (mutation testing, benchmarks/mutation.py) -------


def _mm2(digits=12.0, p_last=1.0, p_prev=1.0, rising=False, holds=False, family="inverse-log", decades=3.0):
    prof = {"first": 1.0, "last": 1.0, "max": 1.0, "p_last": p_last, "p_prev": p_prev, "rising": rising}
    sup = {"holds": holds, "min": 0.01, "first": 0.02, "last": 0.01}
    return MaxMargin(digits, prof, sup, family, 1.0, 0.1, 10**5, "t ∈ [a, b]", {}, decades)


def test_max_margin_audit_gate_at_min_digits():
    from bnproof.papers.cao2023.common import MIN_DIGITS

    assert decide_max_margin(_mm2(digits=None), "inverse-log", 0.25, "w_mm") == (
        "inconclusive", "precision audit disabled")
    assert decide_max_margin(_mm2(digits=MIN_DIGITS - 0.1), "inverse-log", 0.25, "w_mm") == (
        "inconclusive", "precision audit shows only 5.9 agreeing digits of the angle")
    assert decide_max_margin(_mm2(digits=MIN_DIGITS), "inverse-log", 0.25, "w_mm")[0] == "verified"


def test_max_margin_short_window_reason_caps_infinite_decades():
    verdict, why = decide_max_margin(_mm2(p_prev=None, decades=float("inf")), "inverse-log", 0.25, "w_mm")
    assert verdict == "inconclusive" and why.startswith("the late window t ∈ [a, b] spans 99.00 < 2 decades")


def test_max_margin_mutated_exp_log2_rate_is_judged_by_the_superpolynomial_profile():
    assert decide_max_margin(_mm2(holds=True), "exp-log2", 0.25, "w_mm") == (
        "verified", "-ln(angle)/ln²t stays ≥ 0.01 and does not decrease over t ∈ [a, b]")
    assert decide_max_margin(_mm2(), "exp-log2", 0.25, "w_mm") == (
        "refuted", "the angle to the w_mm does not decay like exp(-c·log² t): -ln(angle)/ln²t falls from 0.02 to "
        "0.01 over t ∈ [a, b]; best family inverse-log")


def test_max_margin_inverse_log_branches_and_their_reasons():
    verdict, why = decide_max_margin(_mm2(p_last=0.5, rising=True), "inverse-log", 0.25, "w_mm")
    assert verdict == "inconclusive" and "(needs exponent ≥ 0.75) but the exponent is still rising" in why
    assert decide_max_margin(_mm2(rising=True), "inverse-log", 0.25, "w_mm")[0] == "verified"  # ok and rising
    verdict, why = decide_max_margin(_mm2(p_last=0.5), "inverse-log", 0.25, "w_mm")
    assert verdict == "refuted" and why.startswith("the angle to the w_mm is not O(1/log t)")
    assert "(needs exponent ≥ 0.75)" in why
    verdict, why = decide_max_margin(_mm2(family="power"), "inverse-log", 0.25, "w_mm")
    assert verdict == "inconclusive" and "but power fits it better than inverse-log" in why
    verdict, why = decide_max_margin(_mm2(), "inverse-log", 0.25, "w_mm")
    assert verdict == "verified" and "local exponent 1 ≥ 0.75 over the last decade" in why
    assert why.endswith("best fit (p = 1.000); audit: 12.0 digits agree")


def test_figure_separates_angles_from_the_margin_gap_with_a_1_over_log_t_reference(quick_mm):
    series, m = quick_mm["series"], quick_mm["measured"]
    plot = series["plot"]
    assert "margin_gap" not in plot["y"] and plot["ylabel"] == r"$\log_{10}$ angle (rad)"
    reference, fit = plot["curves"]
    assert reference["kind"] == "theory" and "1/\\ln t" in reference["label"]
    # the reference passes through the angle at the horizon (log10 units)
    assert reference["y"][-1] == pytest.approx(math.log10(float(m["angle_to_limit"])), abs=1e-9)
    assert fit["kind"] == "fit" and f"{m['p_last_decade']:.3f}" in fit["label"]
    late, decade = plot["spans"]
    assert [late["lo"], late["hi"]] == m["window"] and decade["lo"] == pytest.approx(decade["hi"] / 10)
    _, margin = series["panels"]
    assert margin["yscale"] == "log" and margin["curves"][1]["kind"] == "theory"
