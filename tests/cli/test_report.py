"""``bnproof report``: formats, sweeps as inputs, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import assert_one_line_error, cli

RECORD = {"schema": "bnproof.check/1", "claim": "demo.rate", "verdict": "verified", "statement": r"x \le 1",
          "reason": "holds", "measured": {"x": "0.5"}, "expected": {"x": "≤ 1"}, "elapsed_s": 0.1,
          "series": {"t": [1, 10, 100], "log10": {"gap": [0.0, -1.0, -2.0]}, "plot": {"y": "gap"}}}
SWEEP = {"schema": "bnproof.sweep/1", "claim": "demo.rate", "statement": r"x \le 1", "seeds": [0, 4], "grid": {},
         "population": {"verdict": "refuted", "reason": "refuted on 1 of 4 instances (seeds 2)",
                        "counts": {"total": 4, "verified": 3, "refuted": 1},
                        "refuting": [{"seed": 2, "params": {}, "command": "bnproof check demo.rate --seed 2"}]},
         "cells": [{"n": 4, "verified": 3, "refuted": 1, "verified_rate": 0.75, "wilson_lo": 0.3, "wilson_hi": 0.95}],
         "figure": None}


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    recs = tmp_path / "recs"
    recs.mkdir()
    (recs / "demo.rate.json").write_text(json.dumps(RECORD), encoding="utf-8")
    sweep = tmp_path / "sweep"
    (sweep / "records").mkdir(parents=True)
    (sweep / "sweep.json").write_text(json.dumps(SWEEP), encoding="utf-8")
    (sweep / "records" / "k.json").write_text(json.dumps(dict(RECORD, claim="task.only")), encoding="utf-8")
    return recs, sweep


def test_format_html_writes_only_the_page(sources, tmp_path: Path, capsys) -> None:
    recs, _ = sources
    code, out, _ = cli(["report", "--from", str(recs), "--out", str(tmp_path / "rep"), "--format", "html"], capsys)
    assert code == 0 and out == f"wrote {tmp_path / 'rep' / 'report.html'}\n"
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["figures", "report.html"]
    assert 'id="claim-demo.rate"' in (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")


def test_default_is_all_formats_and_sweeps_are_included(sources, tmp_path: Path, capsys) -> None:
    recs, sweep = sources
    code, out, _ = cli(["report", "--from", str(recs), "--from", str(sweep), "--out", str(tmp_path / "rep")], capsys)
    assert code == 0 and out.count("wrote ") == 3
    rep = tmp_path / "rep"
    for name in ("report.md", "report.tex", "report-body.tex", "report.html"):
        text = (rep / name).read_text(encoding="utf-8").replace(r"\discretionary{}{}{}", "")
        assert "bnproof check demo.rate -" in text and "task.only" not in text, name  # the sweep; not its tasks
    assert 'class="sweep" id="sweep-demo.rate"' in (rep / "report.html").read_text(encoding="utf-8")


def test_comma_list_and_repeats(sources, tmp_path: Path, capsys) -> None:
    recs, _ = sources
    code, out, _ = cli(["report", "--from", str(recs), "--out", str(tmp_path / "rep"), "--format", "tex,md",
                        "--format", "md"], capsys)
    assert code == 0 and out.splitlines() == [f"wrote {tmp_path / 'rep' / n}" for n in ("report.md", "report.tex")]


@pytest.mark.parametrize("fmt", ["pdf", "md,docx", ","])
def test_bad_format_is_one_line_and_writes_nothing(sources, tmp_path: Path, capsys, fmt) -> None:
    recs, _ = sources
    assert_one_line_error(*cli(["report", "--from", str(recs), "--out", str(tmp_path / "rep"), "--format", fmt],
                               capsys))
    assert not (tmp_path / "rep").exists()


def test_nothing_to_report_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert_one_line_error(*cli(["report", "--from", str(tmp_path / "empty"), "--out", str(tmp_path / "rep")], capsys))


def test_without_from_every_claim_runs_and_its_record_is_kept(tmp_path: Path, capsys, monkeypatch) -> None:
    import importlib
    from types import SimpleNamespace

    module = importlib.import_module("bnproof.cli.report")
    claims = {"demo.rate": SimpleNamespace(id="demo.rate")}
    monkeypatch.setattr(module, "registry", lambda: claims)
    monkeypatch.setattr(module, "run_claim", lambda claim, config: dict(RECORD, params={"seed": config.seed}))
    code, out, _ = cli(["report", "--out", str(tmp_path), "--format", "md", "--seed", "3"], capsys)
    assert code == 0 and out == f"wrote {tmp_path / 'report.md'}\n"
    assert json.loads((tmp_path / "records" / "demo.rate.json").read_text())["params"] == {"seed": 3}
    code, _, _ = cli(["report", "--from", str(tmp_path), "--out", str(tmp_path / "again"), "--format", "md"], capsys)
    assert code == 0 and "demo.rate" in (tmp_path / "again" / "report.md").read_text(encoding="utf-8")
