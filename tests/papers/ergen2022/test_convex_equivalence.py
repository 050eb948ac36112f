"""ergen2022.convex-equivalence on quick runs: the record's fields, both shift conventions, the
negative controls (convention mismatch), sampled patterns, solver failure, a penalised first layer."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.solvers import group_lasso as cv
from bnproof.testing import assert_rejected, run_check

EQ = "ergen2022.convex-equivalence"
FAST_EQ = {"n": 8, "starts": 2, "width": 10}


def check(**params):
    return run_check(EQ, params=params, quick=True)


def test_convex_equivalence_verified_with_record_fields():
    rec = check(**FAST_EQ)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["patterns_exact"] and m["patterns"] == m["patterns_max"]
    assert m["rebuilt_value"] == pytest.approx(m["optimal_value"], rel=1e-6)
    assert m["best_nonconvex_value"] >= m["optimal_value"] - 1e-6
    assert 1 <= m["m_star"] <= 9 and "optimal_value" in rec["expected"]
    assert rec["params"]["shift"] == "isometric" and rec["params"]["c"] == pytest.approx(8 ** -0.5)
    assert rec["source"].startswith("reference notes §2")
    json.dumps(rec, allow_nan=False)


def test_convex_equivalence_shift_one_also_verified():
    rec = check(shift="one", **(FAST_EQ | {"starts": 1}))
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["c"] == 1.0


@pytest.mark.parametrize("shift,program", [("isometric", "one"), ("one", "isometric")])
def test_negative_control_convention_mismatch_is_refuted(shift, program):
    rec = assert_rejected(EQ, verdicts={"refuted"}, quick=True,
                          params={"shift": shift, "program_shift": program, **(FAST_EQ | {"starts": 1, "width": 6})})
    assert "counterexample" in rec["measured"] and len(rec["measured"]["counterexample"]["y"]) == 8


def test_sampled_patterns_are_never_a_verdict():
    # an upper bound on the exact program: consistent or not, sampled patterns do not decide
    rec = check(patterns="sampled", samples=50, **FAST_EQ)
    assert rec["verdict"] == "inconclusive" and not rec["measured"]["patterns_exact"]
    assert "upper bound" in rec["reason"]
    starved = check(patterns="sampled", samples=1, **(FAST_EQ | {"starts": 1}))
    assert starved["verdict"] == "inconclusive", starved["reason"]


def test_identical_rows_are_inapplicable(tmp_path, capsys):
    path = tmp_path / "ident.npz"
    np.savez(path, X=np.tile([[0.1, 0.7]], (8, 1)), y=np.arange(8.0))
    code, out, err = cli(["check", EQ, "--quick", "--data", str(path)], capsys)
    assert code != 1 and "INAPPLICABLE" in out and "Traceback" not in err, out + err


def test_solver_failure_is_inconclusive_with_status(monkeypatch):
    real = cv.solve
    monkeypatch.setattr(cv, "solve", lambda A, y, D, beta, tols=cv.SOLVER_TOLS: real(A, y, D, beta, tols=()))
    rec = check(**FAST_EQ)
    assert rec["verdict"] == "inconclusive" and rec["measured"]["solver_status"] == "solver_error"


def test_penalized_first_layer_keeps_the_bound():
    rec = check(penalize_w=True, **(FAST_EQ | {"starts": 1}))
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["penalize_w"] is True and "||w||^2" in rec["params"]["penalty"]
