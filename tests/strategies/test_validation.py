"""bnproof.strategies.validation: the size convention, argument checks, element domain, data checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from bnproof.strategies import validation as V

# --- sizes -----------------------------------------------------------------------------------


@given(st.data())
def test_sizes_accepts_an_int_a_pair_or_a_strategy(data):
    assert data.draw(V.sizes(4, "n")) == 4
    assert data.draw(V.sizes(np.int64(4), "n")) == 4
    assert 2 <= data.draw(V.sizes((2, 5), "n")) <= 5
    assert data.draw(V.sizes(st.integers(3, 3), "n")) == 3


@pytest.mark.parametrize("value", [0, 11, (0, 3), (3, 11), (4, 3), (1, 2, 3), (1.0, 2), 2.5, "3", True, None])
def test_sizes_rejects_what_is_not_a_size_in_range_when_built(value):
    with pytest.raises(InvalidArgument):
        V.sizes(value, "n", lo=1, hi=10)


@pytest.mark.parametrize("strategy", [st.just(0), st.just(11), st.just(2.5), st.just(True)])
def test_sizes_checks_drawn_values_when_drawn(strategy):
    @given(V.sizes(strategy, "n", lo=1, hi=10))
    def draw(n):
        pass

    with pytest.raises(InvalidArgument, match="n drew"):
        draw()


def test_size_range():
    assert V.size_range(3) == (3, 3)
    assert V.size_range((2, 5)) == (2, 5)
    assert V.size_range(st.integers(1, 2)) is None


# --- other arguments -------------------------------------------------------------------------


@given(st.data())
def test_positive_numbers(data):
    assert data.draw(V.positive_numbers(0.5, "margin")) == 0.5
    assert 1 <= data.draw(V.positive_numbers(st.floats(1, 2), "margin")) <= 2
    for bad in (0, -1.0, float("nan"), float("inf"), "1", True):
        with pytest.raises(InvalidArgument):
            V.positive_numbers(bad, "margin")


def test_fraction_and_scale_range():
    assert V.fraction(1, "c") == 1.0 and V.fraction("0.25", "c") == 0.25
    for bad in (0, -0.1, 1.5, "x", None):
        with pytest.raises(InvalidArgument):
            V.fraction(bad, "c")
    assert V.scale_range((0.5, 2), "s") == (0.5, 2.0)
    for bad in ((2, 1), (0, 1), (1, float("inf")), (1,), 3, "ab"):
        with pytest.raises(InvalidArgument):
            V.scale_range(bad, "s")


@given(st.data())
def test_flags(data):
    assert data.draw(V.flags(True)) is True
    assert data.draw(V.flags(st.just("relu"))) == "relu"


# --- drawn numbers ---------------------------------------------------------------------------


@given(V.float_arrays((3, 4)), V.labels(5), V.seeds())
def test_element_domain(X, y, seed):
    assert X.dtype == np.float64 and X.shape == (3, 4)
    assert np.all(np.isfinite(X)) and np.all(np.abs(X) <= V.ELEMENT_BOUND)
    assert np.all((X == 0) | (np.abs(X) >= np.finfo(np.float64).tiny))  # no subnormals
    assert y.dtype == np.int64 and set(np.unique(y)) <= {-1, 1}
    np.random.default_rng(seed)  # a valid seed


# --- checks on drawn data --------------------------------------------------------------------


def test_condition():
    assert V.condition(np.diag([2.0, 0.5])) == 0.25
    assert V.condition(np.zeros((2, 3))) == 0.0
    assert V.condition(np.array([[1.0, 2.0], [2.0, 4.0]])) == pytest.approx(0.0, abs=1e-15)


def test_relative_residual():
    X = np.array([[1.0], [0.0], [0.0]])
    assert V.relative_residual(X, np.array([1, 0, 0])) == 0.0
    # y = (1, 1, 0): its part outside range(X) is (0, 1, 0), of relative size 1/√2
    assert V.relative_residual(X, np.array([1, 1, 0])) == pytest.approx(2 ** -0.5, rel=1e-15)


def test_centred_singular_values_keep_min_n_minus_1_d():
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((4, 7))  # centring leaves rank 3, not 4
    s = V.centred_singular_values(wide)
    assert s.shape == (3,) and s[-1] > 1e-3
    full = np.linalg.svd(wide - wide.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(s, full[:3])
    assert full[3] < 1e-12
    tall = rng.standard_normal((6, 2))
    assert V.centred_singular_values(tall).shape == (2,)
    assert V.centred_singular_values(np.ones((5, 2)))[0] == pytest.approx(0.0, abs=1e-15)
