"""Hypothesis strategies for Ergen et al. 2022 (convex programs of BN ReLU networks).

* :func:`regression_data` -- X (n×d) and real targets y, with the centred data generic up to a
  conditioning bound (so BN is defined), as ``--data`` with real targets would accept;
* :func:`bn_nets` -- random two-layer BN ReLU networks (:class:`bnproof.models.ergen_net.Net`)
  for a given input dimension, width and output dimension.

Elements are drawn by :func:`bnproof.strategies.validation.float_arrays` (finite, in [-3, 3]);
data sets are built with :func:`bnproof.core.data.validate` (``targets="real"``).  Sizes follow
the convention of :mod:`bnproof.strategies.validation` (an int, a pair (lo, hi) or a strategy).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.core.data import Dataset, validate
from bnproof.models.ergen_net import Net
from bnproof.strategies.validation import (
    Size,
    centred_singular_values,
    float_arrays,
    sizes,
)

__all__ = ["regression_data", "bn_nets"]


def regression_data(n: Size = (3, 8), d: Size = (1, 4), max_condition: float = 1e6) -> SearchStrategy[Dataset]:
    """Data sets (X n×d, real y; n >= 2, d >= 1) whose centred X has condition number <= ``max_condition``.

    The condition number is σ_1/σ_r over the r = min(n-1, d) singular values centring can leave
    non-zero, and σ_1 > 1e-3; draws outside are rejected with ``assume``.
    """
    n_st, d_st = sizes(n, "n", 2), sizes(d, "d", 1)

    @st.composite
    def build(draw) -> Dataset:
        nn, dd = draw(n_st), draw(d_st)
        X = draw(float_arrays((nn, dd)))
        y = draw(float_arrays((nn,)))
        s = centred_singular_values(X)
        assume(s[0] > 1e-3 and s[-1] > s[0] / max_condition)
        return validate(X, y, None, source="hypothesis regression_data", targets="real")

    return build()


def bn_nets(d: Size, width: Size = (1, 6), outputs: Size = 1) -> SearchStrategy[Net]:
    """Random BN ReLU networks on d inputs with parameters in [-3, 3] (first-layer columns of norm > 1e-3)."""
    d_st, m_st, c_st = sizes(d, "d", 1), sizes(width, "width", 1), sizes(outputs, "outputs", 1)

    @st.composite
    def build(draw) -> Net:
        dd, m, c = draw(d_st), draw(m_st), draw(c_st)
        W = draw(float_arrays((dd, m)))
        assume(np.all(np.linalg.norm(W, axis=0) > 1e-3))
        return Net(W, draw(float_arrays((m,))), draw(float_arrays((m,))), draw(float_arrays((m, c))))

    return build()
