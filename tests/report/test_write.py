"""Tests for bnproof.report.write: the report directory."""

from __future__ import annotations

import re
from pathlib import Path

from bnproof import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_write_report(tmp_path: Path, records: list[dict]) -> None:
    md_path = Path(report.write_report(records, tmp_path / "out"))
    root = tmp_path / "out"
    assert md_path == root / "report.md"
    assert "cao2023.linear.rate" in md_path.read_text(encoding="utf-8")
    assert "\\begin{tabular}" in (root / "report.tex").read_text(encoding="utf-8")
    png = root / "figures" / "cao2023.linear.rate.png"
    data = png.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC)
    # Every linked figure exists; records without a series have none.
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md_path.read_text(encoding="utf-8")):
        assert (root / link).is_file()
    assert not (root / "figures" / "bn.scale_invariance.png").exists()
