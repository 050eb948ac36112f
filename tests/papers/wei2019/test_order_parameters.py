"""wei2019.order-parameters: measured order parameters against the recursions; printed conventions refuted."""

import numpy as np
import pytest
from helpers import cli

from bnproof.claims import get_claim
from bnproof.core.controls import STATEMENT_FLIP
from bnproof.core.errors import BadInput
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import popnet_init
from bnproof.papers.wei2019.order_parameters import decide_order_parameters, empirical_order
from bnproof.testing import run_check

ORDER = "wei2019.order-parameters"


def test_empirical_order_matches_recursion_on_a_wide_net():
    rng = np.random.default_rng(0)
    net = popnet_init(rng, [800, 800, 800, 5], 2.0, 0.5, 1.0, True, rng.standard_normal((2000, 800)))
    emp = empirical_order(net, rng.standard_normal((200, 800)))
    th = mf.wei_order_parameters(3, 2.0, 0.5, 1.0, True)
    assert emp["qhat"][0] == pytest.approx(th.qhat[1], rel=0.05)
    assert emp["qhat_xy"][1] == pytest.approx(th.qhat_xy[2], rel=0.1)


def test_order_parameters_verified_and_printed_conventions_refuted():
    rec = run_check(ORDER, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    assert len(rec["measured"]["rows"]) == 36 and rec["params"]["variance"] == "variance"
    # the printed conventions are the declared statement-flip controls (run by tests/test_selftest.py)
    flips = {c.name: c.params for c in get_claim(ORDER).controls if c.kind == STATEMENT_FLIP}
    assert {"variance": "second-moment"}.items() <= flips["second-moment-scale"].items()
    assert {"base_case": "printed"}.items() <= flips["printed-base-case"].items()


def _rows(ci, family):
    return [{"net": "BN", "param": "q", "layer": 1, "measured": 1.0, "one_step_theory": 1.0, "rel_error": ci[0],
             "rel_error_ci": list(ci), "rel_error_ci_family": list(family)}]


P = {"variance": "variance", "base_case": "corrected", "depth": 4}


@pytest.mark.parametrize("ci,family,verdict", [
    ((0.0, 0.1499), (0.0, 0.3), "verified"),     # 95% CI just inside [0, tol]
    ((0.1, 0.1501), (0.0, 0.3), "inconclusive"),  # just outside: straddles
    ((0.16, 0.2), (0.1501, 0.25), "refuted"),     # the Bonferroni interval just above tol
    ((0.16, 0.2), (0.1499, 0.25), "inconclusive"),  # the 95% CI above tol is not enough to refute
])
def test_decision_at_the_tolerance(ci, family, verdict):
    assert decide_order_parameters(_rows(ci, family), 0.15, P, "")[0] == verdict


def test_tolerance_that_accepts_a_factor_two_is_refused():
    with pytest.raises(BadInput):
        run_check(ORDER, quick=True, params={"tol": 0.5})


@pytest.mark.parametrize("param,value", [("gamma", "0"), ("samples", "3"), ("outputs", "0")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", ORDER, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(ORDER)["verdict"] == "verified"


def test_series_compares_with_the_one_step_recursions_and_the_tolerance():
    from bnproof.papers.wei2019.order_parameters import SYMBOLS, order_series

    rows = [{"net": net, "param": sym, "layer": layer, "measured": 1.0, "ci": [0.9, 1.1], "one_step_theory": 1.02,
             "rel_error": 0.02, "rel_error_ci": [0.0, 0.05 * layer]}
            for net in ("no BN", "BN") for sym in SYMBOLS.values() for layer in (1, 2)]
    out = order_series(rows, 1.0, 0.15)["panels"]
    assert len(out) == 5
    for p in out[:3]:
        assert {c["y"][0] for c in p["curves"] if c.get("kind") == "theory"} == {1.02}
    for p in out[3:]:
        assert [(h["y"], h.get("kind")) for h in p["hlines"]] == [(0.15, "bound")]
        assert p["bands"][0]["hi"] == pytest.approx([0.05, 0.1])


def test_order_parameter_reasons_name_the_worst_point_and_the_layers():
    verdict, why = decide_order_parameters(_rows((0.0, 0.125), (0.0, 0.25)), 0.15, P, "(ctx)")
    assert verdict == "verified" and "over 3 hidden layers" in why
    low_start = {"net": "BN", "param": "q", "layer": 1, "measured": 1.0, "one_step_theory": 1.0, "rel_error": 0.3,
                 "rel_error_ci": [0.25, 0.35], "rel_error_ci_family": [0.2, 0.9]}
    high_start = {**low_start, "param": "q_xy", "layer": 2, "rel_error_ci_family": [0.25, 0.3]}
    verdict, why = decide_order_parameters([low_start, high_start], 0.15, P, "(ctx)")
    assert verdict == "refuted" and "at 2 of 2 points; worst q_xy^2 (BN)" in why  # the higher lower end
