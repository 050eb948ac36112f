"""ergen2022.implicit-regularization [recon]: runs to a CI-backed verdict; flat spectrum is inapplicable."""

import json

import numpy as np
import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.ergen2022.implicit_regularization import sample_patterns
from bnproof.solvers import group_lasso as cv
from bnproof.testing import assert_rejected, run_check

IR = "ergen2022.implicit-regularization"


def check(**params):
    return run_check(IR, params=params, quick=True)


def test_runs_with_ci_and_seeds():
    rec = check(seeds=3, gd_steps=200)
    assert rec["verdict"] in ("verified", "refuted", "inconclusive")
    m = rec["measured"]
    assert m["seeds"] == 3 and len(m["diff_ci95"]) == 2 and m["diff_ci95"][0] <= m["diff_mean"] <= m["diff_ci95"][1]
    assert rec["confidence"] == "recon"
    json.dumps(rec, allow_nan=False)


def test_negative_control_flat_spectrum_is_inapplicable():
    rec = assert_rejected(IR, verdicts={"inapplicable"}, params={"spectrum": "1,1,1", "seeds": 2}, quick=True)
    assert "spread" in rec["reason"]


@pytest.mark.parametrize("param,value", [("spectrum", "x"), ("spectrum", "1"), ("beta", "0"), ("seeds", "1"), ("n", "2")])
def test_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})


@pytest.mark.parametrize("how", ["whitened", "raw"])
def test_sampled_patterns_are_distinct_cells_of_the_arrangement(how):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((9, 3)) * np.array([10.0, 1.0, 0.1])
    wh = cv.whiten(X, 1 / 3)
    D = sample_patterns(wh, 40, how, rng)
    all_cells, _ = cv.exact_patterns(wh.Ut)
    assert D.shape[0] == 9 and len({tuple(c) for c in D.T}) == D.shape[1]
    assert cv.merge_patterns(all_cells, D).shape[1] == all_cells.shape[1]  # every sampled pattern is a cell
