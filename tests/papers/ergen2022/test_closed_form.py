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


def test_instance_far_beyond_memory_is_one_line_of_bad_input(capsys):
    code, out, err = cli(["check", "ergen2022.closed-form", "--param", "n=1000000", "--param", "d=1000000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("bnproof: error: --param n=1000000, d=1000000 needs about 8 TB of memory")


def test_closed_form_figure_shows_the_formula_and_the_gaps_the_verdict_reads():
    rec = run_check(CF, params={"starts": 1}, quick=True)
    runs, gaps = rec["series"]["panels"]
    assert runs["hlines"][0]["kind"] == "theory" and runs["hlines"][0]["y"] == rec["expected"]["optimal_value"]
    assert gaps["hlines"][0]["kind"] == "bound" and gaps["hlines"][0]["y"] == rec["tolerance"]["value_rtol"]
    labels = [c["label"] for c in gaps["curves"]]
    assert "closed-form network" in labels and "convex program (all patterns)" in labels


# --- decide_closed_form: the tolerance, the gap and the expected neurons (mutation testing) ----------


def _decide_closed(value, network, best, classes=1):
    from bnproof.models.ergen_net import TrainResult
    from bnproof.papers.ergen2022 import closed_form as cf

    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    Y = np.array([1.0, -1.0, 0.5]) if classes == 1 else np.eye(3)[:, :classes]
    s = cf.Setup(X, Y, 0.1, 1.0, 2, 4, 1.0, 0.5, {"shift": "isometric", "output": "scalar"})
    trained = TrainResult([best, best + 1.0], None, best, [10, 10], [True, True])
    m = cf.Measurement(value, network, 2, None, None, None, "not run", trained)
    return cf.decide_closed_form(s, m, {})


def test_closed_form_tolerance_is_relative_above_one_and_absolute_below():
    from bnproof.papers.ergen2022.common import VALUE_RTOL

    out = _decide_closed(1000.0, 1000.0 + 500 * VALUE_RTOL, 1000.0)  # within 1e-6·1000
    assert out.verdict == "verified" and out.tolerance["value_abs"] == pytest.approx(1000 * VALUE_RTOL)
    assert _decide_closed(1000.0, 1000.0 + 1500 * VALUE_RTOL, 1000.0).verdict == "refuted"
    assert _decide_closed(0.5, 0.5 + 0.8 * VALUE_RTOL, 0.5).verdict == "verified"  # |value| < 1: tol = 1e-6
    assert _decide_closed(0.5, 0.5 + 1.5 * VALUE_RTOL, 0.5).verdict == "refuted"
    assert _decide_closed(0.5, 0.5 + 0.8 * VALUE_RTOL, 0.5).tolerance["value_abs"] == VALUE_RTOL


def test_closed_form_records_the_relative_gap_and_the_neuron_bound():
    out = _decide_closed(1000.0, 1000.0, 1010.0)
    assert out.measured["best_gap_rel"] == pytest.approx(0.01)
    assert _decide_closed(0.5, 0.5, 0.75).measured["best_gap_rel"] == pytest.approx(0.25)  # divided by max(1, |p|)
    assert out.expected["neurons_at_most"] == 2
    assert _decide_closed(1000.0, 1000.0, 1010.0, classes=3).expected["neurons_at_most"] == 3
