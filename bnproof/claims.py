"""Claims, verdicts, run configuration, records and the registry.

A claim is data plus one pure function: ``check(config) -> Outcome``.  The registry maps
claim ids (``cao2023.linear.rate``) to claims; paper keys (``cao2023``) select all of a
paper's claims.  ``make_record`` turns an outcome into the JSON record of schema
``bnproof.check/1`` (the contract in DESIGN.md).
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from .errors import BadInput, NumericalFailure

__all__ = [
    "SCHEMA",
    "VERDICTS",
    "Param",
    "Claim",
    "RunConfig",
    "Outcome",
    "register",
    "registry",
    "get_claim",
    "resolve",
    "run_claim",
    "make_record",
    "exit_status",
    "environment",
    "jsonable",
]

SCHEMA = "bnproof.check/1"
VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE = "verified", "refuted", "inconclusive", "inapplicable"
VERDICTS = (VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE)


def _parse_bool(text: str) -> bool:
    t = str(text).strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


_PARSERS: dict[type, Callable[[str], Any]] = {int: int, float: float, str: str, bool: _parse_bool}


@dataclass(frozen=True)
class Param:
    """A claim parameter settable with ``--param name=value``."""

    name: str
    default: Any
    help: str
    type: type = str
    choices: tuple[Any, ...] | None = None
    lo: float | None = None  # numeric range checked by parse(); None: unbounded on that side
    hi: float | None = None
    lo_open: bool = False  # True: the bound itself is excluded
    hi_open: bool = False

    def parse(self, text: str) -> Any:
        try:
            value = _PARSERS[self.type](text)
        except ValueError:
            raise BadInput(f"--param {self.name}: expected {self.type.__name__}, got {text!r}") from None
        if self.type is float and not math.isfinite(value):
            raise BadInput(f"--param {self.name}: expected a finite number, got {text!r}")
        if self.choices is not None and value not in self.choices:
            raise BadInput(f"--param {self.name}: must be one of {', '.join(map(str, self.choices))}")
        if not self._in_range(value):
            raise BadInput(f"--param {self.name}: must be in {self.range_text()}, got {text}")
        return value

    def _in_range(self, value: Any) -> bool:
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            return False
        return not (self.hi is not None and (value > self.hi or (self.hi_open and value == self.hi)))

    def range_text(self) -> str:
        left = "-inf" if self.lo is None else f"{self.lo:g}"
        right = "inf" if self.hi is None else f"{self.hi:g}"
        return f"{'(' if self.lo is None or self.lo_open else '['}{left}, {right}{')' if self.hi is None or self.hi_open else ']'}"

    def to_dict(self) -> dict:
        d = {"default": self.default, "type": self.type.__name__, "help": self.help}
        if self.choices is not None:
            d["choices"] = list(self.choices)
        if self.lo is not None or self.hi is not None:
            d["range"] = self.range_text()
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


@dataclass(frozen=True)
class Outcome:
    """What a check returns; ``make_record`` adds the bookkeeping fields."""

    verdict: str
    reason: str
    expected: dict
    measured: dict
    tolerance: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    precision: dict = field(default_factory=dict)
    series: dict | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str  # paper key, e.g. "cao2023"
    citation: str
    summary: str  # one line, for `bnproof list`
    statement: str  # LaTeX
    confidence: str  # "paper" | "recon" | "derived": how sure we are of the statement itself
    assumptions: tuple[str, ...]
    check: Callable[["Claim", RunConfig], Outcome]
    params: tuple[Param, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)  # seed/dps/steps/eta/loss defaults
    takes_data: bool = False
    data_kind: str = "matrix"  # "matrix" (X n×d) or "patches" (X n×P×d), see bnproof.data
    targets: str = "labels"  # what --data's y may hold: "labels" (±1) or "real" (any finite value)
    notes: str = ""

    def param(self, config: RunConfig, name: str) -> Any:
        """Value of a declared parameter: ``--param`` if given, else its default."""
        for p in self.params:
            if p.name == name:
                raw = config.params.get(name)
                return p.default if raw is None else p.parse(raw)
        raise KeyError(name)

    def option(self, config: RunConfig, name: str) -> Any:
        """A common option (dps, steps, eta, loss): the CLI value or the claim's default."""
        value = getattr(config, name)
        return self.defaults.get(name) if value is None else value

    def to_dict(self) -> dict:
        return {
            "id": self.id, "paper": self.paper, "citation": self.citation,
            "summary": self.summary, "statement": self.statement,
            "confidence": self.confidence, "assumptions": list(self.assumptions),
            "takes_data": self.takes_data, "data_kind": self.data_kind, "targets": self.targets,
            "defaults": dict(self.defaults),
            "params": {p.name: p.to_dict() for p in self.params},
        }


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    if claim.id in _REGISTRY:
        raise ValueError(f"claim {claim.id} registered twice")
    _REGISTRY[claim.id] = claim
    return claim


