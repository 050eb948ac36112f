"""wei2019.fim-bound: λ_max(FIM) ≥ Σf_l in the corrected reading; the printed reading is refuted."""

import json

import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.wei2019.fim_bound import decide_fim_bound
from bnproof.testing import assert_rejected, run_check

BOUND = "wei2019.fim-bound"


@pytest.fixture(scope="module")
def bound_quick():
    return run_check(BOUND, quick=True, params={"seeds": 3, "gammas": "0.5,2"})


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
