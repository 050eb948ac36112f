"""lyu2022.norm-dynamics: verified on quick defaults; decoupled refuted, the underflow trap
inconclusive, no weight decay inapplicable."""

import numpy as np
import pytest

from bnproof.papers.lyu2022.norm_dynamics import NormDynamics, decide_norm_dynamics
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


def test_norm_dynamics_flipped_entry_exponent_is_refuted():
    """The statement-flip control: η̃ growing like (1 − ηλ)^(−1) predicts the entry twice as late."""
    rec = run_check(NORM, quick=True, params={"entry_exponent": 1})
    assert rec["verdict"] == "refuted" and "entry at step" in rec["reason"]
    assert rec["measured"]["entry_rel_error"] > 0.4


def _nd(rec_res=1e-15, entry=10_000, eq=(0.01,), underflow=False):
    return NormDynamics(rec_res, 20, 300, 10_000.0, entry, 30_000, 1000, 500, list(eq), [0] * len(eq),
                        np.arange(3), np.ones(3), underflow)


@pytest.mark.parametrize("kw, verdict", [
    ({"rec_res": 0.99e-12}, "verified"), ({"rec_res": 1.01e-12}, "refuted"),
    ({"entry": 10_499}, "verified"), ({"entry": 9_501}, "verified"),
    ({"entry": 10_501}, "refuted"), ({"entry": 9_499}, "refuted"),
    ({"eq": (0.099, -0.099)}, "verified"), ({"eq": (0.01, 0.101)}, "refuted"), ({"eq": (-0.101,)}, "refuted"),
    ({"eq": ()}, "inconclusive"), ({"entry": None}, "refuted"),
    ({"eq": (0.2,), "underflow": True}, "inconclusive"),
])
def test_decide_norm_dynamics_at_its_thresholds(kw, verdict):
    """Recursion ≤ 1e-12, entry within 5 % of the prediction, every equilibrium window within 10 %."""
    assert decide_norm_dynamics(_nd(**kw), "coupled", 1.9)[0] == verdict


def test_figure_shows_predicted_growth_entry_window_and_equilibrium_band():
    from bnproof.papers.lyu2022.norm_dynamics import ENTRY_TOL, EQ_TOL, _figure

    sharp, eq = _figure(_nd(eq=(0.02, -0.03)), 1.9, 0.1, 2.0)["panels"]
    growth = next(c for c in sharp["curves"] if c.get("kind") == "theory")
    assert growth["x"][-1] == 10_000.0 and abs(growth["y"][0] - 0.1) < 1e-12 and abs(growth["y"][-1] - 1.9) < 1e-12
    assert sharp["spans"] == [{"lo": (1 - ENTRY_TOL) * 10_000.0, "hi": (1 + ENTRY_TOL) * 10_000.0,
                               "label": "predicted entry ± 5%"}]
    assert {h.get("kind", "reference") for h in sharp["hlines"]} == {"reference", "bound"}
    assert eq["bands"][0]["lo"] == [-EQ_TOL] * 2 and eq["bands"][0]["kind"] == "bound"
    assert eq["curves"][0]["y"] == [0.02, -0.03] and eq["hlines"][0] == {**eq["hlines"][0], "y": 0.0, "kind": "theory"}


# --- exact edges and the convention's note (mutation testing, benchmarks/mutation.py) ----------------


def test_decide_norm_dynamics_edges_are_inclusive():
    from bnproof.papers.lyu2022.norm_dynamics import ENTRY_TOL, EQ_TOL, REC_TOL

    m = _nd(rec_res=REC_TOL, entry=10_500, eq=(EQ_TOL, -EQ_TOL))
    assert m.entry_err == ENTRY_TOL  # 500 / 10 000 is the double nearest 0.05, as is ENTRY_TOL
    assert decide_norm_dynamics(m, "coupled", 1.9)[0] == "verified"


def test_decide_norm_dynamics_names_the_decoupled_convention():
    _, why = decide_norm_dynamics(_nd(rec_res=1e-6), "decoupled", 1.9)
    assert why.endswith("(decoupled WD: the shrink factor is 1 − λ, not 1 − ηλ)")
    _, why = decide_norm_dynamics(_nd(rec_res=1e-6), "coupled", 1.9)
    assert why == "the norm recursion fails: max relative residual 1e-06 > 1e-12"
