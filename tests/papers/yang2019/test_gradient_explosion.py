"""yang2019.gradient-explosion: measured rate against λ(B), other activations, the constant-φ control."""

import math

import numpy as np
import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.models import meanfield as mf
from bnproof.papers.yang2019.gradient_explosion import (
    HEAVY_TAIL_MAX_B,
    claimed_rate,
    decide_gradient_explosion,
    extrapolate_rate,
    theory_rate,
)
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


def test_width_extrapolation_recovers_intercept_and_slope():
    widths = [256, 512, 1024, 2048]
    rng = np.random.default_rng(0)
    rates = 3.084 - 2.5 / np.sqrt(widths) + 0.01 * rng.standard_normal((6, 4))
    fit = extrapolate_rate(rates, widths)
    assert fit["intercept_ci"][0] < 3.084 < fit["intercept_ci"][1] and fit["points"] == 24
    assert fit["intercept"] == pytest.approx(3.084, abs=0.02) and fit["a"] == pytest.approx(2.5, rel=0.15)
    exact = extrapolate_rate(np.tile(3.0 - 2.0 / np.sqrt(widths), (3, 1)), widths)
    assert exact["intercept"] == pytest.approx(3.0) and exact["a"] == pytest.approx(2.0)


def test_heavy_tail_limit_is_where_the_second_moment_of_1_over_s2_diverges():
    # a neuron's factor ~ 1/s², s² ~ χ²_{B-1}/B: E[s^-4] < ∞ iff (B-1)/2 > 2
    assert HEAVY_TAIL_MAX_B == 5 and all(((b - 1) / 2 > 2) == (b > HEAVY_TAIL_MAX_B) for b in range(4, 10))


@pytest.mark.parametrize("ci,verdict", [
    ((1.7346, 1.8418), "verified"),      # |rate - λ|/λ + half-width just inside 3% of λ(8) = 1.7882
    ((1.7340, 1.8424), "inconclusive"),  # just outside: straddles
    ((1.8423, 1.9), "refuted"),          # whole interval just beyond 3%
    ((1.8410, 1.9), "inconclusive"),
])
def test_rate_rule_at_the_tolerance(ci, verdict):
    at_b = {"vanished": False, "rate": sum(ci) / 2, "ci": list(ci)}
    assert decide_gradient_explosion(at_b, mf.relu_rate(8), 0.03, "B = 8", "")[0] == verdict


def test_rate_above_one_rule():
    assert decide_gradient_explosion({"vanished": False, "rate": 1.01, "ci": [1.0001, 1.02]}, None, 0.03, "", "")[0] \
        == "verified"
    assert decide_gradient_explosion({"vanished": False, "rate": 1.0, "ci": [0.99, 1.01]}, None, 0.03, "", "")[0] \
        == "inconclusive"
    assert decide_gradient_explosion({"vanished": True, "rate": 0.0, "ci": [0, 0]}, 1.5, 0.03, "", "")[0] == "refuted"


def test_mutated_readings():
    assert claimed_rate("theorem", "relu", 4, 3.084) == 3.084
    assert claimed_rate("limit", "relu", 4, 3.084) == pytest.approx(math.pi / (math.pi - 1))
    assert claimed_rate("linear-bound", "relu", 4, 3.084) == pytest.approx(2.0)
    assert claimed_rate("limit", "constant", 4, None) is None


def test_small_batch_is_decided_on_the_width_extrapolation():
    rec = run_check(EXPL, quick=True, params={"batch_size": 4, "sweep": "", "widths": "64,128,256"})
    assert rec["verdict"] in ("verified", "inconclusive"), rec["reason"]
    fit = rec["measured"]["width_extrapolation"]
    assert fit["widths"] == [64, 128, 256] and fit["intercept_ci"][0] < fit["intercept"] < fit["intercept_ci"][1]
    assert "N → ∞" in rec["reason"] and rec["params"]["widths"] == [64, 128, 256]
    assert "intercept" in rec["expected"]["decided_on"]


def test_tolerance_above_ten_percent_is_refused():
    with pytest.raises(BadInput):
        run_check(EXPL, quick=True, params={"tol": 0.2})


