"""daneshmand2021.orthogonality: V(H_ℓ) decays geometrically to a floor ∝ d^(-1/2) (Theorem 1, Fig. 2)."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.papers.daneshmand2021 import orthogonality as orth
from bnproof.testing import assert_rejected, run_check

ORTH = "daneshmand2021.orthogonality"
SMALL = {"widths": "32,64,128,256", "depth": 60, "burn_in": 20, "seeds": 5}


def test_theorem1_bound_readings():
    b_main = orth.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "main")
    b_app = orth.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "appendix")
    assert b_main[0] == pytest.approx(2 + 3 * 4 / (0.2 * 32))
    assert b_main[1] - b_app[1] == pytest.approx(1.5 * 4 / (0.2 * 32))


def test_orthogonality_verified_with_floor_slope():
    r = run_check(ORTH, params=SMALL, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert -0.6 <= m["floor_slope"] - m["floor_slope_ci95"] and m["floor_slope"] + m["floor_slope_ci95"] <= -0.4
    assert m["depth_rate"] < 1 and m["seeds"] == 5
    assert [p["yscale"] for p in r["series"]["panels"]] == ["log", "log"]
    assert r["source"].startswith("Theorem 1")
    json.dumps(r)


def test_orthogonality_without_normalization_refuted():
    r = assert_rejected(ORTH, verdicts={"refuted"}, params={**SMALL, "normalize": "false"}, quick=True)
    assert abs(r["measured"]["floor_slope"]) < 0.1


@pytest.mark.parametrize("reading", [{"constant": "appendix"}, {"alpha_reading": "sigma"}])
def test_orthogonality_other_readings_run_and_record_them(reading):
    r = run_check(ORTH, params={**SMALL, **reading}, quick=True)
    assert r["verdict"] == "verified"
    for k, v in reading.items():
        assert r["params"][k] == v


@pytest.mark.parametrize("param", ["n=1", "widths=64", "widths=0,64", "depth=0", "burn_in=-1",
                                   "correlation=1.5", "constant=half"])
def test_orthogonality_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", ORTH, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_orthogonality_thousand_layers_slow():
    r = run_check(ORTH, params={"depth": 1000, "burn_in": 100})
    assert r["verdict"] == "verified", r["reason"]
    assert abs(r["measured"]["floor_slope"] + 0.5) < 0.05


def test_orthogonality_width_below_batch_is_inapplicable():
    r = assert_rejected(ORTH, verdicts={"inapplicable"},
                        params={"n": 8, "widths": "4,64", "depth": 20, "burn_in": 5, "seeds": 2}, quick=True)
    assert "d ≥ n" in r["reason"]


def test_orthogonality_reproducible_from_seed():
    small = {"widths": "16,32", "depth": 30, "burn_in": 10, "seeds": 3}
    a = run_check(ORTH, params=small, seed=3, quick=True)
    b = run_check(ORTH, params=small, seed=3, quick=True)
    assert a["measured"] == b["measured"]


def test_decide_orthogonality_reads_the_whole_intervals():
    """The slope CI against [−0.6, −0.4] and the rate CI against < 1: inside both verifies, outside refutes."""
    setup = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    ok = {"slope": -0.5, "slope_half": 0.01, "rate": 0.6, "rate_half": 0.01, "worst": 0.5, "vacuous": True}
    assert orth.decide_orthogonality(setup, ok)[0] == "verified"
    assert orth.decide_orthogonality(setup, {**ok, "slope_half": 0.2})[0] == "inconclusive"
    assert orth.decide_orthogonality(setup, {**ok, "slope": 0.0})[0] == "refuted"
    assert orth.decide_orthogonality(setup, {**ok, "rate": 1.2})[0] == "refuted"
    assert orth.decide_orthogonality(setup, {**ok, "worst": 1.5})[0] == "refuted"
