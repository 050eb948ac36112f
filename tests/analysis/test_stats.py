"""bnproof.stats: Student-t intervals over replicates, checked against scipy's own."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from bnproof.analysis.stats import mean_ci, mean_halfwidth, normal_interval, t_interval, wilson_interval


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30), st.sampled_from([0.9, 0.95, 0.99]))
def test_matches_scipy_ttest_interval(values, level):
    x = np.array(values)
    m, lo, hi = mean_ci(x, level)
    assert lo <= m <= hi
    if np.ptp(x) > 1e-6 * max(1.0, np.abs(x).max()):
        ci = sps.ttest_1samp(x, 0.0).confidence_interval(confidence_level=level)
        assert lo == pytest.approx(ci.low, rel=1e-9, abs=1e-9) and hi == pytest.approx(ci.high, rel=1e-9, abs=1e-9)


def test_one_replicate_has_no_interval_and_identical_ones_a_point():
    assert mean_ci([2.0]) == (2.0, -math.inf, math.inf)
    assert mean_ci([3.0, 3.0, 3.0]) == (3.0, 3.0, 3.0)


def test_halfwidth_along_an_axis():
    x = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    mean, half = mean_halfwidth(x, axis=1)
    assert mean.tolist() == [2.0, 5.0] and half[1] == 0.0
    assert half[0] == pytest.approx(sps.t.ppf(0.975, 2) * 1.0 / math.sqrt(3))
    assert mean_halfwidth(np.ones((1, 4)), axis=0)[1].tolist() == [0.0] * 4


# The default levels and the helpers built on mean_ci (mutation boundaries: each default and each
# formula is checked against scipy on a fixed sample).
SAMPLE = np.array([1.0, 2.0, 4.0, 7.0])


def _scipy_t(level):
    return sps.ttest_1samp(SAMPLE, 0.0).confidence_interval(confidence_level=level)


def test_mean_ci_default_level_is_95_percent():
    m, lo, hi = mean_ci(SAMPLE)
    ci = _scipy_t(0.95)
    assert m == pytest.approx(3.5) and (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_mean_halfwidth_default_axis_is_the_last():
    x = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    mean, half = mean_halfwidth(x)
    assert mean.tolist() == [2.0, 5.0] and half[1] == 0.0
    assert half[0] == pytest.approx(sps.t.ppf(0.975, 2) / math.sqrt(3))


@pytest.mark.parametrize("level", [None, 0.9, 0.99])
def test_t_interval_is_mean_ci_without_the_mean(level):
    got = t_interval(SAMPLE) if level is None else t_interval(SAMPLE, level)
    ci = _scipy_t(level or 0.95)
    assert got == pytest.approx((ci.low, ci.high), rel=1e-12)


@pytest.mark.parametrize("level", [None, 0.9, 0.99])
def test_wilson_interval_matches_scipy(level):
    got = wilson_interval(7, 20) if level is None else wilson_interval(7, 20, level)
    ci = sps.binomtest(7, 20).proportion_ci(confidence_level=level or 0.95, method="wilson")
    assert type(got[0]) is float and got == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert got[0] < 7 / 20 < got[1]


def test_normal_interval_is_estimate_plus_minus_z_stderr():
    assert normal_interval(10.0, 2.0) == pytest.approx((10.0 - 1.96 * 2.0, 10.0 + 1.96 * 2.0), rel=1e-15)
    assert normal_interval(10.0, 2.0, z=3.0) == pytest.approx((4.0, 16.0), rel=1e-15)
    assert normal_interval(-1.0, 0.5, z=1.0) == pytest.approx((-1.5, -0.5), rel=1e-15)
