"""Hypothesis strategies for the BN linear model (Cao et al. 2023): labelled data sets and losses.

* :func:`separable_data` -- data separable through the origin with a given margin;
* :func:`uniform_margin_data` -- data (n <= d) with a uniform-margin solution that GD reaches fast;
* :func:`no_uniform_margin_data` -- data (n > d) with no uniform-margin solution, by a margin;
* :func:`losses` -- the losses of the model.

Every data set is a :class:`bnproof.core.data.Dataset` built with :func:`bnproof.core.data.validate`,
so a drawn instance is exactly what ``--data`` would accept.  Sizes follow the convention of
:mod:`bnproof.strategies.validation` (an int, a pair (lo, hi) or a strategy of ints).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from bnproof.core.data import Dataset, validate
from bnproof.models.bn_linear import uniform_margin_exists
from bnproof.strategies.validation import (
    ELEMENT_BOUND,
    Size,
    condition,
    float_arrays,
    fraction,
    labels,
    positive_numbers,
    relative_residual,
    scale_range,
    size_range,
    sizes,
)

__all__ = ["separable_data", "uniform_margin_data", "no_uniform_margin_data", "losses"]

# == bnproof.symbolic.bn_linear.LOSSES (not imported: the symbolic layer loads SymPy, which is
# heavy, and strategies import only core and models); tests/strategies checks they agree.
_LOSSES = ("exp", "logistic")


def separable_data(
    n: Size = (2, 8),
    d: Size = (2, 12),
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
    * ``ds.n`` (>= 2) and ``ds.d`` (>= 1) are drawn from ``n`` and ``d``; ``margin`` (> 0) is a
      number or a strategy of numbers.

    Filtering: none in practice -- every draw meets the guarantees by construction (a final
    ``assume`` only guards against float64 rounding).
    """
    n_st, d_st = sizes(n, "n", 2), sizes(d, "d", 1)
    margin_st = positive_numbers(margin, "margin")

    @st.composite
    def build(draw) -> Dataset:
        n_, d_ = draw(n_st), draw(d_st)
        mg = draw(margin_st)
        v = draw(float_arrays((d_,)))
        norm = np.linalg.norm(v)
        if not norm > 1e-6:  # degenerate draw (e.g. all zeros): use e_1 instead of filtering
            v = np.zeros(d_)
            v[0], norm = 1.0, 1.0
        w = v / norm
        X = draw(float_arrays((n_, d_)))
        p = X @ w
        y = np.where(p >= 0, 1, -1)
        shift = np.maximum(mg * (1 + 1e-9) - y * p, 0.0)
        X = _push_to_margin(X + (shift * y)[:, None] * w[None, :], y, w, mg)
        assume(np.all(y * (X @ w) >= mg))  # never fails in practice; guards the guarantee
        return validate(X, y, w, source=f"hypothesis separable_data(n={n_}, d={d_}, margin={mg:g})")

    return build()


def _push_to_margin(X: np.ndarray, y: np.ndarray, w: np.ndarray, margin: float) -> np.ndarray:
    """Move points still short of the margin after rounding a little further along y_i·w."""
    eps = np.finfo(np.float64).eps
    for _ in range(3):
        deficit = margin - y * (X @ w)
        if np.all(deficit <= 0):
            break
        bump = np.where(deficit > 0, 2 * deficit + 8 * eps * (np.abs(X) @ np.abs(w) + margin), 0.0)
        X = X + (bump * y)[:, None] * w[None, :]
    return X


