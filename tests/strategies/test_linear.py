"""bnproof.strategies.linear: every data strategy's documented guarantees hold on drawn examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

import bnproof.strategies as S
from bnproof.core.data import Dataset
from bnproof.models.bn_linear import uniform_margin_exists
from bnproof.strategies import linear
from bnproof.symbolic import bn_linear


def _condition(X: np.ndarray) -> float:
    sv = np.linalg.svd(X, compute_uv=False)
    return float(sv[-1] / sv[0])


def _residual(X: np.ndarray, y: np.ndarray) -> float:
    sol, *_ = np.linalg.lstsq(X, y.astype(float), rcond=None)
    return float(np.linalg.norm(X @ sol - y) / np.linalg.norm(y))


def _assert_dataset(ds: Dataset) -> None:
    assert isinstance(ds, Dataset)
    assert ds.X.dtype == np.float64 and ds.X.shape == (ds.n, ds.d)
    assert np.all(np.isfinite(ds.X))
    assert ds.y.shape == (ds.n,) and set(np.unique(ds.y)) <= {-1, 1}
    assert ds.w0 is not None and ds.w0.shape == (ds.d,) and np.all(np.isfinite(ds.w0))


# --- separable_data ---------------------------------------------------------------------------


@given(S.separable_data())
def test_separable_data_defaults(ds):
    _assert_dataset(ds)
    assert 2 <= ds.n <= 8 and 2 <= ds.d <= 12
    assert np.linalg.norm(ds.w0) == pytest.approx(1.0, abs=1e-12)
    assert np.all(ds.y * (ds.X @ ds.w0) >= 0.1)
    assert np.all(np.abs(ds.X) <= 3.0 + 0.1 * (1 + 1e-6) + 1e-12)


@given(st.data(), st.integers(2, 5), st.integers(1, 4), st.floats(1e-6, 2.0))
def test_separable_data_margin_and_sizes(data, n, d, margin):
    ds = data.draw(S.separable_data(n=n, d=d, margin=margin))
    _assert_dataset(ds)
    assert (ds.n, ds.d) == (n, d)
    assert np.all(ds.y * (ds.X @ ds.w0) >= margin)
    assert np.all(np.abs(ds.X) <= 3.0 + margin * (1 + 1e-6) + 1e-12)


@given(S.separable_data(n=st.integers(2, 4), d=st.just(3), margin=st.floats(0.5, 1.0)))
def test_separable_data_margin_strategy(ds):
    assert ds.d == 3 and 2 <= ds.n <= 4
    assert np.all(ds.y * (ds.X @ ds.w0) >= 0.5)


# --- uniform_margin_data ----------------------------------------------------------------------


@given(S.uniform_margin_data())
def test_uniform_margin_data_guarantees(ds):
    _assert_dataset(ds)
    assert 2 <= ds.n <= ds.d <= 12
    sv = np.linalg.svd(ds.X, compute_uv=False)
    assert sv[-1] / sv[0] >= 0.6
    assert np.all(np.abs(ds.X) <= 3.0)
    assert uniform_margin_exists(ds, center=False)[0] is True
    rho = np.linalg.norm(ds.X @ ds.w0) / sv[-1]
    assert 0.75 * (1 - 1e-9) <= rho <= 1.1 * (1 + 1e-9)
    assert np.sqrt(np.mean((ds.X @ ds.w0) ** 2)) > 0  # ‖w0‖_Σ > 0
    w_hat = ds.X.T @ np.linalg.solve(ds.X @ ds.X.T, ds.y.astype(float))
    np.testing.assert_allclose(ds.y * (ds.X @ w_hat), 1.0, rtol=0, atol=1e-8)


@given(st.data(), st.integers(2, 4), st.integers(0, 3), st.floats(1e-3, 0.5))
def test_uniform_margin_data_parameters(data, n, extra, cond):
    ds = data.draw(S.uniform_margin_data(n=n, d=n + extra, min_condition=cond, w0_scale=(0.5, 3.0)))
    assert (ds.n, ds.d) == (n, n + extra)
    assert _condition(ds.X) >= cond
    rho = np.linalg.norm(ds.X @ ds.w0) / np.linalg.svd(ds.X, compute_uv=False)[-1]
    assert 0.5 * (1 - 1e-9) <= rho <= 3.0 * (1 + 1e-9)
    assert uniform_margin_exists(ds, center=False)[0] is True


@given(S.uniform_margin_data(n=st.integers(2, 6), d=st.integers(2, 6)))
def test_uniform_margin_data_rejects_d_below_n(ds):
    assert ds.n <= ds.d


# --- no_uniform_margin_data -------------------------------------------------------------------


@given(S.no_uniform_margin_data())
def test_no_uniform_margin_data_guarantees(ds):
    _assert_dataset(ds)
    assert ds.n > ds.d and 1 <= ds.d <= 5
    assert _condition(ds.X) >= 0.1
    assert uniform_margin_exists(ds, center=False)[0] is False
    assert _residual(ds.X, ds.y) >= 0.05
    assert np.linalg.norm(ds.w0) == pytest.approx(1.0) and np.linalg.norm(ds.X @ ds.w0) > 0


@given(S.no_uniform_margin_data(n=st.integers(2, 6), d=st.integers(1, 5)),
       hnp.arrays(np.float64, 5, elements=st.floats(-3, 3)))
def test_no_uniform_margin_gap_bound_for_every_w(ds, coords):
    """The documented consequence: the margin gap of *every* w is at least the residual."""
    w = coords[: ds.d]
    assume(np.any(w != 0))
    w = w / np.max(np.abs(w))
    z = ds.X @ w
    assume(np.linalg.norm(z) > 1e-8 * np.linalg.norm(ds.X))
    m = ds.y * z / np.sqrt(np.mean(z**2))
    gap = min(np.max(np.abs(m - 1)), np.max(np.abs(-m - 1)))  # either sign of γ
    assert gap >= _residual(ds.X, ds.y) * (1 - 1e-9)


# --- losses ----------------------------------------------------------------------------------


@settings(max_examples=10)
@given(S.losses())
def test_losses(loss):
    assert loss in bn_linear.LOSSES


def test_losses_match_the_model():
    assert linear._LOSSES == bn_linear.LOSSES


# --- invalid arguments ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: S.uniform_margin_data(n=5, d=3),
    lambda: S.uniform_margin_data(min_condition=0),
    lambda: S.uniform_margin_data(w0_scale=(2.0, 1.0)),
    lambda: S.no_uniform_margin_data(n=3, d=3),
    lambda: S.no_uniform_margin_data(min_residual=0),
    lambda: S.separable_data(margin=0.0),
    lambda: S.separable_data(n=1),
    lambda: S.separable_data(n=2.5),
    lambda: S.separable_data(margin=-1.0),
    lambda: S.separable_data(d=(3, 2)),
    lambda: S.uniform_margin_data(n=(5, 6), d=(2, 4)),
    lambda: S.no_uniform_margin_data(n=(2, 3), d=(3, 4)),
])
def test_invalid_arguments(make):
    with pytest.raises(InvalidArgument):
        make()


@pytest.mark.parametrize("make", [
    lambda: S.separable_data(n=st.just(1)),
    lambda: S.separable_data(margin=st.just(0.0)),
    lambda: S.uniform_margin_data(n=st.just(1)),
    lambda: S.no_uniform_margin_data(d=st.just(0)),
])
def test_invalid_drawn_sizes_raise_when_drawn(make):
    strategy = make()  # a strategy of sizes is checked value by value, when drawn

    @given(strategy)
    def draw(ds):
        pass

    with pytest.raises(InvalidArgument):
        draw()


@given(S.separable_data(n=(3, 3), d=(2, 4)))
def test_separable_data_size_ranges(ds):
    assert ds.n == 3 and 2 <= ds.d <= 4
