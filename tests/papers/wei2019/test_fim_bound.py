"""wei2019.fim-bound: λ_max(FIM) ≥ Σf_l in the corrected reading; the printed reading is refuted."""

import json

import pytest

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
