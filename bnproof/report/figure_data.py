"""What a record's figure shows, read from its ``series`` (no matplotlib here).

A record's ``series`` is the JSON that :mod:`bnproof.core.records` writes (docs/records.md):

* **panels** -- ``{"panels": [Panel.to_dict(), ...]}`` (:mod:`bnproof.core.series`: ``Panel``
  with ``Curve``, ``HLine``, ``Band`` and ``Span``, each curve/line/band of a ``kind``): any x
  axis, linear or log scales.  :func:`figure_panels` reads them back as those types, keeping
  only the points that can be drawn (an unknown kind reads as the default one).
* **time series** -- ``TimeSeries.to_dict()``: checkpoints ``t``, ``log10`` float columns
  and/or ``columns`` of exact decimal strings, and ``plot`` hints naming the column(s) to
  draw, with optional overlays (``curves``, ``hlines`` in log10 units), ``spans`` in t and
  further ``panels``.  :func:`time_plot` reads them as log10 y over t, taking exact Decimal
  logs of decimal strings so ``"1e-400"`` never underflows.

The rate panel (:func:`wants_rate_panel`) is chosen from the plot hints, never from a column
name.  Values that cannot be drawn (null, NaN, non-positive on a log axis, t <= 0) are dropped;
a record with nothing left has no figure (:func:`has_figure`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from bnproof.core.series import KINDS, Band, Curve, HLine, Panel, Span

__all__ = [
    "LogCurve",
    "TimePlot",
    "figure_name",
    "figure_names",
    "figure_panels",
    "has_figure",
    "time_curves",
    "time_plot",
    "wants_rate_panel",
]


class LogCurve(NamedTuple):
    """One column of a time series as points ``(log10 t, log10 y)``."""

    name: str
    log10_t: list[float]
    log10_y: list[float]


@dataclass(frozen=True)
class TimePlot:
    """A time-series figure: its curves (at least one) and how to draw them.

    ``multi``: ``plot.y`` named several columns (one labelled curve each, one panel).
    ``rate``: add the panel ``-ln y / (ln t)^2`` against ``ln t`` (single column only).
    ``overlays``/``hlines``: theory, fits and references on the time axes (x in t, y in log10
    units); ``spans``: windows in t; ``panels``: further panels drawn beside the time series;
    ``ylabel``: the y-axis label when the record gives one.
    """

    curves: list[LogCurve]
    title: str
    labels: Mapping[str, str]
    multi: bool
    rate: bool
    overlays: tuple[Curve, ...] = ()
    hlines: tuple[HLine, ...] = ()
    spans: tuple[Span, ...] = ()
    panels: tuple[Panel, ...] = ()
    ylabel: str | None = None
    xscale: str = "log"  # of the t axis: "log" (log-spaced checkpoints) or "linear"


# --------------------------------------------------------------------------- file names


def figure_name(claim: str) -> str:
    """File name (``<claim>.png``) for a claim id, with unsafe characters replaced."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", claim).strip(".")
    return (stem or "claim") + ".png"


def figure_names(records: list[dict]) -> list[str]:
    """One figure file name per record; repeated claim ids get ``-2``, ``-3`` suffixes."""
    seen: dict[str, int] = {}
    names = []
    for record in records:
        base = figure_name(str(record.get("claim") or "claim"))
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else base[:-4] + f"-{seen[base]}.png")
    return names


def has_figure(record: Any) -> bool:
    """Whether :func:`bnproof.report.figures.plot_record` draws something for this record."""
    return time_plot(record) is not None or bool(figure_panels(record))


# --------------------------------------------------------------------------- time series


def wants_rate_panel(hints: Mapping) -> bool:
    """Whether a time-series figure gets the rate panel ``-ln y / (ln t)^2`` next to log y.

    An explicit boolean ``plot["rate"]`` decides.  Without it the panel is drawn when the hints
    describe one quantity (``plot["y"]`` a single column name) drawn as ``yscale: "log10"``
    over ``xscale: "log"`` -- a positive quantity decaying in log t, for which the ratio is
    bounded below exactly when ``y <= exp(-c ln^2 t)`` for some c > 0.  Several columns
    (``plot["y"]`` a list) are a comparison and get one panel.
    """
    explicit = hints.get("rate")
    if isinstance(explicit, bool):
        return explicit
    single = isinstance(hints.get("y"), str) and bool(hints.get("y"))
    return single and hints.get("yscale") == "log10" and hints.get("xscale") == "log"


