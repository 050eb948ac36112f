"""bnproof.core.records: Outcome, make_record (with ``source``), jsonable."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from bnproof.core.records import (INAPPLICABLE, INCONCLUSIVE, REFUTED, SCHEMA, VERDICTS, VERIFIED, Outcome, exit_status,
                                   jsonable, make_record)
from bnproof.core.series import Curve, Panel, panels

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
