"""Hypothesis strategies for the mean-field BN modules, re-exported by :mod:`bnproof.strategies`.

* :func:`bn_batches` -- pre-activation arrays of shape (N, K, B) (N neurons, K batches of B),
  elements in [-3, 3], each neuron's batch non-degenerate (spread ≥ ``min_spread``), as fed to
  :func:`bnproof.bn_backprop.bn_forward`.
* :func:`correlations` -- correlations c ∈ [-1, 1] (endpoints included), for the arc-cosine kernels.
* :func:`popnets` -- small random population-BN networks (:class:`bnproof.bn_backprop.PopNet`)
  with their inputs, for Jacobian/FIM properties.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

__all__ = ["bn_batches", "correlations", "popnets"]


def bn_batches(N: int | SearchStrategy[int] = st.integers(1, 4), K: int | SearchStrategy[int] = st.integers(1, 3),
               B: int | SearchStrategy[int] = st.integers(2, 8), min_spread: float = 1e-2) -> SearchStrategy[np.ndarray]:
    """Arrays (N, K, B) with every neuron's batch spread (max - min) at least ``min_spread``."""
    as_st = lambda v: v if isinstance(v, SearchStrategy) else st.just(int(v))  # noqa: E731

    @st.composite
    def build(draw):
        shape = (draw(as_st(N)), draw(as_st(K)), draw(as_st(B)))
        el = st.floats(-3, 3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
        Z = draw(hnp.arrays(np.float64, shape, elements=el, fill=st.nothing()))
        assume(float((Z.max(axis=-1) - Z.min(axis=-1)).min()) >= min_spread)
        return Z

    return build()


def correlations() -> SearchStrategy[float]:
    """c ∈ [-1, 1], with the endpoints and 0 among the examples."""
    return st.one_of(st.sampled_from([-1.0, 0.0, 1.0]), st.floats(-1, 1, allow_nan=False))


def popnets(bn: bool | SearchStrategy[bool] = st.booleans(), max_width: int = 6,
            max_layers: int = 3) -> SearchStrategy[tuple]:
    """(net, X): a population-BN (or plain) ReLU network of 2..max_layers layers, widths 2..max_width,
    γ ∈ [0.25, 4], and 3..6 inputs X; weights from a drawn seed (bn_backprop.popnet_init)."""
    from bnproof.models.bn_backprop import popnet_init

    @st.composite
    def build(draw):
        use_bn = draw(bn if isinstance(bn, SearchStrategy) else st.just(bool(bn)))
        L = draw(st.integers(2, max_layers))
        widths = [draw(st.integers(2, max_width)) for _ in range(L)] + [1]
        gamma = draw(st.floats(0.25, 4.0))
        seed = draw(st.integers(0, 2 ** 32 - 1))
        rng = np.random.default_rng(seed)
        pop = rng.standard_normal((64, widths[0]))
        net = popnet_init(rng, widths, 2.0, 0.5, gamma, use_bn, pop)
        X = rng.standard_normal((draw(st.integers(3, 6)), widths[0]))
        return net, X

    return build()
