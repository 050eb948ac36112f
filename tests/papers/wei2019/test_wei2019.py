"""Wei et al. 2019: order parameters, FIM bound (both f_l readings), maximal learning rate."""

import json
import math

import numpy as np
import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.cli import main
from bnproof.core.params import RunConfig
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import popnet_init
from bnproof.papers.wei2019 import _classify, empirical_order, train_momentum

ORDER, BOUND, LR = "wei2019.order-parameters", "wei2019.fim-bound", "wei2019.max-learning-rate"


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


# --- recursions -----------------------------------------------------------------------------------


def test_bn_closed_forms_and_gamma_dependence():
    o = mf.wei_order_parameters(4, 2.0, 0.5, 1.5, True)
    assert o.qhat[1:4] == pytest.approx([1.125] * 3) and o.qhat_xy[2] == pytest.approx(1.5 ** 2 / (2 * math.pi))
    assert o.q[2] == pytest.approx(0.5 + 2 * 1.125) and o.qtil[4] == 1.0
    # variance reading: s² = σ_w² γ²(1/2 - 1/2π) for l ≥ 2, so q̃_xy^{l}/q̃_xy^{l+1} = 1/(2 - 2/π), γ-free
    assert o.qtil_xy[2] / o.qtil_xy[3] == pytest.approx(1 / (2 - 2 / math.pi))
    p = mf.wei_order_parameters(4, 2.0, 0.5, 1.5, True, "second-moment")
    assert p.qtil_xy[2] / p.qtil_xy[3] == pytest.approx(1.5 ** 2 * 2 / (4 * p.q[2]))
    widths = [100] * 4 + [1]
    bounds = [mf.wei_fim_bound(mf.wei_order_parameters(4, 2.0, 0.5, g, True), widths)["bound"] for g in (0.5, 1, 2)]
    assert bounds[0] < bounds[1] < bounds[2]


def test_vanilla_recursion_matches_kernels():
    o = mf.wei_order_parameters(3, 2.0, 0.0, 1.0, False)
    assert o.q[1:3] == pytest.approx([2.0, 2.0]) and o.q_xy[1] == 0.0
    assert o.qtil_xy[1] == pytest.approx(2.0 * 0.25 * o.qtil_xy[2])  # E[relu'relu'] = 1/4 at c = q_xy^1/q^1 = 0


def test_empirical_order_matches_recursion_on_a_wide_net():
    rng = np.random.default_rng(0)
    net = popnet_init(rng, [800, 800, 800, 5], 2.0, 0.5, 1.0, True, rng.standard_normal((2000, 800)))
    emp = empirical_order(net, rng.standard_normal((200, 800)))
    th = mf.wei_order_parameters(3, 2.0, 0.5, 1.0, True)
    assert emp["qhat"][0] == pytest.approx(th.qhat[1], rel=0.05)
    assert emp["qhat_xy"][1] == pytest.approx(th.qhat_xy[2], rel=0.1)


# --- claims ---------------------------------------------------------------------------------------


def test_order_parameters_verified_and_printed_conventions_refuted():
    rec = check(ORDER, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    assert len(rec["measured"]["rows"]) == 36 and rec["params"]["variance"] == "variance"
    small = {"width": 200, "seeds": 3, "outputs": 2}
    for conv in ({"variance": "second-moment"}, {"base_case": "printed"}):
        bad = check(ORDER, quick=True, params={**small, **conv})
        assert bad["verdict"] == "refuted", (conv, bad["reason"])


@pytest.fixture(scope="module")
def bound_quick():
    return check(BOUND, quick=True, params={"seeds": 3, "gammas": "0.5,2"})


def test_fim_bound_hat_verified_and_supported(bound_quick):
    rec = bound_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["supported_reading"] == "hat" and m["min_ratio"] >= 0.9
    assert set(m["bound_tilde"]) == set(m["bound_hat"]) == {"no BN", "BN γ = 0.5", "BN γ = 2"}
    json.dumps(rec, allow_nan=False)


def test_fim_bound_printed_reading_is_refuted():
    rec = check(BOUND, quick=True, params={"seeds": 3, "gammas": "0.5,2", "reading": "tilde"})
    assert rec["verdict"] == "refuted" and rec["measured"]["supported_reading"] == "hat"


def test_classify_and_momentum_threshold_on_a_quadratic_like_start():
    assert _classify([1.0, 0.5, 0.1], 2.0) == "convergent"
    assert _classify([1.0, 5.0, 0.1], 2.0) == "catapult"
    assert _classify([1.0, 5.0, math.inf], 2.0) == "diverged"
    rng = np.random.default_rng(1)
    net = popnet_init(rng, [4, 1], 1.0, 0.0, 1.0, False, rng.standard_normal((10, 4)))  # linear model
    X = rng.standard_normal((32, 4))
    Y = rng.standard_normal((32, 1))
    lam = np.linalg.eigvalsh(np.c_[X, np.ones(32)].T @ np.c_[X, np.ones(32)] / 32)[-1]
    eta_star = 2 * 1.9 / lam
    import copy
    assert _classify(train_momentum(copy.deepcopy(net), X, Y, 0.9 * eta_star, 0.9, 400), 2.0) == "convergent"
    assert _classify(train_momentum(copy.deepcopy(net), X, Y, 1.1 * eta_star, 0.9, 400), 2.0) == "diverged"


def test_max_learning_rate_quick_verified():
    rec = check(LR, quick=True, params={"gammas": "0.5,2"})
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["lambda_increasing_in_gamma"]
    for row in m["outcomes"].values():
        assert all(c == "convergent" for c in row["0.5"]) and all(c != "convergent" for c in row["4"])


def test_well_above_eta_star_is_not_reported_convergent():
    rec = check(LR, quick=True, params={"gammas": "1", "below": "0.5,4"})
    assert rec["verdict"] == "refuted" and "4·η*" in rec["reason"]


@pytest.mark.parametrize("cid,param,value", [
    (BOUND, "gammas", "0"), (BOUND, "gammas", "-1,2"), (LR, "gammas", "nan"), (ORDER, "gamma", "0"),
    (ORDER, "width", "4"), (BOUND, "depth", "1"), (LR, "momentum", "1"), (ORDER, "samples", "3"),
    (BOUND, "seeds", "1"), (LR, "steps", "5"), (ORDER, "outputs", "0")])
def test_bad_input_exits_2(cid, param, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", cid, "--param", f"{param}={value}", "--json"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_too_large_a_population_is_bad_input(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", ORDER, "--param", "width=4096", "--param", "population=100000", "--json"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "GB" in err and err.count("\n") == 1


@pytest.mark.slow
def test_defaults_verified():
    for cid in (ORDER, BOUND, LR):
        assert check(cid)["verdict"] == "verified"
