"""Records (and sweeps) as one self-contained HTML page: no network, nothing beside it needed.

The page holds its style sheet inline and its figures as inline ``<svg>`` (made safe and given
unique ids by :mod:`.svg`), so it can be mailed or archived as one file.  Layout: a summary
table (claim, confidence, verdict, time; verdicts coloured, claims linked), then per claim a
``<section class="claim" id="claim-<claim id>">`` with the statement next to the measurement
(the paper's value beside the measured one), verdict and reason, precision audit, parameters
and the figure; then per sweep a ``<section class="sweep" id="sweep-<claim id>">``.

Statements are LaTeX; rendering it would need MathJax from the network, so they are shown as
text with symbol commands as characters (:func:`~bnproof.report.texescape.tex_to_unicode`),
the LaTeX itself in the tooltip.  Every piece of record text goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bnproof.report.figure_data import figure_names
from bnproof.report.load import Sweep, sweep_stems
from bnproof.report.texescape import tex_to_unicode
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

__all__ = ["STYLE", "render_html"]

#: Commands shown for the refuting seeds of a sweep (more are counted, not listed).
MAX_COMMANDS = 10

STYLE = """
:root { --verified: #1a7f37; --refuted: #cf222e; --inconclusive: #9a6700; --inapplicable: #57606a; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328;
       max-width: 1180px; margin: 2em auto; padding: 0 1.5em; }
h1 { margin-bottom: .2em; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; margin-top: 2.2em; }
code, .tex, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border-bottom: 1px solid #d0d7de; padding: .25em .7em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; white-space: nowrap; }
.verdict { font-weight: 600; padding: .05em .5em; border-radius: 1em; color: #fff; white-space: nowrap; }
.verdict.verified { background: var(--verified); } .verdict.refuted { background: var(--refuted); }
.verdict.inconclusive { background: var(--inconclusive); } .verdict.inapplicable { background: var(--inapplicable); }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 1.5em; align-items: start; }
@media (max-width: 900px) { .side { grid-template-columns: 1fr; } }
.statement .tex { display: block; background: #f6f8fa; padding: .6em .8em; border-radius: 6px;
                  white-space: pre-wrap; overflow-wrap: anywhere; }
