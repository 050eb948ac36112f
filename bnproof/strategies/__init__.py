"""Hypothesis strategies for property-based tests of bnproof, in the style of ``hypothesis.extra.numpy``.

Every data strategy draws bounded, finite float arrays with :func:`hypothesis.extra.numpy.arrays`
(elements in [-3, 3], no NaN, no infinities, no subnormals) and builds a
:class:`bnproof.data.Dataset` with :func:`bnproof.data.validate`, so a drawn instance is exactly
what ``--data`` would accept.  The guarantees each strategy makes are stated in its docstring;
instances that cannot meet them are filtered with :func:`hypothesis.assume` (rarely, see the
notes per strategy) or repaired by construction.

Sizes ``n`` (samples) and ``d`` (dimension) may be given as ints or as strategies of ints.

The settings profiles ``ci``, ``dev`` and ``thorough`` are registered by the ``hypothesis`` entry
point :func:`bnproof._hypothesis_profiles.register_profiles` (declared in ``pyproject.toml``);
``_hypothesis_setup_hook`` here is the same function, kept for callers of the old name.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

from bnproof._hypothesis_profiles import register_profiles
from bnproof.core.data import Dataset, validate
from bnproof.core.precision import FlintContext, MpmathContext
from bnproof.strategies.bn_init import batches as init_batches
from bnproof.strategies.bn_init import components as bn_components
from bnproof.strategies.bn_init import (
    generic_batches,
    low_rank_batches,
    near_degenerate_batches,
)
from bnproof.strategies.ergen2022 import bn_nets, regression_data
from bnproof.strategies.meanfield import bn_batches, correlations, popnets
from bnproof.strategies.patches import patch_data
from bnproof.strategies.scale_invariant import (
    bn_mlps,
    bn_regressions,
    nonzero_weights,
    scale_invariant_models,
    sphere_toys,
)

__all__ = [
    "separable_data",
    "uniform_margin_data",
    "no_uniform_margin_data",
    "patch_data",
    "sphere_toys",
    "bn_regressions",
    "bn_mlps",
    "scale_invariant_models",
    "nonzero_weights",
    "regression_data",
    "bn_nets",
    "init_batches",
    "generic_batches",
    "low_rank_batches",
    "near_degenerate_batches",
    "bn_components",
    "bn_batches",
    "correlations",
    "popnets",
    "contexts",
    "losses",
]

# Strategies defined in their own modules (one per data family) and re-exported here, so the
# public API stays in one place.
_REEXPORTED = {"patch_data", "sphere_toys", "bn_regressions", "bn_mlps", "scale_invariant_models",
               "nonzero_weights", "regression_data", "bn_nets",
               "init_batches", "generic_batches", "low_rank_batches", "near_degenerate_batches", "bn_components",
               "bn_batches", "correlations", "popnets"}

# Bound on the drawn array elements.
_ELEMENT_BOUND = 3.0

_LOSSES = ("exp", "logistic")  # == bnproof.symbolic.bn_linear.LOSSES (not imported: sympy is heavy)


# --- helpers ---------------------------------------------------------------------------------


def _elements() -> SearchStrategy[float]:
    return st.floats(-_ELEMENT_BOUND, _ELEMENT_BOUND, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def _float_array(shape) -> SearchStrategy[np.ndarray]:
    # fill=nothing(): every element is drawn, not mostly one repeated fill value, so a
    # drawn matrix is generic (full rank) far more often.
    return hnp.arrays(np.float64, shape, elements=_elements(), fill=st.nothing())


def _labels(n: int) -> SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int64, (n,), elements=st.sampled_from((-1, 1)), fill=st.nothing())


def _int_strategy(value: Any, name: str, lo: int, hi: int) -> SearchStrategy[int]:
    """``value`` as a strategy of ints: an int is checked eagerly, a strategy is used as is."""
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgument(f"{name}={value!r} must be an int or a strategy of ints")
    if not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value!r} must be in [{lo}, {hi}]")
    return st.just(int(value))


def _float_strategy(value: Any, name: str, lo: float) -> SearchStrategy[float]:
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidArgument(f"{name}={value!r} must be a number or a strategy of numbers")
    if not (np.isfinite(value) and value > lo):
        raise InvalidArgument(f"{name}={value!r} must be finite and > {lo}")
    return st.just(float(value))


def _range(value: Any, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name}={value!r} must be a pair (lo, hi)") from None
    if not (0 < lo <= hi and np.isfinite(hi)):
        raise InvalidArgument(f"{name}={value!r} must satisfy 0 < lo <= hi < inf")
    return lo, hi


def _condition(X: np.ndarray) -> float:
    """Smallest over largest singular value of X (0 for the zero matrix)."""
    sv = np.linalg.svd(X, compute_uv=False)
    return 0.0 if sv[0] == 0 else float(sv[-1] / sv[0])


def _relative_residual(X: np.ndarray, y: np.ndarray) -> float:
    """min_w ‖Xw - y‖ / ‖y‖ (the distance of y from range(X), relative)."""
    yf = y.astype(np.float64)
    sol, *_ = np.linalg.lstsq(X, yf, rcond=None)
    return float(np.linalg.norm(X @ sol - yf) / np.linalg.norm(yf))


# --- strategies ------------------------------------------------------------------------------


def separable_data(
    n: int | SearchStrategy[int] = st.integers(2, 8),
    d: int | SearchStrategy[int] = st.integers(2, 12),
    margin: float | SearchStrategy[float] = 0.1,
) -> SearchStrategy[Dataset]:
    """Data sets linearly separable through the origin with margin at least ``margin``.

    Generated: a unit vector w* (drawn, normalised), points X (n×d, elements drawn in [-3, 3]),
    labels y_i = sign⟨w*, x_i⟩ (+1 on the hyperplane); every point with y_i⟨w*, x_i⟩ < margin
    is then moved along y_i·w* until y_i⟨w*, x_i⟩ = margin (a little more, so that the bound
    survives float64 rounding).

    Guarantees, for every drawn ``ds``:

    * ``ds.w0`` is the separator w*: ``‖w0‖ = 1`` (to rounding) and
      ``ds.y * (ds.X @ ds.w0) >= margin`` elementwise, evaluated in float64;
    * ``ds.X`` is finite with ``|X_ij| <= 3 + margin·(1 + 1e-6) + 1e-12`` (3 + margin up to
      rounding); ``ds.y`` are ±1 integers;
    * ``ds.n``, ``ds.d`` are drawn from ``n`` and ``d`` (ints or strategies; n >= 2, d >= 1).

    Filtering: none in practice -- every draw meets the guarantees by construction (a final
    ``assume`` only guards against float64 rounding).
    """
    n_st = _int_strategy(n, "n", 2, 10_000)
    d_st = _int_strategy(d, "d", 1, 10_000)
    margin_st = _float_strategy(margin, "margin", 0.0)

    @st.composite
    def build(draw) -> Dataset:
        n_, d_ = draw(n_st), draw(d_st)
        mg = draw(margin_st)
        if n_ < 2 or d_ < 1 or not (np.isfinite(mg) and mg > 0):
            raise InvalidArgument(f"separable_data drew n={n_}, d={d_}, margin={mg}; "
                                  f"need n >= 2, d >= 1, margin > 0")
        v = draw(_float_array((d_,)))
        norm = np.linalg.norm(v)
        if not norm > 1e-6:  # degenerate draw (e.g. all zeros): use e_1 instead of filtering
            v = np.zeros(d_)
            v[0], norm = 1.0, 1.0
        w = v / norm
        X = draw(_float_array((n_, d_)))
        p = X @ w
        y = np.where(p >= 0, 1, -1)
        target = mg * (1 + 1e-9)
        shift = np.maximum(target - y * p, 0.0)
        X = X + (shift * y)[:, None] * w[None, :]
        # float64 rounding of X @ w can in principle still undershoot; push a little more
        eps = np.finfo(np.float64).eps
        for _ in range(3):
            deficit = mg - y * (X @ w)
            if np.all(deficit <= 0):
                break
            bump = np.where(deficit > 0, 2 * deficit + 8 * eps * (np.abs(X) @ np.abs(w) + mg), 0.0)
            X = X + (bump * y)[:, None] * w[None, :]
        assume(np.all(y * (X @ w) >= mg))  # never fails in practice; guards the guarantee
        return validate(X, y, w, source=f"hypothesis separable_data(n={n_}, d={d_}, margin={mg:g})")

    return build()


def uniform_margin_data(
    n: int | SearchStrategy[int] = st.integers(2, 8),
    d: int | SearchStrategy[int] | None = None,
    *,
    min_condition: float = 0.6,
    w0_scale: tuple[float, float] = (0.75, 1.1),
) -> SearchStrategy[Dataset]:
    """Data sets for which a uniform-margin solution exists and GD reaches it quickly (uncentred BN).

    Generated: a raw array (n×d, n <= d, elements drawn in [-3, 3]) whose singular values are
    then clipped from below at ``min_condition``·σ_max (a no-op when the draw is already that
    well conditioned; otherwise X = U·clip(S)·Vᵀ from the SVD, rescaled if needed so that
    |X_ij| <= 3); random ±1 labels; and w0 = ρ·σ_min(X)·u/‖Xu‖ for a drawn direction u and a
    drawn ρ in ``w0_scale``.  ``d`` defaults to an int drawn in [n, max(n, 12)].

    Guarantees, for every drawn ``ds``:

    * ``ds.n <= ds.d``, |X_ij| <= 3 and σ_min(X)/σ_max(X) >= ``min_condition`` (up to float64
      rounding: rows linearly independent, conditioning guarded), hence ŵ = Xᵀ(XXᵀ)⁻¹y satisfies
      y_i⟨ŵ, x_i⟩ = 1 for all i and ``uniform_margin_exists(ds, center=False)[0]`` is True;
    * ``ds.w0`` is set and ‖X w0‖ = ρ·σ_min(X) with ρ in ``w0_scale``, so
      ‖w0‖_Σ = ‖X w0‖/√n > 0.

    Why these defaults (measured, not proved): the model is invariant under X -> αX, and the late
    rate of GD, exp(-(c/3) log³(ηt)) with c = λ_min/(n‖w_∞‖²_Σ), depends on ‖w‖_Σ relative to the
    small singular values of X.  An absolute ‖w0‖ in [0.5, 3] gives instances that need 10⁶+
    steps, so w0 is scaled by σ_min(X).  A w0 whose margins have mixed signs must rotate first,
    which inflates ‖w‖_Σ (by a factor 3-4 on bad instances) and slows the late rate by that
    factor squared; how much depends mostly on the conditioning of X.  Measured with GD at
    η = 0.1 for 3000 steps (n <= 6, d <= 10, both losses), largest final gap found:

    * condition >= 0.2, ρ in [0.75, 1.25]: about 0.4 % of random instances above 1e-6
      (worst 2e-3);
    * condition >= 0.5, ρ in [0.75, 1.25]: Hypothesis' targeted search found 3e-7;
    * condition >= 0.6, ρ in [0.75, 1.1] (the defaults): targeted search found 2.5e-10.

    ρ below ~0.6 is slow too (the first steps then inflate ‖w‖_Σ along the large singular
    directions).

    Filtering: draws with d < n, an (almost) zero raw array, or u (almost) in the null space
    of X are rejected with ``assume``.
    """
    n_st = _int_strategy(n, "n", 2, 10_000)
    d_st = None if d is None else _int_strategy(d, "d", 2, 10_000)
    if isinstance(n, int) and isinstance(d, int) and n > d:
        raise InvalidArgument(f"uniform_margin_data needs n <= d, got n={n}, d={d}")
    if not 0 < float(min_condition) <= 1:
        raise InvalidArgument(f"min_condition={min_condition!r} must be in (0, 1]")
    lo, hi = _range(w0_scale, "w0_scale")
    # clip a little above the bound so float64 rounding in U·S·Vᵀ cannot undershoot it
    clip = min(1.0, float(min_condition) * (1 + 1e-6))

    @st.composite
    def build(draw) -> Dataset:
        n_ = draw(n_st)
        d_ = draw(st.integers(n_, max(n_, 12)) if d_st is None else d_st)
        assume(n_ <= d_)
        X = draw(_float_array((n_, d_)))
        assume(np.max(np.abs(X)) >= 1e-3)
        if _condition(X) < min_condition:
            U, S, Vt = np.linalg.svd(X, full_matrices=False)
            X = (U * np.maximum(S, clip * S[0])) @ Vt
            X *= min(1.0, _ELEMENT_BOUND / np.max(np.abs(X)))
            X = np.clip(X, -_ELEMENT_BOUND, _ELEMENT_BOUND)  # the scaling can round one ulp past 3
        cond = _condition(X)
        assume(cond >= min_condition)  # holds by construction; guards float64 rounding
        y = draw(_labels(n_))
        u = draw(_float_array((d_,)))
        assume(np.any(u != 0))
        u = u / np.max(np.abs(u))  # tiny draws: keep ‖u‖² clear of float64 underflow
        sv = np.linalg.svd(X, compute_uv=False)
        xu = np.linalg.norm(X @ u)
        assume(xu > 1e-6 * sv[0] * np.linalg.norm(u))
        rho = draw(st.floats(lo, hi))
        w0 = u * (rho * sv[-1] / xu)
        return validate(X, y, w0, source=(f"hypothesis uniform_margin_data(n={n_}, d={d_}, "
                                          f"condition={cond:.3g}, rho={rho:.3g})"))

    return build()


def no_uniform_margin_data(
    n: int | SearchStrategy[int] | None = None,
    d: int | SearchStrategy[int] = st.integers(1, 5),
    *,
    min_condition: float = 0.1,
    min_residual: float = 0.05,
) -> SearchStrategy[Dataset]:
    """Data sets with n > d for which *no* uniform-margin solution exists (uncentred BN).

    Generated: X (n×d, elements drawn in [-3, 3]) with n > d (``n`` defaults to an int drawn in
    [d + 1, d + 4]; a draw with n <= d is rejected), ±1 labels, and w0 = u/‖u‖ for a drawn u
    with Xu ≠ 0.

    Guarantees, for every drawn ``ds``:

    * ``ds.n > ds.d``, σ_min(X)/σ_max(X) >= ``min_condition`` (full column rank);
    * y is not in range(X): ``uniform_margin_exists(ds, center=False)[0]`` is False, and the
      relative residual min_w ‖Xw - y‖/‖y‖ is at least ``min_residual``.  Because every
      normalised-margin vector m(w) lies in D_y·range(X), this bounds the margin gap of *every*
      w from below: max_i |±m_i(w) - 1| >= ‖m - 1‖/√n >= ``min_residual``;
    * ``ds.w0`` is a unit vector with ‖w0‖_Σ > 0.

    Filtering: draws violating any of these are rejected with ``assume`` (for generic X with
    n > d almost every label vector is far from range(X), so rejections are rare).
    """
    d_st = _int_strategy(d, "d", 1, 10_000)
    n_st = None if n is None else _int_strategy(n, "n", 2, 10_000)
    if isinstance(n, int) and isinstance(d, int) and n <= d:
        raise InvalidArgument(f"no_uniform_margin_data needs n > d, got n={n}, d={d}")
    if not 0 < float(min_condition) <= 1:
        raise InvalidArgument(f"min_condition={min_condition!r} must be in (0, 1]")
    if not 0 < float(min_residual) <= 1:
        raise InvalidArgument(f"min_residual={min_residual!r} must be in (0, 1]")

    @st.composite
    def build(draw) -> Dataset:
        from bnproof.models.bn_linear import uniform_margin_exists

        d_ = draw(d_st)
        n_ = draw(st.integers(max(d_ + 1, 2), max(d_ + 4, 2)) if n_st is None else n_st)
        assume(n_ > d_ and n_ >= 2)
        X = draw(_float_array((n_, d_)))
        assume(_condition(X) >= min_condition)
        y = draw(_labels(n_))
        assume(_relative_residual(X, y) >= min_residual)
        u = draw(_float_array((d_,)))
        assume(np.any(u != 0))
        u = u / np.max(np.abs(u))  # tiny draws: keep ‖u‖² clear of float64 underflow
        assume(np.linalg.norm(X @ u) > 1e-6 * np.linalg.norm(X) * np.linalg.norm(u))
        w0 = u / np.linalg.norm(u)
        ds = validate(X, y, w0, source=f"hypothesis no_uniform_margin_data(n={n_}, d={d_})")
        assume(uniform_margin_exists(ds, center=False)[0] is False)
        return ds

    return build()


def contexts(dps: int | SearchStrategy[int] = st.integers(30, 80)) -> SearchStrategy[Any]:
    """High-precision arithmetic contexts: ``MpmathContext(dps)`` or ``FlintContext(dps)``.

    ``dps`` (decimal digits) is an int or a strategy of ints, each at least 15.  The drawn
    context is immutable; its precision applies inside ``with ctx.scope():``.
    """
    dps_st = _int_strategy(dps, "dps", 15, 100_000)
    return st.tuples(st.sampled_from((MpmathContext, FlintContext)), dps_st).map(
        lambda t: t[0](dps=t[1]))


def losses() -> SearchStrategy[str]:
    """The losses the BN linear model supports: ``"exp"`` or ``"logistic"`` (shrinks to ``"exp"``)."""
    return st.sampled_from(_LOSSES)


# --- settings profiles (the ``hypothesis`` entry point) --------------------------------------


# The settings profiles live in bnproof._hypothesis_profiles (the entry point; see there why).
_hypothesis_setup_hook = register_profiles


def _check_exports(_public: set[str]) -> None:
    _public = _public | _REEXPORTED
    assert set(__all__) == _public, (set(__all__) - _public, _public - set(__all__))


_check_exports({name for name, obj in globals().items()
                if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == __name__})
del _check_exports
