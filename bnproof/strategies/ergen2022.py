"""Hypothesis strategies for Ergen et al. 2022 (convex BN programs), re-exported by :mod:`bnproof.strategies`.

* :func:`regression_data` -- X (n×d) and real targets y, with P_c X ≠ 0 (BN defined) and rows
  in general position up to a conditioning bound, as ``--data`` with real targets would accept.
* :func:`bn_nets` -- random two-layer BN ReLU networks (:class:`bnproof.papers.ergen2022_net.Net`)
  for a given d, width and output dimension.

Elements are bounded finite floats in [-3, 3] drawn with :func:`hypothesis.extra.numpy.arrays`;
datasets are built with :func:`bnproof.data.validate` (``targets="real"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

from bnproof.core.data import Dataset, validate

__all__ = ["regression_data", "bn_nets"]

_BOUND = 3.0


def _array(shape) -> SearchStrategy[np.ndarray]:
    elements = st.floats(-_BOUND, _BOUND, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing())


def _sizes(value: Any, name: str, lo: int) -> SearchStrategy[int]:
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        a, b = value
        if not (isinstance(a, int) and isinstance(b, int) and lo <= a <= b):
            raise InvalidArgument(f"{name}={value!r} must be a range (lo, hi) with {lo} <= lo <= hi")
        return st.integers(a, b)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise InvalidArgument(f"{name}={value!r} must be an int >= {lo}, a (lo, hi) range or a strategy")
    return st.just(value)


def regression_data(n: Any = (3, 8), d: Any = (1, 4), max_condition: float = 1e6) -> SearchStrategy[Dataset]:
    """Datasets (X n×d, real y) whose centred data has condition number ≤ ``max_condition``."""
    ns, ds = _sizes(n, "n", 2), _sizes(d, "d", 1)

    @st.composite
    def build(draw) -> Dataset:
        nn, dd = draw(ns), draw(ds)
        X = draw(_array((nn, dd)))
        y = draw(_array((nn,)))
        s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
        r = min(nn - 1, dd)
        assume(s[0] > 1e-3 and s[r - 1] > s[0] / max_condition)
        return validate(X, y, None, source="hypothesis regression_data", targets="real")

    return build()


def bn_nets(d: int, width: Any = (1, 6), outputs: int = 1) -> SearchStrategy[Any]:
    """Random BN ReLU networks with parameters in [-3, 3] (first-layer columns nonzero)."""
    from bnproof.models.ergen_net import Net

    ms = _sizes(width, "width", 1)

    @st.composite
    def build(draw):
        m = draw(ms)
        W = draw(_array((d, m)))
        assume(np.all(np.linalg.norm(W, axis=0) > 1e-3))
        return Net(W, draw(_array((m,))), draw(_array((m,))), draw(_array((m, outputs))))

    return build()
