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
