"""Lyu, Li, Arora 2022: the Edge of Stability and the sharpness-reduction flow on the sphere toy.

Quick defaults verified; negative controls (λ = 0 inapplicable, mutated level / constant refuted);
the floating-point trap reported, never verified; the decoupled convention; figures render.
"""

import json
import math

import numpy as np
import pytest

import bnproof.report as report
from bnproof.claims import get_claim, run_claim
from bnproof.cli import main
from bnproof.core.params import RunConfig
from bnproof.papers.lyu2022_eos import fit_flow_constant, flow_solution

EOS, FLOW = "lyu2022.edge-of-stability", "lyu2022.sharpness-flow"


def check(cid, **kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(cid), RunConfig(params=params, **kw))


@pytest.fixture(scope="module")
def eos_quick():
    return check(EOS, quick=True)


@pytest.fixture(scope="module")
def flow_quick():
    return check(FLOW, quick=True)


# --------------------------------------------------------------------------- flow helpers


def test_flow_fit_recovers_a_known_constant():
    tau = np.linspace(0, 4, 400)
    phi = flow_solution(0.3, 10.0)(0.37 * tau)
    c, rms, _ = fit_flow_constant(tau, phi)
    assert c == pytest.approx(0.37, abs=1e-5) and rms < 1e-6


def test_flow_moves_to_the_flattest_point():
    phi = flow_solution(0.3, 50.0)(np.array([0.0, 50.0]))
    assert phi[0] == 0.3 and abs(phi[1] - math.pi / 2) < 1e-6


# --------------------------------------------------------------------------- EoS


def test_eos_verified_quick(eos_quick):
    rec = eos_quick
    assert rec["verdict"] == "verified", rec["reason"]
    level = rec["measured"]["eos_level"]
    assert abs(level - 2) < 0.1 and rec["measured"]["entry_step"] > 0
    assert "noise" in rec["params"]["fp_remedy"]
    json.dumps(rec, allow_nan=False)


def test_eos_without_weight_decay_is_inapplicable():
    rec = check(EOS, quick=True, params={"weight_decay": 0})
    assert rec["verdict"] == "inapplicable" and "weight_decay = 0" in rec["reason"]
    assert rec["measured"]["eos_level"] is None


def test_eos_mutated_level_is_refuted():
    rec = check(EOS, quick=True, params={"claimed_level": 1.0})
    assert rec["verdict"] == "refuted" and rec["measured"]["eos_level"] > 1.5


def test_eos_without_noise_reports_the_underflow_trap():
    rec = check(EOS, quick=True, params={"noise": 0})
    assert rec["verdict"] == "inconclusive" and "underflow" in rec["reason"]
    assert "no noise" in rec["params"]["fp_remedy"]


def test_eos_decoupled_convention():
    """Decoupled WD w ← (1−λ)w − η∇L with λ = 1e-4 per step is the same intrinsic LR as the default."""
    rec = check(EOS, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["intrinsic_lr"] == pytest.approx(1e-4)


# --------------------------------------------------------------------------- flow


def test_flow_verified_quick(flow_quick):
    rec = flow_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["c"] - 0.5) < 0.05 and m["tracking_rms"] < 0.05
    assert m["sharpness_window_end"] < m["sharpness_window_start"]
    assert "noise" in rec["params"]["fp_remedy"]


def test_flow_without_weight_decay_is_never_verified(capsys):
    """Negative control from the issue: --param weight_decay=0."""
    with pytest.raises(SystemExit) as exc:
        main(["check", FLOW, "--quick", "--param", "weight_decay=0", "--json"])
    rec = json.loads(capsys.readouterr()[0])
    assert exc.value.code == 3 and rec["verdict"] == "inapplicable"
    assert rec["measured"]["drift_along_gamma"] < 1e-5 and rec["measured"]["c"] is None


def test_flow_mutated_constant_is_refuted():
    rec = check(FLOW, quick=True, params={"claimed_c": 1.0})
    assert rec["verdict"] == "refuted" and "differs from 1" in rec["reason"]


def test_flow_decoupled_convention():
    rec = check(FLOW, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["convention"] == "decoupled"


def test_figures_render(eos_quick, flow_quick, tmp_path):
    for rec in (eos_quick, flow_quick):
        assert report.has_figure(rec)
        assert report.plot_record(rec, tmp_path / "f.png") is not None


@pytest.mark.slow
def test_defaults_full():
    eos = check(EOS)
    assert eos["verdict"] == "verified" and eos["measured"]["gap_shrinks_as_eta_lambda_falls"]
    flow = check(FLOW)
    assert flow["verdict"] == "verified"
    assert 0 < flow["measured"]["equal_eta_lambda_path_gap"] < 0.05


def test_eos_on_bn_regression_quick():
    """T2 (BN on the output of an over-parameterised regression) also hovers at η·λ₁ ≈ 2."""
    rec = check(EOS, quick=True, params={"model": "t2"})
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["eos_level"] - 2) < 0.05 and rec["params"]["model"].startswith("t2")


@pytest.mark.slow
def test_eos_on_bn_mlp_quick():
    rec = check(EOS, quick=True, params={"model": "t3"})
    assert rec["verdict"] == "verified", rec["reason"]
