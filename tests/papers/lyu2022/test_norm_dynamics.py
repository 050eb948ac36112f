"""lyu2022.norm-dynamics: verified on quick defaults; decoupled refuted, the underflow trap
inconclusive, no weight decay inapplicable."""

from bnproof.testing import assert_rejected, run_check

NORM = "lyu2022.norm-dynamics"


def test_norm_dynamics_verified_quick():
    rec = run_check(NORM, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["recursion_max_rel_residual"] < 1e-12 and m["entry_rel_error"] < 0.05
    assert m["equilibrium_max_rel_error"] < 0.1 and not m["normal_component_underflowed"]
    assert "noise" in rec["params"]["fp_remedy"]


def test_norm_dynamics_decoupled_is_refuted():
    rec = assert_rejected(NORM, verdicts={"refuted"}, quick=True, params={"convention": "decoupled"})
    assert "norm recursion fails" in rec["reason"]


def test_norm_dynamics_without_noise_reports_the_trap():
    rec = run_check(NORM, quick=True, params={"noise": 0})
    assert rec["verdict"] == "inconclusive" and "underflow" in rec["reason"]
    assert rec["params"]["fp_remedy"].startswith("none")


def test_norm_dynamics_without_weight_decay_is_inapplicable():
    assert run_check(NORM, quick=True, params={"weight_decay": 0})["verdict"] == "inapplicable"
