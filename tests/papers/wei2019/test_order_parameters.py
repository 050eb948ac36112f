"""wei2019.order-parameters: measured order parameters against the recursions; printed conventions refuted."""

import numpy as np
import pytest
from helpers import cli

from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import popnet_init
from bnproof.papers.wei2019.order_parameters import empirical_order
from bnproof.testing import assert_rejected, run_check

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
    small = {"width": 200, "seeds": 3, "outputs": 2}
    for conv in ({"variance": "second-moment"}, {"base_case": "printed"}):
        assert_rejected(ORDER, verdicts={"refuted"}, quick=True, params={**small, **conv})


@pytest.mark.parametrize("param,value", [("gamma", "0"), ("samples", "3"), ("outputs", "0")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", ORDER, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(ORDER)["verdict"] == "verified"
