"""BN-at-init forward passes (bnproof.models.bn_init): the exact-in-law Gram chain, observables, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.core.errors import BadInput
from bnproof.models import bn_init as bi
from bnproof.strategies import (
    bn_components,
    generic_batches,
    init_batches,
    low_rank_batches,
    near_degenerate_batches,
)


def _R(X):
    return bi.gram_factor(X.T @ X)


def test_gram_chain_step_equals_explicit_weights_exactly():
    """W H = (W Q) R: one layer of the chain with G = W Q reproduces the explicit layer's Gram matrix."""
    rng = np.random.default_rng(1)
    d, n = 40, 5
    for comp in (bi.Components(True, False, "relu"), bi.Components(False, True, "linear"),
                 bi.Components(True, True, "relu"), bi.Components(False, False, "linear")):
        X = rng.standard_normal((d, n))
        H0 = X / np.linalg.norm(X)
        W = rng.standard_normal((d, d)) / math.sqrt(d)
        H1 = bi.forward(X, 1, comp, rng, weights=[W])[1]
        Q, R = np.linalg.qr(H0)
        H1_chain = bi.bn_layer(((W @ Q) @ R)[None], comp)[0]
        H1_chain /= np.linalg.norm(H1_chain)
        np.testing.assert_allclose(H1_chain.T @ H1_chain, H1.T @ H1, atol=1e-13)


def test_gram_chain_matches_explicit_forward_in_law():
    """Mean V after 3 RS layers: chain (exact in law) vs explicit weights, within 5 standard errors."""
    rng = np.random.default_rng(2)
    d, n, k = 24, 4, 300
    comp = bi.Components(False, True, "linear")
    X = bi.gaussian_batch(rng, d, n, 0.9)
    explicit = [bi.orthogonality_gap(bi.forward(X, 3, comp, rng)[3]) for _ in range(k)]
    chain = bi.gram_chain(np.repeat(_R(X)[None], k, 0), 3, d, comp, rng, lambda R: {"V": bi.orthogonality_gap(R)})["V"][3]
    se = math.hypot(np.std(explicit), np.std(chain)) / math.sqrt(k)
    assert abs(np.mean(explicit) - np.mean(chain)) < 5 * se


def test_chain_from_inputs_is_the_gram_chain_of_the_inputs():
    """Same generator state, same draws: the convenience start equals gram_chain from gram_factor(XᵀX)."""
    X = np.random.default_rng(4).standard_normal((3, 16, 4))
    comp = bi.Components(True, False, "relu")
    obs = lambda R: {"V": bi.orthogonality_gap(R)}  # noqa: E731
    a = bi.chain_from_inputs(X, 5, comp, np.random.default_rng(7), obs)["V"]
    b = bi.gram_chain(bi.gram_factor(np.swapaxes(X, -1, -2) @ X), 5, 16, comp, np.random.default_rng(7), obs)["V"]
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 3)


@settings(max_examples=25, deadline=None)
@given(X=init_batches(), comp=bn_components())
def test_layer_keeps_unit_frobenius_and_finite(X, comp):
    Hs = bi.forward(X, 2, comp, np.random.default_rng(0))
    for H in Hs:
        assert np.all(np.isfinite(H))
        assert abs(np.linalg.norm(H) - 1) < 1e-12 or np.linalg.norm(H) == 0


