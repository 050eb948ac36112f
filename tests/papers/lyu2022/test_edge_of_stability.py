"""lyu2022.edge-of-stability: verified on quick defaults (T1, T2; T3 slow); no weight decay
inapplicable, a mutated level refuted, the underflow trap inconclusive; the decoupled convention;
the figure renders."""

import json

import pytest

import bnproof.report as report
from bnproof.testing import run_check

EOS = "lyu2022.edge-of-stability"


@pytest.fixture(scope="module")
def eos_quick():
    return run_check(EOS, quick=True)


def test_eos_verified_quick(eos_quick):
    rec = eos_quick
    assert rec["verdict"] == "verified", rec["reason"]
    level = rec["measured"]["eos_level"]
    assert abs(level - 2) < 0.1 and rec["measured"]["entry_step"] > 0
    assert "noise" in rec["params"]["fp_remedy"]
    json.dumps(rec, allow_nan=False)


def test_eos_without_weight_decay_is_inapplicable():
    rec = run_check(EOS, quick=True, params={"weight_decay": 0})
    assert rec["verdict"] == "inapplicable" and "weight_decay = 0" in rec["reason"]
    assert rec["measured"]["eos_level"] is None


def test_eos_mutated_level_is_refuted():
    rec = run_check(EOS, quick=True, params={"claimed_level": 1.0})
    assert rec["verdict"] == "refuted" and rec["measured"]["eos_level"] > 1.5


def test_eos_without_noise_reports_the_underflow_trap():
    rec = run_check(EOS, quick=True, params={"noise": 0})
    assert rec["verdict"] == "inconclusive" and "underflow" in rec["reason"]
    assert "no noise" in rec["params"]["fp_remedy"]


def test_eos_decoupled_convention():
    """Decoupled WD w ← (1−λ)w − η∇L with λ = 1e-4 per step is the same intrinsic LR as the default."""
    rec = run_check(EOS, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["intrinsic_lr"] == pytest.approx(1e-4)


def test_eos_figure_renders(eos_quick, tmp_path):
    assert report.has_figure(eos_quick)
    assert report.plot_record(eos_quick, tmp_path / "f.png") is not None


def test_eos_on_bn_regression_quick():
    """T2 (BN on the output of an over-parameterised regression) also hovers at η·λ₁ ≈ 2."""
    rec = run_check(EOS, quick=True, params={"model": "t2"})
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["eos_level"] - 2) < 0.05 and rec["params"]["model"].startswith("t2")


@pytest.mark.slow
def test_eos_on_bn_mlp_quick():
    rec = run_check(EOS, quick=True, params={"model": "t3"})
    assert rec["verdict"] == "verified", rec["reason"]


@pytest.mark.slow
def test_eos_defaults_full():
    eos = run_check(EOS)
    assert eos["verdict"] == "verified" and eos["measured"]["gap_shrinks_as_eta_lambda_falls"]
