"""Hypothesis strategies for BN at initialization: input batches and BN component switches.

A batch is a d×n float64 matrix (rows = features/neurons, columns = samples) with every column
non-zero and finite, i.e. what :func:`bnproof.models.bn_init.validate_batch` accepts.

* :func:`generic_batches`: Gaussian entries (full column rank almost surely when d >= n);
* :func:`low_rank_batches`: rank r < min(n, d) (columns in an r-dimensional subspace);
* :func:`near_degenerate_batches`: one common direction plus noise of relative size
  ε ∈ [1e-6, 1e-2] (pairwise cosines within ~ε² of 1: the "highly correlated" inputs of
  Daneshmand et al. 2021, Fig. 1);
* :func:`batches`: any of the three;
* :func:`components`: a :class:`bnproof.models.bn_init.Components` (RC, RS, NL switches).

Sizes follow the convention of :mod:`bnproof.strategies.validation` (an int, a pair (lo, hi) or
a strategy of ints).  ``bnproof.strategies`` re-exports ``batches`` as ``init_batches`` and
``components`` as ``bn_components``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.models.bn_init import NONLINEARITIES, Components
from bnproof.strategies.validation import Size, flags, seeds, sizes

__all__ = ["generic_batches", "low_rank_batches", "near_degenerate_batches", "batches", "components"]


def _nonzero_columns(X: np.ndarray) -> np.ndarray:
    zero = ~np.any(X != 0, axis=0)
    X[:, zero] = 1.0  # a zero column has probability 0; repair it so the guarantee is unconditional
    return X


def generic_batches(n: Size = (2, 8), d: Size = (2, 32)) -> SearchStrategy[np.ndarray]:
    """d×n batch with i.i.d. N(0, 1) entries, scaled by a drawn factor in [1e-3, 1e3]; n >= 2, d >= 1."""
    n_st, d_st = sizes(n, "n", 2), sizes(d, "d", 1)

    @st.composite
    def build(draw) -> np.ndarray:
        n_, d_ = draw(n_st), draw(d_st)
        scale = draw(st.floats(1e-3, 1e3))
        # the seed is drawn by Hypothesis (so examples shrink and replay); the entries come from NumPy
        rng = np.random.default_rng(draw(seeds()))
        return _nonzero_columns(scale * rng.standard_normal((d_, n_)))

    return build()


def low_rank_batches(n: Size = (3, 8), d: Size = (3, 32)) -> SearchStrategy[np.ndarray]:
    """d×n batch of rank r, 1 <= r < min(n, d) (columns mixed from r Gaussian directions); n, d >= 2."""
    n_st, d_st = sizes(n, "n", 2), sizes(d, "d", 2)

    @st.composite
    def build(draw) -> np.ndarray:
        n_, d_ = draw(n_st), draw(d_st)
        r = draw(st.integers(1, min(n_, d_) - 1))
        rng = np.random.default_rng(draw(seeds()))
        return _nonzero_columns(rng.standard_normal((d_, r)) @ rng.standard_normal((r, n_)))

    return build()


def near_degenerate_batches(n: Size = (2, 8), d: Size = (2, 32)) -> SearchStrategy[np.ndarray]:
    """d×n batch: one common unit direction u plus ε·noise per column, ε ∈ [1e-6, 1e-2]; n >= 2, d >= 1."""
    n_st, d_st = sizes(n, "n", 2), sizes(d, "d", 1)

    @st.composite
    def build(draw) -> np.ndarray:
        n_, d_ = draw(n_st), draw(d_st)
        eps = draw(st.floats(1e-6, 1e-2))
        rng = np.random.default_rng(draw(seeds()))
        u = rng.standard_normal((d_, 1))
        u /= np.linalg.norm(u)
        return _nonzero_columns(u + eps * rng.standard_normal((d_, n_)) / np.sqrt(d_))

    return build()


def batches(n: Size = (2, 8), d: Size = (2, 32)) -> SearchStrategy[np.ndarray]:
    """Any of the three kinds (n, d >= 2, which all three can build)."""
    return st.one_of(generic_batches(n, d), low_rank_batches(n, d), near_degenerate_batches(n, d))


def components(recenter: Any = st.booleans(), rescale: Any = st.booleans(),
               nonlinearity: Any = st.sampled_from(NONLINEARITIES)) -> SearchStrategy[Components]:
    """BN component switches (each argument a strategy or a fixed value)."""
    return st.builds(Components, recenter=flags(recenter), rescale=flags(rescale), nonlinearity=flags(nonlinearity))
