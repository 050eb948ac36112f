"""bnproof.testing: assert_gradient catches a wrong gradient; run_check and assert_rejected run claims."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param
from bnproof.core.records import INAPPLICABLE, REFUTED, SCHEMA, VERIFIED, Outcome
from bnproof.testing import assert_gradient, assert_rejected, run_check

# --- assert_gradient on a BN-shaped function -------------------------------------------------
# f(w) = Σ_i exp(−y_i u_i), u = (Xw − mean)/σ: batch-normalised projections.  Written with
# Python operations so that it runs on float64 and on mpmath numbers alike.

DATA = np.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [-0.6, 0.4, 1.1], [0.9, 0.2, -0.7], [0.1, 0.1, 0.3]])
LABELS = np.array([1, -1, 1, -1, 1])
W = np.array([0.4, -1.1, 0.9])


def _sqrt(v):
    return mpmath.sqrt(v) if isinstance(v, mpmath.mpf) else math.sqrt(v)


def _exp(v):
    return mpmath.exp(v) if isinstance(v, mpmath.mpf) else math.exp(v)


def _normalised(w):
    z = DATA @ w
    c = z - sum(z) / len(z)
    s = _sqrt(sum(c * c) / len(z))
    return c / s, s


def bn_loss(w):
    u, _ = _normalised(w)
    return sum(_exp(-yi * ui) for yi, ui in zip(LABELS, u))


def bn_gradient(w, quotient_term=True):
    """∂f/∂w = Xᵀ (g − mean g − u·mean(g u))/σ, g = ∂f/∂u; the u term comes from differentiating 1/σ."""
    u, s = _normalised(w)
    n = len(u)
    g = np.array([-yi * _exp(-yi * ui) for yi, ui in zip(LABELS, u)], dtype=u.dtype)
    dz = g - sum(g) / n - (u * (sum(g * u) / n) if quotient_term else 0)
    return DATA.T @ (dz / s)


def test_passes_on_the_right_gradient_and_returns_the_largest_difference():
    worst = assert_gradient(bn_loss, bn_gradient(W), W, rtol=1e-7, atol=1e-9)
    assert 0 <= worst < 1e-8


def test_fails_on_a_gradient_missing_the_quotient_rule_term():
    wrong = bn_gradient(W, quotient_term=False)
    assert np.max(np.abs(wrong - bn_gradient(W))) > 1e-2  # the term matters here
    with pytest.raises(AssertionError, match="gradient differs from the finite difference at index"):
        assert_gradient(bn_loss, wrong, W, rtol=1e-6, atol=1e-9)


def test_at_50_digits_passes_tight_and_still_catches_the_wrong_gradient():
    with mpmath.workdps(50):
        w = np.array([mpmath.mpf(v) for v in W], dtype=object)
        right, wrong = bn_gradient(w), bn_gradient(w, quotient_term=False)
    worst = assert_gradient(bn_loss, right, W, dps=50, atol=1e-30)
    assert worst < 1e-30
    with pytest.raises(AssertionError):
        assert_gradient(bn_loss, wrong, W, dps=50, atol=1e-30)


def test_a_float64_gradient_fails_a_check_at_50_digits():
    # float64 is good to ~1e-16; a tolerance of 1e-30 at 50 digits sees its rounding
    with pytest.raises(AssertionError):
        assert_gradient(bn_loss, bn_gradient(W), W, dps=50, atol=1e-30)


def test_a_tolerance_is_required():
    with pytest.raises(ValueError, match="give atol or rtol"):
        assert_gradient(bn_loss, bn_gradient(W), W)


def test_a_gradient_of_the_wrong_shape_fails():
    with pytest.raises(AssertionError, match="shape"):
        assert_gradient(lambda x: x[0] ** 2 + x[1] ** 2, [2.0, 4.0, 99.0], [1.0, 2.0], rtol=1e-6)


def test_rtol_is_relative_to_the_gradient():
    def f(x):
        return 1e6 * x[0] ** 2

    assert_gradient(f, [2e6 * (1 + 1e-7)], [1.0], rtol=1e-6)
    with pytest.raises(AssertionError):
        assert_gradient(f, [2e6 * (1 + 1e-5)], [1.0], rtol=1e-6)


# --- run_check and assert_rejected -----------------------------------------------------------


def _echo(claim, config):
    """Verified when --param verdict says so; measures what the run was given."""
    verdict = claim.param(config, "verdict")
    return Outcome(verdict, f"asked for {verdict}", expected={}, measured={
        "seed": config.seed, "quick": config.quick, "steps": claim.option(config, "steps"),
        "widths": claim.param(config, "widths")}, params=dict(config.params))


CLAIM = Claim("test.echo", "test", "T. Tester. 2024.", "echo", "s", "derived", (), _echo,
              params=(Param("verdict", VERIFIED, "the verdict to return", str, choices=(VERIFIED, REFUTED, INAPPLICABLE)),
                      Param("widths", "8,4", "a list", ListOf(int))),
              defaults={"steps": 100}, source="nowhere: a test claim")


def test_run_check_returns_the_record_with_params_as_strings_and_options_forwarded():
    rec = run_check(CLAIM, params={"verdict": REFUTED, "widths": 16}, seed=7, quick=True, steps=5)
    assert rec["schema"] == SCHEMA and rec["claim"] == "test.echo" and rec["verdict"] == REFUTED
    assert rec["params"] == {"verdict": REFUTED, "widths": "16"}
    assert rec["measured"] == {"seed": 7, "quick": True, "steps": 5, "widths": [16]}
    assert rec["source"] == "nowhere: a test claim"


def test_run_check_uses_the_claims_defaults():
    rec = run_check(CLAIM)
    assert rec["verdict"] == VERIFIED and rec["measured"]["steps"] == 100 and rec["measured"]["widths"] == [4, 8]


def test_run_check_rejects_an_unknown_param():
    with pytest.raises(BadInput, match="unknown --param 'nope'"):
        run_check(CLAIM, params={"nope": 1})


def test_assert_rejected_passes_unless_verified():
    assert assert_rejected(CLAIM, params={"verdict": REFUTED})["verdict"] == REFUTED
    assert_rejected(CLAIM, params={"verdict": INAPPLICABLE})
    with pytest.raises(AssertionError, match="negative control verified"):
        assert_rejected(CLAIM)


def test_assert_rejected_with_expected_verdicts():
    assert_rejected(CLAIM, verdicts={INAPPLICABLE}, params={"verdict": INAPPLICABLE})
    with pytest.raises(AssertionError, match=r"expected \['inapplicable'\], got refuted"):
        assert_rejected(CLAIM, verdicts={INAPPLICABLE}, params={"verdict": REFUTED})
