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
