"""Yang et al. 2019: BSB1 fixed point and gradient explosion -- verdicts, record contract, controls."""

import json
import math

import numpy as np
import pytest
from helpers import cli

from bnproof.analysis.stats import mean_ci
from bnproof.claims import get_claim, run_claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.models import meanfield as mf
from bnproof.papers.yang2019 import parse_sizes, theory_rate

BSB1, EXPL = "yang2019.bsb1-fixed-point", "yang2019.gradient-explosion"


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


# --- theory -------------------------------------------------------------------------------------


def test_relu_rate_values_decrease_to_the_limit():
    vals = {4: 3.084, 5: 2.274, 6: 2.004, 8: 1.788, 16: 1.590, 32: 1.522, 64: 1.493, 128: 1.480}
    for B, v in vals.items():
        assert abs(mf.relu_rate(B) - v) < 1e-3
    rates = [mf.relu_rate(B) for B in range(4, 400)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert abs(mf.relu_rate(10 ** 6) - mf.RATE_LIMIT) < 1e-5 and all(r > mf.RATE_LIMIT for r in rates)


def test_bsb1_theory_values():
    for B in (4, 8, 16, 64):
        assert abs(mf.bsb1_q_star(B) - 0.5) < 1e-14
    assert abs(mf.bsb1_c_star(8) - 0.2501) < 1e-4 and abs(mf.bsb1_c_star(64) - 0.3104) < 1e-4


def test_gegenbauer_series_reproduces_the_closed_forms():
    """Thm 9 with orthonormal a_k gives (B-2)/(B-3) for φ = id and tends to the ReLU closed form."""
    for B in (4, 8, 16):
        assert abs(mf.gegenbauer_rate(lambda x: x, B, kmax=4)["rate"] - mf.linear_rate(B)) < 1e-10
    r30 = mf.gegenbauer_rate(lambda x: np.maximum(x, 0), 8, kmax=30)["rate"]
    r10 = mf.gegenbauer_rate(lambda x: np.maximum(x, 0), 8, kmax=10)["rate"]
    assert r10 < r30 < mf.relu_rate(8) and mf.relu_rate(8) - r30 < 0.04
    # any non-constant φ: above the linear minimum
    assert theory_rate("tanh", 8)[0] > mf.linear_rate(8)
    assert mf.gegenbauer_rate(lambda x: np.ones_like(x), 8, kmax=6)["rate"] is None


def test_mean_ci_and_sizes():
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and lo < 2 < hi
    assert parse_sizes("8, 4,8", 2) == [4, 8] and parse_sizes("", 2) == []
    with pytest.raises(BadInput):
        parse_sizes("4,x", 2)
    with pytest.raises(BadInput):
        parse_sizes("3", 4)


# --- claims -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bsb1_quick():
    return check(BSB1, quick=True, params={"sweep": "4,16"})


def test_bsb1_quick_verified_with_contract_fields(bsb1_quick):
    rec = bsb1_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m, e = rec["measured"], rec["expected"]
    assert abs(e["c_star"] - mf.bsb1_c_star(8)) < 1e-15 and e["q_star"] == pytest.approx(0.5)
    assert abs(m["c_star"] - e["c_star"]) < 0.01 and abs(m["q_star"] - 0.5) < 0.01
    assert m["c_star_ci"][0] <= m["c_star"] <= m["c_star_ci"][1]
    assert set(m["sweep"]) == {"4", "8", "16"}
    assert rec["params"]["seeds"] == 3 and rec["precision"]["confidence_level"] == 0.95
    json.dumps(rec, allow_nan=False)


def test_bsb1_batch_size_param_and_determinism():
    a = check(BSB1, quick=True, params={"batch_size": 4, "sweep": ""})
    b = check(BSB1, quick=True, params={"batch_size": 4, "sweep": ""})
    assert a["params"]["batch_size"] == 4 and a["expected"]["c_star"] == pytest.approx(mf.bsb1_c_star(4))
    assert a["measured"] == b["measured"] and a["verdict"] == "verified"


def test_bsb1_without_centering_is_refuted():
    rec = check(BSB1, quick=True, params={"center": "false", "sweep": ""})
    assert rec["verdict"] == "refuted" and rec["measured"]["c_star"] > 0.4


@pytest.fixture(scope="module")
def expl_quick():
    return check(EXPL, quick=True, params={"sweep": "16"})


def test_explosion_quick_verified_with_contract_fields(expl_quick):
    rec = expl_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m, e = rec["measured"], rec["expected"]
    assert e["rate"] == pytest.approx(mf.relu_rate(8))
    assert abs(m["rate"] / e["rate"] - 1) < 0.03 and m["rate_ci"][0] <= m["rate"] <= m["rate_ci"][1]
    assert m["sweep"]["16"]["rate"] == pytest.approx(mf.relu_rate(16), rel=0.03)
    assert [p["title"] for p in rec["series"]["panels"]]


@pytest.mark.parametrize("act,theory", [("linear", lambda B: (B - 2) / (B - 3)), ("tanh", None)])
def test_explosion_other_activations(act, theory):
    rec = check(EXPL, quick=True, params={"activation": act, "sweep": "", "depth": 40, "seeds": 4})
    assert rec["verdict"] == "verified", rec["reason"]
    if theory is not None:
        assert rec["expected"]["rate"] == pytest.approx(theory(8))
    assert rec["measured"]["rate"] > 1


def test_constant_activation_is_refuted():
    rec = check(EXPL, quick=True, params={"activation": "constant", "sweep": ""})
    assert rec["verdict"] == "refuted" and rec["measured"]["rate"] == 0.0 and rec["expected"]["rate"] is None


def test_mutated_tolerance_cannot_rescue_a_wrong_batch_theory():
    """Negative control at the level of the fit: simulating B = 16 against λ(8) would be refuted."""
    rec = check(EXPL, quick=True, params={"batch_size": 16, "sweep": ""})
    assert rec["verdict"] == "verified"
    assert abs(rec["measured"]["rate"] / mf.relu_rate(8) - 1) > 0.05


@pytest.mark.parametrize("cid,param,value", [
    (EXPL, "batch_size", "3"), (EXPL, "width", "8"), (EXPL, "depth", "5"), (BSB1, "batch_size", "1"),
    (BSB1, "seeds", "1"), (EXPL, "sweep", "2,8"), (EXPL, "activation", "gelu"), (EXPL, "tol", "nan"),
    (EXPL, "skip_input", "40")])
def test_bad_input_exits_2(cid, param, value, capsys):
    code, out, err = cli(["check", cid, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_too_large_a_run_is_bad_input(capsys):
    code, out, err = cli(["check", EXPL, "--param", "width=8192", "--param", "depth=100", "--json"], capsys)
    assert code == 2 and "GB" in err and err.count("\n") == 1


def test_cli_record_for_batch_size(capsys):
    code, out, err = cli(["check", BSB1, "--quick", "--param", "batch_size=16", "--param", "sweep=", "--json"], capsys)
    rec = json.loads(out)
    assert code == 0 and rec["params"]["batch_size"] == 16
    assert math.isclose(rec["expected"]["c_star"], mf.bsb1_c_star(16))


@pytest.mark.slow
def test_defaults_verified():
    for cid in (BSB1, EXPL):
        assert check(cid)["verdict"] == "verified"
