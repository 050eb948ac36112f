"""bnproof.analysis.slopes: least-squares slopes, exact on exact data, row by row for 2-D y."""

from __future__ import annotations

import numpy as np
import pytest

from bnproof.analysis.slopes import log_slope, loglog_slope, slope, time_scale, time_scale_with_lag

X = np.arange(1.0, 9.0)


def test_slope_of_a_line():
    s = slope(X, 3.0 * X - 7.0)
    assert type(s) is float and s == pytest.approx(3.0, rel=1e-14)
    assert slope([0, 1, 2], [5, 5, 5]) == 0.0


def test_slope_is_least_squares_on_noisy_data():
    rng = np.random.default_rng(1)
    y = 0.5 * X + rng.standard_normal(X.size)
    assert slope(X, y) == pytest.approx(np.polyfit(X, y, 1)[0], rel=1e-12)


def test_slope_fits_each_row_of_a_2d_y():
    rates = np.array([1.0, -2.0, 0.5])
    y = rates[:, None] * X[None, :] + np.array([[0.0], [10.0], [-3.0]])
    s = slope(X, y)
    assert isinstance(s, np.ndarray) and s.shape == (3,)
    np.testing.assert_allclose(s, rates, rtol=1e-14)
    assert slope(X, y[:, None, :]).shape == (3, 1)  # the last axis is x, whatever comes before


def test_loglog_slope_is_the_power():
    assert loglog_slope(X, 5.0 * X**-1.5) == pytest.approx(-1.5, rel=1e-13)
    np.testing.assert_allclose(loglog_slope(X, np.stack([X**0.5, 2 * X**2.0])), [0.5, 2.0], rtol=1e-13)


def test_log_slope_is_the_exponential_rate():
    assert log_slope(X, 2.0 * np.exp(0.3 * X)) == pytest.approx(0.3, rel=1e-13)
    np.testing.assert_allclose(log_slope(X, np.stack([0.9**X, 1.1**X])), np.log([0.9, 1.1]), rtol=1e-13)


def test_loglog_slope():
    """The slope fit the claim uses (bnproof.analysis.slopes)."""
    assert loglog_slope([1, 2, 4, 8], [3, 6, 12, 24]) == pytest.approx(1.0)
    assert loglog_slope([1, 2, 4], [5, 5, 5]) == pytest.approx(0.0)


def test_time_scale_recovers_the_speed_and_stays_in_its_bounds():
    t = np.linspace(0.0, 5.0, 40)
    c, rms = time_scale(t, np.exp(-0.7 * t), lambda s: np.exp(-s), c_max=3.0)
    assert c == pytest.approx(0.7, abs=1e-6) and rms < 1e-6
    c_capped, _ = time_scale(t, np.exp(-5.0 * t), lambda s: np.exp(-s), c_max=3.0)
    assert c_capped == pytest.approx(3.0, abs=1e-5)  # the bound holds: the search never leaves [0, c_max]


def test_slope_centres_y_so_a_large_offset_costs_no_precision():
    """y = 1e10 + 1e-3·x: centring y first keeps the slope exact to the stored data (mutation boundary)."""
    from fractions import Fraction

    y = 1e10 + 1e-3 * X
    xs, ys = [Fraction(v) for v in X], [Fraction(v) for v in y]
    xm, ym = sum(xs) / len(xs), sum(ys) / len(ys)
    exact = sum((a - xm) * (b - ym) for a, b in zip(xs, ys)) / sum((a - xm) ** 2 for a in xs)
    assert slope(X, y) == pytest.approx(float(exact), rel=1e-9)


def test_time_scale_lower_bound_is_zero():
    """A curve that best fits a negative speed is clipped at c = 0: the search never goes below the bound."""
    t = np.linspace(0.0, 5.0, 40)
    c, _ = time_scale(t, np.exp(0.5 * t), lambda s: np.exp(-s), c_max=3.0)
    assert 0.0 <= c <= 1e-5


def test_time_scale_default_tolerance_stops_the_search_early():
    """The default xatol = 1e-7 ends the bounded search in a few dozen curve evaluations, not at maxiter."""
    t = np.linspace(0.0, 5.0, 40)
    calls = []

    def curve(s):
        calls.append(1)
        return np.exp(-s)

    c, _ = time_scale(t, np.exp(-0.7 * t), curve, c_max=3.0)
    assert c == pytest.approx(0.7, abs=1e-6) and len(calls) < 100


def test_time_scale_with_lag_recovers_speed_and_lag():
    t = np.linspace(0.0, 5.0, 60)
    c, lag, rms = time_scale_with_lag(t, np.exp(-(0.7 * t + 0.05)), lambda s: np.exp(-s), c_max=3.0, lag_max=0.1)
    assert c == pytest.approx(0.7, abs=1e-6) and lag == pytest.approx(0.05, abs=1e-6) and rms < 1e-8
    _, capped, _ = time_scale_with_lag(t, np.exp(-(0.7 * t + 0.5)), lambda s: np.exp(-s), c_max=3.0, lag_max=0.1)
    assert capped == pytest.approx(0.1)  # the lag stays within its bound
