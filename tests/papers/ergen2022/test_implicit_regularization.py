"""ergen2022.implicit-regularization [recon]: GD convergence gate, power calculation, CI decision at its
boundaries; flat spectrum is inapplicable."""

import json

import numpy as np
import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.ergen2022.implicit_regularization import (
    PLANNING_EFFECT,
    Setup,
    decide_implicit_regularization,
    power,
    sample_patterns,
    seeds_for_power,
)
from bnproof.solvers import group_lasso as cv
from bnproof.testing import assert_rejected, run_check

IR = "ergen2022.implicit-regularization"


def check(**params):
    return run_check(IR, params=params, quick=True)


def test_runs_with_ci_power_and_gd_convergence():
    rec = check(seeds=3, gd_steps=200)
    assert rec["verdict"] == "inconclusive" and "GD not converged" in rec["reason"], rec["reason"]
    m = rec["measured"]
    assert m["seeds"] == 3 and len(m["diff_ci95"]) == 2 and m["diff_ci95"][0] <= m["diff_mean"] <= m["diff_ci95"][1]
    assert m["gd_ratio_median"] > 1.05 and m["power"]["seeds_required"] == seeds_for_power(PLANNING_EFFECT)
    assert rec["confidence"] == "recon"
    json.dumps(rec, allow_nan=False)


def test_power_calculation():
    k = seeds_for_power(PLANNING_EFFECT)
    assert 100 <= k <= 140  # about 105-130 seeds for 80 % power at the pre-correction effect
    assert power(k, PLANNING_EFFECT) >= 0.8 > power(k - 1, PLANNING_EFFECT)
    assert seeds_for_power(1.0) < 15


def _rows(diffs, ratio=1.0):
    return [{"whitened": {"test_dist": 0.5 + d, "train_dist": 0.5}, "raw": {"test_dist": 0.5, "train_dist": 0.5},
             "gd_ratio": ratio} for d in diffs]


def _setup(seeds, closer="raw", factor=1.05):
    return Setup(20, 50, np.array([10.0, 1.0, 0.1]), 0.05, 0.2, 12, seeds, 100, 12, closer, factor,
                 seeds_for_power(PLANNING_EFFECT), {})


def _diffs(k, mean, sd=0.2):
    z = np.random.default_rng(0).standard_normal(k)
    return mean + sd * (z - z.mean()) / z.std(ddof=1)


def test_decision_gd_convergence_boundary():
    k = seeds_for_power(PLANNING_EFFECT)
    d = _diffs(k, 0.2)
    assert decide_implicit_regularization(_setup(k), _rows(d, 1.049), 100.0).verdict == "verified"
    out = decide_implicit_regularization(_setup(k), _rows(d, 1.051), 100.0)
    assert out.verdict == "inconclusive" and "GD not converged" in out.reason


def test_decision_power_boundary():
    k = seeds_for_power(PLANNING_EFFECT)
    assert decide_implicit_regularization(_setup(k), _rows(_diffs(k, 0.2)), 100.0).verdict == "verified"
    out = decide_implicit_regularization(_setup(k - 1), _rows(_diffs(k - 1, 0.2)), 100.0)
    assert out.verdict == "inconclusive" and "underpowered" in out.reason


def test_decision_ci_boundary_and_flip():
    k = seeds_for_power(PLANNING_EFFECT)
    half = 1.98 * 0.2 / np.sqrt(k)  # t quantile ≈ 1.98 at this df
    assert decide_implicit_regularization(_setup(k), _rows(_diffs(k, 1.05 * half)), 100.0).verdict == "verified"
    assert decide_implicit_regularization(_setup(k), _rows(_diffs(k, 0.95 * half)), 100.0).verdict == "inconclusive"
    out = decide_implicit_regularization(_setup(k), _rows(_diffs(k, -1.05 * half)), 100.0)
    assert out.verdict == "refuted" and "reconstruction refuted" in out.reason
    # the reading flipped is refuted by data favouring raw sampling
    flip = decide_implicit_regularization(_setup(k, "whitened"), _rows(_diffs(k, 0.2)), 100.0)
    assert flip.verdict == "refuted"


def test_negative_control_flat_spectrum_is_inapplicable():
    rec = assert_rejected(IR, verdicts={"inapplicable"}, params={"spectrum": "1,1,1", "seeds": 2}, quick=True)
    assert "spread" in rec["reason"]


@pytest.mark.parametrize("param,value", [("spectrum", "x"), ("spectrum", "1"), ("beta", "0"), ("seeds", "1"), ("n", "2"),
                                         ("gd_factor", "0.99"), ("gd_factor", "2"), ("closer", "gd")])
def test_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})


def test_tolerance_override_is_recorded():
    rec = check(seeds=2, gd_steps=20, gd_factor=1.2)
    assert rec["tolerance_overrides"]["gd_factor"] == {"default": 1.05, "used": 1.2}


@pytest.mark.parametrize("how", ["whitened", "raw"])
def test_sampled_patterns_are_distinct_cells_of_the_arrangement(how):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((9, 3)) * np.array([10.0, 1.0, 0.1])
    wh = cv.whiten(X, 1 / 3)
    D = sample_patterns(wh, 40, how, rng)
    all_cells, _ = cv.exact_patterns(wh.Ut)
    assert D.shape[0] == 9 and len({tuple(c) for c in D.T}) == D.shape[1]
    assert cv.merge_patterns(all_cells, D).shape[1] == all_cells.shape[1]  # every sampled pattern is a cell


def test_figure_shows_convergence_gate_and_ci_of_the_difference():
    k = 5
    out = decide_implicit_regularization(_setup(k), _rows(_diffs(k, 0.2), 1.2), 100.0)
    converged, _, gap = out.series["panels"]
    assert converged["hlines"][0]["y"] == 1.05 and converged["hlines"][0]["kind"] == "bound"
    lo, hi = out.measured["diff_ci95"]
    assert gap["bands"][0]["lo"] == [lo] * k and gap["bands"][0]["hi"] == [hi] * k
    assert gap["curves"][0]["y"] == pytest.approx(list(_diffs(k, 0.2)))


# --- the record of decide_implicit_regularization (mutation testing, benchmarks/mutation.py) ---------


def test_decision_record_counts_seeds_and_names_the_reading():
    s = _setup(4)
    out = decide_implicit_regularization(s, _rows([0.0, 0.125, -0.125, 0.25], ratio=1.05), 100.0)
    assert out.measured["gd_unconverged_seeds"] == 0  # a GD ratio exactly at gd_factor counts as converged
    assert out.measured["raw_closer_in"] == 2  # strictly positive differences only (0 is a tie)
    assert out.expected["diff_ci95_lower_above"] == 0.0
    assert out.expected["reading"] == "raw-data sampling mimics GD better than whitened sampling"
    flipped = decide_implicit_regularization(_setup(4, closer="whitened"), _rows([0.0, 0.125, -0.125, 0.25]), 100.0)
    assert flipped.expected["reading"].startswith("whitened sampling mimics GD better")
