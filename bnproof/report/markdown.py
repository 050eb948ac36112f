"""Records (and sweeps) as a Markdown report: a summary table, then one section per claim.

Every field except ``schema``, ``claim`` and ``verdict`` is read with ``.get``, so sparse
records render too (the fields are described in docs/records.md).  Numbers are compacted to
6 significant digits and long vectors summarised (:func:`bnproof.report.text.display`); a
missing value reads ``—``, never ``null``.

Record text is escaped for the HTML a Markdown renderer lets through: plain text gets
``&lt;``/``&gt;``/``&amp;``, code spans use a fence longer than any backtick run inside, and
statements (math) write ``<``, ``>``, ``&`` as ``\\lt``, ``\\gt``, ``\\&``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bnproof.report.load import Sweep
from bnproof.report.text import (
    SWEEP_CELL_HEADER,
    audit_text,
    comparison_rows,
    elapsed_text,
    math_span,
    params_text,
    sweep_cells,
    sweep_counts,
    sweep_grid_text,
    verdict_tally,
)

__all__ = ["html_text", "render_markdown", "verdict_label"]

_MARK = {"verified": "✅", "refuted": "❌", "inconclusive": "⚠️", "inapplicable": "➖"}
#: Commands shown for the refuting seeds of a sweep (more are counted, not listed).
MAX_COMMANDS = 10


def render_markdown(records: Sequence[dict], *, figures: Sequence[str | None] | None = None,
                    sweeps: Sequence[Sweep] = (), sweep_figures: Sequence[str | None] | None = None) -> str:
    """The report as Markdown.

    Layout: a title and the verdict tally, a summary table (claim, confidence, verdict, time),
    then a section per record: citation, the statement as ``$...$`` math, verdict and reason,
    the paper's value next to the measured one, the precision audit, the parameters and, when
    ``figures[i]`` (a path relative to the report) is given, the figure; then a section per sweep.
    """
    records = list(records)
    figures = list(figures) if figures is not None else [None] * len(records)
    sweep_figures = list(sweep_figures) if sweep_figures is not None else [None] * len(sweeps)
    tally = verdict_tally(records)
    count = f"{len(records)} claim{'s' if len(records) != 1 else ''} checked" + (f": {tally}." if tally else ".")
    out: list[str] = ["# bnproof check report", "", count, ""]
    out += _summary_table(records)
    for record, figure in zip(records, figures):
        out += _section(record, figure)
    if sweeps:
        out += ["## Sweeps", ""]
    for sweep, figure in zip(sweeps, sweep_figures):
        out += _sweep_section(sweep, figure)
    return "\n".join(out).rstrip() + "\n"


def html_text(text: Any) -> str:
    """Plain record text, one line: HTML's special characters escaped, and Markdown's (``*``, ``_``,
    backticks, brackets, ``$`` for math) backslash-escaped, so text shows as written."""
    return re.sub(r"([\\`*_\[\]$])", r"\\\1", html.escape(" ".join(str(text).split()), quote=False))


def verdict_label(verdict: Any) -> str:
    """The verdict with its mark, e.g. ``verified ✅``."""
    verdict = html_text(verdict or "?")
    mark = _MARK.get(verdict)
    return f"{verdict} {mark}" if mark else verdict


def _math(statement: Any) -> str:
    """The statement as a math span, with ``<``, ``>``, ``&`` written as TeX macros (no raw HTML)."""
    span = math_span(statement)
    if not span.startswith("$"):
        return span
    inner = re.sub(r"(?<!\\)&", r"\\&", span[1:-1]).replace("<", r"\lt ").replace(">", r"\gt ")
    return f"${inner}$"


def _summary_table(records: list[dict]) -> list[str]:
    """One row per record: claim (linked to its section), confidence, verdict, time."""
    if not records:
        return []
    out = ["| claim | confidence | verdict | time |", "|---|---|---|---|"]
    for r in records:
        out.append(_row([_code(str(r.get("claim", "?"))), html_text(r.get("confidence") or "—"),
                         verdict_label(r.get("verdict")), elapsed_text(r.get("elapsed_s")) or "—"]))
    return out + [""]


def _section(record: dict, figure: str | None) -> list[str]:
    """Lines of one claim's section."""
    claim = str(record.get("claim", "?"))
    out = [f"## {_code(' '.join(claim.split()))}", ""]
    cite = " — ".join(html_text(record[k]) for k in ("paper", "source") if record.get(k))
    if cite:
        out += [f"*{cite}*", ""]
    out += [_math(record.get("statement")), ""]
    verdict = f"**Verdict:** {verdict_label(record.get('verdict'))}"
    if record.get("confidence"):
        verdict += f" (confidence: {html_text(record['confidence'])})"
    if record.get("reason"):
        verdict += " — " + html_text(record["reason"])
    out += [verdict, ""]
    rows = comparison_rows(record)
    if rows:
        out += ["| quantity | paper / expected | measured |", "|---|---|---|"]
        out += [_row([_code(k), _value(e), _value(m)]) for k, e, m in rows] + [""]
    audit, time = audit_text(record.get("precision")), elapsed_text(record.get("elapsed_s"))
    if audit or time:
        out += ["**Precision:** " + html_text("; ".join(x for x in (audit, time) if x)), ""]
    if isinstance(record.get("params"), Mapping) and record["params"]:
        out += [f"**Parameters:** {_code(params_text(record['params']))}", ""]
    if figure:
        alt = html_text(claim).replace("[", "(").replace("]", ")")
        out += [f"![{alt}]({_link(figure)})", ""]
    return out


