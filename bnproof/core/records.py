"""Outcomes and the JSON record of schema ``bnproof.check/1`` (documented in docs/records.md).

A check returns an :class:`Outcome`; :func:`make_record` adds the bookkeeping fields (claim,
statement, environment, elapsed time) and makes every field JSON-ready with :func:`jsonable`.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "INAPPLICABLE",
    "INCONCLUSIVE",
    "REFUTED",
    "SCHEMA",
    "VERDICTS",
    "VERIFIED",
    "Outcome",
    "environment",
    "exit_status",
    "jsonable",
    "make_record",
]

SCHEMA = "bnproof.check/1"
VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE = "verified", "refuted", "inconclusive", "inapplicable"
VERDICTS = (VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE)


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


def make_record(claim: Any, outcome: Outcome, elapsed_s: float) -> dict:
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
    if getattr(claim, "source", ""):
        record["source"] = claim.source
    if outcome.series is not None:
        record["series"] = outcome.series
    return record


def exit_status(records: Sequence[Mapping[str, Any]]) -> int:
    """0 all verified; 1 any refuted; 3 otherwise (inconclusive or inapplicable)."""
    verdicts = {r["verdict"] for r in records}
    if REFUTED in verdicts:
        return 1
    if verdicts <= {VERIFIED}:
        return 0
    return 3
