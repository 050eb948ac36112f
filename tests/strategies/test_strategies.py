"""Tests for bnproof.strategies: every strategy's documented guarantees hold on drawn examples."""

from __future__ import annotations

import inspect

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

import bnproof.strategies as S
from bnproof.core.data import Dataset
from bnproof.core.precision import FlintContext, MpmathContext
from bnproof.papers.cao2023 import uniform_margin_exists
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


# --- contexts, losses -------------------------------------------------------------------------


def _mid(ctx, x) -> mpmath.mpf:
    """A context number (for flint: the ball's midpoint) as an mpmath number, exactly enough."""
    return mpmath.mpf(ctx.to_str(x, ctx.dps + 20))


@given(S.contexts())
def test_contexts_work(ctx):
    assert isinstance(ctx, (MpmathContext, FlintContext))
    assert 30 <= ctx.dps <= 80
    with ctx.scope():
        two = ctx.num(2)
        root = ctx.namespace()["sqrt"](two)
        err = root * root - two
        third = ctx.num(1) / 3
        total = ctx.sum([third, third, third]) - 1
        tenth = ctx.num("0.1")
    # the working precision is the drawn one: errors near 10^-dps, far below float64's
    with mpmath.workdps(ctx.dps + 20):
        tol = mpmath.mpf(10) ** (-(ctx.dps - 3))
        assert abs(_mid(ctx, err)) < tol
        assert abs(_mid(ctx, total)) < tol
        assert abs(_mid(ctx, tenth) - mpmath.mpf("0.1")) < tol / 10
        assert abs(_mid(ctx, root) - mpmath.sqrt(2)) < tol
        # ... and not a higher one (sqrt(2) is irrational, so rounding to dps digits shows)
        assert abs(_mid(ctx, root) - mpmath.sqrt(2)) > mpmath.mpf(10) ** (-(ctx.dps + 12))


@given(S.contexts(dps=st.just(33)))
def test_contexts_fixed_dps(ctx):
    assert ctx.dps == 33


@given(S.contexts(dps=40))
def test_contexts_int_dps(ctx):
    assert ctx.dps == 40


@settings(max_examples=10)
@given(S.losses())
def test_losses(loss):
    assert loss in bn_linear.LOSSES


def test_losses_match_the_model():
    assert S._LOSSES == bn_linear.LOSSES


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
    lambda: S.contexts(dps=5),
])
def test_invalid_arguments(make):
    with pytest.raises(InvalidArgument):
        make()


# --- exports and settings profiles ------------------------------------------------------------


def test_all_is_complete():
    public = {name for name, obj in vars(S).items()
              if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == S.__name__}
    assert set(S.__all__) == public | S._REEXPORTED
    assert len(S.__all__) == len(set(S.__all__))
    assert set(S.__all__) >= {"separable_data", "uniform_margin_data", "no_uniform_margin_data",
                              "patch_data", "contexts", "losses"}
    needs_args = {"nonzero_weights", "bn_nets"}  # strategies *for* a drawn model / a given input dimension
    for name in S.__all__:
        fn = getattr(S, name)
        assert fn.__doc__, name
        if name not in needs_args:
            assert isinstance(fn(), SearchStrategy), name


def test_strategies_import_before_hypothesis_without_a_cycle():
    # the entry point used to live in bnproof.strategies, which made this import fail
    import subprocess
    import sys

    code = "import bnproof.strategies as s; import hypothesis; print(s.patch_data.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]


def test_setup_hook_registers_profiles_idempotently_without_loading():
    keys = ("deadline", "max_examples", "derandomize", "print_blob")
    before = settings._current_profile
    active = {k: getattr(settings(), k) for k in keys}
    S._hypothesis_setup_hook()
    first = {name: settings.get_profile(name) for name in ("ci", "dev", "thorough")}
    S._hypothesis_setup_hook()
    assert settings._current_profile == before
    assert {k: getattr(settings(), k) for k in keys} == active
    for name, prof in first.items():
        again = settings.get_profile(name)
        assert {k: getattr(again, k) for k in keys} == {k: getattr(prof, k) for k in keys}
    ci, dev, thorough = first["ci"], first["dev"], first["thorough"]
    assert (ci.deadline, ci.max_examples, ci.derandomize, ci.print_blob) == (None, 25, True, True)
    assert (dev.deadline, dev.max_examples) == (None, 10)
    assert (thorough.deadline, thorough.max_examples) == (None, 200)
