"""Cao et al. 2023 linear-model claims (bnproof/papers/cao2023/linear.py): verdicts, and negative
controls that must be rejected."""

import math

import numpy as np
import pytest

from bnproof.claims import get_claim
from bnproof.core.data import validate
from bnproof.core.errors import BadInput
from bnproof.models.bn_linear import (
    gap_lower_bound,
    linearized_rate,
    uniform_margin_exists,
)
from bnproof.papers.cao2023.linear import UniformMargin, decide_uniform_margin
from bnproof.testing import run_check

UM, RATE = "cao2023.linear.uniform-margin", "cao2023.linear.rate"


@pytest.fixture(scope="module")
def quick_rate():
    return run_check(RATE, quick=True)


def test_uniform_margin_verified_quick():
    rec = run_check(UM, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert float(m["gap"]) < 1e-12 and m["gap_nonincreasing_late"]
    assert all(abs(float(x) - 1) < 1e-12 for x in m["margins"])
    # the row-space direction at the horizon is ŵ/‖ŵ‖
    assert np.allclose([float(v) for v in m["direction"]], [float(v) for v in rec["expected"]["direction"]], atol=1e-10)
    assert rec["precision"]["agreeing_digits"]["gap"] >= 6
    # side statements (reference notes check D): γ_t - log(ηt) -> const, L_t·ηt -> 1
    assert abs(float(m["loss_times_eta_t"]) - 1) < 0.05


def test_rate_verified_and_k_above_two(quick_rate):
    rec = quick_rate
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["k"] > 2.3 and m["best_family"] == "exp-polylog"
    # the linearised mechanism: d ln gap/dt = -c η e^{-γ} γ(γ+1), c from the spectrum
    assert m["c_hat_rel_diff"] < 0.02
    # the decision's inputs: the local rate follows c·γ(γ+1), k_eff between 2 and the limit 3
    assert m["local_rate_ratio_max_dev"] <= 0.05 and 2.6 < m["k_eff"] < 3
    assert abs(m["k_eff"] - m["k_eff_predicted"]) < 0.05
    assert rec["series"]["t"][-1] == 10_000
    assert isinstance(rec["measured"]["gap"], str)


@pytest.mark.parametrize("k", [3.5, 4])
def test_rate_mutated_exponent_is_refuted(k):
    # the record's own measurements: k_eff ≈ 2.77 < k and the local rate follows c·γ(γ+1) (limit 3)
    rec = run_check(RATE, quick=True, params={"k": k})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert rec["measured"]["k_eff_ci95"][1] < k


def test_rate_k3_is_the_limit_and_verified(quick_rate):
    rec = run_check(RATE, quick=True, params={"k": 3})
    assert rec["verdict"] == "verified", rec["reason"]


@pytest.mark.parametrize("steps", [50, 1000])
def test_short_horizons_are_inconclusive_not_refuted(steps):
    rec = run_check(RATE, steps=steps, params={"k": 3.5})
    assert rec["verdict"] == "inconclusive", rec["reason"]
    assert "raise --steps" in rec["reason"]


def test_margins_claimed_to_converge_elsewhere_are_refuted():
    rec = run_check(UM, quick=True, params={"target": 0.9})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert "not to 0.9" in rec["reason"]


@pytest.mark.parametrize("cid", [UM, RATE])
def test_no_uniform_margin_solution_is_inapplicable(cid):
    rec = run_check(cid, steps=2000, params={"n": 12, "d": 6})
    assert rec["verdict"] == "inapplicable"
    assert "uniform-margin" in rec["reason"]


@pytest.mark.parametrize("cid", [UM, RATE])
def test_no_uniform_margin_solution_run_anyway_is_refuted(cid):
    rec = run_check(cid, steps=3000, params={"n": 12, "d": 6, "enforce_assumptions": "false"})
    assert rec["verdict"] == "refuted", rec["reason"]
    if cid == UM:  # refuted by the certificate, and the run respects it
        bound = rec["measured"]["gap_lower_bound"]
        assert bound > 1e-3 and float(rec["measured"]["gap"]) >= bound * (1 - 1e-9)
        assert "cannot become uniform" in rec["reason"]


def test_slow_convergence_is_run_longer_not_refuted():
    # regression: a gap falling by less than 2x over the last decade used to be called a stall
    rec = run_check(UM, steps=3000, eta="0.001")
    assert rec["verdict"] == "inconclusive" and "run longer" in rec["reason"], rec["reason"]
    assert rec["measured"]["gap_lower_bound"] < 1e-8


@pytest.mark.parametrize("center", [False, True])
def test_gap_lower_bound_holds_for_every_w(center):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((10, 4))
    y = np.where(rng.standard_normal(10) > 0, 1, -1)
    data = validate(X, y, None, source="test")
    bound = gap_lower_bound(data, center)
    Xc = X - X.mean(axis=0) if center else X
    assert bound > 0.05
    for w in rng.standard_normal((200, 4)):
        v = Xc @ w
        m = y * v / np.sqrt(np.mean(v ** 2))
        assert np.max(np.abs(m - 1)) >= bound * (1 - 1e-12)


def test_logistic_loss_verified():
    rec = run_check(RATE, quick=True, loss="logistic")
    assert rec["verdict"] == "verified", rec["reason"]


def _balanced(seed=3, n=8, d=24):
    rng = np.random.default_rng(seed)
    y = np.array([1, -1] * (n // 2))
    return validate(rng.standard_normal((n, d)), y, 1.5 * rng.standard_normal(d) / np.sqrt(d), "balanced")


def test_centred_convention_needs_balanced_labels():
    # generic labels: no uniform margin exists once BN centres the data
    rec = run_check(UM, steps=1000, params={"center": "true"}, seed=0)
    assert rec["verdict"] == "inapplicable" and "Σ y_i = 0" in rec["reason"]
    # balanced labels: both conventions reach the uniform margin
    data = _balanced()
    assert uniform_margin_exists(data, True)[0] and uniform_margin_exists(data, False)[0]
    for center in ("true", "false"):
        rec = run_check(UM, steps=5000, data=data, params={"center": center, "gap_tol": 1e-8})
        assert rec["verdict"] == "verified", (center, rec["reason"])
        assert rec["params"]["center"] is (center == "true")


def test_float64_noise_is_never_a_verdict():
    """float64 cannot resolve a 1e-24 gap: the audit against flint must make it inconclusive."""
    rec = run_check(RATE, quick=True, params={"arith": "float64", "audit_dps": 60})
    assert rec["verdict"] == "inconclusive", rec["reason"]
    assert rec["precision"]["agreeing_digits"]["gap"] < 6


def test_gap_below_working_precision_is_inconclusive():
    rec = run_check(RATE, quick=True, dps=20)
    assert rec["verdict"] == "inconclusive" and "--dps" in rec["reason"]


def test_audit_disabled_cannot_verify():
    rec = run_check(UM, steps=3000, params={"audit": "false", "gap_tol": 1e-6})
    assert rec["verdict"] == "inconclusive"


def test_same_inputs_same_record(quick_rate):
    again = run_check(RATE, quick=True)
    for key in ("verdict", "measured", "params", "expected"):
        assert again[key] == quick_rate[key]
    assert again["precision"]["agreeing_digits"] == quick_rate["precision"]["agreeing_digits"]


def test_linearized_rate_is_positive_iff_solution_exists():
    data = _balanced()
    assert linearized_rate(data, False, 1.0) > 0


# --- the deviation engine behind cao2023.linear.* -----------------------------------------


def test_auto_engine_is_the_deviation_engine_and_agrees_with_multiprecision(quick_rate):
    rec = quick_rate
    prec = rec["precision"]
    assert rec["params"]["engine"] == "auto" and rec["params"]["engine_used"] == "deviation"
    assert prec["engine"] == "deviation"
    assert prec["cross_validation"]["agreeing_digits"]["gap"] >= 10
    assert prec["agreeing_digits"]["gap"] >= 10
    mp = run_check(RATE, quick=True, params={"engine": "multiprecision"})
    assert mp["verdict"] == rec["verdict"] == "verified"
    assert mp["params"]["engine_used"] == "multiprecision" and "cross_validation" not in mp["precision"]
    assert abs(mp["measured"]["k"] - rec["measured"]["k"]) < 1e-3
    lo, hi = rec["measured"]["k_ci95"]
    assert lo < rec["measured"]["k"] < hi


def test_deviation_engine_mutated_claim_is_refuted():
    rec = run_check(RATE, steps=30_000, params={"engine": "deviation", "k": 4})
    assert rec["verdict"] == "refuted", rec["reason"]


def test_naive_float64_rate_is_inconclusive_precision_exhausted():
    """Negative control: the plain recursion in float64 stalls near 1e-16; that is never a rate."""
    rec = run_check(RATE, steps=30_000, params={"arith": "float64", "audit_dps": 60})
    assert rec["params"]["engine_used"] == "multiprecision"
    assert rec["verdict"] == "inconclusive" and "precision exhausted" in rec["reason"], rec["reason"]
    assert rec["measured"]["log10_gap"] > -18


def test_deviation_engine_logistic_and_centred():
    rec = run_check(RATE, quick=True, loss="logistic", params={"engine": "deviation"})
    assert rec["verdict"] == "verified" and rec["precision"]["agreeing_digits"]["gap"] >= 10
    rec = run_check(UM, steps=5000, data=_balanced(), params={"center": "true", "gap_tol": 1e-8, "engine": "deviation"})
    assert rec["verdict"] == "verified" and rec["precision"]["agreeing_digits"]["gap"] >= 10


def test_rate_with_gradient_flow_compares_gd_and_flow():
    rec = run_check(RATE, quick=True, params={"flow_t_max": "1e12"})
    flow = rec["measured"]["flow"]
    assert flow["log10_gap"] < -1000 and 2.7 < flow["k"] < 3.1
    cmp = flow["gd_vs_flow"]
    assert cmp["flow_time"] == pytest.approx(1000.0)
    assert abs(cmp["log_gap_ratio"] / cmp["predicted_(s_flow/s_gd)^2"] - 1) < 0.02


# --- long runs (`python -m pytest -m slow`) ------------------------------------------------


@pytest.mark.slow
def test_1e8_steps_rate_k_interval():
    """10^8 GD steps, k with a 95 % interval of width <= 0.1 (about 4 min on a loaded 2-core box)."""
    rec = run_check(RATE, steps=100_000_000)
    assert rec["verdict"] == "verified", rec["reason"]
    lo, hi = rec["measured"]["k_ci95"]
    assert hi - lo <= 0.1 and lo > 2.5
    assert rec["precision"]["agreeing_digits"]["gap"] >= 6


@pytest.mark.slow
def test_rate_at_a_million_steps_effective_k_moves_towards_three():
    """10⁶ GD steps at 140 digits (audit at 290): k_eff grows with the horizon, ĉ matches the spectrum."""
    short = run_check(RATE, steps=100_000)
    long = run_check(RATE, steps=1_000_000, dps=140)
    assert long["verdict"] == "verified", long["reason"]
    assert long["precision"]["agreeing_digits"]["gap"] >= 10
    assert long["measured"]["k"] > short["measured"]["k"] > 2.5
    assert long["measured"]["c_hat_rel_diff"] < 0.005


# --- decision boundaries of cao2023.linear.uniform-margin ------------------------------------


def _um(gap, monotone=True, digits=12.0):
    return UniformMargin(digits, gap, 10_000, math.log10(gap), monotone, 0.0, False, gap, {})


@pytest.mark.parametrize(("gap", "verdict"), [(0.999e-12, "verified"), (1.001e-12, "inconclusive")])
def test_uniform_margin_gap_tol_boundary(gap, verdict):
    assert decide_uniform_margin(_um(gap), 1e-12)[0] == verdict


@pytest.mark.parametrize(("target", "verdict"), [(1 - 2e-12, "verified"), (1 - 1e-11, "refuted"),
                                                 (1.5, "refuted")])
def test_uniform_margin_target_boundary(target, verdict):
    # |1 - τ| - gap must exceed gap_tol to refute; a τ within gap_tol of 1 is the claim itself
    got = decide_uniform_margin(_um(1e-13), 1e-12, 1.0 if verdict == "verified" else target)[0]
    assert got == verdict
    assert decide_uniform_margin(_um(1e-13), 1e-12, 1 + 1e-12)[0] == "inconclusive"
    assert decide_uniform_margin(_um(1e-6), 1e-12, target)[0] == "inconclusive"  # not converged


@pytest.mark.parametrize(("claim", "name", "value"), [
    (UM, "gap_tol", "1e3"), (UM, "gap_tol", "2e-3"), (RATE, "rate_tol", "0.6"), (RATE, "window", "0.05"),
    ("cao2023.cnn.patchwise-uniform", "gap_tol", "1e3"), ("cao2023.cnn.rate", "rate_tol", "0.5001"),
    ("cao2023.nobn.max-margin", "p_tol", "0.6"), ("cao2023.contrast", "gap_tol", "1"),
    ("cao2023.contrast", "own_frac", "0.5"), ("cao2023.examples.uniform-beats-max", "level", "0.5"),
])
def test_tolerances_cannot_be_loosened_into_the_negation(claim, name, value):
    param = next(p for p in get_claim(claim).params if p.name == name)
    assert param.tolerance
    with pytest.raises(BadInput):
        run_check(claim, params={name: value})


def test_tolerance_inside_its_range_is_flagged():
    rec = run_check(RATE, quick=True, params={"rate_tol": "0.1"})
    assert rec["verdict"] == "verified"
    assert rec["tolerance_overrides"]["rate_tol"]["used"] == 0.1
