"""Render ``bnproof.check/1`` records as Markdown, LaTeX and PNG figures.

A record is the plain dict a checker writes as JSON (one per checked claim).
Only ``schema``, ``claim`` and ``verdict`` are required; every renderer here
reads everything else with ``.get`` so a sparse record still renders.

Numbers that matter arrive as decimal *strings* (``"1.23e-400"``) because they
often lie outside float range; they are shown verbatim in the per-claim
sections and compacted with :class:`decimal.Decimal` (never ``float``) in the
summary tables. Plots use the producer's ``series["log10"]`` columns for the
same reason.

matplotlib is imported lazily inside :func:`plot_record`, so importing this
module stays cheap.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Union

__all__ = [
    "SCHEMA",
    "VERDICTS",
    "load_records",
    "render_markdown",
    "render_latex",
    "plot_record",
    "has_figure",
    "write_report",
    "figure_name",
]

SCHEMA = "bnproof.check/1"
VERDICTS = ("verified", "refuted", "inconclusive", "inapplicable")

#: Lists longer than this are shown truncated with an ellipsis.
MAX_LIST_ITEMS = 6
#: Summary-table cells show at most this many measured/expected entries.
SUMMARY_ITEMS = 3
#: Summary-table cells are cut to this many characters.
SUMMARY_WIDTH = 60

_MARK = {"verified": "✅", "refuted": "❌", "inconclusive": "⚠️", "inapplicable": "➖"}
_NUMERIC = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")

PathLike = Union[str, "os.PathLike[str]"]


# --------------------------------------------------------------------------- loading


def load_records(paths_or_dir: PathLike | Iterable[PathLike]) -> list[dict]:
    """Load check records from a directory, a file, or a list of paths.

    A directory contributes all its ``*.json`` files (not recursive), sorted by
    name. A file may hold one record (a JSON object) or a list of records.

    Raises:
        ValueError: with a one-line message, on a missing or unreadable path,
            invalid JSON, or a record that is not a ``bnproof.check/1`` object
            with a non-empty string ``claim`` and a known ``verdict``.
    """
    if isinstance(paths_or_dir, (str, os.PathLike)):
        targets: list[PathLike] = [paths_or_dir]
    else:
        targets = list(paths_or_dir)
    records: list[dict] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            for child in sorted(path.glob("*.json")):
                records.extend(_load_file(child))
        elif path.is_file():
            records.extend(_load_file(path))
        else:
            raise ValueError(f"{path}: no such file or directory")
    return records


def _load_file(path: Path) -> list[dict]:
    """Read one JSON file and validate every record in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({_one_line(exc)})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        problem = _schema_problem(item)
        if problem:
            where = f"{path}: record {i}" if isinstance(data, list) else str(path)
            raise ValueError(f"{where}: {problem}")
    return items


def _schema_problem(item: Any) -> str | None:
    """Return why ``item`` is not a valid record, or None if it is."""
    if not isinstance(item, dict):
        return f"expected a JSON object, got {type(item).__name__}"
    if "schema" not in item:
        return "missing 'schema' key"
    if item["schema"] != SCHEMA:
        return f"schema is {item['schema']!r}, expected {SCHEMA!r}"
    claim = item.get("claim")
    if not isinstance(claim, str) or not claim.strip():
        return "missing or empty 'claim'"
    if item.get("verdict") not in VERDICTS:
        return f"verdict {item.get('verdict')!r} is not one of {', '.join(VERDICTS)}"
    return None


def _one_line(exc: BaseException) -> str:
    """An exception's message squeezed onto one line."""
    return " ".join(str(getattr(exc, "strerror", None) or exc).split())


# --------------------------------------------------------------------------- value formatting


