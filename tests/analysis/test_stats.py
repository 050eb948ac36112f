"""bnproof.stats: Student-t intervals over replicates, checked against scipy's own."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from bnproof.analysis.stats import mean_ci, mean_halfwidth


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
