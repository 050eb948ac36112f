"""Record and sweep values as text, shared by the Markdown, LaTeX and HTML renderers.

Numbers that matter arrive as decimal *strings* (``"1.23e-400"``) because they often lie
outside float range (docs/records.md); the report compacts them to 6 significant digits with
:class:`decimal.Decimal` (never ``float``), so ``1e-400`` survives.  The records keep every digit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bnproof.core.records import VERDICTS

__all__ = [
    "CELL_WIDTH",
    "DISPLAY_ITEMS",
    "SWEEP_CELL_HEADER",
    "audit_text",
    "comparison_rows",
    "display",
    "elapsed_text",
    "math_span",
    "params_text",
    "sweep_cells",
    "sweep_counts",
    "sweep_grid_text",
    "verdict_tally",
]

#: :func:`display` shows at most this many entries of a list or mapping.
DISPLAY_ITEMS = 3

_NUMERIC = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def elapsed_text(elapsed: Any) -> str:
    """Human wall-clock time; empty when missing or not a number."""
    if isinstance(elapsed, bool) or not isinstance(elapsed, (int, float)) or not math.isfinite(elapsed):
        return ""
    if elapsed < 1:
        return f"{elapsed:.2f} s"
    if elapsed < 60:
        return f"{elapsed:.1f} s"
    minutes, seconds = divmod(round(elapsed), 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def math_span(statement: Any) -> str:
    """The statement as one ``$...$`` span (outer delimiters stripped, newlines folded).

    Statements are LaTeX already; a missing one gives ``_(no statement)_``.
    """
    text = " ".join(str(statement or "").split())
    for left, right in (("$$", "$$"), ("$", "$"), (r"\(", r"\)"), (r"\[", r"\]")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
            text = text[len(left) : -len(right)].strip()
            break
    return f"${text}$" if text else "_(no statement)_"


def verdict_tally(records: list[dict]) -> str:
    """``2 verified, 1 refuted``: the count of each verdict that occurs, in ``VERDICTS`` order."""
    counts = ((sum(1 for r in records if r.get("verdict") == v), v) for v in VERDICTS)
    return ", ".join(f"{n} {v}" for n, v in counts if n)


def display(value: Any) -> str:
    """A value for a reader: 6 significant digits, long lists summarised, ``—`` for null.

    Decimal strings are compacted with :class:`decimal.Decimal` (``"1e-400"`` survives); a list
    longer than :data:`DISPLAY_ITEMS` shows its first entries and its length, e.g.
    ``[0.1, 0.2, 0.3, …] (24 values)``; a mapping shows ``key: value`` pairs the same way.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(value, ".6g") if isinstance(value, float) or abs(value) >= 10**12 else str(value)
    if isinstance(value, str):
        return _six_digits(value)
    if isinstance(value, Mapping):
        items = [f"{k}: {display(v)}" for k, v in list(value.items())[:DISPLAY_ITEMS]]
        more = f", …}} ({len(value)} entries)" if len(value) > DISPLAY_ITEMS else "}"
        return "{" + ", ".join(items) + more
    if isinstance(value, (list, tuple)):
        head = ", ".join(display(v) for v in value[:DISPLAY_ITEMS])
        return f"[{head}, …] ({len(value)} values)" if len(value) > DISPLAY_ITEMS else f"[{head}]"
    return str(value)


def _six_digits(text: str) -> str:
    """A numeric string to at most 6 significant digits (exactly, via Decimal); other text unchanged.

    Strings with 6 digits or fewer stay as written; rounded ones lose trailing zeros
    (``"1.0000000000000000"`` -> ``1``), which only spelled out digits the rounding dropped.
    """
    if not _NUMERIC.match(text):
        return text
    try:
        number = Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - regex already screened it
        return text
    if len(number.as_tuple().digits) <= 6:
        return text.strip()
    mantissa, e, exponent = format(number, ".6g").partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def comparison_rows(record: Mapping) -> list[tuple[str, str, str]]:
    """``(quantity, expected, measured)`` display rows, the paper's value next to the measured one.

    Keys both sides share come first (in the paper's order), then expected-only keys, then the
    measured-only keys; a side without the key shows ``—``.  The same order as ``bnproof check``.
    """
    expected = record.get("expected") if isinstance(record.get("expected"), Mapping) else {}
    measured = record.get("measured") if isinstance(record.get("measured"), Mapping) else {}
    keys = [k for k in expected if k in measured] + [k for k in expected if k not in measured]
    keys += [k for k in measured if k not in expected]
    return [(str(k), _capped(display(expected[k])) if k in expected else "—",
             _capped(display(measured[k])) if k in measured else "—") for k in keys]


#: A table cell shows at most this many characters of a value (nested fits can run to pages).
CELL_WIDTH = 160


