"""Hypothesis strategies for scale-invariant toy models (Lyu, Li, Arora 2022; :mod:`bnproof.models.scale_invariant`).

* :func:`sphere_toys` -- T1, L = ½(1 + αθ₀²) Σ_{j∈N} θ_j² on S^{D−1};
* :func:`bn_regressions` -- T2, linear regression with full-batch BN on the output (d > n);
* :func:`bn_mlps` -- T3, two-layer net with per-unit full-batch BN, tanh and a fixed head;
* :func:`scale_invariant_models` -- any of the three;
* :func:`nonzero_weights` -- a weight vector for a model, bounded away from 0 per scale-invariant group.

Data are drawn by :func:`bnproof.strategies.validation.float_arrays` (finite, in [-3, 3]).
Instances whose BN statistics degenerate (centred data X - mean of lower rank than min(n-1, d),
up to 1e-3, so some pre-activation direction would have zero variance) are rejected with
``assume``.  Sizes follow the convention of :mod:`bnproof.strategies.validation` (an int, a pair
(lo, hi) or a strategy of ints).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.models.scale_invariant import BNMLP, BNRegression, SphereToy
from bnproof.strategies.validation import (
    Size,
    centred_singular_values,
    float_arrays,
    sizes,
)

__all__ = ["sphere_toys", "bn_regressions", "bn_mlps", "scale_invariant_models", "nonzero_weights"]


def _generic(X: np.ndarray) -> bool:
    """Centred X has full rank min(n-1, d), by a margin of 1e-3."""
    return bool(centred_singular_values(X)[-1] > 1e-3)


def sphere_toys(D: Size = (3, 6), alpha: float | None = None) -> SearchStrategy[SphereToy]:
    """T1 with D >= 3 (default 3..6), k ∈ [1, D−2] normal directions and α ∈ [0, 2] (or the given α)."""
    D_st = sizes(D, "D", 3)

    @st.composite
    def build(draw) -> SphereToy:
        dim = draw(D_st)
        k = draw(st.integers(1, dim - 2))
        a = draw(st.floats(0.0, 2.0) if alpha is None else st.just(float(alpha)))
        return SphereToy(dim, k, a)

    return build()


def bn_regressions(n: Size = (3, 6), d: Size | None = None, bn_eps: float = 0.0) -> SearchStrategy[BNRegression]:
    """T2 with n >= 2 samples (default 3..6), d features (``None``: n+1..n+5, over-parameterised),
    targets not constant."""
    n_st = sizes(n, "n", 2)
    d_st = None if d is None else sizes(d, "d", 1)

    @st.composite
    def build(draw) -> BNRegression:
        nn = draw(n_st)
        dd = draw(st.integers(nn + 1, nn + 5) if d_st is None else d_st)
        X = draw(float_arrays((nn, dd)))
        y = draw(float_arrays((nn,)))
        assume(_generic(X) and float(np.ptp(y)) > 1e-2)
        return BNRegression(X, y, bn_eps=bn_eps)

    return build()


def bn_mlps(n: Size = (4, 8), d: Size = (2, 5), width: Size = (1, 4), bn_eps: float = 0.0) -> SearchStrategy[BNMLP]:
    """T3 with n >= 2 samples (default 4..8), d inputs (default 2..5), width units (default 1..4)
    and a fixed ±1/√width head."""
    n_st, d_st, m_st = sizes(n, "n", 2), sizes(d, "d", 1), sizes(width, "width", 1)

    @st.composite
    def build(draw) -> BNMLP:
        nn, dd, m = draw(n_st), draw(d_st), draw(m_st)
        X = draw(float_arrays((nn, dd)))
        assume(_generic(X))
        y = draw(float_arrays((nn,)))
        a = np.array(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=m, max_size=m))) / np.sqrt(m)
        return BNMLP(X, y, a, bn_eps=bn_eps)

    return build()


def scale_invariant_models() -> SearchStrategy[SphereToy | BNRegression | BNMLP]:
    """Any of T1, T2, T3."""
    return st.one_of(sphere_toys(), bn_regressions(), bn_mlps())


def nonzero_weights(model: Any) -> SearchStrategy[np.ndarray]:
    """Weights for ``model`` whose every scale-invariant group has norm >= 0.1 (and, for T2/T3, whose
    centred pre-activations have norm >= 1e-2 ‖w_g‖, so the BN standard deviation is well defined)."""

    @st.composite
    def build(draw) -> np.ndarray:
        w = draw(float_arrays((model.dim,)))
        for g in model.groups:
            assume(float(np.linalg.norm(w[g])) >= 0.1)
        A = getattr(model, "A", None)
        if A is not None:
            for g in model.groups:
                assume(float(np.linalg.norm(A @ w[g])) >= 1e-2 * float(np.linalg.norm(w[g])))
        return w

    return build()
