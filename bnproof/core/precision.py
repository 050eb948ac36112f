"""Precision contexts: one small interface over float64, mpmath and python-flint.

Modelled on mpmath's ``mp``/``fp`` contexts: a context carries the number type and the
working precision, and code written once against it runs at any precision.  A context is
immutable; precision is applied only inside ``with ctx.scope():`` so no library-global
precision leaks out (mpmath's ``mp.dps`` and python-flint's ``ctx.dps`` are process-global).

Three contexts:

* ``Float64Context`` -- NumPy arrays, vectorised kernels (fast, ~16 digits).
* ``MpmathContext(dps)`` -- mpmath ``mpf`` scalars in lists; the reference implementation.
* ``FlintContext(dps)`` -- python-flint ``arb`` balls iterated on *midpoints*: radii are
  dropped after every step (``mid``) because ball radii grow geometrically along a long
  GD trajectory (flintlib/arb#208); trajectory error is estimated instead by a
  precision audit (rerun at about twice the digits and compare), see :mod:`bnproof.engines.audit`.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Sequence

import mpmath
import numpy as np

__all__ = [
    "Context",
    "Float64Context",
    "MpmathContext",
    "FlintContext",
    "get_context",
    "CONTEXT_NAMES",
]

CONTEXT_NAMES = ("float64", "mpmath", "flint")


@dataclass(frozen=True)
class Context:
    """Base class: the operations kernels and runners need, nothing more."""

    dps: int
    name: str = "abstract"
    #: Kernels for a vectorised context operate on whole arrays; scalar contexts on lists.
    vectorized: bool = False

    def with_dps(self, dps: int) -> "Context":
        return type(self)(dps=dps)

    @contextlib.contextmanager
    def scope(self) -> Iterator["Context"]:
        yield self

    # --- conversion -------------------------------------------------------------------
    def num(self, x: Any) -> Any:
        raise NotImplementedError

    def vector(self, xs: Sequence[Any]) -> Any:
        return [self.num(x) for x in xs]

    def matrix(self, rows: Sequence[Sequence[Any]]) -> Any:
        raise NotImplementedError

    def matvec(self, M: Any, v: Any) -> Any:
        raise NotImplementedError

    def solve(self, M: Any, v: Any) -> Any:
        raise NotImplementedError

    def mid(self, v: Any) -> Any:
        """Drop error radii (a no-op except for ball arithmetic)."""
        return v

    def state_vector(self, xs: Sequence[Any]) -> Any:
        """The native form of an iterated vector (what ``gd_update`` takes and returns)."""
        return self.vector(xs)

    def aslist(self, v: Any) -> Any:
        """Native vector -> something the generated comprehensions can iterate."""
        return v

    def gd_update(self, z: Any, eta: Any, M: Any, g: Any) -> Any:
        """z - eta·M g, with radii dropped (the one O(n²) operation of a GD step)."""
        Mg = self.matvec(M, g)
        return self.mid([zi - eta * gi for zi, gi in zip(self.aslist(z), Mg)])

    def to_str(self, x: Any, digits: int | None = None) -> str:
        raise NotImplementedError

    def to_float(self, x: Any) -> float:
        return float(x)

    def log10abs(self, x: Any) -> float:
        """log10|x| as a float, computed in the context so 1e-5000 does not underflow."""
        raise NotImplementedError

    def sum(self, xs: Any) -> Any:
        raise NotImplementedError

    #: names the generated kernels may call; filled by subclasses
    def namespace(self) -> dict[str, Any]:
        raise NotImplementedError


def _exact_rational(x: Any) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        return Fraction(float(x))  # binary floats are exact rationals
    if isinstance(x, str):
        return Fraction(x)  # decimal strings are read exactly, then rounded once
    raise TypeError(f"cannot convert {type(x).__name__} to a number")


@dataclass(frozen=True)
class Float64Context(Context):
    dps: int = 15
    name: str = "float64"
    vectorized: bool = True

    def with_dps(self, dps: int) -> "Context":
        return self  # float64 has one precision

    def num(self, x: Any) -> float:
        return float(_exact_rational(x)) if isinstance(x, str) else float(x)

    def vector(self, xs: Sequence[Any]) -> np.ndarray:
        return np.array([self.num(x) for x in xs], dtype=np.float64)

    def matrix(self, rows: Sequence[Sequence[Any]]) -> np.ndarray:
        return np.array([[self.num(x) for x in row] for row in rows], dtype=np.float64)

    def matvec(self, M: np.ndarray, v: np.ndarray) -> np.ndarray:
        return M @ v

    def solve(self, M: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.linalg.solve(M, v)

    def gd_update(self, z: np.ndarray, eta: Any, M: np.ndarray, g: np.ndarray) -> np.ndarray:
        return z - eta * (M @ g)

    def to_str(self, x: Any, digits: int | None = None) -> str:
        return repr(float(x)) if digits is None else f"{float(x):.{digits}g}"

    def log10abs(self, x: Any) -> float:
        ax = abs(float(x))
        return -math.inf if ax == 0 else math.log10(ax)

    def sum(self, xs: Any) -> float:
        return float(np.sum(xs))

    def namespace(self) -> dict[str, Any]:
        return {
            "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
            "sqrt": np.sqrt, "fabs": np.abs, "vsum": np.sum, "vmax": np.max,
            "sign": np.sign, "one": 1.0, "ctx": self,
        }


@dataclass(frozen=True)
class MpmathContext(Context):
    dps: int = 50
    name: str = "mpmath"

    @contextlib.contextmanager
    def scope(self) -> Iterator["Context"]:
        with mpmath.workdps(self.dps):
            yield self

    def num(self, x: Any) -> mpmath.mpf:
        if isinstance(x, mpmath.mpf):
            return +x
        q = _exact_rational(x)
        return mpmath.mpf(q.numerator) / q.denominator

    def matrix(self, rows: Sequence[Sequence[Any]]) -> mpmath.matrix:
        return mpmath.matrix([[self.num(x) for x in row] for row in rows])

    def matvec(self, M: mpmath.matrix, v: Sequence[Any]) -> list:
        out = M * mpmath.matrix(list(v))
        return [out[i] for i in range(out.rows)]

    def solve(self, M: mpmath.matrix, v: Sequence[Any]) -> list:
        out = mpmath.lu_solve(M, mpmath.matrix(list(v)))
        return [out[i] for i in range(out.rows)]

    def to_str(self, x: Any, digits: int | None = None) -> str:
        return mpmath.nstr(x, digits or self.dps, min_fixed=0, max_fixed=0)

    def log10abs(self, x: Any) -> float:
        return -math.inf if x == 0 else float(mpmath.log10(abs(x)))

    def sum(self, xs: Any) -> mpmath.mpf:
        return mpmath.fsum(xs)

    def namespace(self) -> dict[str, Any]:
        return {
            "exp": mpmath.exp, "expm1": mpmath.expm1, "log": mpmath.log,
            "log1p": mpmath.log1p, "sqrt": mpmath.sqrt, "fabs": abs,
            "vsum": mpmath.fsum, "vmax": max, "sign": mpmath.sign,
            "one": mpmath.mpf(1), "ctx": self,
        }


@dataclass(frozen=True)
class FlintContext(Context):
    dps: int = 50
    name: str = "flint"

    @contextlib.contextmanager
    def scope(self) -> Iterator["Context"]:
        import flint

        with flint.ctx.workdps(self.dps):
            yield self

    def num(self, x: Any) -> Any:
        import flint

        if isinstance(x, flint.arb):
            return x.mid()
        if isinstance(x, (float, np.floating)):
            return flint.arb(float(x))  # exact
        q = _exact_rational(x)
        return flint.arb(flint.fmpq(q.numerator, q.denominator))

    def matrix(self, rows: Sequence[Sequence[Any]]) -> Any:
        import flint

        return flint.arb_mat([[self.num(x) for x in row] for row in rows])

    def matvec(self, M: Any, v: Sequence[Any]) -> list:
        import flint

        return (M * flint.arb_mat([[x] for x in v])).entries()

    def solve(self, M: Any, v: Sequence[Any]) -> list:
        import flint

        return M.solve(flint.arb_mat([[x] for x in v])).mid().entries()

    def mid(self, v: Any) -> Any:
        if isinstance(v, list):
            return [x.mid() for x in v]
        return v.mid()

    # The iterated vector is an n×1 arb_mat: one C call for z - η·G g and one ``mid``
    # per step instead of n Python-level operations (2× faster at n = 16).
    def state_vector(self, xs: Sequence[Any]) -> Any:
        import flint

        return flint.arb_mat([[self.num(x)] for x in xs])

    def aslist(self, v: Any) -> Any:
        return v if isinstance(v, list) else v.entries()

    def gd_update(self, z: Any, eta: Any, M: Any, g: Any) -> Any:
        import flint

        return (z - eta * (M * flint.arb_mat([[x] for x in g]))).mid()

    def to_str(self, x: Any, digits: int | None = None) -> str:
        return x.mid().str(digits or self.dps, radius=False)

    def to_float(self, x: Any) -> float:
        return float(x.mid())

    def log10abs(self, x: Any) -> float:
        import flint

        if x.is_zero():
            return -math.inf
        return float((abs(x).log() / flint.arb(10).log()).mid())

    def sum(self, xs: Any) -> Any:
        import flint

        return sum(xs, flint.arb(0))

    def namespace(self) -> dict[str, Any]:
        import flint

        arb = flint.arb
        return {
            "exp": arb.exp, "expm1": arb.expm1, "log": arb.log, "log1p": arb.log1p,
            "sqrt": arb.sqrt, "fabs": abs, "vsum": self.sum,
            "vmax": lambda xs: max(xs, key=lambda a: a.mid()),
            "sign": lambda a: 1 if a > 0 else (-1 if a < 0 else 0),
            "one": arb(1), "ctx": self,
        }


def get_context(name: str, dps: int = 50) -> Context:
    """Context by name: ``float64``, ``mpmath`` or ``flint``."""
    if name == "float64":
        return Float64Context()
    if name == "mpmath":
        return MpmathContext(dps=dps)
    if name == "flint":
        return FlintContext(dps=dps)
    raise ValueError(f"unknown arithmetic context {name!r}; choose one of {CONTEXT_NAMES}")
