"""wei2019.fim-bound: λ_max(FIM) ≥ Σf_l in the corrected reading; the printed reading is refuted."""

import json

import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.wei2019.fim_bound import decide_fim_bound
from bnproof.testing import assert_rejected, run_check

BOUND = "wei2019.fim-bound"


@pytest.fixture(scope="module")
def bound_quick():
    return run_check(BOUND, quick=True, params={"seeds": 5, "gammas": "0.5,2"})


def test_fim_bound_hat_verified_and_supported(bound_quick):
    rec = bound_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["supported_reading"] == "hat" and m["min_ratio"] >= 0.9
    assert set(m["bound_tilde"]) == set(m["bound_hat"]) == {"no BN", "BN γ = 0.5", "BN γ = 2"}
    json.dumps(rec, allow_nan=False)


def test_fim_bound_printed_reading_is_refuted():
    rec = assert_rejected(BOUND, verdicts={"refuted"}, quick=True,
                          params={"seeds": 3, "gammas": "0.5,2", "reading": "tilde"})
    assert rec["measured"]["supported_reading"] == "hat"


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(BOUND)["verdict"] == "verified"


def _rows(ratio_ci):
    return [{"bn": False, "gamma": None, "lambda_max": 1.0, "lambda_ci": list(ratio_ci), "bound_hat": 1.0,
             "bound_tilde": 1.0, "ratio": sum(ratio_ci) / 2, "ratio_ci": list(ratio_ci)}]


@pytest.mark.parametrize("ci,verdict", [((0.9001, 1.2), "verified"), ((0.8999, 1.2), "inconclusive"),
                                        ((0.5, 0.8999), "refuted"), ((0.5, 0.9001), "inconclusive")])
def test_decision_at_one_minus_tol(ci, verdict):
    assert decide_fim_bound(_rows(ci), "hat", 0.1, "hat", "")[0] == verdict


def test_tolerance_beyond_a_quarter_is_refused():
    with pytest.raises(BadInput):
        run_check("wei2019.fim-bound", quick=True, params={"tol": 0.3})


def _fim_rows():
    row = lambda bn, g, lam, ratio: {"bn": bn, "gamma": g, "lambda_max": lam, "lambda_ci": [lam * 0.9, lam * 1.1],
                                     "bound_hat": lam / ratio, "bound_tilde": 2 * lam, "ratio": ratio,
                                     "ratio_ci": [ratio - 0.05, ratio + 0.05]}
    return [row(False, None, 100.0, 1.02), row(True, 0.5, 10.0, 1.1), row(True, 1.0, 40.0, 1.05)]


def test_series_shows_the_bound_tested_and_the_verdicts_ratio():
    from bnproof.papers.wei2019.fim_bound import fim_series

    values, ratios = fim_series(_fim_rows(), "hat", 0.1)["panels"]
    bound = next(c for c in values["curves"] if c.get("kind") == "bound")
    assert bound["y"] == pytest.approx([10.0 / 1.1, 40.0 / 1.05])
    assert any(c.get("kind") == "reference" for c in values["curves"])  # the other reading, drawn but not tested
    assert ratios["bands"][0]["lo"] == pytest.approx([1.05, 1.0])
    assert {(h["y"], h.get("kind")) for h in ratios["hlines"]} == {(1.0, "theory"), (0.9, "bound")}


def _two_rows(ci):
    no_bn = {"bn": False, "gamma": None, "lambda_max": 2.0, "lambda_ci": [1.5, 2.5], "bound_hat": 4.0,
             "bound_tilde": 8.0, "ratio": 0.5, "ratio_ci": list(ci)}
    bn = {**no_bn, "bn": True, "gamma": 0.5, "ratio": 1.25, "ratio_ci": [1.0, 1.5]}
    return [bn, no_bn]


def test_fim_bound_reasons_name_the_tightest_point():
    verdict, why = decide_fim_bound(_two_rows((0.9375, 1.0)), "hat", 0.125, "hat", "(ctx)")
    assert verdict == "verified"
    assert why == ("reading 'hat': empirical λ_max ≥ (1 - 0.125)·Σf_l at every point; λ_max/Σf_l ranges "
                   "0.500-1.250 (no BN and BN at γ ∈ [0.5]); the numbers support reading 'hat' (ctx)")
    verdict, why = decide_fim_bound(_two_rows((0.25, 0.75)), "tilde", 0.125, "hat", "(ctx)")
    assert verdict == "refuted"
    assert why == ("reading 'tilde': the bound fails at no BN: λ_max = 2 [1.5, 2.5] < (1 - 0.125)·Σf_l = 7; "
                   "the numbers support reading 'hat' (ctx)")
    verdict, why = decide_fim_bound(_two_rows((0.75, 1.0)), "hat", 0.125, "hat", "(ctx)")
    assert (verdict, why) == ("inconclusive", "reading 'hat': λ_max/Σf_l = 0.500 at no BN, CI straddles 0.875 (ctx)")


def test_every_arm_decides_not_only_the_smallest_mean():
    # the tightest mean (BN, 1.05) is verified, but the no-BN arm's wider CI straddles 0.9: inconclusive
    rows = [{"bn": False, "gamma": None, "lambda_max": 2.0, "lambda_ci": [1.6, 2.6], "bound_hat": 2.0,
             "bound_tilde": 8.0, "ratio": 1.06, "ratio_ci": [0.8999, 1.33]},
            {"bn": True, "gamma": 4.0, "lambda_max": 2.0, "lambda_ci": [1.9, 2.1], "bound_hat": 2.0,
             "bound_tilde": 8.0, "ratio": 1.04, "ratio_ci": [0.9330, 1.15]}]
    verdict, why = decide_fim_bound(rows, "hat", 0.1, "hat", "")
    assert verdict == "inconclusive" and "no BN" in why
    rows[0]["ratio_ci"] = [0.9001, 1.33]
    assert decide_fim_bound(rows, "hat", 0.1, "hat", "")[0] == "verified"