def time_plot(record: Any) -> TimePlot | None:
    """The time-series figure of a record (``series["t"]`` a list), or None when nothing is drawable.

    The curves: one per name when ``plot["y"]`` is a list of column names (columns without a
    finite point are left out); else the single column ``plot["y"]``, or without it the first
    ``log10`` column (else the first decimal column).  A column's values come from
    ``series["log10"][name]`` or, failing that, from exact Decimal logs of
    ``series["columns"][name]``.
    """
    parts = _series_parts(record)
    if parts is None:
        return None
    series, hints, logs, cols = parts
    names = _column_names(hints)
    multi = names is not None
    if not multi:
        single = _single_column(hints, logs, cols)
        names = [single] if single else []
    curves = [c for c in (_log_points(series["t"], logs, cols, name) for name in names) if c is not None]
    if not curves:
        return None
    labels = hints.get("labels") if isinstance(hints.get("labels"), Mapping) else {}
    rate = not multi and wants_rate_panel(hints)
    overlays = tuple(c for c in (_read_curve({}, raw, False, False) for raw in _mappings(hints.get("curves"))) if c.y)
    ylabel = hints.get("ylabel") if isinstance(hints.get("ylabel"), str) else None
    return TimePlot(curves=curves, title=str(hints.get("title") or ""), labels=labels, multi=multi, rate=rate,
                    overlays=overlays, hlines=_read_hlines(hints), spans=_read_spans(hints),
                    panels=tuple(figure_panels(record)), ylabel=ylabel,
                    xscale="linear" if hints.get("xscale") == "linear" else "log")


def time_curves(record: Any) -> list[LogCurve]:
    """The curves of :func:`time_plot` (empty when there is no time-series figure)."""
    plot = time_plot(record)
    return plot.curves if plot is not None else []


def _series_parts(record: Any) -> tuple[Mapping, Mapping, Mapping, Mapping] | None:
    """``(series, plot hints, log10 columns, decimal columns)`` of a time-series record, or None."""
    series = record.get("series") if isinstance(record, Mapping) else None
    if not isinstance(series, Mapping) or not isinstance(series.get("t"), list):
        return None
    hints = series.get("plot") if isinstance(series.get("plot"), Mapping) else {}
    logs = series.get("log10") if isinstance(series.get("log10"), Mapping) else {}
    cols = series.get("columns") if isinstance(series.get("columns"), Mapping) else {}
    return series, hints, logs, cols


def _column_names(hints: Mapping) -> list[str] | None:
    """The column names of a multi-curve plot (``plot["y"]`` a list), else None."""
    y = hints.get("y")
    if isinstance(y, (list, tuple)):
        return [name for name in y if isinstance(name, str) and name]
    return None


def _single_column(hints: Mapping, logs: Mapping, cols: Mapping) -> str | None:
    """``plot["y"]`` when it names a column, else the first log10 (else decimal) column."""
    y = hints.get("y")
    if isinstance(y, str) and y:
        return y
    return next(iter(logs or cols), None)


def _log_points(ts: list, logs: Mapping, cols: Mapping, name: str) -> LogCurve | None:
    """``(name, log10 t, log10 y)`` for one column; points with t <= 0 or no finite value dropped."""
    if isinstance(logs.get(name), list):
        ys = [_finite(v) for v in logs[name]]
    elif isinstance(cols.get(name), list):
        ys = [_log10_of(v) for v in cols[name]]
    else:
        return None
    xs, vals = [], []
    for t, v in zip(ts, ys):  # zip: tolerate a ragged series rather than crash
        lt = _log10_of(t)
        if lt is not None and v is not None:
            xs.append(lt)
            vals.append(v)
    return LogCurve(name, xs, vals) if xs else None


# --------------------------------------------------------------------------- panels


def figure_panels(record: Any) -> list[Panel]:
    """The panels of ``series["panels"]`` that have a drawable curve, as core.records types.

    Each returned :class:`~bnproof.core.records.Panel` is normalised for drawing: scales are
    ``"log"`` or ``"linear"``, missing labels default to ``"x"``/``"y"``, every curve carries
    its own finite points in ``x``/``y`` (only positive ones on a log axis; curves with none
    are dropped) and its style (default ``"-o"``), and only finite reference lines are kept.
    """
    series = record.get("series") if isinstance(record, Mapping) else None
    raw = series.get("panels") if isinstance(series, Mapping) else None
    if not isinstance(raw, list):
        return []
    read = (_read_panel(item) for item in raw if isinstance(item, Mapping))
    return [panel for panel in read if panel.curves]


