"""Paper-grade figures of records (matplotlib), drawn from the figure data of :mod:`.figure_data`.

:func:`figure` builds a bare :class:`matplotlib.figure.Figure` (never registered with pyplot,
so drawing needs no backend and leaves a caller's pyplot state alone); :func:`save_figure`
writes it as PNG (``savefig.dpi`` of the style, 200), PDF and SVG; :func:`plot_record` is the
PNG shortcut the report uses.  Everything is drawn under the one style
(:data:`bnproof.core.style.RC_PARAMS`).

Layouts, chosen by the record's ``series`` (docs/records.md):

* a time series: log10 of the column(s) against t, with its overlays (theory, fits, bounds in
  log10 units), its windows (spans) and, beside it, its further panels; a single column whose
  hints ask for it (:func:`~bnproof.report.figure_data.wants_rate_panel`) also gets the rate
  panel ``-ln y / (ln t)^2`` against ``ln t``;
* panels: one axes per :class:`~bnproof.core.series.Panel`.

Sizes are for a paper: 3.4 in per panel, two panels a row (at most 6.8 in wide), three or
more wrap into rows (an odd last one centred).  Each element kind has one look (``_KIND_STYLE``):
measured solid with markers in the cycle colours, theory black dashed, bound red dotted, fit
dash-dot, reference light grey; bands are shaded, spans are tinted x-windows.  Long titles and
labels wrap (never inside ``$...$``), log axes carry 10^k ticks (or plain numbers when the
data span less than a decade), and text that is not valid mathtext is drawn literally.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from bnproof.core.series import Band, Curve, HLine, Panel, Span
from bnproof.core.style import RC_PARAMS
from bnproof.report.figure_data import LogCurve, TimePlot, figure_name, figure_panels, time_plot
from bnproof.report.load import PathLike

__all__ = ["FORMATS", "figure", "plot_record", "save_figure"]

FORMATS = ("png", "pdf", "svg")
PANEL_SIZE = (3.4, 2.7)  # inches per panel: one column of a two-column paper
_TITLE_CHARS = 46  # characters per title line at 9 pt on a 3.4 in panel
_LABEL_CHARS = 44

# One look per kind (docs: bnproof.core.series.KINDS); measured curves take the colour cycle.
_KIND_STYLE: dict[str, dict] = {
    "measured": {"linestyle": "-", "marker": "o", "markersize": 3, "linewidth": 1.3},
    "theory": {"color": "black", "linestyle": (0, (5, 2.5)), "linewidth": 1.2},
    "bound": {"color": "tab:red", "linestyle": ":", "linewidth": 1.6},
    "fit": {"color": "0.15", "linestyle": "-.", "linewidth": 1.2},
    "reference": {"color": "0.62", "linestyle": (0, (3, 1.5, 1, 1.5)), "linewidth": 1.0},
}
_BAND_STYLE = {"measured": {"alpha": 0.22}, "theory": {"color": "0.5", "alpha": 0.18},
               "bound": {"color": "tab:red", "alpha": 0.12}, "fit": {"color": "0.3", "alpha": 0.15},
               "reference": {"color": "0.8", "alpha": 0.3}}
_SPAN_STYLE = {"color": "tab:orange", "alpha": 0.13, "linewidth": 0, "zorder": 0}
_SECOND_SPAN_STYLE = {"facecolor": "none", "edgecolor": "tab:orange", "alpha": 0.45, "hatch": "///", "linewidth": 0,
                      "zorder": 0}
_COLOUR = re.compile(r"C\d|[bgrcmykw]")  # the colour part of a matplotlib format string
# major log ticks (mantissas) by the data's range: within a factor 3, within a decade, within two;
# spaced so that 8 pt labels do not touch on a 2.7 in panel
_LOG_SUBS = (tuple(range(1, 10)), (1, 2, 3, 4, 5, 6, 8), (1, 2, 5))
_MAX_MARKERS = 40  # a measured curve with more points marks every k-th one only
_LOG_T_LIMIT = 300.0  # t beyond 10^300 cannot be a float: such checkpoints are dropped


def figure(record: dict) -> Figure | None:
    """The record's figure, or None when its ``series`` has nothing drawable.

    A time series (``series["t"]``) takes precedence over ``series["panels"]`` (which then are
    the panels beside it).  Save it with :func:`save_figure` (which applies the style's dpi and
    font embedding) or ``fig.savefig`` inside ``matplotlib.rc_context(RC_PARAMS)``.
    """
    with matplotlib.rc_context(RC_PARAMS):
        plot = time_plot(record)
        if plot is not None:
            fig = _draw_time_series(plot)
        else:
            panels = figure_panels(record)
            if not panels:
                return None
            fig, axes = _grid(len(panels))
            for ax, panel in zip(axes, panels):
                _draw_panel(ax, panel)
            _unhide_data(fig, axes)
            _make_room(fig, axes)
        verdict = record.get("verdict")
        fig.suptitle(_text(f"{record.get('claim', '?')}" + (f" — {verdict}" if verdict else "")),
                     fontsize=RC_PARAMS.get("axes.titlesize", 9) + 1)
    return fig


def save_figure(record: dict, directory: PathLike, stem: str | None = None,
                formats: Sequence[str] = FORMATS) -> dict[str, Path]:
    """Write the record's figure as ``<directory>/<stem>.<format>`` for each format.

    ``stem`` defaults to the claim id made safe for a file name.  Returns ``{format: path}``,
    empty when the record has no figure.
    """
    fig = figure(record)
    if fig is None:
        return {}
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or figure_name(str(record.get("claim") or "claim"))[: -len(".png")]
    paths = {}
    with matplotlib.rc_context(RC_PARAMS), _quiet_font_subsetting():
        for fmt in formats:
            paths[fmt] = out_dir / f"{stem}.{fmt}"
            fig.savefig(paths[fmt], format=fmt)
    fig.clear()  # not registered with pyplot, so dropping it frees it; clear() releases artists early
    return paths


def plot_record(record: dict, path: PathLike) -> str | None:
    """Write the record's figure as a PNG at ``path``; return the path, or None without a figure."""
    fig = figure(record)
    if fig is None:
        return None
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC_PARAMS):
        fig.savefig(out, format="png")
    fig.clear()
    return str(out)


