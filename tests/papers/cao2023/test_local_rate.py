"""Local-slope diagnostics of the Cao rate claims (bnproof/papers/cao2023/local_rate.py): the
measured local rate against the predicted constant, the effective exponent, and every threshold of
:func:`decide_local_rate` tested on both sides."""

import math

import numpy as np
import pytest

from bnproof.papers.cao2023.local_rate import (
    MIN_DECADES,
    MIN_POINTS,
    RATE_TOL,
    LocalRate,
    decide_local_rate,
    local_rate,
)


def _exact(c=0.4, t0=300.0, t1=1e4, points=36):
    """gap = exp(-c(L³/3 + L²/2)), L = ln t, h = γ(γ+1)/t with γ = L: the linear model's law exactly."""
    t = np.geomspace(t0, t1, points)
    L = np.log(t)
    return t, -c * (L**3 / 3 + L**2 / 2), L * (L + 1) / t, c


def _lr(ratios=(1.0,) * 20, k_eff=2.8, k_err=0.005, n_points=21, t0=300, t1=10_000):
    return LocalRate(t0, t1, n_points, tuple(ratios), k_eff, k_err, k_eff)


def test_exact_law_gives_ratio_one_and_the_effective_exponent():
    t, lg, h, c = _exact()
    lr = local_rate(t, lg, h, c, 1.0)
    assert lr.max_dev < 2e-3  # trapezoid error only
    L = math.log(math.sqrt(t[0] * t[-1]))
    assert lr.k_eff == pytest.approx(3 - 1 / (L + 1), abs=0.02)  # k_eff = 3 - 1/(L+1) at mid-window
    assert lr.k_eff_pred == pytest.approx(lr.k_eff, abs=2e-3)


def test_wrong_constant_is_seen_by_the_ratio():
    t, lg, h, c = _exact()
    lr = local_rate(t, lg, h, 1.2 * c, 1.0)
    assert lr.max_dev == pytest.approx(1 - 1 / 1.2, abs=3e-3)
    assert decide_local_rate(lr, 2.0, 3, RATE_TOL, "m")[0] == "inconclusive"


def test_short_window_is_inconclusive_never_refuted():
    assert decide_local_rate(_lr(n_points=MIN_POINTS - 1), 4.0, 3, RATE_TOL, "m")[0] == "inconclusive"
    assert decide_local_rate(_lr(n_points=MIN_POINTS), 4.0, 3, RATE_TOL, "m")[0] == "refuted"
    t1 = round(300 * 10**MIN_DECADES)
    assert decide_local_rate(_lr(t1=t1 - 1), 4.0, 3, RATE_TOL, "m")[0] == "inconclusive"
    assert decide_local_rate(_lr(t1=t1), 4.0, 3, RATE_TOL, "m")[0] == "refuted"
    assert decide_local_rate(_lr(ratios=()), 2.0, 3, RATE_TOL, "m")[0] == "inconclusive"


@pytest.mark.parametrize(("dev", "verdict"), [(RATE_TOL * 0.999, "verified"), (RATE_TOL * 1.001, "inconclusive")])
def test_rate_tolerance_boundary(dev, verdict):
    assert decide_local_rate(_lr(ratios=(1 + dev,) + (1.0,) * 19), 2.0, 3, RATE_TOL, "m")[0] == verdict
    assert decide_local_rate(_lr(ratios=(1.0,) * 19 + (1 - dev,)), 2.0, 3, RATE_TOL, "m")[0] == verdict


def test_not_yet_linearised_says_run_longer():
    verdict, reason = decide_local_rate(_lr(ratios=(1.2,) + (1.0,) * 19), 4.0, 3, RATE_TOL, "m")
    assert verdict == "inconclusive" and "raise --steps" in reason
    verdict, reason = decide_local_rate(_lr(ratios=(1.0,) * 19 + (1.2,)), 4.0, 3, RATE_TOL, "m")
    assert verdict == "inconclusive" and "does not follow" in reason


