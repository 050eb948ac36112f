"""Records as a Markdown report: a summary table, then one section per claim.

Every field except ``schema``, ``claim`` and ``verdict`` is read with ``.get``, so sparse
records render too (the fields are described in docs/records.md).

Record text is escaped for the HTML a Markdown renderer lets through: plain text gets
``&lt;``/``&gt;``/``&amp;``, code spans use a fence longer than any backtick run inside, and
statements (math) write ``<``, ``>``, ``&`` as ``\\lt``, ``\\gt``, ``\\&``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from bnproof.report.figure_data import figure_names, has_figure
from bnproof.report.text import (
    elapsed_text,
    flatten,
    format_value,
    math_span,
    precision_text,
    summary,
    verdict_tally,
)

__all__ = ["html_text", "render_markdown", "verdict_label"]

_MARK = {"verified": "✅", "refuted": "❌", "inconclusive": "⚠️", "inapplicable": "➖"}


def render_markdown(records: list[dict], *, figure_dir: str | None = None) -> str:
    """Render records as a Markdown report.

    Layout: a title, a summary table (claim | verdict | expected | measured |
    precision | elapsed), then one section per record with the statement as
    ``$...$`` math, verdict and reason, an expected-vs-measured table (rows are
    the sorted union of flattened keys), tolerance, params, precision,
    environment and, when ``figure_dir`` is given and the record has a
    plottable series, a ``![](figure_dir/<claim>.png)`` link.
    """
    records = list(records)
    out: list[str] = ["# bnproof check report", ""]
    tally = verdict_tally(records)
    out += [f"{len(records)} claim{'s' if len(records) != 1 else ''} checked" + (f": {tally}." if tally else "."), ""]
    out += _summary_table(records)
    for record, fig in zip(records, figure_names(records)):
        link = _figure_link(record, fig, figure_dir)
        out += _section(record, link)
    return "\n".join(out).rstrip() + "\n"


def html_text(text: Any) -> str:
    """Plain record text, one line, with HTML's special characters escaped."""
    return html.escape(" ".join(str(text).split()), quote=False)


def _math(statement: Any) -> str:
    """The statement as a math span, with ``<``, ``>``, ``&`` written as TeX macros (no raw HTML)."""
    span = math_span(statement)
    if not span.startswith("$"):
        return span
    inner = re.sub(r"(?<!\\)&", r"\\&", span[1:-1]).replace("<", r"\lt ").replace(">", r"\gt ")
    return f"${inner}$"


def verdict_label(verdict: Any) -> str:
    """The verdict with its mark, e.g. ``verified ✅``."""
    verdict = html_text(verdict or "?")
    mark = _MARK.get(verdict)
    return f"{verdict} {mark}" if mark else verdict


def _summary_table(records: list[dict]) -> list[str]:
    """One row per record: claim, verdict, expected, measured, precision, elapsed."""
    if not records:
        return []
    out = ["| claim | verdict | expected | measured | precision | elapsed |", "|---|---|---|---|---|---|"]
    for r in records:
        out.append(_row([
            _code(str(r.get("claim", "?"))),
            verdict_label(r.get("verdict")),
            _code(summary(r.get("expected"))),
            _code(summary(r.get("measured"))),
            precision_text(r.get("precision")),
            elapsed_text(r.get("elapsed_s")),
        ]))
    return out + [""]


def _section(record: dict, figure_link: str | None) -> list[str]:
    """Lines of one claim's section."""
    claim = str(record.get("claim", "?"))
    out = [f"## {_code(' '.join(claim.split()))}", ""]
    if record.get("paper"):
        out += [f"*{html_text(record['paper'])}*", ""]
    out += [_math(record.get("statement")), ""]
    out += _verdict_lines(record)
    out += _quantities_table(record)
    out += _detail_lines(record)
    if figure_link:
        alt = html_text(claim).replace("[", "(").replace("]", ")")
        out += [f"![{alt}]({figure_link})", ""]
    return out


def _verdict_lines(record: dict) -> list[str]:
    """Verdict with reason, and the confidence in the statement when given."""
    verdict = f"**Verdict:** {verdict_label(record.get('verdict'))}"
    if record.get("reason"):
        verdict += " — " + html_text(record["reason"])
    out = [verdict, ""]
    if record.get("confidence"):
        out += [f"**Confidence:** {html_text(record['confidence'])}", ""]
    return out


def _quantities_table(record: dict) -> list[str]:
    """Expected next to measured, one row per flattened key (sorted union)."""
    expected, measured = flatten(record.get("expected")), flatten(record.get("measured"))
    keys = sorted(set(expected) | set(measured))
    if not keys:
        return []
    out = ["| quantity | expected | measured |", "|---|---|---|"]
    for key in keys:
        out.append(_row([
            _code(key),
            _code(format_value(expected[key])) if key in expected else "—",
            _code(format_value(measured[key])) if key in measured else "—",
        ]))
    return out + [""]


def _detail_lines(record: dict) -> list[str]:
    """Tolerance (when given), params, precision, environment and elapsed time."""
    out = []
    if record.get("tolerance"):
        out += [f"**Tolerance:** {_inline_items(flatten(record['tolerance']))}", ""]
    out += [f"**Params:** {_inline_items(record.get('params'))}", ""]
    out += [f"**Precision:** {_inline_items(record.get('precision'))}", ""]
    extra = elapsed_text(record.get("elapsed_s"))
    env = _inline_items(record.get("environment"))
    return out + [f"**Environment:** {env}" + (f" · elapsed {extra}" if extra else ""), ""]


def _figure_link(record: dict, fig: str, figure_dir: str | None) -> str | None:
    """``figure_dir/fig`` when figures are linked and this record has one, else None."""
    if figure_dir is None or not has_figure(record):
        return None
    return f"{figure_dir.rstrip('/')}/{fig}" if figure_dir else fig


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (no pipes, no newlines)."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code span; code spans keep ``_``/``*`` in values from turning into emphasis."""
    if not text:
        return ""
    runs = re.findall(r"`+", text)
    fence = "`" * (max(map(len, runs), default=0) + 1)
    pad = " " if runs else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _inline_items(mapping: Any) -> str:
    """``key=value`` code spans separated by dots, in the producer's order."""
    if not isinstance(mapping, Mapping) or not mapping:
        return "—"
    return " · ".join(_code(f"{k}={format_value(v)}") for k, v in mapping.items())
