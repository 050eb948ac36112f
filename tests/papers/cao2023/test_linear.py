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
from bnproof.papers.cao2023.local_rate import RATE_TOL
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


# --- the certificate edge and decide_rate (mutation testing, benchmarks/mutation.py) -----------------


def test_uniform_margin_certificate_only_strictly_above_its_threshold():
    from bnproof.papers.cao2023.linear import BOUND_CERTIFIES

    at = UniformMargin(12.0, 1e-13, 10_000, -13.0, True, BOUND_CERTIFIES, False, 1e-13, {})
    assert decide_uniform_margin(at, 1e-12)[0] == "verified"  # a bound at the threshold certifies nothing
    above = UniformMargin(12.0, 1e-13, 10_000, -13.0, True, BOUND_CERTIFIES * 1.01, False, 1e-13, {})
    verdict, why = decide_uniform_margin(above, 1e-12)
    assert verdict == "refuted" and why.startswith("the margins cannot become uniform: every w has gap ≥")


def _linear_rate(digits=12.0, bound=0.0, k_fit=2.9):
    from bnproof.papers.cao2023.linear import Rate
    from bnproof.papers.cao2023.local_rate import LocalRate

    lr = LocalRate(300, 10_000, 21, (1.0,) * 20, 2.9, 0.01, 2.9)
    return Rate(digits, lr, k_fit, 0.05, (300, 10_000), 0.5, {}, bound)


def test_linear_rate_audit_gate_and_certificate():
    from bnproof.papers.cao2023.common import MIN_DIGITS
    from bnproof.papers.cao2023.linear import BOUND_CERTIFIES, decide_rate

    assert decide_rate(_linear_rate(digits=None), 3.0) == ("inconclusive", "precision audit disabled")
    verdict, why = decide_rate(_linear_rate(digits=MIN_DIGITS - 0.1), 3.0)
    assert verdict == "inconclusive" and why.startswith("precision exhausted: the precision audit shows only 5.9")
    assert decide_rate(_linear_rate(digits=MIN_DIGITS), 3.0)[0] == "verified"  # exactly MIN_DIGITS is enough
    assert decide_rate(_linear_rate(bound=BOUND_CERTIFIES), 3.0)[0] == "verified"
    verdict, why = decide_rate(_linear_rate(bound=BOUND_CERTIFIES * 1.01), 3.0)
    assert verdict == "refuted" and why.startswith("the gap cannot tend to 0") and why.endswith("12.0 digits agree")


def test_linear_rate_reason_names_the_fit_and_the_audit():
    from bnproof.papers.cao2023.linear import decide_rate

    verdict, why = decide_rate(_linear_rate(), 3.0)
    assert verdict == "verified"
    assert "; global fit k = 2.900 ± 0.050 in log(ηt)" in why and why.endswith("; audit: 12.0 digits agree")
    assert "global fit" not in decide_rate(_linear_rate(k_fit=math.nan), 3.0)[1]


def test_rate_figure_shows_what_the_verdict_reads(quick_rate):
    """The window the verdict used (a span), the linearisation (theory), the fit, and the local-rate
    ratios with the tolerance band -- the same numbers as ``measured``."""
    series, m = quick_rate["series"], quick_rate["measured"]
    plot = series["plot"]
    assert plot["rate"] is False  # not -ln gap/ln²t: the verdict reads the local-rate ratio
    assert [plot["spans"][0]["lo"], plot["spans"][0]["hi"]] == m["window"]
    assert [c.get("kind") for c in plot["curves"]] == ["theory", "fit"]
    assert f"{m['k']:.3f}" in plot["curves"][1]["label"]
    (ratio,) = series["panels"]
    assert ratio["curves"][0]["y"][-1] == pytest.approx(m["local_rate_ratio_last"], abs=1e-5)
    assert max(abs(r - 1) for r in ratio["curves"][0]["y"]) == pytest.approx(m["local_rate_ratio_max_dev"], abs=1e-5)
    band = ratio["bands"][0]
    assert band["kind"] == "theory" and (band["lo"][0], band["hi"][0]) == (1 - RATE_TOL, 1 + RATE_TOL)


def test_uniform_margin_figure_marks_threshold_and_window():
    rec = run_check(UM, quick=True, steps=2000)
    plot = rec["series"]["plot"]
    assert plot["hlines"][0]["y"] == pytest.approx(math.log10(1e-12)) and plot["rate"] is False
    assert len(plot["spans"]) == 1 and plot["spans"][0]["hi"] == rec["series"]["t"][-1]


def test_an_instance_converging_with_negative_gamma_is_verified():
    # seed 18: γ_t -> -∞ ((w, γ) -> (-w, -γ) is a symmetry); the local-rate prediction must use |γ|
    rec = run_check(RATE, seed=18)
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["local_rate_ratio_last"] - 1) < 0.01


def test_a_fast_instance_gets_a_cross_validation_with_enough_digits():
    # seed 19: the gap reaches ~1e-98 by t = 1e4, below 80 digits; the cross-validation takes more digits
    rec = run_check(UM, seed=19)
    assert rec["verdict"] == "verified", rec["reason"]
    assert "128 dps" in rec["precision"]["cross_validation"]["engine"]
