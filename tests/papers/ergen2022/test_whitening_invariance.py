"""ergen2022.whitening-invariance: verified with the no-BN contrast moving, the lower bound on
transformed data, the negative controls (X∘X, BN without scaling/centring), degenerate data,
the tolerance boundary and bad input."""

import numpy as np
import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.papers.ergen2022.whitening_invariance import (
    TRANSFORMS,
    Measurement,
    Setup,
    decide_whitening_invariance,
    network_value,
    transform,
    value_tolerance,
)
from bnproof.solvers import group_lasso as cv
from bnproof.testing import assert_rejected, run_check

WI = "ergen2022.whitening-invariance"


def check(**params):
    return run_check(WI, params=params, quick=True)


def test_whitening_invariance_verified_and_contrast_moves():
    rec = check(n=9, starts=0)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert set(m["transforms"]) == {"linear", "shift", "center"}
    assert m["max_abs_delta"] < 1e-6 and m["max_abs_nobn_delta"] > 1e-3


def test_whitening_invariance_shift_one_and_lower_bound():
    rec = check(n=8, shift="one", transforms="linear", starts=1)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["transforms"]["linear"]["best_nonconvex_value"] >= rec["measured"]["optimal_value"] - 1e-6


def test_whitening_invariance_negative_control_square_is_refuted():
    rec = assert_rejected(WI, verdicts={"refuted"}, params={"n": 9, "transforms": "square", "starts": 0}, quick=True)
    assert "square" in rec["reason"]


@pytest.mark.parametrize("network,transforms", [("bn-no-scale", "linear"), ("bn-no-centre", "shift"),
                                                ("plain", "center")])
def test_whitening_network_without_bn_parts_is_refuted(network, transforms):
    rec = assert_rejected(WI, verdicts={"refuted"}, params={"n": 8, "network": network, "transforms": transforms,
                                                           "starts": 0}, quick=True)
    assert transforms in rec["reason"] and network in rec["reason"]


def test_whitening_bn_no_centre_is_invariant_under_xa_only():
    # BN without centring still normalises: col(X) is what it sees, and X -> XA keeps it
    rec = check(n=8, network="bn-no-centre", transforms="linear", starts=0)
    assert rec["verdict"] == "verified", rec["reason"]


def test_network_program_matches_the_whitened_program_but_not_by_construction():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((8, 2)), rng.standard_normal(8)
    ref, _ = cv.solve_exact(cv.whiten(X, 0.5).Ut, y, 0.1)
    bn, _ = network_value(X, y, 0.1, 0.5, "bn")
    noscale, _ = network_value(X, y, 0.1, 0.5, "bn-no-scale")
    assert abs(bn.value - ref.value) < 1e-7
    assert abs(noscale.value - ref.value) > 1e-3


def _decide(delta: float, nonconvex: float | None = None, general: bool = True):
    base = type("Sol", (), {"value": 1.0, "D": np.zeros((3, 2)), "solver_tol": 1e-9})()
    row = {"optimal_value": 1.0 + delta, "delta": delta, "nobn_delta": 0.1, "general_position": True}
    s = Setup(np.zeros((3, 2)), np.zeros(3), 0.1, 0.5, "bn", ("linear",), 100.0, 0, {})
    m = Measurement(base, 1.0, base, general, {"linear": row}, [], {} if nonconvex is None else {"linear": nonconvex})
    return decide_whitening_invariance(s, m).verdict


def test_whitening_decision_boundary():
    tol = value_tolerance(1.0)
    assert tol == 1e-6
    assert _decide(0.9 * tol) == "verified"
    assert _decide(-0.9 * tol) == "verified"
    assert _decide(1.1 * tol) == "refuted"
    assert _decide(-1.1 * tol) == "refuted"
    assert _decide(0.0, nonconvex=1.0 - 0.9 * tol) == "verified"
    assert _decide(0.0, nonconvex=1.0 - 1.1 * tol) == "refuted"
    assert _decide(1.1 * tol, general=False) == "inconclusive"  # pattern lists completed by sampling


