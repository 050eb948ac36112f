"""What every strategy of :mod:`bnproof.strategies` draws from, and how it checks its arguments.

One module, used by all strategies, so that they share one convention and one set of checks:

* **Sizes.**  Every size (``n`` samples, ``d`` dimension, ``P`` patches, ``N``/``K``/``B``
  neurons/batches/batch size, ``D``, ``width``, ``layers``, ``outputs``, ``dps``) is a keyword
  named after its symbol and accepts an ``int`` (that size), a pair ``(lo, hi)`` (an int drawn
  in lo..hi, both included) or a strategy of ints; ``None``, where allowed, is the range the
  strategy documents (usually one that depends on another size, e.g. d >= n).  :func:`sizes`
  implements this: fixed values and pairs are checked when the strategy is built, drawn values
  when they are drawn, and anything outside the sizes the strategy can build raises
  :class:`hypothesis.errors.InvalidArgument`.
* **Elements.**  Drawn arrays are float64 with every element in [-3, 3], finite, not subnormal
  (:func:`float_arrays`), drawn by :func:`hypothesis.extra.numpy.arrays` with no fill value, so
  a drawn matrix is generic (full rank) far more often than a mostly-constant one.
* **Data checks.**  The conditioning tests that decide whether a drawn instance keeps a
  strategy's guarantee (:func:`condition`, :func:`relative_residual`,
  :func:`centred_singular_values`), so that a strategy and its tests measure the same thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

__all__ = ["ELEMENT_BOUND", "Size", "sizes", "size_range", "flags", "positive_numbers", "fraction", "scale_range",
           "elements", "float_arrays", "labels", "seeds",
           "condition", "relative_residual", "centred_singular_values"]

ELEMENT_BOUND = 3.0  # every drawn array element lies in [-ELEMENT_BOUND, ELEMENT_BOUND]

Size = int | tuple[int, int] | SearchStrategy  # an int, a range (lo, hi) or a strategy of ints


# --- arguments ------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _checked(name: str, lo: int, hi: int):
    def check(value: Any) -> int:
        if not _is_int(value) or not lo <= value <= hi:
            raise InvalidArgument(f"{name} drew {value!r}; it must be an int in [{lo}, {hi}]")
        return int(value)

    return check


def sizes(value: Size, name: str, lo: int = 1, hi: int = 10_000) -> SearchStrategy[int]:
    """``value`` as a strategy of ints in [lo, hi]: an int, an inclusive pair (a, b) or a strategy.

    [lo, hi] is what the calling strategy can build; an int or a pair outside it raises
    :class:`InvalidArgument` here, a drawn value outside it when drawn.
    """
    if isinstance(value, SearchStrategy):
        return value.map(_checked(name, lo, hi))
    if isinstance(value, tuple):
        if not (len(value) == 2 and all(_is_int(v) for v in value) and lo <= value[0] <= value[1] <= hi):
            raise InvalidArgument(f"{name}={value!r}: a range must be a pair (a, b) of ints with "
                                  f"{lo} <= a <= b <= {hi}")
        return st.integers(int(value[0]), int(value[1]))
    if not _is_int(value):
        raise InvalidArgument(f"{name}={value!r} must be an int, a pair (lo, hi) of ints or a strategy of ints")
    if not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value!r} must be in [{lo}, {hi}]")
    return st.just(int(value))


def size_range(value: Size) -> tuple[int, int] | None:
    """The range (lo, hi) an int or pair size allows; None for a strategy (known only when drawn).

    For eager checks between sizes, e.g. that n <= d can hold at all.
    """
    if isinstance(value, tuple):
        return int(value[0]), int(value[1])
    return (int(value), int(value)) if _is_int(value) else None


def flags(value: Any) -> SearchStrategy[Any]:
    """A switch given as a fixed value or as a strategy (e.g. ``recenter=True`` or ``st.booleans()``)."""
    return value if isinstance(value, SearchStrategy) else st.just(value)


def positive_numbers(value: Any, name: str, lo: float = 0.0) -> SearchStrategy[float]:
    """``value`` as a strategy of floats > ``lo``: a finite number (checked now) or a strategy (drawn values checked)."""
    def check(x: Any) -> float:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)) \
                or not (np.isfinite(x) and x > lo):
            raise InvalidArgument(f"{name}={x!r} must be a finite number > {lo}")
        return float(x)

    if isinstance(value, SearchStrategy):
        return value.map(check)
    return st.just(check(value))


def fraction(value: Any, name: str) -> float:
    """``value`` checked to be a number in (0, 1] (a relative threshold such as a condition number bound)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name}={value!r} must be a number in (0, 1]") from None
    if not 0 < x <= 1:
        raise InvalidArgument(f"{name}={value!r} must be in (0, 1]")
    return x


def scale_range(value: Any, name: str) -> tuple[float, float]:
    """``value`` checked to be a pair (lo, hi) with 0 < lo <= hi < inf."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name}={value!r} must be a pair (lo, hi)") from None
    if not (0 < lo <= hi and np.isfinite(hi)):
        raise InvalidArgument(f"{name}={value!r} must satisfy 0 < lo <= hi < inf")
    return lo, hi


# --- drawn numbers ---------------------------------------------------------------------------


def elements() -> SearchStrategy[float]:
    """Floats in [-3, 3]: no NaN, no infinities, no subnormals."""
    return st.floats(-ELEMENT_BOUND, ELEMENT_BOUND, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def float_arrays(shape: Any) -> SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with every element drawn from :func:`elements`."""
    # fill=nothing(): every element is drawn, not mostly one repeated fill value, so a drawn
    # matrix is generic (full rank) far more often.
    return hnp.arrays(np.float64, shape, elements=elements(), fill=st.nothing())


def labels(n: int) -> SearchStrategy[np.ndarray]:
    """int64 arrays of n labels ±1."""
    return hnp.arrays(np.int64, (n,), elements=st.sampled_from((-1, 1)), fill=st.nothing())


def seeds() -> SearchStrategy[int]:
    """Seeds for :func:`numpy.random.default_rng`: drawn by Hypothesis, so examples shrink and replay."""
    return st.integers(0, 2**32 - 1)


# --- checks on drawn data --------------------------------------------------------------------


def condition(X: np.ndarray) -> float:
    """σ_min(X)/σ_max(X) (0 for the zero matrix): 1/condition number; > 0 iff X has full rank."""
    sv = np.linalg.svd(X, compute_uv=False)
    return 0.0 if sv[0] == 0 else float(sv[-1] / sv[0])


def relative_residual(X: np.ndarray, y: np.ndarray) -> float:
    """min_w ‖Xw - y‖ / ‖y‖: the distance of y from range(X), relative."""
    yf = y.astype(np.float64)
    sol, *_ = np.linalg.lstsq(X, yf, rcond=None)
    return float(np.linalg.norm(X @ sol - yf) / np.linalg.norm(yf))


def centred_singular_values(X: np.ndarray) -> np.ndarray:
    """The r = min(n-1, d) leading singular values of X minus its column means (X is n×d).

    Centring removes one direction (the rows of X - mean sum to zero), so at most n-1 singular
    values can be non-zero: the centred data (BN's input) is generic iff the r-th is not small.
    """
    n, d = X.shape
    r = min(n - 1, d)
    return np.linalg.svd(X - X.mean(axis=0), compute_uv=False)[:r]
