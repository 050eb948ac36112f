"""Outcomes and the JSON record of schema ``bnproof.check/1`` (documented in docs/records.md).

A check returns an :class:`Outcome`; :func:`make_record` adds the bookkeeping fields (claim,
statement, environment, elapsed time) and makes every field JSON-ready with :func:`jsonable`.
:class:`Record` is the same record from Python (``bnproof.check``): the exact JSON fields plus
typed views, a pandas frame and a notebook table.
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

__all__ = [
    "INAPPLICABLE",
    "INCONCLUSIVE",
    "REFUTED",
    "SCHEMA",
    "VERDICTS",
    "VERDICT_COLOURS",
    "VERIFIED",
    "Outcome",
    "Record",
    "environment",
    "exit_status",
    "jsonable",
    "make_record",
    "source_commit",
    "typed",
]

SCHEMA = "bnproof.check/1"
VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE = "verified", "refuted", "inconclusive", "inapplicable"
VERDICTS = (VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE)
VERDICT_COLOURS = {VERIFIED: "green", REFUTED: "red", INCONCLUSIVE: "yellow", INAPPLICABLE: "blue"}


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


# The distributions bnproof computes with: symbolic derivation, multiprecision arithmetic,
# compiled kernels, solvers, figures.  A record names the version of each (a result is only
# reproducible with the same numerics).
COMPUTING_DISTRIBUTIONS = ("bnproof", "sympy", "mpmath", "python-flint", "numpy", "scipy", "numba", "llvmlite",
                           "cvxpy", "clarabel", "threadpoolctl", "matplotlib")
# ... and those only the sweeps use: named when this process has imported them.
OPTIONAL_DISTRIBUTIONS = {"dask": "dask", "distributed": "distributed", "pandas": "pandas", "pyarrow": "pyarrow"}


def environment() -> dict[str, str]:
    """Python, platform, the version of every library that computed the result, and
    ``source_commit`` (the git commit, ``-dirty`` when tracked files differ) when bnproof runs
    from a checkout.  Never fails: a missing library is "not installed", no git means no commit."""
    env = {"python": platform.python_version(), "platform": platform.platform()}
    optional = tuple(dist for module, dist in OPTIONAL_DISTRIBUTIONS.items() if module in sys.modules)
    env.update(_versions(COMPUTING_DISTRIBUTIONS + optional))
    commit = source_commit()
    if commit:
        env["source_commit"] = commit
    return env


@functools.cache
def _versions(dists: tuple[str, ...]) -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for dist in dists:
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = "not installed"
    return out


@functools.lru_cache(maxsize=1)
def source_commit() -> str | None:
    """``git rev-parse HEAD`` of the checkout bnproof is imported from (``-dirty`` if a tracked
    file differs from it, as ``git describe --dirty``), or None: not a checkout, no git, or git
    slower than two seconds.  Computed once per process."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../bnproof

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", package, *args], capture_output=True, text=True, timeout=2,
                              stdin=subprocess.DEVNULL, check=False)

    try:
        top = git("rev-parse", "--show-toplevel")
        # an installed copy inside some other repository is not a checkout of bnproof
        if top.returncode or os.path.realpath(top.stdout.strip()) != os.path.realpath(os.path.dirname(package)):
            return None
        head = git("rev-parse", "HEAD")
        if head.returncode:
            return None
        dirty = git("diff", "--quiet", "HEAD", "--").returncode == 1
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty else "")


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
    """The ``bnproof.check/1`` record of an outcome (its fields made JSON-ready by :func:`jsonable`).

    ``measured`` holds every key the claim declares (``claim.measured_keys``, in that order; None
    when this run did not measure it, e.g. an early inconclusive) and then any other key the
    check returned: a claim's records have the same keys whatever the verdict.
    """
    outcome = replace(outcome, **{name: jsonable(getattr(outcome, name))
                                  for name in ("expected", "measured", "tolerance", "params", "precision", "series")})
    declared = tuple(getattr(claim, "measured_keys", ()) or ())
    if declared:
        measured = {key: outcome.measured.get(key) for key in declared}
        measured.update((k, v) for k, v in outcome.measured.items() if k not in measured)
        outcome = replace(outcome, measured=measured)
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


# --- the record from Python ------------------------------------------------------------------

# A decimal string as records write high-precision numbers ("1.63274e-53", "-0.25"); other
# strings ("exp-polylog", "log(eta*t)") are text and stay text.
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def typed(value: Any) -> Any:
    """A JSON value with its decimal strings as ``float`` (lists and dicts converted item by item).

    Float is what NumPy, pandas and matplotlib compute with; it keeps 16 digits and the float64
    exponent range, so a decimal string beyond it (``"1e-400"``) becomes 0.0: :meth:`Record.exact`
    gives the exact :class:`~decimal.Decimal`.
    """
    if isinstance(value, str):
        return float(value) if _DECIMAL.fullmatch(value.strip()) else value
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    return value


