"""Tests for bnproof.report.markdown on synthetic records."""

from __future__ import annotations

import copy
import re

from bnproof import report


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


def test_markdown_links_multi_curve_and_panel_figures(multi_record: dict) -> None:
    md = report.render_markdown([multi_record], figure_dir="figures")
    assert "(figures/cao2023.contrast.png)" in md
    panel = {"claim": "x.depth", "verdict": "verified",
             "series": {"panels": [{"x": [1, 2], "curves": [{"label": "a", "y": [1, 2]}]}]}}
    assert "figures/" in report.render_markdown([panel], figure_dir="figures")


def test_duplicate_claims_get_distinct_figures(series_record: dict) -> None:
    recs = [series_record, copy.deepcopy(series_record)]
    md = report.render_markdown(recs, figure_dir="figures")
    assert "(figures/cao2023.linear.rate.png)" in md
    assert "(figures/cao2023.linear.rate-2.png)" in md


def test_markdown_survives_minimal_records() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a",
                 series={"t": "oops"})
    for recs in ([minimal], [weird], []):
        assert isinstance(report.render_markdown(recs, figure_dir="f"), str)


def test_record_text_cannot_inject_html() -> None:
    evil = '<script>alert(1)</script> & <img src=x onerror=y>'
    rec = {"schema": "bnproof.check/1", "claim": "a`b``c<x>", "verdict": "refuted", "reason": evil,
           "paper": evil, "confidence": evil, "statement": r"a < b \& c > d & e"}
    md = report.render_markdown([rec])
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in md
    assert r"$a \lt  b \& c \gt  d \& e$" in md
    assert "## ``` a`b``c<x> ```" in md  # a fence longer than any backtick run inside
