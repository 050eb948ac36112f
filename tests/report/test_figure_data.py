"""Tests for bnproof.report.figure_data: reading core.records figure JSON, the rate-panel rule."""

from __future__ import annotations

import pytest

from bnproof import report
from bnproof.core.series import Band, Curve, HLine, Panel, Span, TimeSeries, panels
from bnproof.report.figure_data import (
    figure_names,
    figure_panels,
    time_curves,
    time_plot,
    wants_rate_panel,
)

CAO_HINTS = {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "margin gap"}


def test_multi_curve_columns(multi_record: dict) -> None:
    rec = multi_record
    curves = time_curves(rec)
    # columns without any finite value (or not in the record) are left out; None entries are skipped
    assert [c[0] for c in curves] == ["bn_gap", "nobn_angle", "from_decimals"]
    assert curves[0][1] == [0.0, 1.0, 2.0, 3.0] and curves[0][2] == [0.0, -2.0, -8.0, -20.0]
    assert curves[2][2][-1] == pytest.approx(-700.0)  # exact Decimal log of a sub-float value
    assert time_curves(rec)[0].name == "bn_gap"  # the first non-empty curve leads
    assert time_plot(rec).multi and not time_plot(rec).rate
    # a list naming only missing columns: no curve, no figure
    rec["series"]["plot"]["y"] = ["never", "absent"]
    assert time_curves(rec) == [] and not report.has_figure(rec)


def test_single_column_records_keep_their_curve(series_record: dict) -> None:
    assert [c[0] for c in time_curves(series_record)] == ["gap"]
    # without plot.y: the first log10 column, else the first decimal column
    del series_record["series"]["plot"]
    assert [c[0] for c in time_curves(series_record)] == ["gap"]
    del series_record["series"]["log10"]
    assert [c.name for c in time_curves(series_record)] == ["gap"]
    assert time_curves({"series": {"t": [1], "log10": {}}}) == []


def test_rate_panel_follows_the_hints_not_the_column_name(series_record: dict) -> None:
    assert wants_rate_panel(CAO_HINTS)
    assert time_plot(series_record).rate
    renamed = dict(CAO_HINTS, y="distance")  # any single log10-over-log-t column
    assert wants_rate_panel(renamed)
    assert not wants_rate_panel(dict(CAO_HINTS, rate=False))  # explicit opt-out
    assert wants_rate_panel({"y": "loss", "rate": True})  # explicit opt-in
    assert not wants_rate_panel({"y": "gap"})  # no scales: one panel, whatever the name
    assert not wants_rate_panel(dict(CAO_HINTS, xscale="linear"))
    assert not wants_rate_panel(dict(CAO_HINTS, y=["gap", "other"]))  # several columns compare
    assert not wants_rate_panel(dict(CAO_HINTS, y=""))


def test_time_series_json_from_core_is_read() -> None:
    series = TimeSeries(t=[1, 10, 100], log10={"dist": [0.0, -3.0, -9.0]}, columns={"dist": ["1", "1e-3", "1e-9"]},
                        y="dist", title="distance").to_dict()
    plot = time_plot({"series": series})
    assert plot.title == "distance" and plot.rate and not plot.multi
    assert plot.curves[0] == ("dist", [0.0, 1.0, 2.0], [0.0, -3.0, -9.0])
    multi = TimeSeries(t=[1, 10], log10={"a": [0.0, -1.0], "b": [0.0, -2.0]}, columns={}, y=["a", "b"],
                       title="two", labels={"a": "A"}).to_dict()
    plot = time_plot({"series": multi})
    assert plot.multi and not plot.rate and plot.labels == {"a": "A"}


def test_panels_from_core_types_are_read_back() -> None:
    series = panels(
        Panel(title="gap vs depth", xlabel="depth", ylabel="gap", x=[1, 2, 3], yscale="log",
              curves=[Curve("BN", [1.0, 0.1, 0.0]), Curve("own x", [2.0, 3.0], x=[10, 20], style="s--")],
              hlines=[HLine(0.5, "floor")]),
        Panel(title="nothing", xlabel="x", ylabel="y", x=[1], curves=[Curve("nan", [float("nan")])]),
    )
    (panel,) = figure_panels({"series": series})  # the panel without a drawable point is dropped
    assert isinstance(panel, Panel) and panel.yscale == "log" and panel.xscale == "linear"
    first, second = panel.curves
    assert (first.label, list(first.x), list(first.y), first.style) == ("BN", [1.0, 2.0], [1.0, 0.1], "-o")
    assert (list(second.x), second.style) == ([10.0, 20.0], "s--")
    assert panel.hlines == (HLine(0.5, "floor"),)