def _exact(value: Any) -> Any:
    """A decimal string as :class:`~decimal.Decimal` (every digit and any exponent); a JSON
    number as Decimal of its shortest repr; anything else unchanged."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value))
    if isinstance(value, list):
        return [_exact(v) for v in value]
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    return value


class Record(Mapping):
    """A ``bnproof.check/1`` record from Python (what :func:`bnproof.check` returns).

    As a mapping it is the JSON record, field for field and exactly as written (``record["measured"]``
    holds the decimal strings; ``to_dict()``/``to_json()`` give it back).  The attributes are typed:
    ``measured``, ``expected``, ``tolerance`` and ``params`` are read-only mappings whose decimal
    strings are floats (:func:`typed`), ``exact(key)`` is a measured value as a
    :class:`~decimal.Decimal` with every digit.  ``to_frame()`` is a pandas table (one row per
    quantity), ``_repr_html_`` the notebook view, ``figure()`` the claim's matplotlib figure.
    """

    __slots__ = ("_raw",)

    def __init__(self, record: Mapping[str, Any]):
        raw = json.loads(json.dumps(dict(record)))  # a private deep copy (and proof it is JSON)
        missing = [k for k in ("schema", "claim", "verdict", "reason") if k not in raw]
        if missing or raw["schema"] != SCHEMA or raw["verdict"] not in VERDICTS:
            raise ValueError(f"not a {SCHEMA} record (schema {raw.get('schema')!r}, missing {missing})")
        self._raw = raw

    # the mapping: the JSON record itself
    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"Record(claim={self.claim!r}, verdict={self.verdict!r})"

    @property
    def claim(self) -> str:
        return self._raw["claim"]

    @property
    def verdict(self) -> str:
        return self._raw["verdict"]

    @property
    def reason(self) -> str:
        return self._raw["reason"]

    @property
    def ok(self) -> bool:
        """True when verified."""
        return self.verdict == VERIFIED

    @property
    def refuted(self) -> bool:
        return self.verdict == REFUTED

    @property
    def measured(self) -> Mapping[str, Any]:
        return MappingProxyType(typed(self._raw.get("measured") or {}))

    @property
    def expected(self) -> Mapping[str, Any]:
        return MappingProxyType(typed(self._raw.get("expected") or {}))

    @property
    def tolerance(self) -> Mapping[str, Any]:
        return MappingProxyType(typed(self._raw.get("tolerance") or {}))

    @property
    def params(self) -> Mapping[str, Any]:
        return MappingProxyType(typed(self._raw.get("params") or {}))

    def exact(self, key: str, section: str = "measured") -> Any:
        """``record[section][key]`` with decimal strings as exact Decimals (KeyError if absent)."""
        return _exact(self._raw[section][key])

    @property
    def raw(self) -> dict:
        """The JSON record (a copy): decimal strings as written."""
        return self.to_dict()

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self._raw))

    def to_json(self, indent: int | None = 2) -> str:
        """The record as ``bnproof check --json`` prints it."""
        return json.dumps(self._raw, indent=indent, ensure_ascii=False)

    def quantities(self) -> list[str]:
        """The quantity names in display order: expected and measured, then expected only, then measured only."""
        expected, measured = self._raw.get("expected") or {}, self._raw.get("measured") or {}
        return ([k for k in expected if k in measured] + [k for k in expected if k not in measured]
                + [k for k in measured if k not in expected])

    def to_frame(self):
        """A pandas DataFrame, one row per quantity: ``claim``, ``verdict``, ``quantity``,
        ``expected`` (as the record states it), ``measured`` (float64: the number, NaN when the
        value is text, a list or not measured) and ``measured_exact`` (the record's value as
        written: decimal strings, lists, text).  Long format, so ``pandas.concat`` of several
        records' frames is one table."""
        import pandas as pd  # lazily: only a frame needs it

        expected, measured = self._raw.get("expected") or {}, self._raw.get("measured") or {}
        rows = [{"claim": self.claim, "verdict": self.verdict, "quantity": k, "expected": expected.get(k),
                 "measured": _number(measured.get(k)), "measured_exact": measured.get(k)} for k in self.quantities()]
        frame = pd.DataFrame(rows, columns=["claim", "verdict", "quantity", "expected", "measured", "measured_exact"])
        return frame.astype({"measured": "float64"})

    def _repr_html_(self) -> str:
        """The notebook view: claim, coloured verdict, reason, the quantities table (all text escaped)."""
        esc = html.escape
        colour = VERDICT_COLOURS[self.verdict]
        expected, measured = self._raw.get("expected") or {}, self._raw.get("measured") or {}
        rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(_short(expected.get(k, '')))}</td>"
                       f"<td>{esc(_short(measured.get(k, '')))}</td></tr>" for k in self.quantities())
        return (f"<div class=\"bnproof-record\"><p><b>{esc(self.claim)}</b> "
                f"<span style=\"color:{colour};font-weight:bold\">{esc(self.verdict.upper())}</span></p>"
                f"<p>{esc(self.reason)}</p><table><thead><tr><th>quantity</th><th>paper / expected</th>"
                f"<th>measured</th></tr></thead><tbody>{rows}</tbody></table></div>")

    def figure(self):
        """The claim's figure as a bare :class:`matplotlib.figure.Figure` (restyle it, save it).

        Drawn by :func:`bnproof.report.figure`.  Core sits below the report in the pipeline and
        never imports it: the report is looked up by name when a figure is asked for (a plug
        point for the user's session, not a dependency of any check).
        """
        import importlib

        return importlib.import_module("bnproof.report").figure(self.to_dict())


def _number(value: Any) -> float:
    """A scalar number (or decimal string) as float; NaN for text, lists, booleans and None."""
    value = typed(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _short(value: Any) -> str:
    """A table cell: decimal strings to 6 significant digits, None as empty, containers as JSON (cut at 80)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if _DECIMAL.fullmatch(value.strip()) and len(value) > 12:
            try:
                return f"{Decimal(value.strip()):.6g}"
            except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
                return value
        return value
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"
