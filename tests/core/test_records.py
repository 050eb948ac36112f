"""bnproof.core.records: Outcome, make_record (with ``source`` and declared measured keys), jsonable,
environment, Record."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bnproof.core import records
from bnproof.core.records import (INAPPLICABLE, INCONCLUSIVE, REFUTED, SCHEMA, VERDICTS, VERIFIED, Outcome, Record,
                                   environment, exit_status, jsonable, make_record, source_commit, typed)
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


# --- declared measured keys ------------------------------------------------------------------


def test_declared_measured_keys_are_always_there_in_order_and_extras_kept():
    claim = _claim(measured_keys=("a", "b", "c"))
    early = make_record(claim, Outcome(INCONCLUSIVE, "stopped early", {}, {"b": 2.0}), 0.0)
    assert early["measured"] == {"a": None, "b": 2.0, "c": None}
    full = make_record(claim, Outcome(VERIFIED, "ok", {}, {"c": 3, "extra": "x", "a": 1}), 0.0)
    assert list(full["measured"]) == ["a", "b", "c", "extra"] and full["measured"]["a"] == 1
    assert make_record(_claim(), Outcome(VERIFIED, "ok", {}, {"z": 1}), 0.0)["measured"] == {"z": 1}  # none declared


# --- environment -----------------------------------------------------------------------------


def test_environment_names_every_computing_library():
    env = environment()
    for dist in ("python", "platform", "bnproof", "sympy", "mpmath", "python-flint", "numpy", "scipy", "numba",
                 "cvxpy", "clarabel", "matplotlib"):
        assert dist in env and env[dist], dist
    json.dumps(env)


def test_source_commit_from_this_checkout_or_none():
    commit = source_commit()
    root = Path(records.__file__).resolve().parents[2]
    if commit is None:  # an installed copy, or no git
        assert "source_commit" not in environment()
        return
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit) and environment()["source_commit"] == commit
    assert (root / ".git").exists()


def test_source_commit_is_none_without_git(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(records.subprocess, "run", no_git)
    records.source_commit.cache_clear()
    try:
        assert source_commit() is None and "source_commit" not in environment()
    finally:
        records.source_commit.cache_clear()


# --- Record ----------------------------------------------------------------------------------


def _raw(**extra):
    rec = make_record(_claim(), Outcome(REFUTED, "k_eff < 3.5 <b>", expected={"k": "≥ 3.5", "gap": "→ 0"},
                                        measured={"k": "2.7437", "gap": "1.63274e-400", "family": "exp-polylog",
                                                  "ci": ["1.5", "2.5"], "n": 8, "by_arm": {"a": "0.5"}}), 1.0)
    return {**rec, **extra}


def test_record_is_the_json_record_and_its_typed_views():
    rec = Record(_raw())
    assert rec["measured"]["k"] == "2.7437" and dict(rec) == _raw() | {"environment": rec["environment"]}
    assert rec.claim == "p.claim" and rec.verdict == REFUTED and rec.refuted and not rec.ok
    assert rec.measured["k"] == 2.7437 and type(rec.measured["k"]) is float
    assert rec.measured["family"] == "exp-polylog" and rec.measured["n"] == 8
    assert rec.measured["ci"] == [1.5, 2.5] and rec.measured["by_arm"] == {"a": 0.5}
    assert rec.measured["gap"] == 0.0 and rec.exact("gap") == Decimal("1.63274e-400")  # beyond float64: exact()
    assert rec.exact("n") == Decimal(8) and rec.expected["k"] == "≥ 3.5"
    with pytest.raises(TypeError):
        rec.measured["k"] = 1.0  # read-only


def test_record_round_trips_and_is_a_private_copy():
    raw = _raw()
    rec = Record(raw)
    raw["measured"]["k"] = "9"
    assert rec["measured"]["k"] == "2.7437"
    d = rec.to_dict()
    d["verdict"] = "verified"
    assert rec.verdict == REFUTED and rec.raw["verdict"] == REFUTED
    assert json.loads(rec.to_json()) == rec.to_dict() and Record(json.loads(rec.to_json())) == rec


@pytest.mark.parametrize("bad", [{"schema": "other/1"}, {"verdict": "ok"}])
def test_record_refuses_what_is_not_a_record(bad):
    with pytest.raises(ValueError, match="not a bnproof.check/1 record"):
        Record(_raw(**bad))


def test_typed_leaves_text_alone():
    assert typed(["1e-3", "+2", ".5", "log(eta*t)", "1e5 steps", "inf", None, True]) == [
        0.001, 2.0, 0.5, "log(eta*t)", "1e5 steps", "inf", None, True]


def test_to_frame_one_row_per_quantity():
    frame = Record(_raw()).to_frame()
    assert list(frame.columns) == ["claim", "verdict", "quantity", "expected", "measured", "measured_exact"]
    assert list(frame["quantity"]) == ["k", "gap", "family", "ci", "n", "by_arm"]
    assert str(frame["measured"].dtype) == "float64"
    rows = frame.set_index("quantity")
    assert rows.loc["k", "expected"] == "≥ 3.5" and rows.loc["k", "measured"] == 2.7437
    assert rows.loc["k", "measured_exact"] == "2.7437" and rows.loc["n", "measured"] == 8.0
    assert math.isnan(rows.loc["family", "measured"]) and rows.loc["family", "measured_exact"] == "exp-polylog"
    assert math.isnan(rows.loc["ci", "measured"]) and rows.loc["ci", "measured_exact"] == ["1.5", "2.5"]
    assert set(frame["claim"]) == {"p.claim"} and set(frame["verdict"]) == {REFUTED}


def test_repr_html_escapes_and_colours():
    page = Record(_raw())._repr_html_()
    assert "k_eff &lt; 3.5 &lt;b&gt;" in page and "<b>" not in page.replace("<b>p.claim</b>", "")
    assert "color:red" in page and "REFUTED" in page and "≥ 3.5" in page and "1.63274e-400" in page
    assert repr(Record(_raw())) == "Record(claim='p.claim', verdict='refuted')"
