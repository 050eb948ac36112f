"""yang2019.gradient-explosion: measured rate against λ(B), other activations, the constant-φ control."""

import pytest
from helpers import cli

from bnproof.models import meanfield as mf
from bnproof.papers.yang2019.gradient_explosion import theory_rate
from bnproof.testing import assert_rejected, run_check

EXPL = "yang2019.gradient-explosion"


def test_theory_rate_of_a_non_constant_activation_is_above_the_linear_minimum():
    assert theory_rate("tanh", 8)[0] > mf.linear_rate(8)


@pytest.fixture(scope="module")
def expl_quick():
    return run_check(EXPL, quick=True, params={"sweep": "16"})


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
    rec = run_check(EXPL, quick=True, params={"activation": act, "sweep": "", "depth": 40, "seeds": 4})
    assert rec["verdict"] == "verified", rec["reason"]
    if theory is not None:
        assert rec["expected"]["rate"] == pytest.approx(theory(8))
    assert rec["measured"]["rate"] > 1


def test_constant_activation_is_refuted():
    rec = assert_rejected(EXPL, verdicts={"refuted"}, quick=True, params={"activation": "constant", "sweep": ""})
    assert rec["measured"]["rate"] == 0.0 and rec["expected"]["rate"] is None


def test_mutated_tolerance_cannot_rescue_a_wrong_batch_theory():
    """Negative control at the level of the fit: simulating B = 16 against λ(8) would be refuted."""
    rec = run_check(EXPL, quick=True, params={"batch_size": 16, "sweep": ""})
    assert rec["verdict"] == "verified"
    assert abs(rec["measured"]["rate"] / mf.relu_rate(8) - 1) > 0.05


@pytest.mark.parametrize("param,value", [("activation", "gelu"), ("tol", "nan"), ("skip_input", "40")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", EXPL, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(EXPL)["verdict"] == "verified"