def test_series_shows_fit_window_fitted_slope_and_theory():
    from types import SimpleNamespace

    from bnproof.papers.yang2019.gradient_explosion import explosion_series

    lam = 1.8
    grad = lambda s: SimpleNamespace(grad_sq=np.outer(lam ** np.arange(12, 0, -1.0), np.ones(2)) * s)
    runs = [{8: grad(1.0)}, {8: grad(1.1)}]
    per = {8: {"vanished": False, "rate": lam, "ci": [1.7, 1.9], "theory": mf.relu_rate(8)}}
    p = {"batch_size": 8, "activation": "relu", "sizes": [8], "depth": 12, "tol": 0.03, "reading": "theorem"}
    rates, norms = explosion_series(per, runs, p, mf.relu_rate(8), (3, 9))["panels"]
    assert [(s["lo"], s["hi"]) for s in norms["spans"]] == [(3, 9)]
    fit = next(c for c in norms["curves"] if c.get("kind") == "fit")
    assert fit["x"] == list(range(3, 10)) and fit["y"][0] - fit["y"][1] == pytest.approx(math.log(lam))
    assert next(c for c in norms["curves"] if c.get("kind") == "theory")["y"][0] > fit["y"][0]
    assert {c.get("kind") for c in rates["curves"]} >= {None, "theory", "bound"}
    assert (1.0, "bound") in {(h["y"], h.get("kind")) for h in rates["hlines"]}


def test_series_shows_the_width_extrapolation_when_it_decides():
    from types import SimpleNamespace

    from bnproof.papers.yang2019.gradient_explosion import explosion_series

    runs = [{4: SimpleNamespace(grad_sq=np.outer(3.0 ** np.arange(10, 0, -1.0), np.ones(2)))}]
    per = {4: {"vanished": False, "rate": 3.0, "ci": [2.9, 3.1], "theory": mf.relu_rate(4)}}
    p = {"batch_size": 4, "activation": "relu", "sizes": [4], "depth": 10, "tol": 0.03, "reading": "theorem"}
    fit = {"intercept": 3.1, "intercept_ci": [3.0, 3.2], "a": 2.0, "widths": [64, 256], "rate_by_width": [2.85, 3.0]}
    out = explosion_series(per, runs, p, mf.relu_rate(4), (2, 8), mf.relu_rate(4), fit)["panels"]
    assert len(out) == 3 and len(explosion_series(per, runs, p, mf.relu_rate(4), (2, 8), mf.relu_rate(4))["panels"]) == 2
    decided = next(c for c in out[2]["curves"] if c.get("x") == [0.0, 0.0])
    assert decided["y"] == [3.0, 3.2]
    assert out[2]["hlines"][0]["y"] == pytest.approx(mf.relu_rate(4))


# --- _decide_extrapolated: the vanished path and the N → ∞ fit (mutation testing) ---------------------


def _extrapolated(monkeypatch, rates):
    from bnproof.core.params import RunConfig
    from bnproof.papers.yang2019 import gradient_explosion as gx

    monkeypatch.setattr(gx, "width_rates", lambda config, p, act, label: rates)
    p = {"activation": "relu", "seeds": 3, "batches": 2, "width": 64, "widths": [64, 256, 1024], "tol": 0.1}
    at_width = {"vanished": False, "rate": 1.1, "ci": [1.05, 1.15]}
    return gx._decide_extrapolated(RunConfig(), p, "id", 1.2, "B = 4", (2, 8), at_width)


def test_extrapolation_with_a_vanished_gradient_refutes(monkeypatch):
    verdict, reason, fit = _extrapolated(monkeypatch, None)
    assert (verdict, fit) == ("refuted", {"vanished": True}) and reason.startswith("B = 4: the gradient vanishes")


def test_extrapolation_decides_on_the_intercept(monkeypatch):
    widths = np.array([64.0, 256.0, 1024.0])
    noise = np.array([[1e-3, -1e-3, 0.0], [-1e-3, 0.0, 1e-3], [0.0, 1e-3, -1e-3]])
    verdict, reason, fit = _extrapolated(monkeypatch, 1.2 - 0.5 / np.sqrt(widths) + noise)
    assert verdict == "verified" and reason.startswith("B = 4, N → ∞: measured per-layer growth")
    assert fit["intercept"] == pytest.approx(1.2, abs=5e-3)
