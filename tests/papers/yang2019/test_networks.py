"""The parameters shared by the Yang et al. claims: batch-size sweep, ranges, the memory guard."""

import pytest
from helpers import cli

from bnproof.analysis.stats import mean_ci
from bnproof.claims import get_claim
from bnproof.core.errors import BadInput

BSB1, EXPL = "yang2019.bsb1-fixed-point", "yang2019.gradient-explosion"


def _sweep(cid):
    return next(p for p in get_claim(cid).params if p.name == "sweep")


def test_mean_ci_and_sizes():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and lo < 2 < hi
    bsb1_sweep, expl_sweep = _sweep(BSB1), _sweep(EXPL)  # smallest batch 2 and 4
    assert bsb1_sweep.parse("8, 4,8") == [4, 8] and bsb1_sweep.parse("") == []
    with pytest.raises(BadInput):
        bsb1_sweep.parse("4,x")
    with pytest.raises(BadInput):
        expl_sweep.parse("3")


@pytest.mark.parametrize("cid,param,value", [
    (EXPL, "batch_size", "3"), (EXPL, "width", "8"), (EXPL, "depth", "5"), (BSB1, "batch_size", "1"),
    (BSB1, "seeds", "1"), (EXPL, "sweep", "2,8")])
def test_bad_input_exits_2(cid, param, value, capsys):
    code, out, err = cli(["check", cid, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_too_large_a_run_is_bad_input(capsys):
    code, out, err = cli(["check", EXPL, "--param", "width=8192", "--param", "depth=100", "--json"], capsys)
    assert code == 2 and "GB" in err and err.count("\n") == 1
