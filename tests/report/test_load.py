"""Tests for bnproof.report.load: reading record files and directories, schema checks."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bnproof import report
from bnproof.core import records as core_records
from bnproof.core.records import Outcome, make_record
from bnproof.report.load import load_records, schema_problem


def test_load_records_dir_file_and_list(tmp_path: Path, records: list[dict]) -> None:
    (tmp_path / "b.json").write_text(json.dumps(records[0]), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(records[1:]), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    loaded = report.load_records(tmp_path)
    assert [r["claim"] for r in loaded] == [records[1]["claim"], records[2]["claim"], records[0]["claim"]]
    assert report.load_records(tmp_path / "a.json") == records[1:]
    assert len(report.load_records([tmp_path / "b.json", str(tmp_path / "a.json")])) == 3
    assert report.load_records(tmp_path / "a.json")[1]["measured"]["long"] == list(range(100))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"claim": "x", "verdict": "verified"}), "missing 'schema'"),
        (json.dumps({"schema": "other/1", "claim": "x", "verdict": "verified"}), "schema is"),
        (json.dumps([{"schema": "bnproof.check/1", "claim": "x", "verdict": "verified"}, 3]), "record 1"),
        (json.dumps({"schema": "bnproof.check/1", "claim": "x", "verdict": "maybe"}), "verdict"),
        (json.dumps("a string"), "expected a JSON object"),
    ],
)
def test_load_records_rejects_bad_input(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        report.load_records(bad)
    assert "\n" not in str(info.value)


def test_load_records_missing_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        report.load_records(tmp_path / "absent.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="unreadable"):
        report.load_records([tmp_path / "bin.json"])


def test_schema_and_verdicts_are_those_core_writes() -> None:
    assert report.SCHEMA is core_records.SCHEMA
    assert report.VERDICTS is core_records.VERDICTS
    for verdict in core_records.VERDICTS:
        assert schema_problem({"schema": core_records.SCHEMA, "claim": "x", "verdict": verdict}) is None
    assert "claim" in schema_problem({"schema": core_records.SCHEMA, "claim": "  ", "verdict": "verified"})


def test_a_record_made_by_core_loads(tmp_path: Path) -> None:
    claim = SimpleNamespace(id="demo.claim", citation="A. Author 2024", statement=r"x \le 1", confidence="paper",
                            assumptions=("x real",), notes="", source="Theorem 1")
    outcome = Outcome("verified", "holds", expected={"x": "<= 1"}, measured={"x": "0.5"})
    record = make_record(claim, outcome, 0.1234)
    (tmp_path / "demo.claim.json").write_text(json.dumps(record), encoding="utf-8")
    (loaded,) = load_records(tmp_path)
    assert loaded["claim"] == "demo.claim" and loaded["source"] == "Theorem 1" and loaded["elapsed_s"] == 0.123


def test_sweep_directories_are_found_and_their_task_records_skipped(tmp_path: Path, records: list[dict],
                                                                     sweep_factory) -> None:
    make_sweep_dir = sweep_factory
    make_sweep_dir(tmp_path / "sweeps" / "a")
    make_sweep_dir(tmp_path / "sweeps" / "b")
    (tmp_path / "sweeps" / "r.json").write_text(json.dumps(records[0]), encoding="utf-8")
    recs, sweeps = report.load_inputs(tmp_path / "sweeps")
    assert [r["claim"] for r in recs] == [records[0]["claim"]]  # records/ of a sweep are not claims
    assert [s.directory.name for s in sweeps] == ["a", "b"] and sweeps[0].claim == "cao2023.linear.rate"
    assert sweeps[0].figure_file("svg") == (tmp_path / "sweeps" / "a" / "figures" / "sweep.svg").resolve()
    assert report.load_inputs(tmp_path / "sweeps" / "a")[0] == []  # a sweep directory itself
    assert len(report.load_inputs(tmp_path / "sweeps" / "a" / "sweep.json")[1]) == 1  # its sweep.json


def test_sweep_figure_must_stay_inside_its_directory(tmp_path: Path, sweep_data: dict, sweep_factory) -> None:
    make_sweep_dir = sweep_factory
    (tmp_path / "secret.svg").write_text("<svg/>", encoding="utf-8")
    make_sweep_dir(tmp_path / "s", dict(sweep_data, figure="../secret"))
    (sweep,) = report.load_inputs(tmp_path / "s")[1]
    assert sweep.figure_file("svg") is None
    make_sweep_dir(tmp_path / "t", dict(sweep_data, figure=None))
    assert report.load_inputs(tmp_path / "t")[1][0].figure_file("png") is None


def test_a_sweep_without_claim_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "sweep.json").write_text(json.dumps({"schema": "bnproof.sweep/1"}), encoding="utf-8")
    with pytest.raises(ValueError, match="sweep without a 'claim'"):
        report.load_inputs(tmp_path)


def test_an_earlier_report_directory_reads_its_records(tmp_path: Path, records: list[dict]) -> None:
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.json").write_text(json.dumps(records[1]), encoding="utf-8")
    (tmp_path / "report.md").write_text("x", encoding="utf-8")
    assert report.load_inputs(tmp_path)[0] == [records[1]]
