"""bnproof/papers/cao2023/direction_figure.py: the 1/log t reference, the last-decade fit, the log² ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bnproof.analysis import rates
from bnproof.papers.cao2023.direction_figure import (
    as_log10,
    inverse_log_reference,
    last_decade_fit,
    log2_ratio_curve,
    values,
)
from bnproof.papers.cao2023.profiles import inverse_log_profile


def test_reference_passes_through_the_horizon_and_falls_like_1_over_ln_t():
    ref = inverse_log_reference([1, 10, 100, 1000], 1000, 0.2, colour="C0")
    assert list(ref.x) == [10.0, 100.0, 1000.0] and ref.y[-1] == pytest.approx(0.2)  # t = 1 left out
    assert ref.y[0] * math.log(10) == pytest.approx(ref.y[-1] * math.log(1000))
    assert ref.kind == "theory" and ref.style == "C0"
    assert as_log10(ref).y[-1] == pytest.approx(math.log10(0.2))


def test_last_decade_fit_has_the_verdicts_exponent():
    t = np.geomspace(10, 1e5, 40)
    lg = np.log(2.0 / np.log(t) ** 0.9)  # angle = 2 (ln t)^-0.9
    fit = last_decade_fit(t, lg, 0.75)
    assert fit.kind == "fit" and f"p = {inverse_log_profile(t, lg)['p_last']:.3f}" in fit.label
    assert fit.y[-1] == pytest.approx(2.0 / math.log(1e5) ** 0.9)
    assert last_decade_fit(t[:2], lg[:2], 0.75) is None  # too few checkpoints: no fit


def test_log2_ratio_is_the_profile_the_verdict_judges():
    t = np.geomspace(10, 1e4, 20)
    lg = -0.3 * np.log(t) ** 2.5
    curve = log2_ratio_curve(t, lg, "BN")
    prof = rates.ratio_profile(t, lg, 2.0)
    assert (curve.y[0], curve.y[-1]) == pytest.approx((prof["first"], prof["last"]))


def test_values_drop_missing_and_sub_float_points():
    assert values([0.0, None, float("nan"), -400.0, -1.0]) == [1.0, None, None, None, 0.1]
