"""Hypothesis strategy for patch data: the BN linear CNN of Cao et al. 2023.

Like the linear-data strategies (:mod:`bnproof.strategies.linear`) it draws bounded finite
float arrays (elements in [-3, 3]) and builds the :class:`bnproof.core.data.Dataset` with
:func:`bnproof.core.data.validate`, so every instance is exactly what ``--data`` would accept.
Sizes follow the convention of :mod:`bnproof.strategies.validation` (an int, a pair (lo, hi) or
a strategy of ints).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from bnproof.core.data import Dataset, validate
from bnproof.strategies.validation import (
    Size,
    condition,
    float_arrays,
    fraction,
    labels,
    scale_range,
    size_range,
    sizes,
)

__all__ = ["patch_data"]


def patch_data(n: Size = (2, 4), P: Size = (2, 3), d: Size | None = None, *, min_condition: float = 0.2,
               w0_scale: tuple[float, float] = (0.75, 1.25)) -> SearchStrategy[Dataset]:
    """Patch data sets (X of shape n×P×d) with a patch-wise uniform-margin solution.

    Generated: patches X (n×P×d, elements drawn in [-3, 3]) with nP <= d, random ±1 labels, and
    w0 = ρ·σ_min(X_s)·u/‖X_s u‖ for a drawn direction u and a drawn ρ in ``w0_scale``, where
    X_s is the nP×d matrix of stacked patches.  ``d=None`` draws d in
    [nP, max(nP, 16)]; a draw with d < nP is rejected.

    Guarantees, for every drawn ``ds``:

    * ``ds.kind == "patches"``, ``ds.X.shape == (n, P, d)`` with n >= 2, P >= 1, ``n*P <= d``;
    * σ_min(X_s)/σ_max(X_s) >= ``min_condition``: the nP patches are linearly independent, so
      ŵ = X_sᵀ(X_s X_sᵀ)⁻¹ỹ (ỹ: labels repeated per patch) has y_i⟨ŵ, x_i^(p)⟩ = 1 for every i, p
      and the patch-wise solution of the BN CNN exists;
    * ``ds.w0`` is set and ‖X_s w0‖ = ρ·σ_min(X_s), ρ in ``w0_scale``, so ‖w0‖_Σ > 0.

    Why w0 is scaled relative to X_s: the model is invariant under X -> αX, and the late rate
    (exp(-c∞ log²(ηt)) with c∞ ∝ 1/‖w‖²_Σ relative to the spectrum of the patch Gram matrix)
    depends on ‖w‖_Σ relative to σ_min(X_s); with this scaling a few thousand steps at η = 0.1
    bring the patch gap well below 1e-2 (average pooling; see the Cao 2023 CNN tests).

    Filtering: draws with d < nP, with condition below ``min_condition`` or with u (almost) in
    the null space of X_s are rejected with ``assume``.
    """
    n_st, P_st = sizes(n, "n", 2, 1_000), sizes(P, "P", 1, 1_000)
    d_st = None if d is None else sizes(d, "d", 1)
    n_range, P_range = size_range(n), size_range(P)
    d_range = None if d is None else size_range(d)
    if n_range and P_range and d_range and n_range[0] * P_range[0] > d_range[1]:
        raise InvalidArgument(f"patch_data needs n*P <= d, got n={n}, P={P}, d={d}")
    min_condition = fraction(min_condition, "min_condition")
    lo, hi = scale_range(w0_scale, "w0_scale")

    @st.composite
    def build(draw) -> Dataset:
        n_, P_ = draw(n_st), draw(P_st)
        N = n_ * P_
        d_ = draw(st.integers(N, max(N, 16)) if d_st is None else d_st)
        assume(N <= d_)
        X = draw(float_arrays((n_, P_, d_)))
        Xs = X.reshape(N, d_)
        cond = condition(Xs)
        assume(cond >= min_condition)
        sv = np.linalg.svd(Xs, compute_uv=False)
        y = draw(labels(n_))
        u = draw(float_arrays((d_,)))
        xu = np.linalg.norm(Xs @ u)
        assume(xu > 1e-6 * sv[0] * np.linalg.norm(u))
        rho = draw(st.floats(lo, hi))
        w0 = u * (rho * sv[-1] / xu)
        return validate(X, y, w0, source=(f"hypothesis patch_data(n={n_}, P={P_}, d={d_}, "
                                          f"condition={cond:.3g}, rho={rho:.3g})"))

    return build()
