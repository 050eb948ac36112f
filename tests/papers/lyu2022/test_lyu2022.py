"""Lyu, Li, Arora 2022: scale-invariance identities, exp-LR equivalence, norm dynamics; derivations.

Each claim on its quick defaults, its negative control (rejected), both weight-decay conventions,
and bad input (one line, exit 2).
"""

import json
import math

import pytest
from helpers import cli

from bnproof.claims import get_claim, run_claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.papers.lyu2022 import entry_prediction, render_derivation
from bnproof.symbolic import lyu2022 as sym

SI, EXP, NORM = "lyu2022.scale-invariance", "lyu2022.exp-lr-equivalence", "lyu2022.norm-dynamics"


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


# --------------------------------------------------------------------------- symbolic


def test_sympy_proves_every_identity_on_a_family_member():
    proofs = sym.prove(False, 1)
    assert {p.name for p in proofs} == set(sym.IDENTITY_NAMES)
    assert all(p.holds and p.residual == "0" for p in proofs)


def test_sympy_gradient_matches_mpmath_finite_difference():
    assert sym.check_gradient(0) < 1e-25


def test_sphere_toy_closed_form_hessian_matches_sympy():
    assert sym.check_sphere_toy_hessian() < 1e-13


def test_degree_one_function_fails_euler():
    """The zero test is not vacuous: a degree-1 function (multiply by r², s.t. L = P/s) fails."""
    F, s = sym._member_fraction(*sym.DEFAULT_FAMILY[0], 0)
    res = sym._residuals(sym._Frac(F.P, 1), s)
    assert not res["euler"][0].is_zero and not res["hess_times_w"][0].is_zero


def test_derivation_renders_deterministically():
    files, failed = render_derivation()
    assert failed == [] and set(files) == {"lyu2022.md"}
    text = files["lyu2022.md"]
    assert "| `third_contract` |" in text and "**not 0**" not in text.split("## Negative control")[0]
    assert render_derivation()[0] == files


# --------------------------------------------------------------------------- claim 1


def test_scale_invariance_verified_quick():
    rec = check(SI, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["symbolic_all_zero"] and m["gradient_vs_mpmath_fd"] < 1e-25
    for lab, res in m["numeric_max_residual"].items():
        assert res["euler"] < 1e-12 and res["hess_times_w"] < 1e-12, lab
    assert max(m["lanczos_vs_dense"].values()) < 1e-8
    json.dumps(rec, allow_nan=False)


def test_scale_invariance_bn_eps_is_refuted_with_residual(capsys):
    """Negative control: ε inside BN breaks scale invariance; the residual is shown."""
    code, out, _ = cli(["check", SI, "--quick", "--param", "bn_eps=1e-3", "--json"], capsys)
    rec = json.loads(out)
    assert code == 1 and rec["verdict"] == "refuted"
    assert "not scale-invariant" in rec["reason"] and "epsilon" in rec["reason"]
    assert rec["measured"]["numeric_max_residual"]["t2(D=10)"]["euler"] > 1e-6
    assert rec["params"]["bn_eps"] == 1e-3


# --------------------------------------------------------------------------- claim 2


def test_exp_lr_verified_on_each_model():
    for model in ("t1", "t2", "t3"):
        rec = check(EXP, quick=True, params={"model": model})
        assert rec["verdict"] == "verified", rec["reason"]
        assert rec["measured"]["max_direction_angle"] < 1e-12 and rec["params"]["convention"] == "coupled"


def test_exp_lr_decoupled_convention_is_refuted():
    """The other convention: the schedule η(1−ηλ)^(−2t−1) does not describe w ← (1−λ)w − η∇L."""
    rec = check(EXP, quick=True, params={"convention": "decoupled"})
    assert rec["verdict"] == "refuted" and "decoupled" in rec["reason"]
    assert rec["params"]["convention"] == "decoupled"


def test_exp_lr_shifted_schedule_is_refuted():
    rec = check(EXP, quick=True, params={"schedule": "shifted"})
    assert rec["verdict"] == "refuted" and rec["measured"]["max_direction_angle"] > 1e-9


# --------------------------------------------------------------------------- claim 3


def test_entry_prediction_formula():
    # ln(2/(η̃₀λ₁))/(2ηλ) up to the O(ηλ) difference between −2 ln(1−ηλ) and 2ηλ
    assert entry_prediction(0.1, 1.5, 1e-4, 2.0) == pytest.approx(math.log(2 / 0.15) / 2e-4, rel=2e-4)


def test_norm_dynamics_verified_quick():
    rec = check(NORM, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["recursion_max_rel_residual"] < 1e-12 and m["entry_rel_error"] < 0.05
    assert m["equilibrium_max_rel_error"] < 0.1 and not m["normal_component_underflowed"]
    assert "noise" in rec["params"]["fp_remedy"]


def test_norm_dynamics_decoupled_is_refuted():
    rec = check(NORM, quick=True, params={"convention": "decoupled"})
    assert rec["verdict"] == "refuted" and "norm recursion fails" in rec["reason"]


def test_norm_dynamics_without_noise_reports_the_trap():
    rec = check(NORM, quick=True, params={"noise": 0})
    assert rec["verdict"] == "inconclusive" and "underflow" in rec["reason"]
    assert rec["params"]["fp_remedy"].startswith("none")


def test_norm_dynamics_without_weight_decay_is_inapplicable():
    assert check(NORM, quick=True, params={"weight_decay": 0})["verdict"] == "inapplicable"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cid", [EXP, NORM, "lyu2022.edge-of-stability", "lyu2022.sharpness-flow"])
@pytest.mark.parametrize("param", ["lr=0", "lr=-0.1", "weight_decay=-1e-3", "lr=nan", "weight_decay=nan",
                                   "lr=inf", "convention=adamw", "lr=abc"])
def test_bad_parameters_exit_2_with_one_line(cid, param, capsys):
    code, out, err = cli(["check", cid, "--quick", "--param", param], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("bnproof: error:"), err


def test_bad_bn_eps_raises():
    with pytest.raises(BadInput):
        check(SI, quick=True, params={"bn_eps": -1})
    with pytest.raises(BadInput):
        check(SI, quick=True, params={"bn_eps": "nan"})


@pytest.mark.parametrize("cid", [NORM, "lyu2022.edge-of-stability", "lyu2022.sharpness-flow"])
def test_too_long_horizon_is_bad_input(cid, capsys):
    """Horizons scale like 1/(ηλ): a tiny weight decay is refused with one line, not run for hours."""
    code, out, err = cli(["check", cid, "--param", "weight_decay=1e-12"], capsys)
    assert code == 2 and out == "" and "horizon" in err and err.count("\n") == 1


def test_quick_records_are_strict_json(capsys):
    code, out, _ = cli(["check", "lyu2022", "--quick", "--json"], capsys)
    recs = json.loads(out)
    assert code == 0 and [r["verdict"] for r in recs] == ["verified"] * 5
    json.dumps(recs, allow_nan=False)
    eos = next(r for r in recs if r["claim"] == "lyu2022.edge-of-stability")
    flow = next(r for r in recs if r["claim"] == "lyu2022.sharpness-flow")
    assert isinstance(eos["measured"]["eos_level"], float)
    assert isinstance(flow["measured"]["c"], float) and isinstance(flow["measured"]["tracking_rms"], float)
    assert all("fp_remedy" in r["params"] for r in recs if r["claim"] in (NORM, eos["claim"], flow["claim"]))
