"""lyu2022.scale-invariance: verified on quick defaults; BN's ε (the negative control) refuted
with the residual shown; bad input."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.claims import get_claim
from bnproof.core.errors import BadInput
from bnproof.papers.lyu2022.scale_invariance import (
    FLOAT_TOL,
    identity_models,
    numeric_identities,
)
from bnproof.testing import run_check

SI = "lyu2022.scale-invariance"


def test_numeric_identities_hold_on_every_model():
    rng = np.random.default_rng(0)
    for model in identity_models(0, 0.0):
        res = numeric_identities(model, rng.standard_normal(model.dim), 3.0)
        assert max(v for k, v in res.items() if k != "third_contract") < FLOAT_TOL, model.name


def test_scale_invariance_verified_quick():
    rec = run_check(SI, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["symbolic_all_zero"] and m["gradient_vs_mpmath_fd"] < 1e-25
    for lab, res in m["numeric_max_residual"].items():
        assert res["euler"] < 1e-12 and res["hess_times_w"] < 1e-12, lab
    assert max(m["lanczos_vs_dense"].values()) < 1e-8
    assert rec["source"].startswith("reference notes §2.1")
    json.dumps(rec, allow_nan=False)


def test_scale_invariance_bn_eps_is_refuted_with_residual(capsys):
    """Negative control: ε inside BN breaks scale invariance; the residual is shown."""
    code, out, _ = cli(["check", SI, "--quick", "--param", "bn_eps=1e-3", "--json"], capsys)
    rec = json.loads(out)
    assert code == 1 and rec["verdict"] == "refuted"
    assert "not scale-invariant" in rec["reason"] and "epsilon" in rec["reason"]
    assert rec["measured"]["numeric_max_residual"]["t2(D=10)"]["euler"] > 1e-6
    assert rec["params"]["bn_eps"] == 1e-3


def test_bad_bn_eps_raises():
    with pytest.raises(BadInput):
        run_check(SI, quick=True, params={"bn_eps": -1})
    with pytest.raises(BadInput):
        run_check(SI, quick=True, params={"bn_eps": "nan"})


def test_flipped_hessian_degree_leaves_a_residual_on_every_model():
    """The statement-flip control --param hess_degree=-1: ∇²L(cw) = ∇²L(w)/c fails by |1/c − 1| = 2/3 at c = 3."""
    rng = np.random.default_rng(1)
    for model in identity_models(0, 0.0):
        w = rng.standard_normal(model.dim)
        assert numeric_identities(model, w, 3.0, hess_degree=-1)["hess_scaling"] == pytest.approx(2 / 3, rel=1e-9)
        assert numeric_identities(model, w, 3.0, hess_degree=-2)["hess_scaling"] < FLOAT_TOL


def test_scale_invariance_declares_a_statement_flip():
    flips = [c for c in get_claim(SI).controls if c.kind == "statement-flip"]
    assert flips and flips[0].params == {"hess_degree": -1}


# --- decide_scale_invariance at each tolerance (mutation testing, benchmarks/mutation.py) ------------


def _residuals(proofs=None, worst=None, fd=0.0, hess=0.0, lanczos=None):
    from types import SimpleNamespace

    from bnproof.papers.lyu2022.scale_invariance import IdentityResiduals

    proofs = proofs if proofs is not None else (SimpleNamespace(holds=True, name="euler", residual="0"),) * 2
    worst = worst if worst is not None else {"t1": {"euler": 1e-12, "third_contract": 2e-11},
                                             "t2": {"euler": 3e-12, "third_contract": 5e-7}}
    return IdentityResiduals(proofs, 3, 5, fd, hess, ["t1", "t2"], worst, {}, lanczos or {"t1": 1e-9})


def test_decide_scale_invariance_verified_at_every_tolerance_edge():
    from bnproof.papers.lyu2022 import scale_invariance as si

    worst = {"t1": {"euler": si.FLOAT_TOL, "third_contract": 1e-12}, "t2": {"third_contract": si.FD_TOL}}
    m = _residuals(worst=worst, fd=si.MPMATH_FD_TOL, hess=si.T1_HESSIAN_TOL, lanczos={"t1": si.LANCZOS_TOL})
    verdict, why = si.decide_scale_invariance(m, 0.0)
    assert verdict == "verified", why
    verdict, why = si.decide_scale_invariance(_residuals(), 0.0)
    assert why == ("all 2 SymPy residuals cancel to 0 on 3 family member(s); on T1-T3 (5 points × c ∈ {0.1, 3, 10}) "
                   "the float64 residuals are ≤ 2e-11; Lanczos matches dense λ₁ to 1e-09")


@pytest.mark.parametrize("broken", [{"fd": 2e-25}, {"hess": 2e-12}, {"lanczos": {"t1": 2e-8}}])
def test_decide_scale_invariance_cross_checks_refute_just_past_their_tolerance(broken):
    from bnproof.papers.lyu2022 import scale_invariance as si

    verdict, why = si.decide_scale_invariance(_residuals(**broken), 0.0)
    assert verdict == "refuted" and why.startswith("derivative cross-checks failed (mpmath FD")


def test_decide_scale_invariance_names_the_first_failure_of_each_kind():
    from types import SimpleNamespace

    from bnproof.papers.lyu2022 import scale_invariance as si

    bad = SimpleNamespace(holds=False, name="hessian_degree", residual="x" * 200)
    worst = {"t1": {"euler": 1e-9, "third_contract": 1e-12}, "t2": {"euler": 1e-8, "third_contract": 1e-7}}
    verdict, why = si.decide_scale_invariance(_residuals(proofs=(bad,), worst=worst), 0.0)
    assert verdict == "refuted"
    assert why == ("SymPy residual of hessian_degree does not cancel: " + "x" * 160
                   + "; largest numerical residual euler = 1e-08 on t2 (tolerance 1e-10)")
    verdict, why = si.decide_scale_invariance(_residuals(worst=worst), 0.5)
    assert why == ("with BN ε = 0.5 the loss is not scale-invariant: largest numerical residual euler = 1e-08 on t2 "
                   "(tolerance 1e-10)")


def test_figure_has_each_tolerance_and_the_cross_checks():
    from bnproof.papers.lyu2022 import scale_invariance as si

    per_c = {c: {"euler": 0.0, "grad_scaling": 1e-15, "third_contract_fd": 4e-8} for c in si.C_VALUES}
    m = _residuals(fd=1e-33, hess=5e-16, lanczos={"t1": 2e-16, "t2": 0.0})
    m = m.__class__(**{**m.__dict__, "per_c": per_c})
    exact, fd, cross = si._figure(m, -2.0)["panels"]
    assert exact["hlines"][0]["y"] == si.FLOAT_TOL and fd["hlines"][0]["y"] == si.FD_TOL
    assert "2/2 exactly 0" in exact["title"]
    euler = exact["curves"][0]
    assert euler["y"] == [si._FLOOR] * 3  # exact zeros (nothing else to go by) drawn at the floor
    cross_gaps = [c["y"][0] for c in cross["curves"] if c.get("kind") != "bound"]
    assert cross_gaps == pytest.approx([1e-33, 5e-16, 2e-16, 1e-34], rel=1e-12, abs=0)  # an exact 0: a decade under the smallest gap
    tolerances = [c["y"][0] for c in cross["curves"] if c.get("kind") == "bound"]
    assert tolerances == [si.MPMATH_FD_TOL, si.T1_HESSIAN_TOL, si.LANCZOS_TOL, si.LANCZOS_TOL]


def test_decide_scale_invariance_names_the_first_failing_proof_of_several():
    from types import SimpleNamespace

    from bnproof.papers.lyu2022 import scale_invariance as si

    first = SimpleNamespace(holds=False, name="euler", residual="r1")
    second = SimpleNamespace(holds=False, name="hessian_degree", residual="r2")
    _, why = si.decide_scale_invariance(_residuals(proofs=(first, second)), 0.0)
    assert why == "SymPy residual of euler does not cancel: r1"
