"""Tests for bnproof.report.figures: PNG output for each figure layout."""

from __future__ import annotations

import struct
from pathlib import Path

from bnproof import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_width(path: str) -> int:
    """Pixel width from the PNG header (IHDR follows the 8-byte signature and chunk header)."""
    return struct.unpack(">I", Path(path).read_bytes()[16:20])[0]


def test_plot_record(tmp_path: Path, records: list[dict]) -> None:
    assert report.plot_record(records[1], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    out = report.plot_record(records[0], tmp_path / "gap.png")
    assert out == str(tmp_path / "gap.png")
    assert Path(out).read_bytes().startswith(PNG_MAGIC)
    assert report.plot_record(records[2], tmp_path / "loss.png") is not None
    assert report.plot_record({"series": {"t": [1], "log10": {}}}, tmp_path / "empty.png") is None


def test_rate_panel_widens_the_figure(tmp_path: Path, series_record: dict) -> None:
    two = report.plot_record(series_record, tmp_path / "two.png")
    series_record["series"]["plot"]["rate"] = False
    one = report.plot_record(series_record, tmp_path / "one.png")
    assert _png_width(two) == 11 * 110 and _png_width(one) == round(6.5 * 110)
    # a single column under another name gets the same two panels (the hints decide)
    series_record["series"]["plot"].pop("rate")
    series = series_record["series"]
    series["log10"] = {"sample_gap": series["log10"]["gap"]}
    series["plot"]["y"] = "sample_gap"
    assert _png_width(report.plot_record(series_record, tmp_path / "renamed.png")) == 11 * 110


def test_rate_panel_without_late_checkpoints(tmp_path: Path) -> None:
    rec = {"claim": "early", "series": {"t": [1], "log10": {"gap": [-1.0]},
                                        "plot": {"y": "gap", "xscale": "log", "yscale": "log10"}}}
    out = report.plot_record(rec, tmp_path / "early.png")
    assert out is not None and _png_width(out) == 11 * 110


def test_plot_record_multi_curve(tmp_path: Path, multi_record: dict) -> None:
    out = report.plot_record(multi_record, tmp_path / "multi.png")
    assert out is not None and Path(out).read_bytes().startswith(PNG_MAGIC)
    multi_record["series"]["plot"]["y"] = ["never", "absent"]
    assert report.plot_record(multi_record, tmp_path / "none.png") is None


def test_panel_figure(tmp_path: Path) -> None:
    rec = {"claim": "x.depth", "verdict": "verified", "series": {"panels": [
        {"title": "gap vs depth", "x": [1, 2, 3], "xlabel": "depth", "yscale": "log",
         "curves": [{"label": "BN", "y": [1.0, 0.1, 0.0]}, {"label": "none", "y": [1, None, 2]}],
         "hlines": [{"y": 0.5, "label": "floor"}]},
        {"title": "empty", "x": [1], "curves": [{"y": ["nan"]}]}]}}
    out = report.plot_record(rec, tmp_path / "panels.png")
    assert out is not None and Path(out).stat().st_size > 1000
    assert _png_width(out) == round(5.6 * 110)  # one panel: the empty one is dropped


def test_time_series_wins_over_panels(tmp_path: Path, series_record: dict) -> None:
    series_record["series"]["panels"] = [{"x": [1, 2], "curves": [{"y": [1, 2]}]}]
    assert _png_width(report.plot_record(series_record, tmp_path / "both.png")) == 11 * 110