@contextmanager
def _quiet_font_subsetting() -> Iterator[None]:
    """Silence fontTools' warnings about the zero timestamps of matplotlib's bundled fonts (PDF embedding)."""
    log = logging.getLogger("fontTools")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


# --------------------------------------------------------------------------- layout


def _grid(n: int) -> tuple[Figure, list[Axes]]:
    """``n`` panel axes: one row of up to two, then rows of two with an odd last one centred."""
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(PANEL_SIZE[0] * cols, PANEL_SIZE[1] * rows + 0.3), layout="constrained")
    grid = fig.add_gridspec(rows, 2 * cols)
    axes = []
    for i in range(n):
        row, col = divmod(i, cols)
        if cols == 2 and i == n - 1 and n % 2:
            axes.append(fig.add_subplot(grid[row, 1:3]))
        else:
            axes.append(fig.add_subplot(grid[row, 2 * col: 2 * col + 2]))
    return fig, axes


def _draw_time_series(plot: TimePlot) -> Figure:
    """The time axes, then the rate panel (when asked) and the further panels."""
    fig, axes = _grid(1 + int(plot.rate) + len(plot.panels))
    _draw_time_axes(axes[0], plot)
    rest = axes[1:]
    if plot.rate:
        _draw_rate(rest[0], plot.curves[0])
        rest = rest[1:]
    for ax, panel in zip(rest, plot.panels):
        _draw_panel(ax, panel)
    _unhide_data(fig, axes)
    _make_room(fig, axes)
    return fig