def test_whitening_degenerate_data(tmp_path, capsys):
    ident = tmp_path / "ident.npz"
    np.savez(ident, X=np.tile([[0.1, 0.7]], (8, 1)), y=np.arange(8.0))
    code, out, err = cli(["check", WI, "--quick", "--data", str(ident)], capsys)
    assert code != 1 and "Traceback" not in err and "INAPPLICABLE" in out, out + err
    rank1 = tmp_path / "rank1.npz"
    x = np.random.default_rng(1).standard_normal((8, 1))
    np.savez(rank1, X=np.hstack([x, 2 * x]), y=np.random.default_rng(2).standard_normal(8))
    code, out, err = cli(["check", WI, "--quick", "--data", str(rank1)], capsys)
    assert code == 0 and "VERIFIED" in out and "Traceback" not in err, out + err
    dup = tmp_path / "dup.npz"  # repeated rows: not in general position, handled
    x = np.random.default_rng(3).standard_normal((6, 2))
    np.savez(dup, X=np.vstack([x, x[:3]]), y=np.random.default_rng(4).standard_normal(9))
    code, out, err = cli(["check", WI, "--quick", "--data", str(dup)], capsys)
    assert code in (0, 3) or "INCONCLUSIVE" in out, out + err
    assert "Traceback" not in err and "check failed" not in out, out + err


@pytest.mark.parametrize("param,value", [("beta", "0"), ("condition", "0.5"), ("condition", "1e7"), ("n", "1"),
                                         ("starts", "-1"), ("network", "nobn")])
def test_whitening_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})


def test_transforms_keep_the_centred_column_space():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 2))
    Xc = X - X.mean(axis=0)
    for name in TRANSFORMS:
        Tc = transform(X, name, rng, 100.0)
        Tc = Tc - Tc.mean(axis=0)
        assert np.allclose(Tc @ np.linalg.lstsq(Tc, Xc, rcond=None)[0], Xc)  # col(P_c T) = col(P_c X)
    with pytest.raises(ValueError):
        transform(X, "rotate", rng, 100.0)


def test_whitening_invariance_figure_has_the_tolerance_and_the_contrast():
    rec = check(n=9, starts=0)
    moved = rec["series"]["panels"][0]
    assert moved["hlines"][0]["kind"] == "bound" and moved["hlines"][0]["y"] == rec["tolerance"]["value_abs"]
    assert len(moved["curves"]) == 2 and moved["x"] == [1, 2, 3]
    assert max(moved["curves"][0]["y"]) <= rec["tolerance"]["value_abs"] < min(moved["curves"][1]["y"])


# --- decide_whitening_invariance: exact edges and reasons (mutation testing) --------------------------


def _decide_full(opt=0.0, nonconvex=None, whitened=None, failed=(), general=True, network="bn"):
    base = type("Sol", (), {"value": 0.0, "D": np.zeros((3, 2)), "solver_tol": 1e-9})()
    row = {"optimal_value": opt, "delta": opt, "nobn_delta": 0.1, "general_position": True}
    s = Setup(np.zeros((3, 2)), np.zeros(3), 0.1, 0.5, network, ("linear",), 100.0, 0, {})
    m = Measurement(base, whitened, base, general, {"linear": row}, list(failed),
                    {} if nonconvex is None else {"linear": nonconvex})
    return decide_whitening_invariance(s, m)


def test_whitening_edges_are_exactly_one_tolerance():
    tol = value_tolerance(0.0)  # optimum 0: the values below sit exactly one tolerance away
    out = _decide_full(opt=tol, nonconvex=-tol, whitened=tol)
    assert out.verdict == "verified" and out.reason.startswith("the BN optimum 0 unchanged")
    assert out.measured["patterns"] == 2 and out.expected == {"optimal_value": 0.0, "max_abs_delta": 0.0}
    verdict = _decide_full(whitened=2 * tol)
    assert verdict.verdict == "inconclusive" and verdict.reason.startswith("the BN program on its features (0) and on")


def test_whitening_reasons_name_the_failure_the_network_and_lbfgs():
    tol = value_tolerance(0.0)
    assert _decide_full(failed=("linear",)).reason == "the convex solver failed on: linear"
    out = _decide_full(opt=2 * tol, network="bn-no-centre")
    assert out.verdict == "refuted" and out.reason.startswith("the bn-no-centre network's optimum 0 changed under")
    out = _decide_full(nonconvex=-2 * tol, general=False)
    assert out.verdict == "inconclusive" and out.reason.startswith("the BN optimum 0 moved under L-BFGS, but")