def uniform_margin_data(n: Size = (2, 8), d: Size | None = None, *, min_condition: float = 0.6,
                        w0_scale: tuple[float, float] = (0.75, 1.1)) -> SearchStrategy[Dataset]:
    """Data sets for which a uniform-margin solution exists and GD reaches it quickly (uncentred BN).

    Generated: a raw array (n×d, n <= d, elements drawn in [-3, 3]) whose singular values are
    then clipped from below at ``min_condition``·σ_max (a no-op when the draw is already that
    well conditioned; otherwise X = U·clip(S)·Vᵀ from the SVD, rescaled if needed so that
    |X_ij| <= 3); random ±1 labels; and w0 = ρ·σ_min(X)·u/‖Xu‖ for a drawn direction u and a
    drawn ρ in ``w0_scale``.  ``d=None`` draws d in [n, max(n, 12)].

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
    n_st = sizes(n, "n", 2)
    d_st = None if d is None else sizes(d, "d", 2)
    n_range, d_range = size_range(n), None if d is None else size_range(d)
    if n_range and d_range and n_range[0] > d_range[1]:
        raise InvalidArgument(f"uniform_margin_data needs n <= d, got n={n}, d={d}")
    min_condition = fraction(min_condition, "min_condition")
    lo, hi = scale_range(w0_scale, "w0_scale")
    # clip a little above the bound so float64 rounding in U·S·Vᵀ cannot undershoot it
    clip = min(1.0, min_condition * (1 + 1e-6))

    @st.composite
    def build(draw) -> Dataset:
        n_ = draw(n_st)
        d_ = draw(st.integers(n_, max(n_, 12)) if d_st is None else d_st)
        assume(n_ <= d_)
        X = draw(float_arrays((n_, d_)))
        assume(np.max(np.abs(X)) >= 1e-3)
        if condition(X) < min_condition:
            X = _clip_singular_values(X, clip)
        cond = condition(X)
        assume(cond >= min_condition)  # holds by construction; guards float64 rounding
        y = draw(labels(n_))
        u = draw(float_arrays((d_,)))
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


def _clip_singular_values(X: np.ndarray, clip: float) -> np.ndarray:
    """X with its singular values raised to at least clip·σ_max, scaled back into [-3, 3]."""
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    X = (U * np.maximum(S, clip * S[0])) @ Vt
    X *= min(1.0, ELEMENT_BOUND / np.max(np.abs(X)))
    return np.clip(X, -ELEMENT_BOUND, ELEMENT_BOUND)  # the scaling can round one ulp past 3


def no_uniform_margin_data(n: Size | None = None, d: Size = (1, 5), *, min_condition: float = 0.1,
                           min_residual: float = 0.05) -> SearchStrategy[Dataset]:
    """Data sets with n > d for which *no* uniform-margin solution exists (uncentred BN).

    Generated: X (n×d, elements drawn in [-3, 3]) with n > d (``n=None`` draws n in
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
    d_st = sizes(d, "d", 1)
    n_st = None if n is None else sizes(n, "n", 2)
    n_range, d_range = None if n is None else size_range(n), size_range(d)
    if n_range and d_range and n_range[1] <= d_range[0]:
        raise InvalidArgument(f"no_uniform_margin_data needs n > d, got n={n}, d={d}")
    min_condition = fraction(min_condition, "min_condition")
    min_residual = fraction(min_residual, "min_residual")

    @st.composite
    def build(draw) -> Dataset:
        d_ = draw(d_st)
        n_ = draw(st.integers(max(d_ + 1, 2), max(d_ + 4, 2)) if n_st is None else n_st)
        assume(n_ > d_)
        X = draw(float_arrays((n_, d_)))
        assume(condition(X) >= min_condition)
        y = draw(labels(n_))
        assume(relative_residual(X, y) >= min_residual)
        u = draw(float_arrays((d_,)))
        assume(np.any(u != 0))
        u = u / np.max(np.abs(u))  # tiny draws: keep ‖u‖² clear of float64 underflow
        assume(np.linalg.norm(X @ u) > 1e-6 * np.linalg.norm(X) * np.linalg.norm(u))
        w0 = u / np.linalg.norm(u)
        ds = validate(X, y, w0, source=f"hypothesis no_uniform_margin_data(n={n_}, d={d_})")
        assume(uniform_margin_exists(ds, center=False)[0] is False)
        return ds

    return build()


def losses() -> SearchStrategy[str]:
    """The losses the BN linear model supports: ``"exp"`` or ``"logistic"`` (shrinks to ``"exp"``)."""
    return st.sampled_from(_LOSSES)