def _draw_time_axes(ax: Axes, plot: TimePlot) -> None:
    """log10 of each column against t, with the overlays, lines and windows of the hints."""
    for name, log10_t, log10_y in plot.curves:
        label = str(plot.labels.get(name) or _math_name(name))
        t, y = _t_axis([(lt, ly) for lt, ly in zip(log10_t, log10_y)])
        _plot_curve(ax, Curve(label=label, y=y, x=t))
    for curve in plot.overlays:
        t, y = _t_axis([(math.log10(x), y) for x, y in zip(curve.x or (), curve.y) if x > 0])
        _plot_curve(ax, Curve(label=curve.label, y=y, x=t, style=curve.style, kind=curve.kind))
    for line in plot.hlines:
        _plot_hline(ax, line)
    for i, span in enumerate(plot.spans):
        _plot_span(ax, span, i)
    ax.set_xscale(plot.xscale)
    if plot.xscale == "log":
        _tidy_log_axis(ax.xaxis)
    single = plot.curves[0].name if not plot.multi else "value"
    ax.set_xlabel(_text("step $t$"))
    ax.set_ylabel(_wrap(plot.ylabel, _LABEL_CHARS) if plot.ylabel else _text(rf"$\log_{{10}}$ {_math_name(single)}"))
    ax.set_title(_wrap(plot.title or single, _TITLE_CHARS))
    _legend(ax)


