"""Sweep files: rows typed as documented, parts atomic, reads deduped, compaction to one schema."""

import json

import pandas as pd

from bnproof.sweeps.spec import Task
from bnproof.sweeps.store import TaskWriter, compact, existing_keys, make_row, read_tasks


def record(verdict="verified", **measured):
    return {"claim": "c", "verdict": verdict, "reason": "r", "measured": measured,
            "environment": {"bnproof": "0.1.0"}}


def test_row_columns_and_types():
    rec = record(gap="1.5e-53", k=2.5, ok=True, family="exp-polylog", n=None, series=[1, 2], fits={"a": 1})
    row = make_row(Task("abc", 3, {"n": "8"}), rec, "w1", 0.25, "bnproof check c --seed 3")
    assert row["key"] == "abc" and row["seed"] == 3 and row["param.n"] == "8"
    assert row["measured.gap"] == 1.5e-53 and row["measured.k"] == 2.5 and row["measured.ok"] == 1.0
    assert row["measured.family"] == "exp-polylog" and row["measured.n"] is None
    assert "measured.series" not in row and "measured.fits" not in row
    assert (row["bnproof_version"], row["worker"], row["elapsed_s"]) == ("0.1.0", "w1", 0.25)


def _add(writer, key, verdict="verified", **measured):
    rec = record(verdict, **measured)
    writer.add(make_row(Task(key, 0, {"n": "8"}), rec, "w", 0.1, "cmd"), rec)


def test_writer_flushes_parts_and_records(tmp_path):
    writer = TaskWriter(tmp_path, flush_rows=2, flush_seconds=1e9)
    for key in "abc":
        _add(writer, key, k=1.0)
    assert len(list((tmp_path / "tasks").glob("part-*.parquet"))) == 1  # a, b flushed; c buffered
    writer.flush()
    assert existing_keys(tmp_path) == {"a", "b", "c"}
    assert json.loads((tmp_path / "records" / "a.json").read_text())["verdict"] == "verified"
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_part_write_keeps_the_rows_for_the_next_flush(tmp_path, monkeypatch):
    writer = TaskWriter(tmp_path, flush_rows=100)
    _add(writer, "a")
    from bnproof.sweeps import store

    real = store._frame
    monkeypatch.setattr(store, "_frame", lambda rows: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        writer.flush()
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(store, "_frame", real)
    writer.flush()
    assert existing_keys(tmp_path) == {"a"} and not list(tmp_path.rglob("*.tmp"))


def test_parts_with_different_columns_read_as_one_deduped_table_and_compact(tmp_path):
    w = TaskWriter(tmp_path, flush_rows=1)
    _add(w, "a", k=1.0)
    _add(w, "b", "inconclusive")  # no measured values
    _add(w, "c", k="fast")  # text in a numeric column
    _add(w, "a", k=1.0)  # a duplicate row: dropped on read
    table = read_tasks(tmp_path)
    assert sorted(table["key"]) == ["a", "b", "c"]
    compact(tmp_path)
    parts = list((tmp_path / "tasks").glob("part-*.parquet"))
    assert len(parts) == 1
    again = pd.read_parquet(tmp_path / "tasks")
    assert sorted(again["key"]) == ["a", "b", "c"] and again["key"].is_unique


def test_empty_directory_reads_as_an_empty_table(tmp_path):
    assert len(read_tasks(tmp_path)) == 0 and existing_keys(tmp_path) == set()
