"""Tests for bnproof.report.latex on synthetic records."""

from __future__ import annotations

import re

import pytest

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


HOSTILE = r"\input{/etc/passwd} $x$ #1 50% a&b x_y {z} ~ ^ \ end"


def _hostile_record(**fields) -> dict:
    return {"schema": "bnproof.check/1", "claim": HOSTILE, "verdict": "refuted", "reason": HOSTILE,
            "measured": {HOSTILE: HOSTILE}, **fields}


def test_crafted_record_text_comes_out_escaped() -> None:
    tex = report.render_latex([_hostile_record(statement="x")])
    assert "\\input" not in tex and "/etc/passwd" in tex
    escaped = report.latex_escape(HOSTILE)
    assert escaped in tex
    for raw, esc in (("$", r"\$"), ("#", r"\#"), ("%", r"\%"), ("&", r"\&"), ("_", r"\_"), ("{", r"\{"),
                     ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
                     ("\\", r"\textbackslash{}")):
        assert esc in escaped, raw
    # no unescaped special character survives in the escaped text
    assert not re.search(r"(?<!\\)[$#%&_~^]", escaped.replace("\\textasciitilde{}", "").replace(
        "\\textasciicircum{}", ""))


@pytest.mark.parametrize("statement", [
    r"\input{/etc/passwd}", r"x \write18{rm -rf ~}", r"a^^5cinput{/etc/passwd}", r"x$ \def\a{b} $",
    r"x % comment", r"\csname input\endcsname{f}", r"\immediate\openout1=f", r"\catcode`\@=0",
])
def test_statements_that_can_do_more_than_math_are_escaped(statement) -> None:
    assert not report.safe_math(statement)
    tex = report.render_latex([_hostile_record(statement=statement)])
    item = tex[tex.index("\\begin{description}"):]
    assert "\\texttt{" + report.latex_escape(f"${statement}$") in item or "\\texttt{\\$" in item
    assert "\\input{" not in item and "\\write18" not in item and "\\def\\" not in item


@pytest.mark.parametrize("statement", [
    r"\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)", r"\frac{a}{b} \% \text{ of } x_{i}^{2}",
    r"\mathrm{BN}(aWx) = \mathrm{BN}(Wx)", r"\lambda_{\min} \ge 0",
])
def test_math_statements_stay_math(statement) -> None:
    assert report.safe_math(statement)
    assert f"${statement}$" in report.render_latex([_hostile_record(statement=statement)])
