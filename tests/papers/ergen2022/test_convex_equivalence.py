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


def test_convex_equivalence_figure_shows_gaps_to_the_optimum_and_the_width_bound():
    rec = check(**(FAST_EQ | {"starts": 1}))
    gaps, blocks = rec["series"]["panels"]
    assert gaps["hlines"][0] == {"y": rec["tolerance"]["value_rtol"], "label": "tolerance $10^{-6}$", "kind": "bound"}
    rebuilt = next(c for c in gaps["curves"] if c["label"].startswith("rebuilt"))
    assert max(rebuilt["y"]) <= rec["tolerance"]["value_rtol"]  # the rebuilds sit on p*, as the verdict says
    bound = next(c for c in blocks["curves"] if c.get("kind") == "bound")
    assert bound["x"] == [rec["expected"]["m_star_at_most"]] * 2


# --- decide_convex_equivalence at each tolerance edge (mutation testing, benchmarks/mutation.py) -----


def _decide_cvx(p=0.5, values=(0.75, 1.0), rebuilt=None, rebuilt_full=None, polished=None, exact=True):
    from types import SimpleNamespace

    from bnproof.papers.ergen2022 import convex_equivalence as ce

    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s = ce.Setup(X, np.array([1.0, -1.0, 0.5]), 0.1, 1.0, 1.0, "exact", 10, 2, 4, False, False, {})
    sol = SimpleNamespace(value=p, solver_tol=1e-9, solve_s=0.1, status="optimal", max_violation=0.0)
    run = SimpleNamespace(solution=sol, sparse=SimpleNamespace(m=2, blocks=np.eye(2)), D=np.ones((3, 4)), bound=8,
                          exact=exact, wh=SimpleNamespace(r=2))
    m = ce.Measurement(run, list(values), min(values), p if rebuilt is None else rebuilt,
                       p if rebuilt_full is None else rebuilt_full, p if polished is None else polished, np.eye(2), None)
    return ce.decide_convex_equivalence(s, m, {})


def test_convex_equivalence_tolerance_and_width_bound():
    from bnproof.papers.ergen2022.common import VALUE_RTOL

    out = _decide_cvx()
    assert out.verdict == "verified" and out.expected["m_star_at_most"] == 4  # n + 1 with n = 3 rows
    assert "over 4 patterns (max 8)" in out.reason and out.tolerance["value_abs"] == VALUE_RTOL
    assert _decide_cvx(p=1000.0, values=(1000.0,)).tolerance["value_abs"] == pytest.approx(1000 * VALUE_RTOL)
    assert _decide_cvx(p=0.5, values=(0.5 - 0.8 * VALUE_RTOL,)).verdict == "verified"  # |p| < 1: absolute 1e-6
    assert _decide_cvx(p=0.5, values=(0.5 - 1.5 * VALUE_RTOL,)).verdict == "refuted"
    assert _decide_cvx(p=1000.0, values=(1000.0 - 500 * VALUE_RTOL,)).verdict == "verified"  # relative above 1


def test_convex_equivalence_below_means_strictly_below_the_tolerance():
    from bnproof.papers.ergen2022.common import VALUE_RTOL

    assert _decide_cvx(p=0.0, values=(-VALUE_RTOL,)).verdict == "verified"  # exactly p - tol is not below
    out = _decide_cvx(p=0.5, values=(0.5 - 2 * VALUE_RTOL,), exact=False)
    assert out.verdict == "inconclusive" and "the optimum over 4 sampled patterns (max 8): an upper bound" in out.reason


def test_convex_equivalence_either_rebuild_off_refutes_and_the_edge_does_not():
    from bnproof.papers.ergen2022.common import VALUE_RTOL

    # p = 0: the rebuilt values sit exactly one tolerance away (0 + 1e-6 - 0 is exactly 1e-6)
    assert _decide_cvx(p=0.0, rebuilt=VALUE_RTOL, rebuilt_full=-VALUE_RTOL).verdict == "verified"
    assert _decide_cvx(rebuilt=0.5 + 2 * VALUE_RTOL).verdict == "refuted"
    assert _decide_cvx(rebuilt_full=0.5 + 2 * VALUE_RTOL).verdict == "refuted"
    out = _decide_cvx(exact=False)
    assert out.verdict == "inconclusive" and "the optimum 0.5 over 4 sampled patterns (max 8)" in out.reason