def test_panel_figure_with_linear_and_log_axes() -> None:
    rec = {"claim": "x.depth", "verdict": "verified", "series": {"panels": [
        {"title": "gap vs depth", "x": [1, 2, 3], "xlabel": "depth", "yscale": "log",
         "curves": [{"label": "BN", "y": [1.0, 0.1, 0.0]}, {"label": "none", "y": [1, None, 2]}],
         "hlines": [{"y": 0.5, "label": "floor"}]},
        {"title": "empty", "x": [1], "curves": [{"y": ["nan"]}]}]}}
    assert report.has_figure(rec)
    assert len(figure_panels(rec)) == 1  # the empty panel is dropped
    log_only_negative = {"claim": "y", "series": {"panels": [{"x": [1], "yscale": "log", "curves": [{"y": [-1]}]}]}}
    assert not report.has_figure(log_only_negative)
    assert not report.has_figure({"claim": "y", "series": {"panels": "junk"}})
    assert not report.has_figure({"claim": "y", "series": {"panels": [{"curves": 3, "hlines": "no"}]}})


def test_figure_names() -> None:
    assert report.figure_name("odd_claim/with#chars") == "odd_claim_with_chars.png"
    assert report.figure_name("..") == "claim.png"
    names = figure_names([{"claim": "a"}, {"claim": "a"}, {}, {"claim": "a"}])
    assert names == ["a.png", "a-2.png", "claim.png", "a-3.png"]


def test_kinds_bands_and_spans_are_read_back() -> None:
    series = panels(Panel(
        title="p", xlabel="x", ylabel="y", x=[1, 2, 3], yscale="log",
        curves=[Curve("theory", [1.0, 2.0, 3.0], kind="theory")],
        hlines=[HLine(0.5, "bound", kind="bound"), HLine(float("nan"), "dropped")],
        bands=[Band("CI", [0.5, -1.0, 1.0], [1.5, 2.0, 2.0]), Band("predicted", [1, 1], [2, 2], x=[5, 6], kind="theory")],
        spans=[Span(1.5, 2.5, "window"), Span(3.0, 3.0, "empty")]))
    (panel,) = figure_panels({"series": series})
    assert panel.curves[0].kind == "theory" and [h.kind for h in panel.hlines] == ["bound"]
    ci, predicted = panel.bands
    assert (list(ci.x), list(ci.lo), list(ci.hi)) == ([1.0, 3.0], [0.5, 1.0], [1.5, 2.0])  # lo ≤ 0 off a log axis
    assert predicted.kind == "theory" and list(predicted.x) == [5.0, 6.0]
    assert panel.spans == (Span(1.5, 2.5, "window"),)  # an empty window is dropped


def test_time_series_hints_carry_overlays_spans_and_panels() -> None:
    beside = Panel("beside", "x", "y", [1, 2], [Curve("a", [1, 2])])
    series = TimeSeries(t=[1, 10, 100], log10={"gap": [0.0, -1.0, -3.0]}, columns=None, y="gap", title="g",
                        curves=[Curve("fit", [-1.0, -3.0], x=[10, 100], kind="fit")],
                        hlines=[HLine(-2.0, "tol", kind="bound")], spans=[Span(10, 100, "late")],
                        panels=[beside], ylabel="$y$").to_dict()
    plot = time_plot({"series": series})
    assert [c.kind for c in plot.overlays] == ["fit"] and plot.hlines[0].kind == "bound"
    assert plot.spans == (Span(10.0, 100.0, "late"),) and [p.title for p in plot.panels] == ["beside"]
    assert plot.ylabel == "$y$"
    # hand-made hints of the wrong shape are ignored, never a crash
    series["plot"].update(curves="no", spans=[{"lo": "a"}], hlines=[None])
    plot = time_plot({"series": series})
    assert (plot.overlays, plot.spans, plot.hlines) == ((), (), ())
