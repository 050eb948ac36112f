"""Claim parameters and the run configuration.

:class:`Param` is a parameter a claim declares (``--param name=value`` on the command line),
with its type, choices and numeric range checked when the value is parsed; :class:`RunConfig`
is everything a check may read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from bnproof.core.errors import BadInput

__all__ = ["Param", "ListOf", "RunConfig", "with_params"]


def _parse_bool(text: str) -> bool:
    t = str(text).strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


_PARSERS: dict[type, Callable[[str], Any]] = {int: int, float: float, str: str, bool: _parse_bool}


@dataclass(frozen=True)
class Bounds:
    """A numeric range; ``None`` is unbounded on that side, ``*_open`` excludes the bound itself."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, value: Any) -> bool:
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            return False
        return not (self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi)))

    def text(self) -> str:
        left = "-inf" if self.lo is None else f"{self.lo:g}"
        right = "inf" if self.hi is None else f"{self.hi:g}"
        return f"{'(' if self.lo is None or self.lo_open else '['}{left}, {right}{')' if self.hi is None or self.hi_open else ']'}"

    @property
    def bounded(self) -> bool:
        return self.lo is not None or self.hi is not None


@dataclass(frozen=True)
class ListOf:
    """The type of a comma-separated list parameter, e.g. ``Param("widths", "64,128", ..., type=ListOf(int, 8, 4096))``.

    Every item is parsed as ``item`` and checked against the range; ``min_len`` items at least;
    ``unique_sorted`` returns the sorted distinct values (a sweep), otherwise the order given.
    """

    item: type
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    min_len: int = 1
    unique_sorted: bool = True

    @property
    def __name__(self) -> str:  # noqa: A003  (read like a type's name in `bnproof list --json`)
        return f"list[{self.item.__name__}]"

    def parse(self, text: str, name: str) -> list:
        bounds = Bounds(self.lo, self.hi, self.lo_open, self.hi_open)
        noun = "integers" if self.item is int else "numbers"
        values = []
        for part in str(text).replace(" ", "").split(","):
            if not part:
                continue
            try:
                v = _PARSERS.get(self.item, self.item)(part)
            except ValueError:
                raise BadInput(f"--param {name}: expected comma-separated {noun}, got {text!r}") from None
            if self.item is float and not math.isfinite(v):
                raise BadInput(f"--param {name}: expected finite numbers, got {part!r}")
            if not bounds.contains(v):
                raise BadInput(f"--param {name}: each value must be in {bounds.text()}, got {part}")
            values.append(v)
        if self.unique_sorted:
            values = sorted(set(values))
        if len(values) < self.min_len:
            raise BadInput(f"--param {name}: give at least {self.min_len} value{'s' if self.min_len > 1 else ''}")
        return values


@dataclass(frozen=True)
class Param:
    """A claim parameter settable with ``--param name=value``.

    ``type`` is ``int``, ``float``, ``str``, ``bool`` or a :class:`ListOf`; numeric values are
    checked against [lo, hi] (open ends with ``lo_open``/``hi_open``) when parsed.
    """

    name: str
    default: Any
    help: str
    type: Any = str
    choices: tuple[Any, ...] | None = None
    lo: float | None = None  # numeric range checked by parse(); None: unbounded on that side
    hi: float | None = None
    lo_open: bool = False  # True: the bound itself is excluded
    hi_open: bool = False
    tolerance: bool = False  # a tolerance of the decision: its range keeps the claim's meaning, and a
    # record run with a non-default value says so (``tolerance_overrides``)

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.lo, self.hi, self.lo_open, self.hi_open)

    def value(self, raw: str | None) -> Any:
        """The parsed ``raw`` value, or the default when ``raw`` is None (list defaults are parsed too)."""
        if raw is not None:
            return self.parse(raw)
        if isinstance(self.type, ListOf):
            d = self.default
            return self.type.parse(",".join(map(str, d)) if isinstance(d, (list, tuple)) else str(d), self.name)
        return self.default

    def parse(self, text: str) -> Any:
        if isinstance(self.type, ListOf):
            return self.type.parse(text, self.name)
        try:
            value = _PARSERS[self.type](text)
        except ValueError:
            raise BadInput(f"--param {self.name}: expected {self.type.__name__}, got {text!r}") from None
        if self.type is float and not math.isfinite(value):
            raise BadInput(f"--param {self.name}: expected a finite number, got {text!r}")
        if self.choices is not None and value not in self.choices:
            raise BadInput(f"--param {self.name}: must be one of {', '.join(map(str, self.choices))}")
        if not self.bounds.contains(value):
            raise BadInput(f"--param {self.name}: must be in {self.range_text()}, got {text}")
        return value

    def range_text(self) -> str:
        return self.bounds.text()

    def to_dict(self) -> dict:
        d = {"default": self.default, "type": self.type.__name__, "help": self.help}
        if self.tolerance:
            d["tolerance"] = True
        if self.choices is not None:
            d["choices"] = list(self.choices)
        bounds = Bounds(self.type.lo, self.type.hi, self.type.lo_open, self.type.hi_open) \
            if isinstance(self.type, ListOf) else self.bounds
        if bounds.bounded:
            d["range"] = bounds.text()
        return d


@dataclass(frozen=True)
class RunConfig:
    """Everything a check may read.  ``None`` for a common option means the claim's default."""

    seed: int = 0
    dps: int | None = None
    steps: int | None = None
    eta: str | None = None
    loss: str | None = None
    data: Any = None  # bnproof.data.Dataset
    params: Mapping[str, str] = field(default_factory=dict)  # raw --param values
    quick: bool = False
    progress: Callable[[str, int, int], None] | None = None


def with_params(config: RunConfig, **params: str) -> RunConfig:
    """A copy of ``config`` with extra ``--param`` values (for composing checks and tests)."""
    return replace(config, params={**config.params, **{k: str(v) for k, v in params.items()}})
