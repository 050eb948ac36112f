"""ergen2022.closed-form on quick runs: scalar and one-hot outputs, dead neurons, the negative
control c = 1, n > d (inapplicable), solver failure and --data with labels or real targets."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import load_npz, validate
from bnproof.core.errors import BadInput
from bnproof.solvers import group_lasso as cv
from bnproof.testing import assert_rejected, run_check

CF = "ergen2022.closed-form"


def check(data=None, **params):
    return run_check(CF, params=params, quick=True, data=data)


def test_closed_form_verified_scalar():
    rec = check(starts=2)
    assert rec["verdict"] == "verified", rec["reason"]
    m, e = rec["measured"], rec["expected"]
    assert m["optimal_value"] == pytest.approx(e["optimal_value"], rel=1e-6)
    assert m["closed_form_network_value"] == pytest.approx(e["optimal_value"], rel=1e-10)
    assert m["m_star"] <= 2 and m["best_nonconvex_value"] >= e["optimal_value"] - 1e-6


def test_closed_form_dead_neuron_regime():
    # β between ‖y₋‖ and ‖y₊‖ of the seed-0 instance would kill one neuron; β above both kills both
    rec = check(beta=50.0, starts=2)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["closed_form_neurons"] == 0 and rec["measured"]["m_star"] == 0
    norms = sorted(rec["measured"]["column_norms"])
    rec = check(beta=(norms[0] + norms[1]) / 2, starts=2)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["closed_form_neurons"] == 1


def test_closed_form_negative_control_shift_one_is_refuted():
    rec = assert_rejected(CF, verdicts={"refuted"}, params={"shift": "one", "starts": 1}, quick=True)
    assert rec["measured"]["optimal_value"] < rec["expected"]["optimal_value"] - 1e-3


def test_closed_form_onehot():
    rec = check(output="onehot", n=9, d=30, starts=2)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["optimal_value"] is None and rec["measured"]["closed_form_neurons"] == 3
    rec = check(output="onehot", n=9, d=30, starts=1, shift="one")
    assert rec["verdict"] == "refuted"


def test_closed_form_inapplicable_when_n_exceeds_d():
    rec = check(n=10, d=3, starts=1)
    assert rec["verdict"] == "inapplicable" and "rank" in rec["reason"]


def test_solver_failure_is_inconclusive_with_status(monkeypatch):
    real = cv.solve
    monkeypatch.setattr(cv, "solve", lambda A, y, D, beta, tols=cv.SOLVER_TOLS: real(A, y, D, beta, tols=()))
    rec = check(starts=1)
    assert rec["verdict"] == "inconclusive" and "solver_error" in rec["reason"]


def test_data_file_with_labels_and_real_targets(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 12))
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=np.array([1, -1, 1, 1, -1, -1]))
    code, out, _ = cli(["check", CF, "--data", str(path), "--param", "beta=0.3", "--param", "starts=1", "--json",
                        "--quick"], capsys)
    rec = json.loads(out)
    assert code == 0 and rec["verdict"] == "verified" and rec["params"]["n"] == 6
    assert "--data d.npz" in rec["params"]["data"]
    # real targets through the data layer (the CLI passes labels today)
    np.savez(path, X=X, y=rng.standard_normal(6))
    with pytest.raises(BadInput):
        load_npz(path)
    ds = load_npz(path, targets="real")
    assert ds.y.dtype == np.float64
    rec = check(data=ds, starts=1)
    assert rec["verdict"] == "verified", rec["reason"]
    with pytest.raises(BadInput):
        validate(X, np.full(6, np.nan), targets="real")


@pytest.mark.parametrize("param,value", [("threshold", 0.5), ("threshold", 1.001), ("threshold", 0.999),
                                         ("v_exponent", 1.0), ("v_exponent", 0.45), ("v_exponent", 0.55)])
def test_misread_constants_are_refuted(param, value):
    rec = assert_rejected(CF, verdicts={"refuted"}, params={param: value, "starts": 1}, quick=True)
    assert "closed" in rec["reason"]


def test_paper_constants_at_the_boundary_verified():
    rec = check(threshold=1.0, v_exponent=0.5, starts=1)
    assert rec["verdict"] == "verified", rec["reason"]


@pytest.mark.parametrize("param,value", [("threshold", "0"), ("threshold", "11"), ("v_exponent", "-0.1"),
                                         ("v_exponent", "2.5")])
def test_constant_params_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})