def _capped(text: str) -> str:
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 2].rstrip() + " …"


def audit_text(precision: Any) -> str:
    """The precision audit line, e.g. ``16 digits (deviation-numba); audit at 32 digits: gap 11.3,
    gamma 13.7 digits agree``; empty when the record says nothing about precision."""
    if not isinstance(precision, Mapping) or "dps" not in precision:
        return ""
    text = f"{display(precision['dps'])} digits"
    if precision.get("context"):
        text += f" ({display(precision['context'])})"
    if precision.get("audit_dps") is not None:
        text += f"; audit at {display(precision['audit_dps'])} digits"
        agree = precision.get("agreeing_digits")
        if isinstance(agree, Mapping) and agree:
            text += ": " + ", ".join(f"{k} {display(_rounded(v))}" for k, v in agree.items()) + " digits agree"
        elif agree is not None:
            text += f": {display(_rounded(agree))} digits agree"
    return text


def _rounded(value: Any) -> Any:
    """Agreeing digits to one decimal (more would be false precision)."""
    return round(value, 1) if isinstance(value, float) and math.isfinite(value) else value


def params_text(params: Any) -> str:
    """``seed=0 · dps=80 · …``: every parameter needed to rerun, values compacted."""
    if not isinstance(params, Mapping) or not params:
        return "—"
    return " · ".join(f"{k}={display(v)}" for k, v in params.items())


SWEEP_CELL_HEADER = ("cell", "n", "verdicts", "verified rate [95 % CI]", "metrics q50 [q05, q95]")


def sweep_cells(cells: Any) -> list[tuple[str, str, str, str, str]]:
    """Display rows of a sweep's per-cell table (header :data:`SWEEP_CELL_HEADER`).

    A cell (one dict of ``sweep.json``'s ``cells``) holds its ``param.<name>`` values, ``n``, a
    count per verdict, ``verified_rate`` with ``wilson_lo``/``wilson_hi``, and ``<metric>.q05/q50/q95``;
    five columns keep the table on a page however many grid keys and metrics there are.
    """
    rows = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, Mapping):
            continue
        where = ", ".join(f"{k.removeprefix('param.')}={display(v)}" for k, v in cell.items()
                          if str(k).startswith("param.")) or "all"
        counts = sweep_counts(cell) or "—"
        rate = display(_float(cell.get("verified_rate")))
        lo, hi = _float(cell.get("wilson_lo")), _float(cell.get("wilson_hi"))
        if lo is not None and hi is not None:
            rate += f" [{lo:.3g}, {hi:.3g}]"
        rows.append((where, display(cell.get("n")), counts, rate, _metric_text(cell)))
    return rows


def sweep_counts(counts: Any) -> str:
    """``998 verified, 2 refuted``: the nonzero verdict counts of a cell or population."""
    if not isinstance(counts, Mapping):
        return ""
    return ", ".join(f"{display(counts[v])} {v}" for v in VERDICTS if counts.get(v))


def sweep_grid_text(data: Mapping) -> str:
    """``seeds 0–999 (1000); eta ∈ {0.1, 0.2}``: what a sweep drew."""
    parts = []
    seeds = data.get("seeds")
    if isinstance(seeds, list) and len(seeds) == 2 and all(isinstance(s, int) for s in seeds):
        parts.append(f"seeds {seeds[0]}–{seeds[1] - 1} ({seeds[1] - seeds[0]})")
    elif seeds is not None:
        parts.append(f"seeds {display(seeds)}")
    grid = data.get("grid")
    for key, values in (grid.items() if isinstance(grid, Mapping) else []):
        shown = values if isinstance(values, list) else [values]
        parts.append(f"{key} ∈ {{{', '.join(display(v) for v in shown)}}}")
    fixed = data.get("params")
    if isinstance(fixed, Mapping) and fixed:
        parts.append("fixed " + ", ".join(f"{k}={display(v)}" for k, v in fixed.items()))
    return "; ".join(parts)


def _metric_text(cell: Mapping) -> str:
    """``k 2.74 [2.70, 2.79]`` per metric with quantile columns ``k.q05``/``k.q50``/``k.q95``."""
    names = [str(k)[: -len(".q50")] for k in cell if str(k).endswith(".q50")]
    parts = []
    for name in names:
        q50, q05, q95 = (_float(cell.get(f"{name}.{q}")) for q in ("q50", "q05", "q95"))
        if q50 is None:
            parts.append(f"{name} —")
        else:
            spread = f" [{q05:.4g}, {q95:.4g}]" if q05 is not None and q95 is not None else ""
            parts.append(f"{name} {q50:.4g}{spread}")
    return "; ".join(parts) or "—"


def _float(value: Any) -> float | None:
    """A finite float from a JSON number or numeric string; None for null, NaN, text."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
