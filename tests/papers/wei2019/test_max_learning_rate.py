"""wei2019.max-learning-rate: runs below η* converge, above it they are unstable; λ̄_max grows with γ."""

import copy
import math

import numpy as np
import pytest
from helpers import cli

from bnproof.models.bn_backprop import popnet_init, popnet_train_momentum
from bnproof.papers.wei2019.max_learning_rate import classify_run
from bnproof.testing import assert_rejected, run_check

LR = "wei2019.max-learning-rate"


def test_classify_and_momentum_threshold_on_a_quadratic_like_start():
    assert classify_run([1.0, 0.5, 0.1], 2.0) == "convergent"
    assert classify_run([1.0, 5.0, 0.1], 2.0) == "catapult"
    assert classify_run([1.0, 5.0, math.inf], 2.0) == "diverged"
    rng = np.random.default_rng(1)
    net = popnet_init(rng, [4, 1], 1.0, 0.0, 1.0, False, rng.standard_normal((10, 4)))  # linear model
    X = rng.standard_normal((32, 4))
    Y = rng.standard_normal((32, 1))
    lam = np.linalg.eigvalsh(np.c_[X, np.ones(32)].T @ np.c_[X, np.ones(32)] / 32)[-1]
    eta_star = 2 * 1.9 / lam
    below = popnet_train_momentum(copy.deepcopy(net), X, Y, 0.9 * eta_star, 0.9, 400)
    above = popnet_train_momentum(copy.deepcopy(net), X, Y, 1.1 * eta_star, 0.9, 400)
    assert classify_run(below, 2.0) == "convergent"
    assert classify_run(above, 2.0) == "diverged"


def test_max_learning_rate_quick_verified():
    rec = run_check(LR, quick=True, params={"gammas": "0.5,2"})
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["lambda_increasing_in_gamma"]
    for row in m["outcomes"].values():
        assert all(c == "convergent" for c in row["0.5"]) and all(c != "convergent" for c in row["4"])


def test_well_above_eta_star_is_not_reported_convergent():
    rec = assert_rejected(LR, verdicts={"refuted"}, quick=True, params={"gammas": "1", "below": "0.5,4"})
    assert "4·η*" in rec["reason"]


@pytest.mark.parametrize("param,value", [("momentum", "1"), ("steps", "5")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", LR, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(LR)["verdict"] == "verified"