.cite { color: #57606a; font-style: italic; margin: .2em 0; }
.meta { color: #57606a; font-size: .9em; overflow-wrap: anywhere; }
.compare td:first-child { white-space: nowrap; } .compare td { overflow-wrap: anywhere; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
pre { background: #f6f8fa; padding: .6em .8em; border-radius: 6px; overflow-x: auto; }
"""


def render_html(records: Sequence[dict], *, figures: Sequence[str | None] | None = None,
                sweeps: Sequence[Sweep] = (), sweep_figures: Sequence[str | None] | None = None) -> str:
    """The report as one HTML page.

    ``figures[i]`` is record ``i``'s figure as inline SVG markup (from
    :func:`bnproof.report.svg.inline_svg`, which made it safe), or None; ``sweep_figures``
    likewise for ``sweeps``.  Everything else is escaped here.
    """
    records = list(records)
    figures = list(figures) if figures is not None else [None] * len(records)
    sweep_figures = list(sweep_figures) if sweep_figures is not None else [None] * len(sweeps)
    anchors = [name[: -len(".png")] for name in figure_names(records)]
    tally = verdict_tally(records)
    count = f"{len(records)} claim{'s' if len(records) != 1 else ''} checked" + (f": {tally}." if tally else ".")
    if sweeps:
        count += f" {len(sweeps)} sweep{'s' if len(sweeps) != 1 else ''}."
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>bnproof check report</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             "<h1>bnproof check report</h1>", f"<p>{_e(count)}</p>"]
    sweep_anchors = sweep_stems(sweeps)
    parts += _summary_table(records, anchors, sweeps, sweep_anchors)
    parts += [_claim_section(r, a, f) for r, a, f in zip(records, anchors, figures)]
    if sweeps:
        parts.append("<h2>Sweeps</h2>")
    parts += [_sweep_section(s, a, f) for s, a, f in zip(sweeps, sweep_anchors, sweep_figures)]
    return "\n".join([*parts, "</body>", "</html>"]) + "\n"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _verdict(verdict: Any) -> str:
    verdict = str(verdict or "?")
    return f'<span class="verdict {_e(verdict)}">{_e(verdict)}</span>'


def _summary_table(records: list[dict], anchors: list[str], sweeps: Sequence[Sweep],
                   sweep_anchors: list[str]) -> list[str]:
    rows = []
    for record, anchor in zip(records, anchors):
        rows.append(f'<tr><td><a href="#claim-{_e(anchor)}"><code>{_e(record.get("claim", "?"))}</code></a></td>'
                    f'<td>{_e(record.get("confidence") or "—")}</td><td>{_verdict(record.get("verdict"))}</td>'
                    f'<td class="num">{_e(elapsed_text(record.get("elapsed_s")) or "—")}</td></tr>')
    for sweep, anchor in zip(sweeps, sweep_anchors):
        population = _mapping(sweep.data.get("population"))
        rows.append(f'<tr><td><a href="#{_e(anchor)}">sweep <code>{_e(sweep.claim)}</code></a>'
                    f'</td><td>{_e(sweep.data.get("confidence") or "—")}</td>'
                    f'<td>{_verdict(population.get("verdict"))}</td>'
                    f'<td class="num">{_e(elapsed_text(sweep.data.get("elapsed_s")) or "—")}</td></tr>')
    if not rows:
        return []
    head = "<thead><tr><th>claim</th><th>confidence</th><th>verdict</th><th>time</th></tr></thead>"
    return ['<table class="summary">', head, "<tbody>", *rows, "</tbody>", "</table>"]


def _statement(statement: Any) -> str:
    span = math_span(statement)
    if not span.startswith("$"):
        return '<p class="tex">(no statement)</p>'
    tex = span[1:-1]
    return f'<code class="tex" title="{_e(tex)}">{_e(tex_to_unicode(tex))}</code>'


def _claim_section(record: dict, anchor: str, figure: str | None) -> str:
    claim = str(record.get("claim", "?"))
    out = [f'<section class="claim" id="claim-{_e(anchor)}">',
           f"<h2><code>{_e(claim)}</code> {_verdict(record.get('verdict'))}</h2>"]
    cite = " — ".join(str(record[k]) for k in ("paper", "source") if record.get(k))
    if cite:
        out.append(f'<p class="cite">{_e(cite)}</p>')
    reason = _e(record.get("reason") or "")
    confidence = f" (confidence: {_e(record['confidence'])})" if record.get("confidence") else ""
    out += ['<div class="side">', '<div class="statement"><h3>Statement</h3>', _statement(record.get("statement")),
            f"<p><b>Verdict:</b> {_verdict(record.get('verdict'))}{confidence} {reason}</p></div>",
            '<div class="measurement"><h3>Paper vs measured</h3>', _compare_table(record), "</div>", "</div>"]
    audit, time = audit_text(record.get("precision")), elapsed_text(record.get("elapsed_s"))
    if audit or time:
        out.append(f'<p class="meta"><b>Precision:</b> {_e("; ".join(x for x in (audit, time) if x))}</p>')
    if isinstance(record.get("params"), Mapping) and record["params"]:
        out.append(f'<p class="meta"><b>Parameters:</b> <code>{_e(params_text(record["params"]))}</code></p>')
    if figure:
        out.append(f'<figure class="figure">{figure}<figcaption class="meta">Figure: {_e(claim)}</figcaption>'
                   "</figure>")
    return "\n".join([*out, "</section>"])


def _compare_table(record: dict) -> str:
    rows = comparison_rows(record)
    if not rows:
        return '<p class="meta">nothing measured</p>'
    body = "".join(f"<tr><td><code>{_e(k)}</code></td><td>{_e(e)}</td><td>{_e(m)}</td></tr>" for k, e, m in rows)
    return ('<table class="compare"><thead><tr><th>quantity</th><th>paper / expected</th><th>measured</th></tr>'
            f"</thead><tbody>{body}</tbody></table>")


def _sweep_section(sweep: Sweep, anchor: str, figure: str | None) -> str:
    data = sweep.data
    population = _mapping(data.get("population"))
    out = [f'<section class="sweep" id="{_e(anchor)}">',
           f"<h3>Sweep <code>{_e(sweep.claim)}</code> {_verdict(population.get('verdict'))}</h3>"]
    if data.get("statement"):
        out.append(f'<div class="statement">{_statement(data["statement"])}</div>')
    counts = sweep_counts(population.get("counts"))
    out.append(f"<p><b>Population verdict:</b> {_verdict(population.get('verdict'))} "
               f"{_e(population.get('reason') or '')}{_e(f' ({counts})') if counts else ''}</p>")
    if sweep_grid_text(data):
        out.append(f'<p class="meta"><b>Drawn:</b> {_e(sweep_grid_text(data))}</p>')
    refuting = population.get("refuting") if isinstance(population.get("refuting"), list) else []
    commands = [str(r["command"]) for r in refuting if isinstance(r, Mapping) and r.get("command")]
    if commands:
        more = f"\n# … and {len(commands) - MAX_COMMANDS} more (sweep.json)" if len(commands) > MAX_COMMANDS else ""
        out += ["<p>Reproduce the refuting seeds:</p>",
                f'<pre class="commands">{_e(chr(10).join(commands[:MAX_COMMANDS]) + more)}</pre>']
    rows = sweep_cells(data.get("cells"))
    if rows:
        head = "".join(f"<th>{_e(h)}</th>" for h in SWEEP_CELL_HEADER)
        body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
        out.append(f'<table class="cells"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    if figure:
        out.append(f'<figure class="figure">{figure}<figcaption class="meta">Sweep: {_e(sweep.claim)}</figcaption>'
                   "</figure>")
    return "\n".join([*out, "</section>"])


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}
