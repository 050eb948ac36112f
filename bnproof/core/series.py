r"""Figure data of a record: what its figure draws (docs/records.md, "series").

A record's ``series`` is either panels (any x axis) or a time series (log-spaced checkpoints
of a run), optionally with further panels beside it.  Checks build them with these types;
``to_dict`` gives the JSON form that the report reads (:mod:`bnproof.report.figure_data`).

A figure shows the theory next to the measurement, so every element says which it is:
``Curve.kind`` and ``HLine.kind`` are ``"measured"``, ``"theory"`` (a closed form or predicted
value), ``"bound"`` (a bound the statement asserts), ``"fit"`` (a fitted line) or ``"reference"``;
the report gives each kind one style.  :class:`Band` is a shaded interval (a confidence band,
a tolerance around a prediction); :class:`Span` marks the x-window a verdict used.  Labels may
use matplotlib mathtext (``r"$q^{\ell}$"``).  New fields are written only when set, so records
that do not use them keep their JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Band", "Curve", "HLine", "Panel", "Span", "TimeSeries", "panels"]

KINDS = ("measured", "theory", "bound", "fit", "reference")


@dataclass(frozen=True)
class Curve:
    """One line of a panel: ``y`` over the panel's x (or its own ``x``); ``style`` a matplotlib format."""

    label: str
    y: Sequence[Any]
    x: Sequence[Any] | None = None
    style: str | None = None
    kind: str = "measured"  # one of KINDS

    def __post_init__(self) -> None:
        _check_kind(self.kind)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"label": self.label, "y": list(self.y)}
        if self.x is not None:
            d["x"] = list(self.x)
        if self.style is not None:
            d["style"] = self.style
        if self.kind != "measured":
            d["kind"] = self.kind
        return d


@dataclass(frozen=True)
class Band:
    """A shaded interval ``lo <= y <= hi`` over the panel's x (or its own ``x``)."""

    label: str
    lo: Sequence[Any]
    hi: Sequence[Any]
    x: Sequence[Any] | None = None
    kind: str = "measured"  # "measured": a confidence band; "theory"/"bound": a predicted range

    def __post_init__(self) -> None:
        _check_kind(self.kind)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"label": self.label, "lo": list(self.lo), "hi": list(self.hi)}
        if self.x is not None:
            d["x"] = list(self.x)
        if self.kind != "measured":
            d["kind"] = self.kind
        return d


@dataclass(frozen=True)
class Span:
    """A marked x-interval: the window a verdict was decided on."""

    lo: float
    hi: float
    label: str

    def to_dict(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "label": self.label}


@dataclass(frozen=True)
class HLine:
    """A horizontal reference line (a predicted value, a bound)."""

    y: float
    label: str
    kind: str = "reference"  # "theory" (a predicted value), "bound", "reference", ...

    def __post_init__(self) -> None:
        _check_kind(self.kind)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"y": self.y, "label": self.label}
        if self.kind != "reference":
            d["kind"] = self.kind
        return d


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
    bands: Sequence[Band] = ()
    spans: Sequence[Span] = ()

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel}
        d.update({k: v for k, v in (("xscale", self.xscale), ("yscale", self.yscale)) if v is not None})
        d.update({"x": list(self.x), "curves": [c.to_dict() for c in self.curves]})
        if self.hlines:
            d["hlines"] = [h.to_dict() for h in self.hlines]
        if self.bands:
            d["bands"] = [b.to_dict() for b in self.bands]
        if self.spans:
            d["spans"] = [s.to_dict() for s in self.spans]
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
    panels: Sequence[Panel] = ()  # further panels drawn beside the time series (e.g. a diagnostic the verdict uses)
    spans: Sequence[Span] = ()  # windows in t marked on the time-series axes
    curves: Sequence[Curve] = ()  # drawn over the columns: x in t, y in log10 units (a fit, a predicted rate)
    hlines: Sequence[HLine] = ()  # horizontal lines on the time-series axes, y in log10 units
    ylabel: str | None = None  # the y-axis label (mathtext); None: "log10 <column>"

    def to_dict(self) -> dict:
        plot: dict[str, Any] = {"x": "t", "y": self.y if isinstance(self.y, str) else list(self.y)}
        if self.labels is not None:
            plot["labels"] = dict(self.labels)
        plot.update({"xscale": self.xscale, "yscale": "log10", "title": self.title})
        if self.rate is not None:
            plot["rate"] = self.rate
        if self.spans:
            plot["spans"] = [s.to_dict() for s in self.spans]
        if self.curves:
            plot["curves"] = [c.to_dict() for c in self.curves]
        if self.hlines:
            plot["hlines"] = [h.to_dict() for h in self.hlines]
        if self.ylabel is not None:
            plot["ylabel"] = self.ylabel
        out: dict[str, Any] = {"t": list(self.t), "log10": {k: list(v) for k, v in self.log10.items()}}
        if self.columns is not None:
            out["columns"] = {k: list(v) for k, v in self.columns.items()}
        out["plot"] = plot
        if self.panels:
            out["panels"] = [p.to_dict() for p in self.panels]
        return out


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown figure element kind {kind!r} (one of {', '.join(KINDS)})")
