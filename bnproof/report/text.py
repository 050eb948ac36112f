"""Record values as text, shared by the Markdown and LaTeX renderers.

Numbers that matter arrive as decimal *strings* (``"1.23e-400"``) because they often lie
outside float range (docs/records.md); they are shown verbatim in detail and compacted with
:class:`decimal.Decimal` (never ``float``) in summaries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bnproof.core.records import VERDICTS

__all__ = [
    "MAX_LIST_ITEMS",
    "SUMMARY_ITEMS",
    "SUMMARY_WIDTH",
    "compact_decimal",
    "elapsed_text",
    "flatten",
    "format_value",
    "math_span",
    "precision_text",
    "summary",
    "verdict_tally",
]

#: Lists longer than this are shown truncated with an ellipsis.
MAX_LIST_ITEMS = 6
#: Summary cells show at most this many measured/expected entries.
SUMMARY_ITEMS = 3
#: Summary cells are cut to this many characters.
SUMMARY_WIDTH = 60

_NUMERIC = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def format_value(value: Any, *, short: bool = False) -> str:
    """Render a JSON value as text.

    ``short`` compacts long decimal strings to 6 significant digits (exactly,
    via Decimal, so ``"1e-400"`` survives) and is meant for summary cells.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return compact_decimal(str(value)) if short else str(value)
    if isinstance(value, float):
        return format(value, ".6g") if short else repr(value)
    if isinstance(value, str):
        return compact_decimal(value) if short else value
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}: {format_value(v, short=short)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return _format_list(value, short)
    return str(value)


def _format_list(values: list | tuple, short: bool) -> str:
    """``[a, b, …] (n items)``: at most :data:`MAX_LIST_ITEMS` entries shown."""
    head = [format_value(v, short=short) for v in values[:MAX_LIST_ITEMS]]
    if len(values) > MAX_LIST_ITEMS:
        return "[" + ", ".join(head) + f", …] ({len(values)} items)"
    return "[" + ", ".join(head) + "]"


def compact_decimal(text: str) -> str:
    """Shorten a long decimal string to 6 significant digits; leave anything else alone."""
    if len(text) <= 12 or not _NUMERIC.match(text):
        return text
    try:
        return format(Decimal(text.strip()), ".6g")
    except InvalidOperation:  # pragma: no cover - regex already screened it
        return text


def flatten(mapping: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys; a non-dict value becomes ``{"value": value}``."""
    if not isinstance(mapping, Mapping):
        return {} if mapping is None else {prefix or "value": mapping}
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def summary(mapping: Any) -> str:
    """Compact ``k: v; k: v`` text of the first few entries, in the producer's order."""
    flat = flatten(mapping)
    parts = [f"{k}: {format_value(v, short=True)}" for k, v in list(flat.items())[:SUMMARY_ITEMS]]
    text = "; ".join(parts)
    if len(flat) > SUMMARY_ITEMS:
        text += "; …"
    if len(text) > SUMMARY_WIDTH:
        text = text[: SUMMARY_WIDTH - 1] + "…"
    return text


def precision_text(precision: Any) -> str:
    """e.g. ``dps 50, audit 100, 38.2 digits agree``; empty when unknown."""
    if not isinstance(precision, Mapping):
        return ""
    parts = []
    if "dps" in precision:
        parts.append(f"dps {format_value(precision['dps'], short=True)}")
    if "audit_dps" in precision:
        parts.append(f"audit {format_value(precision['audit_dps'], short=True)}")
    if "agreeing_digits" in precision:
        parts.append(f"{format_value(precision['agreeing_digits'], short=True)} digits agree")
    return ", ".join(parts)


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
