"""Hypothesis strategies for scale-invariant toy models (Lyu, Li, Arora 2022), re-exported by
:mod:`bnproof.strategies`.

* :func:`sphere_toys` — T1, L = ½(1 + αθ₀²) Σ_{j∈N} θ_j² on S^{D−1};
* :func:`bn_regressions` — T2, linear regression with full-batch BN on the output (d > n);
* :func:`bn_mlps` — T3, two-layer net with per-unit full-batch BN, tanh and a fixed head;
* :func:`scale_invariant_models` — any of the three;
* :func:`nonzero_weights` — a weight vector for a model, bounded away from 0 per scale-invariant group.

Data are bounded finite float arrays drawn with :func:`hypothesis.extra.numpy.arrays` (elements in
[-3, 3], no subnormals).  Instances whose BN statistics degenerate (a centred feature column of
norm < 1e-3, so a pre-activation could have zero variance) are rejected with ``assume``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

__all__ = ["sphere_toys", "bn_regressions", "bn_mlps", "scale_invariant_models", "nonzero_weights"]

_BOUND = 3.0


def _array(shape) -> SearchStrategy[np.ndarray]:
    elements = st.floats(-_BOUND, _BOUND, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing())


def _ints(value: Any, lo: int, hi: int) -> SearchStrategy[int]:
    return value if isinstance(value, SearchStrategy) else st.integers(lo, hi) if value is None else st.just(int(value))


def _generic(X: np.ndarray) -> bool:
    Xc = X - X.mean(axis=0)
    return bool(np.linalg.svd(Xc, compute_uv=False)[-1] > 1e-3) if min(Xc.shape) > 0 else False


@st.composite
def sphere_toys(draw, D=None, alpha=None):
    """T1 with D ∈ [3, 6], k ∈ [1, D−2] normal directions and α ∈ [0, 2] (or the given values)."""
    from bnproof.models.scale_invariant import SphereToy

    d = draw(_ints(D, 3, 6))
    k = draw(st.integers(1, d - 2))
    a = draw(st.floats(0.0, 2.0) if alpha is None else st.just(float(alpha)))
    return SphereToy(d, k, a)


@st.composite
def bn_regressions(draw, n=None, d=None, bn_eps: float = 0.0):
    """T2 with n ∈ [3, 6] samples and d ∈ [n+1, n+5] features (over-parameterised), targets not constant."""
    from bnproof.models.scale_invariant import BNRegression

    nn = draw(_ints(n, 3, 6))
    dd = draw(_ints(d, nn + 1, nn + 5))
    X = draw(_array((nn, dd)))
    y = draw(_array((nn,)))
    assume(_generic(X) and float(np.ptp(y)) > 1e-2)
    return BNRegression(X, y, bn_eps=bn_eps)


@st.composite
def bn_mlps(draw, n=None, d=None, width=None, bn_eps: float = 0.0):
    """T3 with n ∈ [4, 8] samples, d ∈ [2, 5] inputs, width ∈ [1, 4] units and a fixed ±1/√width head."""
    from bnproof.models.scale_invariant import BNMLP

    nn = draw(_ints(n, 4, 8))
    dd = draw(_ints(d, 2, 5))
    m = draw(_ints(width, 1, 4))
    X = draw(_array((nn, dd)))
    assume(_generic(X))
    y = draw(_array((nn,)))
    a = np.array(draw(st.lists(st.sampled_from((-1.0, 1.0)), min_size=m, max_size=m))) / np.sqrt(m)
    return BNMLP(X, y, a, bn_eps=bn_eps)


def scale_invariant_models() -> SearchStrategy:
    """Any of T1, T2, T3."""
    return st.one_of(sphere_toys(), bn_regressions(), bn_mlps())


@st.composite
def nonzero_weights(draw, model):
    """Weights for ``model`` whose every scale-invariant group has norm ≥ 0.1 (and, for T2/T3, whose
    centred pre-activations have norm ≥ 1e-2 ‖w_g‖, so the BN standard deviation is well defined)."""
    w = draw(_array((model.dim,)))
    for g in model.groups:
        assume(float(np.linalg.norm(w[g])) >= 0.1)
    A = getattr(model, "A", None)
    if A is not None:
        for g in model.groups:
            assume(float(np.linalg.norm(A @ w[g])) >= 1e-2 * float(np.linalg.norm(w[g])))
    return w