@settings(max_examples=25, deadline=None)
@given(X=generic_batches(n=st.integers(2, 6), d=st.integers(8, 24)))
def test_rescaling_rows_have_equal_norm(X):
    """RS-only BN: every row of BN(WH)/√d has norm 1/√d, so ‖H‖_F = 1 before any renormalization."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((X.shape[0], X.shape[0])) @ X
    H = bi.bn_layer(Z, bi.Components(False, True, "linear"))
    np.testing.assert_allclose(np.linalg.norm(H, axis=1), 1 / math.sqrt(X.shape[0]), rtol=1e-12)
    assert abs(np.linalg.norm(H) - 1) < 1e-12


@settings(max_examples=25, deadline=None)
@given(X=init_batches())
def test_observables_agree_with_direct_formulas(X):
    H = X / np.linalg.norm(X)
    R = _R(X)
    n = X.shape[1]
    direct = np.linalg.norm(H.T @ H - np.eye(n) / n)
    assert abs(bi.orthogonality_gap(R[None])[0] - direct) < 1e-9
    assert abs(bi.orthogonality_gap(H[None])[0] - direct) < 1e-12
    s = np.zeros(n)
    s[: min(X.shape)] = np.linalg.svd(H, compute_uv=False)  # σ_n = 0 when d < n
    assert abs(bi.lyapunov(R[None])[0] - (1 / n - s[-1] ** 2)) < 1e-9


@settings(max_examples=10, deadline=None)
@given(Xr=low_rank_batches(n=6, d=10), Xd=near_degenerate_batches(n=4, d=16))
def test_low_rank_and_near_degenerate_strategies_deliver_what_they_say(Xr, Xd):
    assert np.linalg.matrix_rank(Xr) < 6
    C = Xd.T @ Xd
    cos = C / np.sqrt(np.outer(np.diag(C), np.diag(C)))
    assert cos.min() > 0.99


def test_soft_rank_and_odd_point_stats_on_known_batches():
    e = np.eye(5)
    assert bi.soft_rank(e[None], 0.01)[0] == 5
    rank1 = np.outer(np.ones(5), np.arange(1, 6.0))
    assert bi.soft_rank(rank1[None], 0.01)[0] == 1
    # 3 identical points (e1) and an odd point 3·e2: cos 0, within 1, ratio 3
    H = np.zeros((4, 4))
    H[0, :3] = 1.0
    H[1, 3] = 3.0
    st_ = bi.odd_point_stats(H[None])
    assert st_["cos_odd"][0] == 0 and st_["cos_within"][0] == pytest.approx(1) and st_["norm_ratio"][0] == pytest.approx(3)


@pytest.mark.parametrize("bad", [np.ones((4, 1)), np.zeros((3, 3)), np.array([[1.0, np.nan], [1, 1]]), np.ones(3)])
def test_bad_batches_raise_bad_input(bad):
    with pytest.raises(BadInput):
        bi.forward(bad, 1, bi.Components(), np.random.default_rng(0))


@pytest.mark.parametrize("args", [(1, 8, 1), (4, 0, 1), (4, 8, 0)])
def test_bad_sizes_raise_bad_input(args):
    with pytest.raises(BadInput):
        bi.validate_sizes(*args)


def test_unknown_nonlinearity_is_bad_input():
    with pytest.raises(BadInput):
        bi.Components(nonlinearity="tanh")


def test_gram_chain_rejects_zero_column_and_nan():
    X = np.random.default_rng(0).standard_normal((8, 3))
    X[:, 1] = 0
    obs = lambda R: {"V": bi.orthogonality_gap(R)}  # noqa: E731
    with pytest.raises(BadInput, match="column 1 is zero"):
        bi.gram_chain(bi.gram_factor(X.T @ X), 2, 8, bi.Components(), np.random.default_rng(0), obs)
    with pytest.raises(BadInput):
        bi.gram_chain(np.full((3, 3), np.nan), 2, 8, bi.Components(), np.random.default_rng(0), obs)


def test_degenerate_batch_names_identical_points_and_rank_deficiency():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5))
    assert bi.degenerate_batch(X) is None
    same = X.copy()
    same[:, 3] = same[:, 1]
    assert "points 1 and 3 are identical" in bi.degenerate_batch(same)
    low = rng.standard_normal((20, 2)) @ rng.standard_normal((2, 5))
    assert "rank 2 < n = 5" in bi.degenerate_batch(low)
    assert "rank 4 < n = 5" in bi.degenerate_batch(rng.standard_normal((4, 5)))  # fewer features than points


def test_degenerate_batch_tolerance_boundary():
    """Points closer than rtol·max|X| count as identical; a little farther apart they are distinct."""
    X = np.random.default_rng(1).standard_normal((10, 3))
    near = X.copy()
    scale = np.max(np.abs(X))
    near[:, 2] = near[:, 0] + 0.5e-10 * scale
    assert "identical" in bi.degenerate_batch(near)
    apart = X.copy()
    apart[:, 2] = apart[:, 0] + 1e-6 * scale * np.sign(np.arange(10) - 4.5)
    assert bi.degenerate_batch(apart) is None


def test_chain_sizes_are_checked_against_memory_before_allocating(monkeypatch):
    from bnproof.core import data as data_mod
    from bnproof.models.bn_init import chain_bytes, validate_sizes

    limit = chain_bytes(16, 1024, 100, 10)
    monkeypatch.setattr(data_mod, "memory_budget", lambda: (limit, "the test limit"))
    validate_sizes(16, 1024, 100, 10)  # exactly the budget fits
    for n, width, depth, seeds in [(17, 1024, 100, 10), (16, 1025, 100, 10), (16, 1024, 101, 10), (16, 1024, 100, 11)]:
        with pytest.raises(BadInput, match=r"^--param n=\d+, width=\d+, depth=\d+, seeds=\d+ needs about .* the test limit$"):
            validate_sizes(n, width, depth, seeds)
    validate_sizes(16, 10**12, 1)  # without seeds: only the ranges (callers that allocate no chain)


def test_chain_bytes_counts_the_seed_width_batch_arrays_and_the_layers():
    from bnproof.models.bn_init import CHAIN_ARRAYS, chain_bytes

    assert chain_bytes(16, 10**9, 1, 1) >= 8 * CHAIN_ARRAYS * 16 * 10**9
    assert chain_bytes(32, 1024, 10**12, 8) > 10**14  # the observations of 10^12 layers alone


# --- labels, messages and helpers at their edges (mutation testing, benchmarks/mutation.py) ----------


def test_component_labels():
    assert bi.Components(True, False, "relu").label == "RC+ReLU"
    assert bi.Components(True, True, "linear").label == "RC+RS"
    assert bi.Components(False, False, "linear").label == "vanilla linear"


def test_width_violation_names_the_first_narrow_width():
    assert bi.width_violation(8, [64, 4, 2]) == "width d = 4 < batch size n = 8: the claim assumes d ≥ n"
    assert bi.width_violation(8, [8, 64]) is None


def test_fully_correlated_batch_has_identical_columns():
    X = bi.gaussian_batch(np.random.default_rng(0), 16, 4, correlation=1.0)
    assert np.array_equal(X, np.repeat(X[:, :1], 4, axis=1))


def test_chain_progress_every_25_layers_and_at_the_last():
    calls = []
    X = np.random.default_rng(0).standard_normal((2, 16, 4))
    bi.chain_from_inputs(X, 30, bi.Components(True, False, "relu"), np.random.default_rng(1),
                         lambda R: {"gap": bi.orthogonality_gap(R)}, lambda k, n: calls.append((k, n)))
    assert calls == [(1, 30), (26, 30), (30, 30)]
