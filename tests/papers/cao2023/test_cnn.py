"""Cao et al. 2023, the BN linear CNN claims (bnproof/papers/cao2023/cnn.py): verdicts, negative
controls, input errors.

Claims: ``cao2023.cnn.patchwise-uniform`` and ``cao2023.cnn.rate``.  Negative controls that must be
rejected: no patch-wise uniform solution (nP > d) run anyway, the rate mutated to k = 4 (and k = 3,
which holds for the linear model but not for the CNN).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import validate
from bnproof.core.errors import BadInput
from bnproof.engines.audit import agreeing_digits
from bnproof.models.bn_linear import gaussian_patch_instance
from bnproof.papers.cao2023.cnn import Patchwise, decide_patchwise
from bnproof.testing import run_check

PW, RATE = "cao2023.cnn.patchwise-uniform", "cao2023.cnn.rate"


@pytest.fixture(scope="module")
def quick_pw():
    return run_check(PW, quick=True)


@pytest.fixture(scope="module")
def quick_rate():
    return run_check(RATE, quick=True)


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
    assert 1.8 < m["k_eff"] < 2.3  # log², not the linear model's log³
    assert abs(m["local_rate_ratio_last"] - 1) < 0.01 and m["local_rate_ratio_max_dev"] <= 0.05
    assert isinstance(m["gap"], str) and rec["series"]["t"][-1] == 5000
    assert rec["precision"]["agreeing_digits"]["gap"] >= 10


@pytest.mark.parametrize("k", [4, 3])
def test_rate_mutated_exponent_is_refuted(k):
    # k = 3 is what the linear model attains; the CNN's patch gap only decays like exp(-c log² t)
    rec = run_check(RATE, quick=True, params={"k": k})
    assert rec["verdict"] == "refuted", rec["reason"]


@pytest.mark.parametrize("cid", [PW, RATE])
def test_no_patchwise_solution_is_inapplicable(cid):
    rec = run_check(cid, steps=2000, params={"d": 8})  # nP = 12 > d = 8
    assert rec["verdict"] == "inapplicable" and "patch-wise" in rec["reason"]
    assert float(rec["measured"]["gap_lower_bound"]) > 0.1


@pytest.mark.parametrize("cid", [PW, RATE])
def test_no_patchwise_solution_run_anyway_is_refuted(cid):
    rec = run_check(cid, steps=3000, params={"d": 8, "enforce_assumptions": "false"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert float(rec["measured"]["gap"]) >= float(rec["measured"]["gap_lower_bound"] or 0)


def test_both_pooling_conventions():
    # sum pooling = average pooling with γ' = Pγ and step P²η on γ': slower, same limit.  On this
    # instance both converge (average so fast that it needs more digits, next test).
    small = {"n": 3, "P": 2, "d": 48, "pooling": "sum"}
    rec = run_check(PW, quick=True, seed=1, params=small)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["pooling"] == "sum"
    rec = run_check(RATE, quick=True, seed=1, params=small)
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["mechanism"] - 1) < 0.02 and rec["measured"]["fit_variable"] == "log(0.4*t)"
    # on the default instance sum pooling is far from converged early on: never a refutation
    for cid in (PW, RATE):
        rec = run_check(cid, steps=2000, params={"pooling": "sum"})
        assert rec["verdict"] == "inconclusive", rec["reason"]


def test_average_pooling_converges_faster_and_underflow_is_inconclusive():
    small = {"n": 3, "P": 2, "d": 48}
    rec = run_check(PW, quick=True, seed=1, params=small)  # average pooling: gap 3.5e-51 at t = 5000
    assert rec["verdict"] == "verified" and float(rec["measured"]["gap"]) < 1e-40, rec["reason"]
    # the same run at 40 digits loses the gap below the working precision: inconclusive, with advice
    rec = run_check(PW, quick=True, seed=1, dps=40, params=small)
    assert rec["verdict"] == "inconclusive" and "--dps" in rec["reason"]


def test_logistic_loss_verified():
    rec = run_check(PW, quick=True, loss="logistic")
    assert rec["verdict"] == "verified", rec["reason"]


def test_float64_noise_is_never_a_verdict():
    rec = run_check(RATE, quick=True, params={"arith": "float64", "audit_dps": 60})
    assert rec["verdict"] == "inconclusive", rec["reason"]
    assert rec["precision"]["agreeing_digits"]["gap"] < 6


def test_audit_disabled_cannot_verify():
    rec = run_check(PW, steps=3000, params={"audit": "false", "gap_tol": 1e-6})
    assert rec["verdict"] == "inconclusive"


def test_same_inputs_same_record(quick_pw):
    again = run_check(PW, quick=True)
    for key in ("verdict", "measured", "params", "expected"):
        assert again[key] == quick_pw[key]


def test_patch_data_through_the_api():
    ds = gaussian_patch_instance(0, 4, 3, 48, 1.0)
    rec = run_check(PW, quick=True, data=validate(ds.X, ds.y, ds.w0, "api"))
    assert rec["verdict"] == "verified" and rec["params"]["w0"] == "from --data"
    with pytest.raises(BadInput, match="n×P×d"):
        run_check(PW, quick=True, data=validate(ds.X[:, 0, :], ds.y, ds.w0, "matrix"))


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
    _one_line_error(*cli(["check", PW, "--param", "P=0", "--quick"], capsys), "--param P: must be in [1, 1000], got 0")


# --- engines (--param engine: the deviation engine of bnproof.engines.deviation_cnn) --------------


def test_deviation_and_multiprecision_engines_agree_and_records_only_add_keys(quick_pw):
    dev = quick_pw  # engine=auto: the deviation engine
    mp = run_check(PW, quick=True, params={"engine": "multiprecision"})
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


@pytest.mark.parametrize(("target", "gap", "verdict"), [(1.0, 1e-13, "verified"), (0.9, 1e-13, "refuted"),
                                                        (1 + 1e-12, 1e-13, "inconclusive"), (0.9, 1e-6, "inconclusive")])
def test_patchwise_target_boundary(target, gap, verdict):
    m = Patchwise(12.0, None, gap, gap, 5000, math.log10(gap), True, False, gap, None, {})
    assert decide_patchwise(m, 1e-12, target)[0] == verdict


def test_rate_short_horizon_is_inconclusive():
    rec = run_check(RATE, steps=1000, params={"k": 2.5})
    assert rec["verdict"] == "inconclusive", rec["reason"]


# --- decide_rate / decide_patchwise at their boundaries (mutation testing, benchmarks/mutation.py) ----


def _cnn_rate(digits=12.0, refuted=None, local="default", k_fit=2.1, gap_start=1e-3):
    from bnproof.papers.cao2023.cnn import Rate
    from bnproof.papers.cao2023.local_rate import LocalRate

    lr = LocalRate(300, 10_000, 21, (1.0,) * 20, 1.9, 0.01, 1.9) if local == "default" else local
    return Rate(digits, refuted, lr, k_fit, 0.05, 4.0, gap_start, (300, 10_000), 0.5, {})


def test_cnn_rate_audit_gate_at_min_digits():
    from bnproof.papers.cao2023.cnn import decide_rate
    from bnproof.papers.cao2023.common import MIN_DIGITS

    assert decide_rate(_cnn_rate(digits=None), 2.0) == ("inconclusive", "precision audit disabled")
    verdict, why = decide_rate(_cnn_rate(digits=MIN_DIGITS - 0.1), 2.0)
    assert verdict == "inconclusive" and "only 5.9 agreeing digits" in why
    assert decide_rate(_cnn_rate(digits=MIN_DIGITS), 2.0)[0] == "verified"  # exactly MIN_DIGITS is enough


def test_cnn_rate_certificate_and_asymptotic_gate():
    from bnproof.papers.cao2023.cnn import ASYMPTOTIC_GAP, decide_rate

    cert = ("refuted", "no patch-wise uniform solution")
    assert decide_rate(_cnn_rate(refuted=cert), 2.0) == cert
    assert decide_rate(_cnn_rate(gap_start=ASYMPTOTIC_GAP), 2.0)[0] == "verified"  # the edge is in the regime
    verdict, why = decide_rate(_cnn_rate(gap_start=ASYMPTOTIC_GAP * 1.01), 2.0)
    assert verdict == "inconclusive" and why.startswith("not yet in the asymptotic regime") and "t = 300" in why
    assert decide_rate(_cnn_rate(local=None), 2.0) == (
        "inconclusive", "no patch-wise solution: no linearised rate to compare with")


def test_cnn_rate_reason_names_the_fit_and_the_audit():
    from bnproof.papers.cao2023.cnn import decide_rate

    verdict, why = decide_rate(_cnn_rate(), 2.0)
    assert verdict == "verified"
    assert "; global fit k = 2.100 ± 0.050 in log(4·t)" in why and why.endswith("; audit: 12.0 digits agree")
    assert "global fit" not in decide_rate(_cnn_rate(k_fit=math.nan), 2.0)[1]
    assert decide_rate(_cnn_rate(), 2.5)[0] == "refuted"  # k > K_LIMIT = 2 and k_eff [1.88, 1.92] < 2.5


def test_patchwise_default_target_is_one():
    m = Patchwise(12.0, None, 1e-13, 1e-13, 5000, -13.0, True, False, 1e-13, None, {})
    assert decide_patchwise(m, 1e-12)[0] == "verified"


def test_rate_figure_shows_the_window_prediction_and_ratio(quick_rate):
    series, m = quick_rate["series"], quick_rate["measured"]
    plot = series["plot"]
    assert [plot["spans"][0]["lo"], plot["spans"][0]["hi"]] == m["window"]
    assert [c.get("kind") for c in plot["curves"]] == ["theory", "fit"]
    assert plot["hlines"][0]["y"] == pytest.approx(-2.0)  # the asymptotic-regime threshold 1e-2
    assert series["panels"][0]["curves"][0]["y"][-1] == pytest.approx(m["local_rate_ratio_last"], abs=1e-5)


def test_patchwise_figure_draws_both_gaps_with_the_threshold(quick_pw):
    plot = quick_pw["series"]["plot"]
    assert plot["y"] == ["gap", "sample_gap"] and plot["rate"] is False
    assert plot["hlines"][0]["y"] == pytest.approx(-12.0) and len(plot["spans"]) == 1