@pytest.mark.parametrize(("k", "verdict"), [(3.0, "verified"), (3.0001, "refuted"), (2.0, "verified")])
def test_exponent_boundary_at_the_limit(k, verdict):
    assert decide_local_rate(_lr(), k, 3, RATE_TOL, "m")[0] == verdict


def test_claim_above_the_limit_needs_the_measured_interval_below_it():
    # k_eff = 2.8 ± 0.1: the 95 % interval reaches 2.996 < 3.05 (refuted) but not below 2.99 -> k=3.1 only
    lr = _lr(k_eff=2.8, k_err=0.1)
    hi = lr.k_eff_interval()[1]
    assert decide_local_rate(_lr(k_eff=2.8, k_err=0.1), hi + 1e-3, 2, RATE_TOL, "m")[0] == "refuted"
    assert decide_local_rate(_lr(k_eff=2.8, k_err=0.1), hi - 1e-3, 2, RATE_TOL, "m")[0] == "inconclusive"
    assert decide_local_rate(_lr(k_eff=None, k_err=None), 4.0, 3, RATE_TOL, "m")[0] == "inconclusive"


def test_degenerate_inputs_give_an_empty_diagnostic_not_an_exception():
    lr = local_rate(np.array([10.0]), np.array([-1.0]), np.array([1.0]), 0.4, 1.0)
    assert lr.ratios == () and decide_local_rate(lr, 2.0, 3, RATE_TOL, "m")[0] == "inconclusive"
    lr = local_rate(np.geomspace(10, 1e4, 20), -np.ones(20), np.ones(20), 0.0, 1.0)
    assert decide_local_rate(lr, 2.0, 3, RATE_TOL, "m")[0] == "inconclusive"


# --- decide_local_rate's edges and its reason (mutation testing, benchmarks/mutation.py) -------------


def test_no_predicted_rate_needs_only_min_points():
    verdict, why = decide_local_rate(_lr(ratios=(), n_points=MIN_POINTS), 2.0, 3, 0.05, "m")
    assert verdict == "inconclusive" and why.startswith("no predicted local rate to compare with")
    verdict, why = decide_local_rate(_lr(ratios=(), n_points=MIN_POINTS - 1), 2.0, 3, 0.05, "m")
    assert verdict == "inconclusive" and why.startswith("too short for a late window")


def test_rate_reason_quotes_the_first_and_last_ratio_and_the_interval():
    lr = _lr(ratios=(1.125, 0.9375, 1.0625), k_eff=2.75, k_err=0.0625)
    lo, hi = lr.k_eff_interval()
    verdict, why = decide_local_rate(lr, 2.0, 3, 0.25, "the mechanism")
    assert verdict == "verified"
    assert why == ("measured/predicted local rate 1.1250 → 1.0625 over t ∈ [300, 10000] (within 0.25) of the mechanism, "
                   f"whose asymptotic exponent is 3 ≥ k = 2; measured effective exponent k_eff = 2.750 [{lo:.3f}, "
                   f"{hi:.3f}] (mechanism at this horizon: 2.750)")
    bare = LocalRate(300, 10_000, 21, (1.0,) * 20, 2.75, 0.0625, None)
    assert "(mechanism at this horizon" not in decide_local_rate(bare, 2.0, 3, 0.25, "m")[1]


def test_rate_tolerance_edges_are_inclusive():
    assert decide_local_rate(_lr(ratios=(1.25, 1.0)), 2.0, 3, 0.25, "m")[0] == "verified"  # max |r - 1| = tol
    verdict, why = decide_local_rate(_lr(ratios=(1.5, 1.25)), 2.0, 3, 0.25, "m")  # last |r - 1| = tol
    assert verdict == "inconclusive" and why.startswith("the late window starts before the linearised regime")


def test_refutation_needs_the_interval_strictly_below_k():
    lr = _lr(k_eff=3.5, k_err=0.01)
    hi = lr.k_eff_interval()[1]
    assert decide_local_rate(lr, hi, 3, 0.05, "m")[0] == "inconclusive"
    assert decide_local_rate(lr, hi * (1 + 1e-12), 3, 0.05, "m")[0] == "refuted"
