"""bnproof.core.records: the JSON shapes of figure data, Outcome, make_record (with ``source``), jsonable."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from bnproof.core.records import (
    INAPPLICABLE,
    INCONCLUSIVE,
    REFUTED,
    SCHEMA,
    VERDICTS,
    VERIFIED,
    Curve,
    HLine,
    Outcome,
    Panel,
    TimeSeries,
    exit_status,
    jsonable,
    make_record,
    panels,
)

# --- figure data -----------------------------------------------------------------------------


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


# --- Outcome and the record ------------------------------------------------------------------


def test_verdict_constants():
    assert VERDICTS == (VERIFIED, REFUTED, INCONCLUSIVE, INAPPLICABLE) == ("verified", "refuted", "inconclusive",
                                                                            "inapplicable")
    assert SCHEMA == "bnproof.check/1"


def test_outcome_rejects_an_unknown_verdict():
    with pytest.raises(ValueError, match="unknown verdict 'ok'"):
        Outcome("ok", "reason", {}, {})


def _claim(**extra):
    fields = dict(id="p.claim", citation="A. Author. Title. 2024.", statement="x = 1", confidence="paper",
                  assumptions=("a1", "a2"), notes="")
    return SimpleNamespace(**{**fields, **extra})


def _outcome(**extra):
    return Outcome(VERIFIED, "fine", expected={"k": 1}, measured={"k": np.float64(1.0)}, **extra)


def test_make_record_fields_in_order():
    rec = make_record(_claim(), _outcome(), 1.23456)
    assert list(rec) == ["schema", "claim", "paper", "statement", "confidence", "assumptions", "verdict", "reason",
                         "expected", "measured", "tolerance", "params", "precision", "environment", "elapsed_s"]
    assert rec["schema"] == SCHEMA and rec["claim"] == "p.claim" and rec["paper"] == "A. Author. Title. 2024."
    assert rec["assumptions"] == ["a1", "a2"] and rec["elapsed_s"] == 1.235
    assert rec["measured"] == {"k": 1.0} and type(rec["measured"]["k"]) is float
    assert {"python", "numpy", "mpmath"} <= set(rec["environment"])


def test_make_record_includes_source_notes_and_series_only_when_set():
    series = panels(Panel("t", "x", "y", [1], [Curve("c", [np.float64(2.0)])]))
    rec = make_record(_claim(source="Theorem 3.1", notes="n"), _outcome(series=series), 0.0)
    assert rec["source"] == "Theorem 3.1" and rec["notes"] == "n"
    assert rec["series"] == {"panels": [{"title": "t", "xlabel": "x", "ylabel": "y", "xscale": "linear",
                                         "yscale": "linear", "x": [1], "curves": [{"label": "c", "y": [2.0]}]}]}
    assert list(rec)[-3:] == ["notes", "source", "series"]
    bare = make_record(_claim(source=""), _outcome(), 0.0)
    assert not {"source", "notes", "series"} & set(bare)
    assert "source" not in make_record(_claim(), _outcome(), 0.0)  # a claim type without the field


def test_make_record_is_json_ready():
    outcome = Outcome(REFUTED, "r", expected={"band": (0, math.inf)}, measured={"v": np.arange(2), "nan": math.nan},
                      precision={"dps": np.int64(50)}, series={"t": np.array([1, 2])})
    rec = make_record(_claim(), outcome, 0.0)
    again = json.loads(json.dumps(rec, allow_nan=False))
    assert again["expected"] == {"band": [0, None]} and again["measured"] == {"v": [0, 1], "nan": None}
    assert again["precision"] == {"dps": 50} and again["series"] == {"t": [1, 2]}


def test_jsonable():
    assert jsonable({1: (np.bool_(True), np.int32(3), np.float32(0.5), "1e-400", None)}) == {
        "1": [True, 3, 0.5, "1e-400", None]}
    assert jsonable([math.inf, -math.inf, math.nan]) == [None, None, None]
    assert type(jsonable(np.bool_(False))) is bool and type(jsonable(np.int64(2))) is int


@pytest.mark.parametrize("verdicts, status", [
    ([VERIFIED, VERIFIED], 0), ([], 0), ([VERIFIED, REFUTED, INCONCLUSIVE], 1),
    ([VERIFIED, INCONCLUSIVE], 3), ([INAPPLICABLE], 3),
])
def test_exit_status(verdicts, status):
    assert exit_status([{"verdict": v} for v in verdicts]) == status