def _sweep_section(sweep: Sweep, figure: str | None) -> list[str]:
    """Lines of one sweep's section: population verdict, reproduce commands, cell table, figure."""
    data = sweep.data
    out = [f"### Sweep {_code(' '.join(sweep.claim.split()))}", ""]
    if data.get("statement"):
        out += [_math(data["statement"]), ""]
    population = data.get("population") if isinstance(data.get("population"), Mapping) else {}
    line = f"**Population verdict:** {verdict_label(population.get('verdict'))}"
    if population.get("reason"):
        line += " — " + html_text(population["reason"])
    counts = sweep_counts(population.get("counts"))
    out += [line + (f" ({html_text(counts)})" if counts else ""), ""]
    if sweep_grid_text(data):
        out += [f"**Drawn:** {html_text(sweep_grid_text(data))}", ""]
    refuting = population.get("refuting") if isinstance(population.get("refuting"), list) else []
    commands = [str(r["command"]) for r in refuting if isinstance(r, Mapping) and r.get("command")]
    if commands:
        fence = "`" * max(3, max(len(run) for c in commands for run in re.findall("`+", c) or [""]) + 1)
        out += ["Reproduce the refuting seeds:", "", fence + "sh", *(" ".join(c.split()) for c in
                                                                      commands[:MAX_COMMANDS])]
        out += [f"# … and {len(commands) - MAX_COMMANDS} more (sweep.json)"] if len(commands) > MAX_COMMANDS else []
        out += [fence, ""]
    rows = sweep_cells(data.get("cells"))
    if rows:
        out += ["| " + " | ".join(SWEEP_CELL_HEADER) + " |", "|---|---:|---|---|---|"]
        out += [_row([html_text(c) for c in row]) for row in rows] + [""]
    if figure:
        out += [f"![sweep {html_text(sweep.claim)}]({_link(figure)})", ""]
    return out


def _value(text: str) -> str:
    """A value as a code span (``_`` and ``*`` in it stay literal); the missing-value dash as is."""
    return text if text == "—" else _code(text)


def _link(path: str) -> str:
    """A relative link target; ``<...>`` keeps spaces and parentheses from ending it."""
    return f"<{path}>" if re.search(r"[\s()<>]", path) else path


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
