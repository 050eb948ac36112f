"""lyu2022.exp-lr-equivalence: verified on each toy; the decoupled convention and the shifted
schedule (negative controls) refuted."""

import math

import numpy as np
import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.lyu2022.exp_lr_equivalence import angle
from bnproof.testing import run_check

EXP = "lyu2022.exp-lr-equivalence"


def test_angle_is_accurate_for_tiny_and_right_angles():
    u = np.array([1.0, 0.0, 0.0])
    assert angle(u, np.array([1.0, 1e-13, 0.0])) == pytest.approx(1e-13, rel=1e-9)
    assert math.isclose(angle(u, np.array([0.0, 2.0, 0.0])), math.pi / 2)


def test_exp_lr_verified_on_each_model():
    for model in ("t1", "t2", "t3"):
        rec = run_check(EXP, quick=True, params={"model": model})
        assert rec["verdict"] == "verified", rec["reason"]
        assert rec["measured"]["max_direction_angle"] < 1e-12 and rec["params"]["convention"] == "coupled"


def test_exp_lr_decoupled_convention_is_refuted():
    """The other convention: the schedule η(1−ηλ)^(−2t−1) does not describe w ← (1−λ)w − η∇L."""
    rec = run_check(EXP, quick=True, params={"convention": "decoupled"})
    assert rec["verdict"] == "refuted" and "decoupled" in rec["reason"]
    assert rec["params"]["convention"] == "decoupled"


def test_exp_lr_shifted_schedule_is_refuted():
    rec = run_check(EXP, quick=True, params={"schedule": "shifted"})
    assert rec["verdict"] == "refuted" and rec["measured"]["max_direction_angle"] > 1e-9


@pytest.mark.parametrize("value", ["1e-8", "0", "-1e-12"])
def test_exp_lr_tolerance_is_bounded(value):
    """tol ≤ 1e-9 keeps the shifted schedule (≈ 3e-5 rad off) refutable."""
    with pytest.raises(BadInput):
        run_check(EXP, quick=True, params={"tol": value})


def test_exp_lr_loosened_tolerance_is_flagged_and_still_refutes_the_shift():
    rec = run_check(EXP, quick=True, params={"schedule": "shifted", "tol": 1e-9})
    assert rec["verdict"] == "refuted" and rec["tolerance_overrides"]["tol"]["used"] == 1e-9


# --- decide_exp_lr at its tolerance (mutation testing, benchmarks/mutation.py) ----------------------


def _cmp(angle_max, ratio_max):
    from bnproof.papers.lyu2022.exp_lr_equivalence import ExpLRComparison

    return ExpLRComparison([1, 2, 3], [0.0, angle_max, 0.0], [0.0, 0.0, ratio_max], 4, 1.5, [0.0, 0.0, 0.0])


@pytest.mark.parametrize(("convention", "shift", "why"), [
    ("decoupled", 1, " (the run used the decoupled convention"), ("coupled", 0, " (mutated schedule)"),
    ("coupled", 1, "")])
def test_decide_exp_lr_both_errors_within_the_tolerance(convention, shift, why):
    from bnproof.papers.lyu2022.common import GDSettings
    from bnproof.papers.lyu2022.exp_lr_equivalence import decide_exp_lr

    s = GDSettings(0.1, 0.01, convention)
    verdict, reason = decide_exp_lr(_cmp(0.25, 0.25), s, "t1", shift, 0.25)  # both exactly at the tolerance
    assert verdict == "verified" and reason.startswith("over 3 steps on t1 the directions of GD+WD (η = 0.1")
    for angle_max, ratio_max in ((0.5, 0.25), (0.25, 0.5)):
        verdict, reason = decide_exp_lr(_cmp(angle_max, ratio_max), s, "t1", shift, 0.25)
        assert verdict == "refuted" and reason.startswith(f"directions differ by {angle_max:.3g} rad at step 2")
        tail = f"norm-ratio error {ratio_max:.3g}{why}"
        assert tail in reason and (why or reason.endswith(tail))