def _load_papers() -> None:
    from . import papers  # noqa: F401  (importing registers the claims)


def registry() -> dict[str, Claim]:
    """Every claim, grouped by paper key (alphabetical), in registration order within a paper.

    Grouping by key, not import order, keeps `bnproof list` stable when one paper module
    imports another (which registers the imported paper's claims first).
    """
    _load_papers()
    order = sorted(_REGISTRY.values(), key=lambda c: c.paper)  # stable: keeps order within a paper
    return {c.id: c for c in order}


def get_claim(claim_id: str) -> Claim:
    reg = registry()
    if claim_id not in reg:
        raise BadInput(f"unknown claim id {claim_id!r} (see `bnproof list`)")
    return reg[claim_id]


def resolve(selectors: Sequence[str], all_claims: bool = False) -> list[Claim]:
    """Claim ids and paper keys -> claims, in registry order, without duplicates."""
    reg = registry()
    if all_claims:
        return list(reg.values())
    chosen: list[Claim] = []
    for sel in selectors:
        hits = [c for c in reg.values() if c.id == sel or c.paper == sel]
        if not hits:
            raise BadInput(f"unknown claim id or paper {sel!r} (see `bnproof list`)")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def environment() -> dict[str, str]:
    import importlib.metadata as md

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for dist in ("bnproof", "sympy", "mpmath", "python-flint", "numpy", "scipy"):
        try:
            env[dist] = md.version(dist)
        except md.PackageNotFoundError:
            env[dist] = "not installed"
    return env


def jsonable(x: Any) -> Any:
    """A record-ready copy: NumPy scalars/arrays -> Python, tuples -> lists, non-finite floats -> None
    (JSON has no NaN).  Strings (the decimal strings of high-precision numbers) pass unchanged."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def make_record(claim: Claim, outcome: Outcome, elapsed_s: float) -> dict:
    """The ``bnproof.check/1`` record of an outcome (its fields made JSON-ready by :func:`jsonable`)."""
    outcome = replace(outcome, **{name: jsonable(getattr(outcome, name))
                                  for name in ("expected", "measured", "tolerance", "params", "precision", "series")})
    record = {
        "schema": SCHEMA,
        "claim": claim.id,
        "paper": claim.citation,
        "statement": claim.statement,
        "confidence": claim.confidence,
        "assumptions": list(claim.assumptions),
        "verdict": outcome.verdict,
        "reason": outcome.reason,
        "expected": outcome.expected,
        "measured": outcome.measured,
        "tolerance": outcome.tolerance,
        "params": outcome.params,
        "precision": outcome.precision,
        "environment": environment(),
        "elapsed_s": round(elapsed_s, 3),
    }
    if claim.notes:
        record["notes"] = claim.notes
    if outcome.series is not None:
        record["series"] = outcome.series
    return record


def run_claim(claim: Claim, config: RunConfig) -> dict:
    """Validate the parameters, run the check, return its record."""
    known = {p.name for p in claim.params}
    unknown = sorted(set(config.params) - known)
    if unknown:
        raise BadInput(f"{claim.id}: unknown --param {unknown[0]!r} (known: {', '.join(sorted(known)) or 'none'})")
    t0 = time.perf_counter()
    try:
        outcome = claim.check(claim, config)
    except NumericalFailure as exc:
        outcome = Outcome(INCONCLUSIVE, f"numerical failure: {exc}", expected={}, measured={},
                          params={k: str(v) for k, v in config.params.items()})
    return make_record(claim, outcome, time.perf_counter() - t0)


def exit_status(records: Sequence[Mapping[str, Any]]) -> int:
    """0 all verified; 1 any refuted; 3 otherwise (inconclusive or inapplicable)."""
    verdicts = {r["verdict"] for r in records}
    if REFUTED in verdicts:
        return 1
    if verdicts <= {VERIFIED}:
        return 0
    return 3


def with_params(config: RunConfig, **params: str) -> RunConfig:
    """A copy of ``config`` with extra ``--param`` values (for composing checks and tests)."""
    return replace(config, params={**config.params, **{k: str(v) for k, v in params.items()}})
