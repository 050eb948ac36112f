"""lyu2022.sharpness-flow: the flow and its fit; verified on quick defaults; no weight decay
inapplicable (the negative control), a mutated constant refuted; the decoupled convention; the
figure renders."""

import json
import math

import numpy as np
import pytest

import bnproof.report as report
from bnproof.cli import main
from bnproof.papers.lyu2022.sharpness_flow import fit_flow_constant, flow_solution
from bnproof.testing import run_check

FLOW = "lyu2022.sharpness-flow"


@pytest.fixture(scope="module")
def flow_quick():
    return run_check(FLOW, quick=True)


# --------------------------------------------------------------------------- flow helpers


def test_flow_fit_recovers_a_known_constant():
    tau = np.linspace(0, 4, 400)
    phi = flow_solution(0.3, 10.0)(0.37 * tau)
    c, rms, _ = fit_flow_constant(tau, phi)
    assert c == pytest.approx(0.37, abs=1e-5) and rms < 1e-6


def test_flow_moves_to_the_flattest_point():
    phi = flow_solution(0.3, 50.0)(np.array([0.0, 50.0]))
    assert phi[0] == 0.3 and abs(phi[1] - math.pi / 2) < 1e-6


# --------------------------------------------------------------------------- the claim


def test_flow_verified_quick(flow_quick):
    rec = flow_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["c"] - 0.5) < 0.05 and m["tracking_rms"] < 0.05
    assert m["sharpness_window_end"] < m["sharpness_window_start"]
    assert "noise" in rec["params"]["fp_remedy"]


def test_flow_without_weight_decay_is_never_verified(capsys):
    """The negative control: --param weight_decay=0."""
    with pytest.raises(SystemExit) as exc:
        main(["check", FLOW, "--quick", "--param", "weight_decay=0", "--json"])
    rec = json.loads(capsys.readouterr()[0])
    assert exc.value.code == 3 and rec["verdict"] == "inapplicable"
    assert rec["measured"]["drift_along_gamma"] < 1e-5 and rec["measured"]["c"] is None


def test_flow_mutated_constant_is_refuted():
    rec = run_check(FLOW, quick=True, params={"claimed_c": 1.0})
    assert rec["verdict"] == "refuted" and "differs from 1" in rec["reason"]


def test_flow_decoupled_convention():
    rec = run_check(FLOW, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["convention"] == "decoupled"


def test_flow_figure_renders(flow_quick, tmp_path):
    assert report.has_figure(flow_quick)
    assert report.plot_record(flow_quick, tmp_path / "f.png") is not None


@pytest.mark.slow
def test_flow_defaults_full():
    flow = run_check(FLOW)
    assert flow["verdict"] == "verified"
    assert 0 < flow["measured"]["equal_eta_lambda_path_gap"] < 0.05