def test_figure_puts_angle_and_norm_error_on_separate_axes_with_the_tolerance():
    from bnproof.papers.lyu2022.exp_lr_equivalence import _figure

    angle, norm = _figure(_cmp(1e-15, 2e-15), 1e-12)["panels"]
    for panel, y in ((angle, [None, 1e-15, None]), (norm, [None, None, 2e-15])):
        assert panel["curves"][0]["y"] == y  # exact zeros are not drawn on the log axis
        assert panel["hlines"] == [{"y": 1e-12, "label": "tolerance $10^{-12}$", "kind": "bound"}]
    assert angle["ylabel"] != norm["ylabel"]


# --- the float64 audit: a gap that rounding, as the dynamics amplify it, can explain does not refute ----


def _comparison(gap: float, drift: float):
    from bnproof.papers.lyu2022.exp_lr_equivalence import ExpLRComparison

    return ExpLRComparison(t=[0, 1, 2], angles=[0.0, 1e-16, gap], ratio_err=[0.0, 0.0, 0.0], dim=3, final_lr=0.1,
                           sensitivity=[0.0, 1e-16, drift])


@pytest.mark.parametrize("factor, verdict", [(1.0, "inconclusive"), (1.001, "refuted")])
def test_a_gap_refutes_only_beyond_the_amplified_rounding(factor, verdict):
    from bnproof.papers.lyu2022.common import GDSettings
    from bnproof.papers.lyu2022.exp_lr_equivalence import AMPLIFICATION_MARGIN, decide_exp_lr

    drift = 1e-9
    m = _comparison(AMPLIFICATION_MARGIN * drift * factor, drift)
    s = GDSettings(lr=0.1, weight_decay=1e-3, convention="coupled")
    assert decide_exp_lr(m, s, "t2", 1, 1e-12)[0] == verdict


def test_a_chaotic_seed_is_inconclusive_not_refuted():
    # t2, seed 2: a 1e-15 kick of w0 moves GD+WD by ~1e-2 rad by step 123 (a group norm passes near 0)
    rec = run_check("lyu2022.exp-lr-equivalence", quick=True, seed=2, params={"model": "t2"})
    assert rec["verdict"] == "inconclusive" and "amplify rounding" in rec["reason"], rec["reason"]
    assert rec["measured"]["max_float64_drift_of_kicked_run"] > 1e-3


def test_rounding_inconclusive_reason_names_the_first_violating_step():
    from bnproof.papers.lyu2022.common import GDSettings
    from bnproof.papers.lyu2022.exp_lr_equivalence import ExpLRComparison, decide_exp_lr

    m = ExpLRComparison([1, 2, 3], [0.0, 0.5, 0.5], [0.0, 0.0, 0.0], 4, 1.5, [0.0, 1.0, 1.0])  # drift explains both
    verdict, why = decide_exp_lr(m, GDSettings(0.1, 0.01, "coupled"), "t1", 1, 0.25)
    assert verdict == "inconclusive" and "from step 2 on" in why


def test_drift_that_shrinks_again_still_explains_a_later_gap():
    # the kicked pair may come back together after a chaotic stretch; the separated pair need not
    from bnproof.papers.lyu2022.exp_lr_equivalence import AMPLIFICATION_MARGIN, ExpLRComparison

    m = ExpLRComparison(t=[0, 1, 2], angles=[0.0, 1e-3, 1e-2], ratio_err=[0.0, 0.0, 0.0], dim=3, final_lr=0.1,
                        sensitivity=[0.0, 1e-4, 1e-9])
    assert m.beyond_rounding(1e-12) == []
    m = ExpLRComparison(t=[0, 1, 2], angles=[0.0, 1e-3, 1e-2], ratio_err=[0.0, 0.0, 0.0], dim=3, final_lr=0.1,
                        sensitivity=[0.0, 1e-16, 1e-2 / AMPLIFICATION_MARGIN / 1.001])
    assert m.beyond_rounding(1e-12) == [1, 2]
