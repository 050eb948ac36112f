"""Hypothesis strategy for patch data (the BN linear CNN of Cao et al. 2023), re-exported by
:mod:`bnproof.strategies`.

Kept in its own module, with its own small helpers, so that ``bnproof.strategies`` can import it
at module level without an import cycle.  Like the other strategies it draws bounded finite
float arrays (elements in [-3, 3]) with :func:`hypothesis.extra.numpy.arrays` and builds the
:class:`bnproof.data.Dataset` with :func:`bnproof.data.validate`, so every instance is exactly
what ``--data`` would accept.
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

__all__ = ["patch_data"]

_BOUND = 3.0


def _array(shape) -> SearchStrategy[np.ndarray]:
    elements = st.floats(-_BOUND, _BOUND, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    # fill=nothing(): every element drawn, so drawn matrices are generic (full rank) far more often
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing())


def _ints(value: Any, name: str, lo: int, hi: int) -> SearchStrategy[int]:
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgument(f"{name}={value!r} must be an int or a strategy of ints")
    if not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value!r} must be in [{lo}, {hi}]")
    return st.just(int(value))


def patch_data(
    n: int | SearchStrategy[int] = st.integers(2, 4),
    P: int | SearchStrategy[int] = st.integers(2, 3),
    d: int | SearchStrategy[int] | None = None,
    *,
    min_condition: float = 0.2,
    w0_scale: tuple[float, float] = (0.75, 1.25),
) -> SearchStrategy[Dataset]:
    """Patch data sets (X of shape n×P×d) with a patch-wise uniform-margin solution.

    Generated: patches X (n×P×d, elements drawn in [-3, 3]) with nP <= d, random ±1 labels, and
    w0 = ρ·σ_min(X_s)·u/‖X_s u‖ for a drawn direction u and a drawn ρ in ``w0_scale``, where
    X_s is the nP×d matrix of stacked patches.  ``d`` defaults to an int drawn in
    [nP, max(nP, 16)]; a draw with d < nP is rejected.

    Guarantees, for every drawn ``ds``:

    * ``ds.kind == "patches"``, ``ds.X.shape == (n, P, d)`` with n >= 2, P >= 1, ``n*P <= d``;
    * σ_min(X_s)/σ_max(X_s) >= ``min_condition``: the nP patches are linearly independent, so
      ŵ = X_sᵀ(X_s X_sᵀ)⁻¹ỹ (ỹ: labels repeated per patch) has y_i⟨ŵ, x_i^(p)⟩ = 1 for every i, p
      and ``bnproof.papers.cao2023_cnn.patchwise_solution(ds)[0]`` is True;
    * ``ds.w0`` is set and ‖X_s w0‖ = ρ·σ_min(X_s), ρ in ``w0_scale``, so ‖w0‖_Σ > 0.

    Why w0 is scaled relative to X_s: the model is invariant under X -> αX, and the late rate
    (exp(-c∞ log²(ηt)) with c∞ ∝ 1/‖w‖²_Σ relative to the spectrum of the patch Gram matrix)
    depends on ‖w‖_Σ relative to σ_min(X_s); with this scaling a few thousand steps at η = 0.1
    bring the patch gap well below 1e-2 (average pooling; see tests/test_cao2023_cnn.py).

    Filtering: draws with d < nP, with condition below ``min_condition`` or with u (almost) in
    the null space of X_s are rejected with ``assume``.
    """
    n_st = _ints(n, "n", 2, 1_000)
    P_st = _ints(P, "P", 1, 1_000)
    d_st = None if d is None else _ints(d, "d", 1, 10_000)
    if isinstance(n, int) and isinstance(P, int) and isinstance(d, int) and n * P > d:
        raise InvalidArgument(f"patch_data needs n*P <= d, got n={n}, P={P}, d={d}")
    if not 0 < float(min_condition) <= 1:
        raise InvalidArgument(f"min_condition={min_condition!r} must be in (0, 1]")
    try:
        lo, hi = (float(v) for v in w0_scale)
    except (TypeError, ValueError):
        raise InvalidArgument(f"w0_scale={w0_scale!r} must be a pair (lo, hi)") from None
    if not (0 < lo <= hi and np.isfinite(hi)):
        raise InvalidArgument(f"w0_scale={w0_scale!r} must satisfy 0 < lo <= hi < inf")

    @st.composite
    def build(draw) -> Dataset:
        n_, P_ = draw(n_st), draw(P_st)
        N = n_ * P_
        d_ = draw(st.integers(N, max(N, 16)) if d_st is None else d_st)
        assume(n_ >= 2 and P_ >= 1 and N <= d_)
        X = draw(_array((n_, P_, d_)))
        Xs = X.reshape(N, d_)
        sv = np.linalg.svd(Xs, compute_uv=False)
        cond = 0.0 if sv[0] == 0 else float(sv[-1] / sv[0])
        assume(cond >= min_condition)
        y = draw(hnp.arrays(np.int64, (n_,), elements=st.sampled_from((-1, 1)), fill=st.nothing()))
        u = draw(_array((d_,)))
        xu = np.linalg.norm(Xs @ u)
        assume(xu > 1e-6 * sv[0] * np.linalg.norm(u))
        rho = draw(st.floats(lo, hi))
        w0 = u * (rho * sv[-1] / xu)
        return validate(X, y, w0, source=(f"hypothesis patch_data(n={n_}, P={P_}, d={d_}, "
                                          f"condition={cond:.3g}, rho={rho:.3g})"))

    return build()
