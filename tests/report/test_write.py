"""Tests for bnproof.report.write: the report directory in the formats asked for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bnproof import report
from bnproof.report.write import parse_formats

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_all_formats(full_report) -> None:
    out, records, _ = full_report
    assert {p.name for p in out.iterdir()} >= {"report.md", "report.tex", "report-body.tex", "report.html", "figures"}
    png = out / "figures" / "cao2023.linear.rate.png"
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert (out / "figures" / "cao2023.linear.rate.pdf").read_bytes().startswith(b"%PDF")
    md = (out / "report.md").read_text(encoding="utf-8")
    for link in re.findall(r"!\[[^\]]*\]\(<?([^)>]+)>?\)", md):
        assert (out / link).is_file(), link  # every linked figure exists...
    assert md.count("![") == sum(report.has_figure(r) for r in records) + 1  # ...one per drawable record + sweep
    tex = (out / "report.tex").read_text(encoding="utf-8")
    for path in re.findall(r"\\includegraphics\[[^\]]*\]\{([^}]+)\}", tex):
        assert path.endswith(".pdf") and (out / path).is_file()
    assert (out / "figures" / "sweep-cao2023.linear.rate.svg").is_file()  # the sweep's figure copied in
    assert not (out / "figures" / "bn.scale_invariance.png").exists()  # no series, no figure


def test_one_format_writes_only_its_files(tmp_path: Path, series_record: dict) -> None:
    written = report.write_report([series_record], tmp_path, formats=["html"])
    assert written == {"html": tmp_path / "report.html"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "report.html"]
    assert [p.suffix for p in (tmp_path / "figures").iterdir()] == [".svg"]
    assert "<svg" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_parse_formats() -> None:
    assert parse_formats(["html"]) == ("html",)
    assert parse_formats(["tex,md", "html", "md"]) == ("md", "tex", "html")
    assert parse_formats([" MD , "]) == ("md",)
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        parse_formats(["md,pdf"])
    with pytest.raises(ValueError, match="no format"):
        parse_formats([","])


def test_unreadable_figure_data_is_one_line(tmp_path: Path) -> None:
    bad = {"schema": "bnproof.check/1", "claim": "x", "verdict": "verified", "series": {"panels": [{"curves": 3}]}}
    try:
        report.write_report([bad], tmp_path, formats=["md"])
    except ValueError as exc:
        assert "\n" not in str(exc)
