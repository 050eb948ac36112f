"""bnproof.core.series: the JSON shapes of figure data."""

from __future__ import annotations

import numpy as np

from bnproof.core.series import Curve, HLine, Panel, TimeSeries, panels


def test_curve_to_dict_has_only_the_given_fields():
    assert Curve("BN", (1.0, 2.0)).to_dict() == {"label": "BN", "y": [1.0, 2.0]}
    assert Curve("fit", np.array([1, 2]), x=(3, 4), style="k--").to_dict() == {
        "label": "fit", "y": [1, 2], "x": [3, 4], "style": "k--"}


def test_hline_to_dict():
    assert HLine(0.5, "bound").to_dict() == {"y": 0.5, "label": "bound"}


def test_panel_to_dict_in_the_documented_shape():
    panel = Panel("rank vs depth", "depth", "rank", x=range(3), curves=[Curve("BN", [1, 2, 3])],
                  yscale="log", hlines=[HLine(2.0, "√d")])
    assert panel.to_dict() == {
        "title": "rank vs depth", "xlabel": "depth", "ylabel": "rank", "xscale": "linear", "yscale": "log",
        "x": [0, 1, 2], "curves": [{"label": "BN", "y": [1, 2, 3]}], "hlines": [{"y": 2.0, "label": "√d"}]}
    assert list(panel.to_dict()) == ["title", "xlabel", "ylabel", "xscale", "yscale", "x", "curves", "hlines"]


def test_panel_without_hlines_has_no_hlines_key():
    assert "hlines" not in Panel("t", "x", "y", x=[1], curves=[]).to_dict()


def test_panels_is_the_series_of_a_panel_figure():
    a, b = Panel("a", "x", "y", [1], [Curve("c", [2])]), Panel("b", "x", "y", [1], [], xscale="log")
    assert panels(a, b) == {"panels": [a.to_dict(), b.to_dict()]}
    assert panels() == {"panels": []}


def test_time_series_to_dict_with_one_column():
    ts = TimeSeries(t=(1, 10), log10={"gap": (-1.0, -2.0)}, columns={"gap": ("0.1", "0.01")}, y="gap", title="gap")
    assert ts.to_dict() == {
        "t": [1, 10], "log10": {"gap": [-1.0, -2.0]}, "columns": {"gap": ["0.1", "0.01"]},
        "plot": {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "gap"}}


def test_time_series_to_dict_with_several_columns_and_labels():
    ts = TimeSeries(t=[1], log10={"a": [0.0], "b": [1.0]}, columns={}, y=("a", "b"), title="T",
                    labels={"a": "A", "b": "B"}, xscale="linear")
    plot = ts.to_dict()["plot"]
    assert plot == {"x": "t", "y": ["a", "b"], "labels": {"a": "A", "b": "B"}, "xscale": "linear",
                    "yscale": "log10", "title": "T"}
    assert list(plot) == ["x", "y", "labels", "xscale", "yscale", "title"]




def test_time_series_overlays_are_written_only_when_set():
    from bnproof.core.series import Span

    plain = TimeSeries(t=[1], log10={"a": [0.0]}, columns=None, y="a", title="T").to_dict()["plot"]
    assert not {"curves", "hlines", "ylabel", "spans"} & set(plain)
    plot = TimeSeries(t=[1], log10={"a": [0.0]}, columns=None, y="a", title="T", spans=[Span(1, 2, "w")],
                      curves=[Curve("fit", [0.0], x=[1], kind="fit")], hlines=[HLine(-1.0, "tol", kind="bound")],
                      ylabel="$y$").to_dict()["plot"]
    assert plot["curves"] == [{"label": "fit", "y": [0.0], "x": [1], "kind": "fit"}]
    assert plot["hlines"] == [{"y": -1.0, "label": "tol", "kind": "bound"}]
    assert plot["spans"] == [{"lo": 1, "hi": 2, "label": "w"}] and plot["ylabel"] == "$y$"