def _t_axis(points: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """``(t, y)`` from ``(log10 t, y)`` pairs, dropping t beyond float range."""
    kept = [(10.0 ** lt, y) for lt, y in points if lt < _LOG_T_LIMIT]
    return [t for t, _ in kept], [y for _, y in kept]


def _draw_rate(ax: Axes, curve: LogCurve) -> None:
    """``-ln y / (ln t)^2`` against ``ln t`` (t > 1), with its minimum as a reference line."""
    ln10 = math.log(10.0)
    pts = [(lt * ln10, -ly * ln10 / (lt * ln10) ** 2) for lt, ly in zip(curve.log10_t, curve.log10_y) if lt > 0]
    if pts:
        ln_t, ratio = zip(*pts)
        _plot_curve(ax, Curve(label=r"$-\ln y\,/\,(\ln t)^2$", y=ratio, x=ln_t))
        _plot_hline(ax, HLine(min(ratio), f"minimum over $t > 1$: {min(ratio):.4g}"))
        _legend(ax)
    else:
        ax.text(0.5, 0.5, "no checkpoints with t > 1", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(r"$\ln t$")
    ax.set_ylabel(rf"$-\ln(\mathrm{{{_mathtext_escape(curve.name)}}})\,/\,(\ln t)^2$")
    ax.set_title("rate ratio (bounded below if the bound holds)")


def _draw_panel(ax: Axes, panel: Panel) -> None:
    """A panel's bands, spans, curves and lines, scales, labels and legend."""
    drawn: dict[str, str] = {}  # measured curve label -> its colour, for the bands that go with it
    for curve in panel.curves:
        line = _plot_curve(ax, curve)
        if curve.kind == "measured" and line is not None:
            drawn[curve.label] = line.get_color()
    for band in panel.bands:
        _plot_band(ax, band, drawn)
    for hline in panel.hlines:
        _plot_hline(ax, hline)
    for i, span in enumerate(panel.spans):
        _plot_span(ax, span, i)
    ax.set_xscale(panel.xscale or "linear")
    ax.set_yscale(panel.yscale or "linear")
    for axis, scale in ((ax.xaxis, panel.xscale), (ax.yaxis, panel.yscale)):
        if scale == "log":
            _tidy_log_axis(axis)
    xs = [x for curve in panel.curves for x in (curve.x or ())]
    if panel.xscale != "log" and xs and all(float(x).is_integer() for x in xs):  # layers, seeds, draws
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel(_wrap(panel.xlabel, _LABEL_CHARS))
    ax.set_ylabel(_wrap(panel.ylabel, _LABEL_CHARS))
    ax.set_title(_wrap(panel.title, _TITLE_CHARS))
    _legend(ax)


# --------------------------------------------------------------------------- elements


def _plot_curve(ax: Axes, curve: Curve):
    """One curve in its kind's look; a measured curve's own format string is honoured."""
    if not len(curve.y):
        return None
    label = _text(curve.label) if curve.label else "_nolegend_"
    x = list(curve.x) if curve.x is not None else list(range(len(curve.y)))
    if curve.kind == "measured":
        fmt = curve.style if curve.style and curve.style != "-o" else ""
        style = {k: v for k, v in _KIND_STYLE["measured"].items() if not fmt or k in ("markersize", "linewidth")}
        if len(curve.y) > _MAX_MARKERS:  # dense curves: markers would hide the line
            style["markevery"] = max(1, len(curve.y) // _MAX_MARKERS)
        (line,) = ax.plot(x, list(curve.y), fmt, label=label, **style) if fmt else ax.plot(
            x, list(curve.y), label=label, **style)
        return line
    style = dict(_KIND_STYLE[curve.kind])
    colour = _COLOUR.search(curve.style or "")
    if colour and curve.kind in ("theory", "fit", "bound"):  # one prediction per measured curve, in its colour
        style["color"] = colour.group(0)
    (line,) = ax.plot(x, list(curve.y), label=label, zorder=3, **style)
    return line


def _plot_band(ax: Axes, band: Band, colours: dict[str, str]) -> None:
    """A shaded band; a measured band takes the colour of the curve it belongs to (same label prefix)."""
    style = dict(_BAND_STYLE[band.kind])
    label = _text(band.label) if band.label else "_nolegend_"
    if band.kind == "measured":
        owner = next((name for name in colours if name and band.label.startswith(name)), None)
        style.setdefault("color", colours[owner] if owner else next(iter(colours.values()), "C0"))
        if owner == band.label:
            label = "_nolegend_"  # the curve's legend entry already names it
    x = list(band.x) if band.x is not None else list(range(len(band.lo)))
    ax.fill_between(x, list(band.lo), list(band.hi), label=label, linewidth=0, zorder=1, **style)


def _plot_hline(ax: Axes, line: HLine) -> None:
    style = dict(_KIND_STYLE[line.kind])
    style.pop("marker", None)
    style.pop("markersize", None)
    ax.axhline(line.y, label=_text(line.label) if line.label else "_nolegend_", zorder=2, **style)


def _plot_span(ax: Axes, span: Span, index: int = 0) -> None:
    """A tinted x-window; a second window on the same axes is hatched, so that the two can be told apart."""
    style = _SPAN_STYLE if index == 0 else _SECOND_SPAN_STYLE
    ax.axvspan(span.lo, span.hi, label=_text(span.label) if span.label else "_nolegend_", **style)


def _legend(ax: Axes, below: bool = False) -> None:
    """A legend when anything is labelled: inside when short, below the axes when long (or ``below``).

    A legend below the axes is tagged with its number of text lines (``gid``), so that
    :func:`_make_room` can grow the figure instead of squeezing the axes.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if len(handles) <= 3 and not below:
        ax.legend(loc="best")
        return
    ncol = 2 if max(_visible_length(label) for label in labels) <= 24 else 1
    legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)
    lines = sum(label.count("\n") + 1 for label in labels)
    legend.set_gid(f"below:{math.ceil(lines / ncol)}")


def _unhide_data(fig: Figure, axes: list[Axes]) -> None:
    """Move an inside legend below its axes when it covers a data point (``loc="best"`` may settle on one)."""
    fig.draw_without_rendering()
    for ax in axes:
        legend = ax.get_legend()
        if legend is None or legend.get_gid():
            continue
        box = legend.get_window_extent()
        for line in ax.get_lines():
            xy = np.asarray(line.get_xydata(), dtype=float)
            if len(xy) and box.count_contains(line.get_transform().transform(xy)):
                _legend(ax, below=True)
                break


def _make_room(fig: Figure, axes: list[Axes]) -> None:
    """Grow the figure by the height of the legends drawn below the axes (the tallest one per row)."""
    per_row: dict[float, int] = {}
    for ax in axes:
        legend = ax.get_legend()
        gid = legend.get_gid() if legend is not None else None
        if gid and gid.startswith("below:"):
            row = round(ax.get_subplotspec().rowspan.start)
            per_row[row] = max(per_row.get(row, 0), int(gid.split(":")[1]))
    extra = sum(0.17 * lines + 0.25 for lines in per_row.values())
    if extra:
        fig.set_figheight(fig.get_figheight() + extra)


def _tidy_log_axis(axis) -> None:
    """10^k major ticks without minor labels; plain numbers when the axis spans under a decade."""
    lo, hi = sorted(axis.get_view_interval())
    if lo > 0 and hi / lo < 100.0:  # at most two decades: 1-2-5 ticks (every digit within one) as numbers
        subs = _LOG_SUBS[0] if hi / lo < 3.0 else _LOG_SUBS[1] if hi / lo < 10.0 else _LOG_SUBS[2]
        axis.set_major_locator(ticker.LogLocator(base=10.0, subs=subs))
        axis.set_major_formatter(ticker.FuncFormatter(_plain_number))
    else:
        axis.set_major_locator(ticker.LogLocator(base=10.0, numticks=6))
        axis.set_major_formatter(ticker.LogFormatterMathtext())
    axis.set_minor_formatter(ticker.NullFormatter())


def _plain_number(value: float, _pos: object = None) -> str:
    """A tick as a plain number (0.02, 50) where that is short, else as 10^k mathtext."""
    if value <= 0 or 1e-3 <= value < 1e5:
        return f"{value:g}"
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0**exponent, 6)
    return f"$10^{{{exponent}}}$" if mantissa == 1 else f"${mantissa:g}\\times 10^{{{exponent}}}$"


# --------------------------------------------------------------------------- text

_PARSER = MathTextParser("path")


def _text(s: str) -> str:
    """``s`` as matplotlib draws it safely: valid mathtext kept, anything else shown literally."""
    s = str(s)
    if "$" not in s:
        return s
    pieces = re.split(r"(?<!\\)\$", s)
    if len(pieces) % 2 == 0:  # an unpaired dollar: not math
        return s.replace("$", r"\$")
    try:
        for inner in pieces[1::2]:
            _PARSER.parse(f"${inner}$")
    except ValueError:
        return re.sub(r"(?<!\\)\$", r"\\$", s)
    return s


def _wrap(s: str, width: int) -> str:
    """``s`` wrapped to lines of about ``width`` visible characters, never breaking inside ``$...$``."""
    s = _text(s)
    if "\n" in s:  # the caller's own line breaks stay
        return "\n".join(_wrap(line, width) for line in s.split("\n"))
    # spaces inside math become NULs, so that splitting on spaces keeps every math piece whole
    glued = re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", lambda m: m.group(0).replace(" ", "\0"), s)
    lines: list[str] = []
    current = ""
    for word in glued.split(" "):
        if current and _visible_length(f"{current} {word}") > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return "\n".join(lines + [current]).replace("\0", " ").strip()


def _visible_length(label: str) -> int:
    """About how many characters ``label`` shows (mathtext commands, braces and dollars do not show)."""
    return len(re.sub(r"\\[A-Za-z]+|[${}^_]", "", label))


def _math_name(name: str) -> str:
    """A column name as text (``sample_gap`` stays literal; not a subscript)."""
    return name.replace("$", r"\$")


def _mathtext_escape(name: str) -> str:
    """A column name made safe inside mathtext (``sample_gap`` must not become a subscript)."""
    return re.sub(r"([_#%&$])", r"\\\1", name)
