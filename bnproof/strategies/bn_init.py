"""Hypothesis strategies for BN-at-initialization tests: input batches and BN component switches.

A batch is a d×n float64 matrix (rows = features/neurons, columns = samples) with every column
non-zero and finite, i.e. what :func:`bnproof.bn_init.validate_batch` accepts.

* ``generic_batches``: Gaussian-like entries (full column rank almost surely when d ≥ n);
* ``low_rank_batches``: rank r < n (columns in an r-dimensional subspace);
* ``near_degenerate_batches``: one common direction plus noise of relative size ε ∈ [1e-6, 1e-2]
  (pairwise cosines within ~ε² of 1: the "highly correlated" inputs of Daneshmand et al. 2021, Fig. 1);
* ``components``: a :class:`bnproof.bn_init.Components` (RC, RS, NL switches).

Sizes may be ints or strategies of ints.  The lead re-exports these from ``bnproof.strategies``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.models.bn_init import NONLINEARITIES, Components

__all__ = ["generic_batches", "low_rank_batches", "near_degenerate_batches", "batches", "components"]


def _size(x, lo: int) -> SearchStrategy[int]:
    return x if isinstance(x, SearchStrategy) else st.just(max(int(x), lo))


def _gaussian(seed: int, shape) -> np.ndarray:
    # the seed is drawn by Hypothesis (so examples shrink and replay); the entries come from NumPy
    return np.random.default_rng(seed).standard_normal(shape)


def _nonzero_columns(X: np.ndarray) -> np.ndarray:
    zero = ~np.any(X != 0, axis=0)
    X[:, zero] = 1.0  # a zero column has probability 0; repair it so the guarantee is unconditional
    return X


@st.composite
def generic_batches(draw, n=st.integers(2, 8), d=st.integers(2, 32)) -> np.ndarray:
    """d×n batch with i.i.d. N(0, 1) entries, scaled by a drawn factor in [1e-3, 1e3]."""
    n_, d_ = draw(_size(n, 2)), draw(_size(d, 1))
    scale = draw(st.floats(1e-3, 1e3))
    return _nonzero_columns(scale * _gaussian(draw(st.integers(0, 2**32 - 1)), (d_, n_)))


@st.composite
def low_rank_batches(draw, n=st.integers(3, 8), d=st.integers(3, 32)) -> np.ndarray:
    """d×n batch of rank r, 1 ≤ r < min(n, d) (columns mixed from r Gaussian directions)."""
    n_, d_ = draw(_size(n, 3)), draw(_size(d, 2))
    r = draw(st.integers(1, max(1, min(n_, d_) - 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d_, r)) @ rng.standard_normal((r, n_))
    return _nonzero_columns(X)


@st.composite
def near_degenerate_batches(draw, n=st.integers(2, 8), d=st.integers(2, 32)) -> np.ndarray:
    """d×n batch: one common unit direction u plus ε·noise per column, ε ∈ [1e-6, 1e-2]."""
    n_, d_ = draw(_size(n, 2)), draw(_size(d, 1))
    eps = draw(st.floats(1e-6, 1e-2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    u = rng.standard_normal((d_, 1))
    u /= np.linalg.norm(u)
    return _nonzero_columns(u + eps * rng.standard_normal((d_, n_)) / np.sqrt(d_))


def batches(n=st.integers(2, 8), d=st.integers(2, 32)) -> SearchStrategy[np.ndarray]:
    """Any of the three kinds."""
    return st.one_of(generic_batches(n, d), low_rank_batches(n, d), near_degenerate_batches(n, d))


def components(recenter=st.booleans(), rescale=st.booleans(),
               nonlinearity=st.sampled_from(NONLINEARITIES)) -> SearchStrategy[Components]:
    """BN component switches (each argument a strategy or a fixed value)."""
    as_st = lambda x: x if isinstance(x, SearchStrategy) else st.just(x)  # noqa: E731
    return st.builds(Components, recenter=as_st(recenter), rescale=as_st(rescale), nonlinearity=as_st(nonlinearity))
