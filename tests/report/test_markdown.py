"""Tests for bnproof.report.markdown on synthetic records."""

from __future__ import annotations

import re
from pathlib import Path

from bnproof import report


def test_markdown_summary_and_sections(records: list[dict]) -> None:
    md = report.render_markdown(records)
    assert md.startswith("# bnproof check report\n\n3 claims checked: 1 verified, 1 refuted, 1 inconclusive.")
    assert "| claim | confidence | verdict | time |" in md
    assert "| `cao2023.linear.rate` | paper | verified ✅ | 12.3 s |" in md
    for r in records:
        assert f"## `{r['claim']}`" in md
    assert r"$\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)$" in md  # no doubled $$
    assert "$\\mathrm{BN}(aW x) = \\mathrm{BN}(W x)$" in md
    assert "**Precision:** 50 digits; audit at 100 digits: 38.2 digits agree; 12.3 s" in md
    assert "**Parameters:** `seed=0 · dps=50 · steps=100000" in md
    assert "![" not in md  # no figures given, no links


def test_paper_value_next_to_measured_compacted(records: list[dict]) -> None:
    md = report.render_markdown(records)
    assert "| quantity | paper / expected | measured |" in md
    assert "| `k` | `2` | `2.97` |" in md and "| `c` | `> 0` | `0.31` |" in md
    assert "`1.23457e-400`" in md and "1.234567890123456789012345e-400" not in md
    assert "(100 values)" in md and "null" not in md and "| `none` | — | — |" in md
    assert "a\\|b" in md  # pipes escaped inside table cells
    for row in [line for line in md.splitlines() if line.startswith("| `")]:
        assert len(re.findall(r"(?<!\\)\|", row)) in (4, 5), row  # 3 or 4 columns despite the pipe value


def test_figure_links(records: list[dict]) -> None:
    md = report.render_markdown(records, figures=["figures/cao2023.linear.rate.png", None, "figures/a b(1).png"])
    assert "![cao2023.linear.rate](figures/cao2023.linear.rate.png)" in md
    assert "(<figures/a b(1).png>)" in md and md.count("![") == 2


def test_sweep_section(sweep_dir: Path) -> None:
    _, sweeps = report.load_inputs(sweep_dir)
    md = report.render_markdown([], sweeps=sweeps, sweep_figures=["figures/sweep-cao2023.linear.rate.png"])
    assert "## Sweeps" in md and "### Sweep `cao2023.linear.rate`" in md
    assert "**Population verdict:** refuted ❌ — refuted on 12 of 40 instances" in md
    assert "```sh\nbnproof check cao2023.linear.rate --seed 0 --param eta=0.5 --quick\n" in md
    assert md.count("bnproof check cao2023") == 10 and "# … and 2 more (sweep.json)" in md
    assert r"| eta=0.1, n=8 | 20 | 20 verified | 1 \[0.839, 1\] | k 2.744 \[2.71, 2.79\] |" in md
    assert "![sweep cao2023.linear.rate](figures/sweep-cao2023.linear.rate.png)" in md


def test_markdown_survives_minimal_records() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a",
                 series={"t": "oops"})
    for recs in ([minimal], [weird], []):
        assert isinstance(report.render_markdown(recs), str)


def test_record_text_cannot_inject_html() -> None:
    evil = '<script>alert(1)</script> & <img src=x onerror=y>'
    rec = {"schema": "bnproof.check/1", "claim": "a`b``c<x>", "verdict": "refuted", "reason": evil,
           "paper": evil, "confidence": evil, "statement": r"a < b \& c > d & e"}
    md = report.render_markdown([rec])
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in md
    assert r"a\*b\_c \[x\](y) \$5" in report.render_markdown([dict(rec, reason="a*b_c [x](y) $5")])
    assert r"$a \lt  b \& c \gt  d \& e$" in md
    assert "## ``` a`b``c<x> ```" in md  # a fence longer than any backtick run inside
