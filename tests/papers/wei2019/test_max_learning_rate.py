"""wei2019.max-learning-rate: runs below η* converge, above it they are unstable; λ̄_max grows with γ."""

import copy
import math

import numpy as np
import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.models.bn_backprop import popnet_init, popnet_train_momentum
from bnproof.papers.wei2019.max_learning_rate import Schedule, classify_run, decide_max_learning_rate
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


def test_classify_at_the_rise_threshold():
    assert classify_run([1.0, 2.0, 0.5], 2.0) == "convergent"  # exactly rise × initial: not above
    assert classify_run([1.0, 2.0001, 0.5], 2.0) == "catapult"
    assert classify_run([1.0, 0.5, 1.0], 2.0) == "unclear"  # not lower at the end


def _rows(below_class, above_class, lams=(1.0, 2.0)):
    def run(cls_b, cls_a):
        return {"outcomes": {"0.5": {"class": cls_b}, "2": {"class": cls_a}}}
    rows = [{"bn": False, "gamma": None, "lambda_max": 1.0, "runs": [run(below_class, above_class)]}]
    rows += [{"bn": True, "gamma": g, "lambda_max": lam, "runs": [run(below_class, above_class)]}
             for g, lam in zip((1.0, 2.0), lams)]
    return rows


S = Schedule(momentum=0.9, steps=50, rise=2.0, below=[0.5], above=[2.0])


@pytest.mark.parametrize("below,above,lams,verdict", [
    ("convergent", "diverged", (1.0, 2.0), "verified"),
    ("convergent", "catapult", (1.0, 2.0), "verified"),
    ("convergent", "convergent", (1.0, 2.0), "refuted"),   # stable above η*
    ("catapult", "diverged", (1.0, 2.0), "refuted"),       # unstable below η*
    ("convergent", "diverged", (2.0, 2.0), "refuted"),     # λ_max not increasing in γ
    ("unclear", "diverged", (1.0, 2.0), "refuted"),        # below η* must converge
    ("convergent", "unclear", (1.0, 2.0), "inconclusive"),
])
def test_max_lr_rule(below, above, lams, verdict):
    assert decide_max_learning_rate(_rows(below, above, lams), S, "")[0] == verdict


def test_fewer_than_five_momentum_time_scales_is_inconclusive():
    assert S.min_steps == 50
    short = Schedule(momentum=0.9, steps=49, rise=2.0, below=[0.5], above=[2.0])
    assert decide_max_learning_rate(_rows("convergent", "convergent"), short, "")[0] == "inconclusive"
    assert decide_max_learning_rate(_rows("convergent", "convergent"), S, "")[0] == "refuted"


def test_rise_below_one_and_a_half_is_refused():
    with pytest.raises(BadInput):
        run_check(LR, quick=True, params={"rise": 1.1})


def test_series_shows_every_run_against_the_threshold_and_eta_star():
    from bnproof.papers.wei2019.max_learning_rate import lr_series

    def run(lam, peaks):
        return {"lambda_max": lam, "outcomes": {f"{f:g}": {"max_over_initial": v} for f, v in zip((0.5, 2.0), peaks)}}

    rows = [{"bn": bn, "gamma": g, "lambda_max": lam, "lambda_mean_field": lam * 0.9, "eta_star": 3.8 / lam,
             "eta_star_mean_field": 3.8 / (lam * 0.9), "runs": [run(lam * 0.95, (1.0, 50.0)), run(lam * 1.05, (1.0, 1e3))]}
            for bn, g, lam in ((False, None, 100.0), (True, 0.5, 10.0), (True, 1.0, 30.0))]
    lam, eta, runs = lr_series(rows, Schedule(0.9, 60, 2.0, [0.5], [2.0]))["panels"]
    assert lam["bands"][0]["lo"] == pytest.approx([9.5, 28.5]) and eta["bands"][0]["hi"] == pytest.approx([0.4, 3.8 / 28.5])
    assert any(c.get("kind") == "theory" for c in lam["curves"] + eta["curves"])
    assert len([c for c in runs["curves"] if c.get("kind") is None]) == 6  # every network's run, no BN and BN
    boundary = next(c for c in runs["curves"] if c.get("kind") == "theory")
    assert boundary["x"] == [1, 1]
    assert (2.0, "bound") in {(h["y"], h.get("kind")) for h in runs["hlines"]}


def test_max_lr_reasons_name_the_first_offending_arm_and_the_numbers():
    verdict, why = decide_max_learning_rate(_rows("convergent", "convergent"), S, "(ctx)")
    assert verdict == "refuted" and why.startswith("η = 2·η* is convergent for no BN (loss never above 2×")
    verdict, why = decide_max_learning_rate(_rows("catapult", "diverged"), S, "(ctx)")
    assert why == "η = 0.5·η* is not convergent for no BN (catapult) (ctx)"
    verdict, why = decide_max_learning_rate(_rows("convergent", "diverged", lams=(2.123456, 1.5)), S, "(ctx)")
    assert why == "λ_max with BN does not increase with γ: [2.1235, 1.5] (ctx)"
    rows = _rows("convergent", "catapult", lams=(1.5, 2.5))
    rows[0]["lambda_max"] = 0.75
    verdict, why = decide_max_learning_rate(rows, S, "(ctx)")
    assert verdict == "verified" and "3 of them catapult back afterwards" in why
    assert why.endswith("with γ (1.5, 2.5) against 0.75 without BN (ctx)")
