"""The network parameters shared by the Wei et al. claims: ranges, the γ list, the memory guard."""

import pytest
from helpers import cli

ORDER, BOUND, LR = "wei2019.order-parameters", "wei2019.fim-bound", "wei2019.max-learning-rate"


@pytest.mark.parametrize("cid,param,value", [
    (BOUND, "gammas", "0"), (BOUND, "gammas", "-1,2"), (LR, "gammas", "nan"), (ORDER, "width", "4"),
    (BOUND, "depth", "1"), (BOUND, "seeds", "1")])
def test_bad_network_input_exits_2(cid, param, value, capsys):
    code, out, err = cli(["check", cid, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_too_large_a_population_is_bad_input(capsys):
    code, out, err = cli(["check", ORDER, "--param", "width=4096", "--param", "population=100000", "--json"], capsys)
    assert code == 2 and "GB" in err and err.count("\n") == 1