def _fmt(value: Any, *, short: bool = False) -> str:
    """Render a JSON value as text.

    ``short`` compacts long decimal strings to 6 significant digits (exactly,
    via Decimal, so ``"1e-400"`` survives) and is meant for summary cells.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return _compact_decimal(str(value)) if short else str(value)
    if isinstance(value, float):
        return format(value, ".6g") if short else repr(value)
    if isinstance(value, str):
        return _compact_decimal(value) if short else value
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}: {_fmt(v, short=short)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        head = [_fmt(v, short=short) for v in value[:MAX_LIST_ITEMS]]
        if len(value) > MAX_LIST_ITEMS:
            return "[" + ", ".join(head) + f", …] ({len(value)} items)"
        return "[" + ", ".join(head) + "]"
    return str(value)


def _compact_decimal(text: str) -> str:
    """Shorten a long decimal string; leave anything else alone."""
    if len(text) <= 12 or not _NUMERIC.match(text):
        return text
    try:
        return format(Decimal(text.strip()), ".6g")
    except InvalidOperation:  # pragma: no cover - regex already screened it
        return text


def _flatten(mapping: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys; a non-dict value becomes ``{"value": value}``."""
    if not isinstance(mapping, Mapping):
        return {} if mapping is None else {prefix or "value": mapping}
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _summary(mapping: Any) -> str:
    """Compact ``k: v; k: v`` text of the first few entries, in the producer's order."""
    flat = _flatten(mapping)
    parts = [f"{k}: {_fmt(v, short=True)}" for k, v in list(flat.items())[:SUMMARY_ITEMS]]
    text = "; ".join(parts)
    if len(flat) > SUMMARY_ITEMS:
        text += "; …"
    if len(text) > SUMMARY_WIDTH:
        text = text[: SUMMARY_WIDTH - 1] + "…"
    return text


def _precision_text(precision: Any) -> str:
    """e.g. ``dps 50, audit 100, 38.2 digits agree``; empty when unknown."""
    if not isinstance(precision, Mapping):
        return ""
    parts = []
    if "dps" in precision:
        parts.append(f"dps {_fmt(precision['dps'], short=True)}")
    if "audit_dps" in precision:
        parts.append(f"audit {_fmt(precision['audit_dps'], short=True)}")
    if "agreeing_digits" in precision:
        parts.append(f"{_fmt(precision['agreeing_digits'], short=True)} digits agree")
    return ", ".join(parts)


def _elapsed_text(elapsed: Any) -> str:
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


def figure_name(claim: str) -> str:
    """File name (``<claim>.png``) for a claim id, with unsafe characters replaced."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", claim).strip(".")
    return (stem or "claim") + ".png"


def _figure_names(records: list[dict]) -> list[str]:
    """One figure file name per record; repeated claim ids get ``-2``, ``-3`` suffixes."""
    seen: dict[str, int] = {}
    names = []
    for record in records:
        base = figure_name(str(record.get("claim") or "claim"))
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else base[:-4] + f"-{seen[base]}.png")
    return names


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (no pipes, no newlines)."""
    return " ".join(text.split()).replace("|", "\\|")


