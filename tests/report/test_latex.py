"""Tests for bnproof.report.latex on synthetic records."""

from __future__ import annotations

import re

from bnproof import report


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


def test_latex_escape_is_single_pass() -> None:
    assert report.latex_escape("a\\b_{c}") == r"a\textbackslash{}b\_\{c\}"


def test_latex_caption_counts_verdicts(records: list[dict]) -> None:
    tex = report.render_latex(records)
    assert "\\caption{bnproof checks: 3 claims (1 verified, 1 refuted, 1 inconclusive).}" in tex


def test_latex_survives_minimal_records() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a",
                 series={"t": "oops"})
    for recs in ([minimal], [weird], []):
        assert "\\begin{tabular}" in report.render_latex(recs)
