"""Outcomes and the JSON record of schema ``bnproof.check/1`` (documented in docs/records.md).

A check returns an :class:`Outcome`; :func:`make_record` adds the bookkeeping fields (claim,
statement, environment, elapsed time) and makes every field JSON-ready with :func:`jsonable`.
"""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

__all__ = ["SCHEMA", "VERDICTS", "VERIFIED", "REFUTED", "INCONCLUSIVE", "INAPPLICABLE", "Outcome",
           "Curve", "HLine", "Panel", "TimeSeries", "panels", "make_record", "exit_status", "environment", "jsonable"]

SCHEMA = "bnproof.check/1"
VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE = "verified", "refuted", "inconclusive", "inapplicable"
VERDICTS = (VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE)


# --- figure data ------------------------------------------------------------------------------
# A record's ``series`` is what its figure draws: either panels (any x axis) or a time series
# (log-spaced checkpoints of a run).  Checks build them with these types; ``to_dict`` gives the
# JSON form that docs/records.md documents and the report reads.


@dataclass(frozen=True)
class Curve:
    """One line of a panel: ``y`` over the panel's x (or its own ``x``); ``style`` a matplotlib format."""

    label: str
    y: Sequence[Any]
    x: Sequence[Any] | None = None
    style: str | None = None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"label": self.label, "y": list(self.y)}
        if self.x is not None:
            d["x"] = list(self.x)
        if self.style is not None:
            d["style"] = self.style
        return d


@dataclass(frozen=True)
class HLine:
    """A horizontal reference line (a predicted value, a bound)."""

    y: float
    label: str

    def to_dict(self) -> dict:
        return {"y": self.y, "label": self.label}


@dataclass(frozen=True)
class Panel:
    """One axes of a figure whose x axis is not time (depth, width, batch size, a sweep)."""

    title: str
    xlabel: str
    ylabel: str
    x: Sequence[Any]
    curves: Sequence[Curve]
    xscale: str | None = "linear"  # "linear" | "log"; None: not written (the report reads it as linear)
    yscale: str | None = "linear"
    hlines: Sequence[HLine] = ()

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel}
        d.update({k: v for k, v in (("xscale", self.xscale), ("yscale", self.yscale)) if v is not None})
        d.update({"x": list(self.x), "curves": [c.to_dict() for c in self.curves]})
        if self.hlines:
            d["hlines"] = [h.to_dict() for h in self.hlines]
        return d


def panels(*items: Panel) -> dict:
    """The ``series`` of a panel figure."""
    return {"panels": [p.to_dict() for p in items]}


@dataclass(frozen=True)
class TimeSeries:
    """Observables of a run at checkpoints ``t``: exact decimal strings and/or log10 floats.

    ``y`` names the column(s) drawn (one name, or several with ``labels``); the figure plots
    log10 y against ``xscale`` t.
    """

    t: Sequence[int]
    log10: Mapping[str, Sequence[Any]]
    columns: Mapping[str, Sequence[str]] | None  # None: log10 values only
    y: str | Sequence[str]
    title: str
    labels: Mapping[str, str] | None = None
    xscale: str = "log"
    rate: bool | None = None  # draw the -ln y/ln²t panel (None: the report decides from the axes, docs/records.md)

    def to_dict(self) -> dict:
        plot: dict[str, Any] = {"x": "t", "y": self.y if isinstance(self.y, str) else list(self.y)}
        if self.labels is not None:
            plot["labels"] = dict(self.labels)
        plot.update({"xscale": self.xscale, "yscale": "log10", "title": self.title})
        if self.rate is not None:
            plot["rate"] = self.rate
        out: dict[str, Any] = {"t": list(self.t), "log10": {k: list(v) for k, v in self.log10.items()}}
        if self.columns is not None:
            out["columns"] = {k: list(v) for k, v in self.columns.items()}
        out["plot"] = plot
        return out


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
