"""Hypothesis strategies for the mean-field BN models (:mod:`bnproof.models.meanfield`,
:mod:`bnproof.models.bn_backprop`).

* :func:`bn_batches` -- pre-activation arrays of shape (N, K, B) (N neurons, K batches of B),
  elements in [-3, 3], each neuron's batch non-degenerate (spread >= ``min_spread``), as fed to
  :func:`bnproof.models.bn_backprop.bn_forward`;
* :func:`correlations` -- correlations c ∈ [-1, 1] (endpoints included), for the arc-cosine kernels;
* :func:`popnets` -- small random population-BN networks (:class:`bnproof.models.bn_backprop.PopNet`)
  with their inputs, for Jacobian/FIM properties.

Sizes follow the convention of :mod:`bnproof.strategies.validation` (an int, a pair (lo, hi) or
a strategy of ints).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.models.bn_backprop import PopNet, popnet_init
from bnproof.strategies.validation import Size, flags, float_arrays, seeds, sizes

__all__ = ["bn_batches", "correlations", "popnets"]


def bn_batches(
    N: Size = (1, 4),
    K: Size = (1, 3),
    B: Size = (2, 8),
    min_spread: float = 1e-2,
) -> SearchStrategy[np.ndarray]:
    """Arrays (N, K, B) (B >= 2) with every neuron's batch spread (max - min) at least ``min_spread``."""
    N_st, K_st, B_st = sizes(N, "N", 1), sizes(K, "K", 1), sizes(B, "B", 2)

    @st.composite
    def build(draw) -> np.ndarray:
        Z = draw(float_arrays((draw(N_st), draw(K_st), draw(B_st))))
        assume(float((Z.max(axis=-1) - Z.min(axis=-1)).min()) >= min_spread)
        return Z

    return build()


def correlations() -> SearchStrategy[float]:
    """c ∈ [-1, 1], with the endpoints and 0 among the examples."""
    return st.one_of(st.sampled_from([-1.0, 0.0, 1.0]), st.floats(-1, 1, allow_nan=False))


def popnets(
    bn: Any = st.booleans(),
    width: Size = (2, 6),
    layers: Size = (2, 3),
    n: Size = (3, 6),
) -> SearchStrategy[tuple[PopNet, np.ndarray]]:
    """(net, X): a population-BN (``bn=True``) or plain ReLU network and n inputs X (rows).

    ``layers`` layers (>= 2) of widths drawn from ``width`` (each >= 2; the input dimension is
    the first) and one output, γ ∈ [0.25, 4], weights from a drawn seed via
    :func:`bnproof.models.bn_backprop.popnet_init` (σ_w² = 2, σ_b² = 0.5, population of 64 inputs).
    """
    bn_st, width_st = flags(bn), sizes(width, "width", 2)
    layers_st, n_st = sizes(layers, "layers", 2), sizes(n, "n", 1)

    @st.composite
    def build(draw) -> tuple[PopNet, np.ndarray]:
        use_bn = bool(draw(bn_st))
        L = draw(layers_st)
        widths = [draw(width_st) for _ in range(L)] + [1]
        gamma = draw(st.floats(0.25, 4.0))
        rng = np.random.default_rng(draw(seeds()))
        population = rng.standard_normal((64, widths[0]))
        net = popnet_init(rng, widths, 2.0, 0.5, gamma, use_bn, population)
        return net, rng.standard_normal((draw(n_st), widths[0]))

    return build()