def _md_code(text: str) -> str:
    """Inline code span; code spans keep ``_``/``*`` in values from turning into emphasis."""
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_math(statement: Any) -> str:
    """The statement as one ``$...$`` span (outer delimiters stripped, newlines folded)."""
    text = " ".join(str(statement or "").split())
    for left, right in (("$$", "$$"), ("$", "$"), (r"\(", r"\)"), (r"\[", r"\]")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
            text = text[len(left) : -len(right)].strip()
            break
    return f"${text}$" if text else "_(no statement)_"


def _md_inline_items(mapping: Any) -> str:
    """``key=value`` code spans separated by dots, in the producer's order."""
    if not isinstance(mapping, Mapping) or not mapping:
        return "—"
    return " · ".join(_md_code(f"{k}={_fmt(v)}") for k, v in mapping.items())


def _verdict_label(verdict: Any) -> str:
    verdict = str(verdict or "?")
    mark = _MARK.get(verdict)
    return f"{verdict} {mark}" if mark else verdict


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
    names = _figure_names(records)
    out: list[str] = ["# bnproof check report", ""]

    counts = {v: sum(1 for r in records if r.get("verdict") == v) for v in VERDICTS}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    out += [f"{len(records)} claim{'s' if len(records) != 1 else ''} checked" + (f": {tally}." if tally else "."), ""]

    if records:
        out += [
            "| claim | verdict | expected | measured | precision | elapsed |",
            "|---|---|---|---|---|---|",
        ]
        for r in records:
            cells = [
                _md_code(str(r.get("claim", "?"))),
                _verdict_label(r.get("verdict")),
                _md_code(_summary(r.get("expected"))),
                _md_code(_summary(r.get("measured"))),
                _precision_text(r.get("precision")),
                _elapsed_text(r.get("elapsed_s")),
            ]
            out.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        out.append("")

    for record, fig in zip(records, names):
        out += _md_section(record, fig if figure_dir is not None else None, figure_dir)
    return "\n".join(out).rstrip() + "\n"


def _md_section(record: dict, fig: str | None, figure_dir: str | None) -> list[str]:
    """Lines of one claim's section."""
    claim = str(record.get("claim", "?"))
    out = [f"## `{claim}`", ""]
    if record.get("paper"):
        out += [f"*{' '.join(str(record['paper']).split())}*", ""]
    out += [_md_math(record.get("statement")), ""]

    verdict = f"**Verdict:** {_verdict_label(record.get('verdict'))}"
    if record.get("reason"):
        verdict += " — " + " ".join(str(record["reason"]).split())
    out += [verdict, ""]
    if record.get("confidence"):
        out += [f"**Confidence:** {record['confidence']}", ""]

    expected, measured = _flatten(record.get("expected")), _flatten(record.get("measured"))
    keys = sorted(set(expected) | set(measured))
    if keys:
        out += ["| quantity | expected | measured |", "|---|---|---|"]
        for key in keys:
            cells = [
                _md_code(key),
                _md_code(_fmt(expected[key])) if key in expected else "—",
                _md_code(_fmt(measured[key])) if key in measured else "—",
            ]
            out.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        out.append("")

    if record.get("tolerance"):
        out += [f"**Tolerance:** {_md_inline_items(_flatten(record['tolerance']))}", ""]
    out += [f"**Params:** {_md_inline_items(record.get('params'))}", ""]
    out += [f"**Precision:** {_md_inline_items(record.get('precision'))}", ""]
    extra = _elapsed_text(record.get("elapsed_s"))
    env = _md_inline_items(record.get("environment"))
    out += [f"**Environment:** {env}" + (f" · elapsed {extra}" if extra else ""), ""]

    if fig and figure_dir is not None and has_figure(record):
        link = f"{figure_dir.rstrip('/')}/{fig}" if figure_dir else fig
        out += [f"![{claim}]({link})", ""]
    return out


# --------------------------------------------------------------------------- LaTeX

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "…": r"\ldots{}",
    "—": "---",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text (single pass, so no double escaping)."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], text)


def render_latex(records: list[dict]) -> str:
    """A booktabs summary table (claim, verdict, key measured values) plus a
    description list of the statements.

    The result is a fragment for ``\\input``; the including document needs
    ``\\usepackage{booktabs}``. Plain text is escaped; statements are inserted
    as-is inside ``$...$`` because they are LaTeX already.
    """
    records = list(records)
    out = [
        "% bnproof summary; generated by bnproof.report. Requires \\usepackage{booktabs}.",
        "\\begin{table}[ht]",
        "\\centering",
        "\\small",
        "\\begin{tabular}{@{}llp{0.5\\linewidth}@{}}",
        "\\toprule",
        "Claim & Verdict & Key measured values \\\\",
        "\\midrule",
    ]
    for r in records:
        claim = latex_escape(str(r.get("claim", "?")))
        verdict = latex_escape(str(r.get("verdict", "?")))
        measured = latex_escape(_summary(r.get("measured")))
        out.append(f"\\texttt{{{claim}}} & {verdict} & {measured} \\\\")
    counts = ", ".join(
        f"{n} {v}" for v in VERDICTS if (n := sum(1 for r in records if r.get("verdict") == v))
    )
    out += [
        "\\bottomrule",
        "\\end{tabular}",
        f"\\caption{{bnproof checks: {len(records)} claims" + (f" ({counts})" if counts else "") + ".}",
        "\\label{tab:bnproof-summary}",
        "\\end{table}",
    ]
    if records:
        out += ["", "\\begin{description}"]
        for r in records:
            claim = latex_escape(str(r.get("claim", "?")))
            item = f"\\item[\\texttt{{{claim}}}]"
            statement = _md_math(r.get("statement"))  # same delimiter normalisation as Markdown
            if statement.startswith("$"):
                # A bare \\ straight after an item label is a LaTeX error, so only break after math.
                item += f" {statement} \\\\"
            line = f"\\emph{{{latex_escape(str(r.get('verdict', '?')))}}}"
            if r.get("reason"):
                line += ": " + latex_escape(" ".join(str(r["reason"]).split()))
            out += [item, line]
        out.append("\\end{description}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- plotting


def _log10_of(value: Any) -> float | None:
    """log10 of a positive number or decimal string, without overflowing; else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int):
            return math.log10(value) if value > 0 else None  # exact for huge ints
        if isinstance(value, float):
            return math.log10(value) if value > 0 and math.isfinite(value) else None
        if isinstance(value, str):
            dec = Decimal(value.strip())
            return float(dec.log10()) if dec > 0 and dec.is_finite() else None
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return None


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (rejects bools, nulls, NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _series_parts(record: Any) -> tuple[Mapping, Mapping, Mapping, Mapping] | None:
    """``(series, plot hints, log10 columns, decimal columns)`` of a record, or None."""
    series = record.get("series") if isinstance(record, Mapping) else None
    if not isinstance(series, Mapping) or not isinstance(series.get("t"), list):
        return None
    hints = series.get("plot") if isinstance(series.get("plot"), Mapping) else {}
    logs = series.get("log10") if isinstance(series.get("log10"), Mapping) else {}
    cols = series.get("columns") if isinstance(series.get("columns"), Mapping) else {}
    return series, hints, logs, cols


def _points(series: Mapping, logs: Mapping, cols: Mapping, y: str) -> tuple[str, list[float], list[float]] | None:
    """``(y, log10 t, log10 y)`` for one column; points with t <= 0 or no finite value dropped."""
    if isinstance(logs.get(y), list):
        ys = [_finite(v) for v in logs[y]]
    elif isinstance(cols.get(y), list):
        ys = [_log10_of(v) for v in cols[y]]
    else:
        return None
    xs, vals = [], []
    for t, v in zip(series["t"], ys):  # zip: tolerate a ragged series rather than crash
        lt = _log10_of(t)
        if lt is not None and v is not None:
            xs.append(lt)
            vals.append(v)
    return (y, xs, vals) if xs else None


def _multi_names(hints: Mapping) -> list[str] | None:
    """The column names of a multi-curve record (``series["plot"]["y"]`` a list), else None."""
    y = hints.get("y")
    if isinstance(y, (list, tuple)):
        return [name for name in y if isinstance(name, str) and name]
    return None


def _curves(record: Any) -> list[tuple[str, list[float], list[float]]]:
    """Every plottable curve of a record: one per name when ``series["plot"]["y"]`` is a list
    of column names (each read like the single column of :func:`_curve`), else the single
    curve of :func:`_curve`.  Columns without a finite point are left out.
    """
    parts = _series_parts(record)
    if parts is None:
        return []
    series, hints, logs, cols = parts
    names = _multi_names(hints)
    if names is None:
        one = _curve(record)
        return [one] if one is not None else []
    return [c for c in (_points(series, logs, cols, name) for name in names) if c is not None]


def _curve(record: Any) -> tuple[str, list[float], list[float]] | None:
    """Extract ``(y name, log10 t, log10 y)`` points from a record's series.

    The y column is ``series["plot"]["y"]``, else ``"gap"``, else the first
    log10 column. Its values come from ``series["log10"][y]`` or, failing that,
    from exact Decimal logs of ``series["columns"][y]``. Points with t <= 0 or
    a missing/non-finite value are dropped. Returns None when nothing is left,
    which is also how :func:`render_markdown` decides whether to link a figure.
    A multi-curve record (``series["plot"]["y"]`` a list) gives its first non-empty curve.
    """
    parts = _series_parts(record)
    if parts is None:
        return None
    series, hints, logs, cols = parts
    names = _multi_names(hints)
    if names is not None:
        curves = _curves(record)
        return curves[0] if curves else None
    y = hints.get("y")
    if not isinstance(y, str) or not y:
        y = "gap" if ("gap" in logs or "gap" in cols) else next(iter(logs or cols), None)
    if y is None:
        return None
    return _points(series, logs, cols, y)


def _panels(record: Any) -> list[Mapping]:
    """The panels of a general figure (``series["panels"]``), each with at least one curve.

    A panel is ``{"title", "xlabel", "ylabel", "xscale", "yscale" ("linear" | "log"),
    "x": [...], "curves": [{"label", "y": [...], "x": optional own x}], "hlines":
    [{"y", "label"}]}``; values that are not finite numbers (or not positive on a log
    axis) are skipped.  This is the format for claims whose x axis is not time (depth,
    width, batch size, a parameter sweep) or whose axes are linear.
    """
    series = record.get("series") if isinstance(record, Mapping) else None
    panels = series.get("panels") if isinstance(series, Mapping) else None
    if not isinstance(panels, list):
        return []
    good = []
    for panel in panels:
        if isinstance(panel, Mapping) and any(_panel_points(panel, c)[0] for c in panel.get("curves") or []
                                              if isinstance(c, Mapping)):
            good.append(panel)
    return good


def _panel_points(panel: Mapping, curve: Mapping) -> tuple[list[float], list[float]]:
    xs = curve.get("x") if isinstance(curve.get("x"), list) else panel.get("x")
    ys = curve.get("y")
    if not isinstance(xs, list) or not isinstance(ys, list):
        return [], []
    logx, logy = panel.get("xscale") == "log", panel.get("yscale") == "log"
    px, py = [], []
    for x, y in zip(xs, ys):
        fx, fy = _finite(x), _finite(y)
        if fx is None or fy is None or (logx and fx <= 0) or (logy and fy <= 0):
            continue
        px.append(fx)
        py.append(fy)
    return px, py


def has_figure(record: Any) -> bool:
    """Whether :func:`plot_record` draws something for this record."""
    return _curve(record) is not None or bool(_panels(record))


def _finish(fig, record: Mapping, path: PathLike) -> str:
    """Title the figure with the claim and its verdict, write the PNG, free the figure."""
    verdict = record.get("verdict")
    fig.suptitle(f"{record.get('claim', '?')}" + (f" — {verdict}" if verdict else ""), fontsize=12)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    fig.clear()  # not registered with pyplot, so dropping it frees it; clear() releases artists early
    return str(out)


def _plot_panels(record: dict, panels: list[Mapping], path: PathLike, Figure) -> str:
    """A general figure: one subplot per panel, labelled curves, optional reference lines."""
    fig = Figure(figsize=(5.6 * len(panels), 4.4), dpi=110, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        for curve in panel.get("curves") or []:
            if not isinstance(curve, Mapping):
                continue
            px, py = _panel_points(panel, curve)
            if px:
                style = str(curve.get("style") or "-o")
                ax.plot(px, py, style, markersize=3, linewidth=1.2, label=str(curve.get("label") or ""))
        for line in panel.get("hlines") or []:
            if isinstance(line, Mapping) and _finite(line.get("y")) is not None:
                ax.axhline(float(line["y"]), color="grey", linestyle="--", linewidth=0.9,
                           label=str(line.get("label") or ""))
        ax.set_xscale("log" if panel.get("xscale") == "log" else "linear")
        ax.set_yscale("log" if panel.get("yscale") == "log" else "linear")
        ax.set_xlabel(str(panel.get("xlabel") or "x"))
        ax.set_ylabel(str(panel.get("ylabel") or "y"))
        ax.set_title(str(panel.get("title") or ""), fontsize=10)
        ax.grid(True, alpha=0.3)
        if any(h.get_label() and not h.get_label().startswith("_") for h in ax.get_lines()):
            ax.legend(loc="best", fontsize=8)
    return _finish(fig, record, path)


def plot_record(record: dict, path: PathLike) -> str | None:
    """Plot a record's series to a PNG at ``path``; return the path, or None without a series.

    For a ``gap`` series: left, log10(gap) against log10 t; right, the ratio
    ``-ln(gap) / (ln t)^2`` against ln t for t > 1 (the quantity the Cao et
    al. bound keeps bounded below), computed from the log10 column so that
    gaps like 1e-400 never overflow. Any other y column gets the left panel
    alone. A record with ``series["panels"]`` (see :func:`_panels`) gets a general
    figure with linear or log axes. When ``series["plot"]["y"]`` is a list of column names, each column
    (``series["log10"][name]``, or the exact log of ``series["columns"][name]``)
    is drawn as its own curve on one log-log panel, labelled by
    ``series["plot"]["labels"][name]`` (default: the name); ``None`` values
    (a column not measured at some t) are skipped.
    """
    curves = _curves(record)
    panels = _panels(record) if not curves else []
    if not curves and not panels:
        return None

    import matplotlib

    # Switching backends after pyplot is loaded closes the caller's figures;
    # we draw on a bare Figure (no pyplot), which needs no backend anyway.
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    if panels:
        return _plot_panels(record, panels, path, Figure)
    y, log10_t, log10_y = curves[0]
    series = record.get("series") or {}
    hints = series.get("plot") if isinstance(series.get("plot"), Mapping) else {}
    title = str(hints.get("title") or y)
    if _multi_names(hints) is not None:
        return _plot_multi(record, curves, hints, path, Figure)
    two_panels = y == "gap"

    fig = Figure(figsize=(11, 4.2) if two_panels else (6.5, 4.2), dpi=110, layout="constrained")
    axes = fig.subplots(1, 2) if two_panels else [fig.subplots()]
    left = axes[0]
    left.plot(log10_t, log10_y, marker="o", markersize=3, linewidth=1.2)
    left.set_xlabel(r"log t   ($\log_{10} t$)")
    left.set_ylabel(rf"$\log_{{10}}$ {y}")
    prefix = f"{title}: " if title != y else ""
    left.set_title(f"{prefix}$\\log_{{10}}$ {y} vs log t", fontsize=10)
    left.grid(True, alpha=0.3)

    if two_panels:
        right = axes[1]
        ln10 = math.log(10.0)
        pts = [(lt * ln10, -ly * ln10 / (lt * ln10) ** 2) for lt, ly in zip(log10_t, log10_y) if lt > 0]
        if pts:
            ln_t, ratio = zip(*pts)
            right.plot(ln_t, ratio, marker="o", markersize=3, linewidth=1.2, color="tab:red")
            low = min(ratio)
            right.axhline(low, color="grey", linestyle="--", linewidth=0.8, label=f"min = {low:.4g}")
            right.legend(loc="best", fontsize=8)
        else:
            right.text(0.5, 0.5, "no checkpoints with t > 1", ha="center", va="center", transform=right.transAxes)
        right.set_xlabel(r"$\ln t$")
        right.set_ylabel(r"$-\ln(\mathrm{gap})\,/\,(\ln t)^2$")
        right.set_title("rate ratio (bounded below if the bound holds)", fontsize=10)
        right.grid(True, alpha=0.3)

    return _finish(fig, record, path)


def _plot_multi(record: dict, curves: list, hints: Mapping, path: PathLike, Figure) -> str:
    """Several columns of one record as labelled curves on shared log axes (one panel)."""
    labels = hints.get("labels") if isinstance(hints.get("labels"), Mapping) else {}
    fig = Figure(figsize=(7.5, 4.6), dpi=110, layout="constrained")
    ax = fig.subplots()
    for name, log10_t, log10_y in curves:
        ax.plot(log10_t, log10_y, marker="o", markersize=2.5, linewidth=1.2, label=str(labels.get(name) or name))
    ax.set_xlabel(r"log t   ($\log_{10} t$)")
    ax.set_ylabel(r"$\log_{10}$ value")
    ax.set_title(str(hints.get("title") or "series"), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _finish(fig, record, path)


# --------------------------------------------------------------------------- all together


def write_report(records: list[dict], out_dir: PathLike) -> str:
    """Write ``report.md``, ``report.tex`` and ``figures/<claim>.png`` under ``out_dir``.

    Returns the path of ``report.md``. Records without a plottable series get
    no figure and no figure link.
    """
    records = list(records)
    root = Path(out_dir)
    figures = root / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for record, name in zip(records, _figure_names(records)):
        plot_record(record, figures / name)
    md_path = root / "report.md"
    md_path.write_text(render_markdown(records, figure_dir="figures"), encoding="utf-8")
    (root / "report.tex").write_text(render_latex(records), encoding="utf-8")
    return str(md_path)
