"""Tests for bnproof.report: rendering, loading and figure output on synthetic records."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from bnproof import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _series_record() -> dict:
    """A full record with a gap series whose late values are far below float range."""
    t = [2**k for k in range(0, 12)]
    # gap ~ exp(-0.3 (ln t)^2), then pushed to 1e-400-ish at the end to exercise huge exponents.
    log10_gap = [-0.3 * math.log(x) ** 2 / math.log(10) for x in t]
    log10_gap[-1] = -400.0
    return {
        "schema": "bnproof.check/1",
        "claim": "cao2023.linear.rate",
        "paper": "Cao, Zou, Li, Gu 2023 (COLT), arXiv 2306.11680",
        "statement": r"$\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)$",
        "verdict": "verified",
        "reason": "The ratio stays above 0.29 for all checkpoints.",
        "expected": {"c": "> 0", "k": 2},
        "measured": {"gap": "1.234567890123456789012345e-400", "k": 2.97, "c": 0.31},
        "tolerance": {"k": 0.1},
        "params": {"seed": 0, "dps": 50, "steps": 100000, "eta": "0.1", "loss": "exp", "n": 8, "d": 24},
        "precision": {"dps": 50, "audit_dps": 100, "agreeing_digits": 38.2},
        "environment": {"python": "3.11.7", "bnproof": "0.1.0", "numpy": "2.0"},
        "elapsed_s": 12.3,
        "confidence": "paper",
        "series": {
            "t": t,
            "columns": {"gap": [f"1e{round(v)}" for v in log10_gap], "gamma": ["1.0"] * len(t)},
            "log10": {"gap": log10_gap},
            "plot": {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "margin gap"},
        },
    }


def _plain_record() -> dict:
    """A record without a series."""
    return {
        "schema": "bnproof.check/1",
        "claim": "bn.scale_invariance",
        "statement": r"\mathrm{BN}(aW x) = \mathrm{BN}(W x)",
        "verdict": "refuted",
        "reason": "Differs by 3% & more at eps > 0.",
        "expected": {"diff": 0},
        "measured": {"diff": "0.03", "note": "50% & more_than_expected"},
        "params": {"seed": 1},
        "precision": {"dps": 30},
        "environment": {"python": "3.11.7"},
        "elapsed_s": 0.5,
    }


def _odd_record() -> dict:
    """Only the required keys plus awkward values: nesting, long lists, pipes, a non-gap series."""
    return {
        "schema": "bnproof.check/1",
        "claim": "odd_claim/with#chars",
        "verdict": "inconclusive",
        "measured": {
            "nested": {"a": {"b": 1.5}, "c": [1, 2]},
            "long": list(range(100)),
            "pipe": "a|b",
            "flag": True,
            "none": None,
        },
        "series": {"t": [1, 10, 100], "log10": {"loss": [0.0, -1.0, None]}, "plot": {"y": "loss"}},
    }


@pytest.fixture
def records() -> list[dict]:
    return [_series_record(), _plain_record(), _odd_record()]


def test_markdown_lists_every_claim_and_verdict(records: list[dict]) -> None:
    md = report.render_markdown(records)
    for r in records:
        assert r["claim"] in md
        assert r["verdict"] in md
    assert md.startswith("# ")
    assert "| claim | verdict | expected | measured | precision | elapsed |" in md
    assert r"$\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)$" in md  # no doubled $$
    assert "$\\mathrm{BN}(aW x) = \\mathrm{BN}(W x)$" in md
    assert "![" not in md  # no figure_dir, no links


def test_markdown_handles_odd_values(records: list[dict]) -> None:
    md = report.render_markdown(records)
    assert "`nested.a.b`" in md  # nested dicts are flattened to dotted keys
    assert "0, 1, 2, 3, 4, 5, …] (100 items)" in md
    assert "a\\|b" in md  # pipes escaped inside table cells
    assert "1.23457e-400" in md  # summary compacts huge decimal strings exactly
    assert "1.234567890123456789012345e-400" in md  # detail shows them verbatim
    # Summary rows keep exactly 7 unescaped separators (6 columns) despite the pipe value.
    summary = [l for l in md.splitlines() if l.startswith("| `")][: len(records)]
    for row in summary:
        assert len(re.findall(r"(?<!\\)\|", row)) == 7


def test_markdown_figure_links_only_for_series(records: list[dict]) -> None:
    md = report.render_markdown(records, figure_dir="figures")
    assert "![cao2023.linear.rate](figures/cao2023.linear.rate.png)" in md
    assert "figures/odd_claim_with_chars.png" in md  # generic series still gets a figure
    assert "bn.scale_invariance.png" not in md


def test_latex_table_and_escaping(records: list[dict]) -> None:
    tex = report.render_latex(records)
    assert "\\begin{tabular}" in tex and "\\toprule" in tex and "\\bottomrule" in tex
    body = tex[tex.index("\\begin{tabular}") : tex.index("\\end{tabular}")]
    assert "odd\\_claim/with\\#chars" in body
    assert "50\\% \\& more\\_than\\_expected" in body
    assert not re.search(r"(?<!\\)[%#_]", body.replace("\\textbackslash{}", ""))
    # Statements are LaTeX already and must not be escaped.
    assert r"$\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)$" in tex
    assert "3\\% \\& more" in tex  # reasons are plain text
    assert "] \\\\\n" not in tex  # no line break straight after an item label (LaTeX error)


def test_plot_record(tmp_path: Path, records: list[dict]) -> None:
    assert report.plot_record(records[1], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    out = report.plot_record(records[0], tmp_path / "gap.png")
    assert out == str(tmp_path / "gap.png")
    assert Path(out).read_bytes().startswith(PNG_MAGIC)
    assert report.plot_record(records[2], tmp_path / "loss.png") is not None
    assert report.plot_record({"series": {"t": [1], "log10": {}}}, tmp_path / "empty.png") is None


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


def test_duplicate_claims_get_distinct_figures() -> None:
    recs = [_series_record(), _series_record()]
    md = report.render_markdown(recs, figure_dir="figures")
    assert "(figures/cao2023.linear.rate.png)" in md
    assert "(figures/cao2023.linear.rate-2.png)" in md


def test_render_survives_minimal_records() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a",
                 series={"t": "oops"})
    for recs in ([minimal], [weird], []):
        assert isinstance(report.render_markdown(recs, figure_dir="f"), str)
        assert "\\begin{tabular}" in report.render_latex(recs)


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


def _multi_record() -> dict:
    """A record whose series carries several columns to plot (as ``cao2023.contrast`` writes)."""
    t = [1, 10, 100, 1000, 10000, 100000]
    return {
        "schema": "bnproof.check/1",
        "claim": "cao2023.contrast",
        "verdict": "verified",
        "series": {
            "t": t,
            "log10": {"bn_gap": [0.0, -2.0, -8.0, -20.0, None, None],  # BN run stopped earlier
                      "nobn_angle": [0.1, -0.2, -0.5, -0.7, -0.85, -1.0],
                      "never": [None] * 6},
            "columns": {"from_decimals": ["1", "0.5", "1e-400", "1e-500", "1e-600", "1e-700"]},
            "plot": {"y": ["bn_gap", "nobn_angle", "from_decimals", "never", "absent"],
                     "labels": {"bn_gap": "BN gap", "nobn_angle": "no-BN angle"}, "title": "two limits"},
        },
    }


def test_plot_record_multi_curve(tmp_path: Path) -> None:
    rec = _multi_record()
    curves = report._curves(rec)
    # columns without any finite value (or not in the record) are left out; None entries are skipped
    assert [c[0] for c in curves] == ["bn_gap", "nobn_angle", "from_decimals"]
    assert curves[0][1] == [0.0, 1.0, 2.0, 3.0] and curves[0][2] == [0.0, -2.0, -8.0, -20.0]
    assert curves[2][2][-1] == pytest.approx(-700.0)  # exact Decimal log of a sub-float value
    assert report._curve(rec)[0] == "bn_gap"
    out = report.plot_record(rec, tmp_path / "multi.png")
    assert out is not None and Path(out).read_bytes().startswith(PNG_MAGIC)
    md = report.render_markdown([rec], figure_dir="figures")
    assert "(figures/cao2023.contrast.png)" in md
    # a list naming only missing columns: no curve, no figure
    rec["series"]["plot"]["y"] = ["never", "absent"]
    assert report._curves(rec) == [] and report.plot_record(rec, tmp_path / "none.png") is None
    # single-column records keep their behaviour
    single = _series_record()
    assert [c[0] for c in report._curves(single)] == ["gap"]


def test_panel_figure_with_linear_and_log_axes(tmp_path: Path) -> None:
    rec = {"claim": "x.depth", "verdict": "verified", "series": {"panels": [
        {"title": "gap vs depth", "x": [1, 2, 3], "xlabel": "depth", "yscale": "log",
         "curves": [{"label": "BN", "y": [1.0, 0.1, 0.0]}, {"label": "none", "y": [1, None, 2]}],
         "hlines": [{"y": 0.5, "label": "floor"}]},
        {"title": "empty", "x": [1], "curves": [{"y": ["nan"]}]}]}}
    assert report.has_figure(rec)
    assert len(report._panels(rec)) == 1  # the empty panel is dropped
    out = report.plot_record(rec, tmp_path / "panels.png")
    assert out is not None and Path(out).stat().st_size > 1000
    md = report.render_markdown([rec], figure_dir="figures")
    assert "figures/" in md
    log_only_negative = {"claim": "y", "series": {"panels": [{"x": [1], "yscale": "log", "curves": [{"y": [-1]}]}]}}
    assert not report.has_figure(log_only_negative)
    assert not report.has_figure({"claim": "y", "series": {"panels": "junk"}})