def _read_panel(raw: Mapping) -> Panel:
    """One ``Panel.to_dict()`` read back, keeping what can be drawn."""
    xscale = "log" if raw.get("xscale") == "log" else "linear"
    yscale = "log" if raw.get("yscale") == "log" else "linear"
    curves = [_read_curve(raw, c, xscale == "log", yscale == "log") for c in _mappings(raw.get("curves"))]
    bands = [_read_band(raw, b, xscale == "log", yscale == "log") for b in _mappings(raw.get("bands"))]
    return Panel(title=str(raw.get("title") or ""), xlabel=str(raw.get("xlabel") or "x"),
                 ylabel=str(raw.get("ylabel") or "y"), x=(), curves=tuple(c for c in curves if c.y),
                 xscale=xscale, yscale=yscale, hlines=_read_hlines(raw),
                 bands=tuple(b for b in bands if b.lo), spans=_read_spans(raw))


def _read_curve(panel: Mapping, raw: Mapping, logx: bool, logy: bool) -> Curve:
    """A curve's finite points over its own ``x`` (else the panel's), positive on log axes."""
    xs = raw.get("x") if isinstance(raw.get("x"), list) else panel.get("x")
    px, (py,) = _finite_points(xs, [raw.get("y")], logx, logy)
    return Curve(label=str(raw.get("label") or ""), y=py, x=px, style=str(raw.get("style") or "-o"),
                 kind=_kind(raw, "measured"))


def _read_band(panel: Mapping, raw: Mapping, logx: bool, logy: bool) -> Band:
    """A band's finite ``(x, lo, hi)`` triples over its own ``x`` (else the panel's)."""
    xs = raw.get("x") if isinstance(raw.get("x"), list) else panel.get("x")
    px, (lo, hi) = _finite_points(xs, [raw.get("lo"), raw.get("hi")], logx, logy)
    return Band(label=str(raw.get("label") or ""), lo=lo, hi=hi, x=px, kind=_kind(raw, "measured"))


def _finite_points(xs: Any, columns: list[Any], logx: bool, logy: bool) -> tuple[list[float], list[list[float]]]:
    """The rows of ``zip(xs, *columns)`` whose values are all finite (and positive on log axes)."""
    px: list[float] = []
    cols: list[list[float]] = [[] for _ in columns]
    if not isinstance(xs, list) or not all(isinstance(c, list) for c in columns):
        return px, cols
    for x, *ys in zip(xs, *columns):  # zip: tolerate ragged data rather than crash
        fx, fys = _finite(x), [_finite(y) for y in ys]
        if fx is None or any(v is None for v in fys) or (logx and fx <= 0) or (logy and min(fys) <= 0):
            continue
        px.append(fx)
        for col, v in zip(cols, fys):
            col.append(v)
    return px, cols


def _read_hlines(raw: Mapping) -> tuple[HLine, ...]:
    """The finite horizontal lines of a panel (or of time-series hints)."""
    return tuple(HLine(y=float(h["y"]), label=str(h.get("label") or ""), kind=_kind(h, "reference"))
                 for h in _mappings(raw.get("hlines")) if _finite(h.get("y")) is not None)


def _read_spans(raw: Mapping) -> tuple[Span, ...]:
    """The x-windows with finite ends ``lo < hi``."""
    out = []
    for s in _mappings(raw.get("spans")):
        lo, hi = _finite(s.get("lo")), _finite(s.get("hi"))
        if lo is not None and hi is not None and lo < hi:
            out.append(Span(lo=lo, hi=hi, label=str(s.get("label") or "")))
    return tuple(out)


def _kind(raw: Mapping, default: str) -> str:
    """The element's ``kind``, or ``default`` when absent or unknown (a hand-made record never crashes)."""
    kind = raw.get("kind")
    return kind if kind in KINDS else default


# --------------------------------------------------------------------------- numbers


def _mappings(value: Any) -> list[Mapping]:
    """The objects of a JSON list (anything else: none)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (rejects bools, nulls, strings, NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


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
