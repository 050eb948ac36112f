"""Tests for bnproof.report.latex: a complete document and a body, escaped, compiling with pdflatex."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bnproof import report
from bnproof.report.latex import BODY_PACKAGES, statement_latex

BREAK = r"\discretionary{}{}{}"


def _plain(tex: str) -> str:
    """LaTeX without the break points put into long tokens (so tests can look for the text)."""
    return tex.replace(BREAK, "")


def test_document_and_body(records: list[dict]) -> None:
    tex = report.render_latex(records, figures=["figures/cao2023.linear.rate.pdf", None, None])
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    for package in BODY_PACKAGES:
        assert package in tex
    assert r"\begin{longtable}" in tex and r"\toprule" in tex
    graphic = r"\includegraphics[width=\linewidth,height=0.42\textheight,keepaspectratio]"
    assert graphic + "{figures/cao2023.linear.rate.pdf}" in tex and tex.count(r"\includegraphics") == 1
    assert "3 claims checked: 1 verified, 1 refuted, 1 inconclusive." in tex
    body = report.render_latex(records, standalone=False)
    assert r"\documentclass" not in body and r"\begin{document}" not in body and r"\subsection{" in body
    assert tex.isascii() and body.isascii()


def test_values_are_compacted_and_nulls_are_dashes(records: list[dict]) -> None:
    tex = _plain(report.render_latex(records))
    assert "1.23457e-400" in tex and "1.234567890123456789012345e-400" not in tex
    assert "(100 values)" in tex and "null" not in tex
    assert "odd\\_claim/with\\#chars" in tex


def test_statements_are_math_or_escaped_text() -> None:
    assert statement_latex(r"\gamma^\star \le \exp(-c \ln^2 t)") == r"$\gamma^\star \le \exp(-c \ln^2 t)$"
    assert statement_latex("$$x$$") == "$x$"
    assert statement_latex(None) == r"\emph{(no statement)}"
    refused = statement_latex(r"\input{/etc/passwd}")
    assert refused.startswith(r"\texttt{") and "\\input" not in refused
    # inline math may break at spacing and inside \text
    assert r"\quad\allowbreak" in statement_latex(r"a \quad b")
    assert statement_latex(r"\text{for all t}") == r"$\text{for}\ \allowbreak \text{all}\ \allowbreak \text{t}$"


def test_crafted_record_text_comes_out_escaped(hostile_record: dict) -> None:
    tex = _plain(report.render_latex([hostile_record]))
    body = tex[tex.index(r"\begin{document}"):]
    assert "\\input{" not in body and "\\pdffiledump" not in body and "/etc/passwd" in body
    assert report.latex_escape(hostile_record["reason"]) in body


def test_sweep_section(sweep_dir: Path) -> None:
    _, sweeps = report.load_inputs(sweep_dir)
    tex = _plain(report.render_latex([], sweeps=sweeps, sweep_figures=["figures/sweep-x.pdf"]))
    assert r"\subsection{Sweep: \texttt{cao2023.linear.rate}}" in tex
    assert "refuted on 12 of 40 instances" in tex and "28 verified, 12 refuted" in tex
    assert tex.count(r"\item \texttt{bnproof check") == 10 and "and 2 more" in tex
    assert "-{}-param eta=0.5" in tex and "1 [0.839, 1]" in tex and "figures/sweep-x.pdf" in tex


def test_minimal_and_odd_records_render() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a",
                 precision="?", series={"t": "oops"})
    for recs in ([minimal], [weird], []):
        assert r"\end{document}" in report.render_latex(recs)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (.ci/run installs it)")
def test_report_compiles_with_pdflatex(full_report) -> None:
    """The whole document -- figures, Unicode, a hostile record, a sweep -- compiles; tables fit."""
    out, _, _ = full_report
    for name in ("report.tex", "report-body.tex"):
        assert (out / name).read_text(encoding="utf-8").isascii()
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                           "report.tex"], cwd=out, capture_output=True, check=False, text=True, timeout=120)
    log = (out / "report.log").read_text(encoding="latin-1")
    assert proc.returncode == 0, "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert (out / "report.pdf").stat().st_size > 10_000
    assert "(/etc/passwd" not in log  # typeset as text, never opened as a file
    overfull = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w <= 20 for w in overfull), overfull
    assert log.count("pdf>") + log.count(".pdf") >= 3  # the figures went in


def test_labels_are_unique_and_safe(series_record: dict) -> None:
    odd = dict(series_record, claim="a_b#c")
    labels = re.findall(r"\\label\{([^}]*)\}", report.render_latex([series_record, series_record, odd]))
    assert labels == ["bnproof:cao2023.linear.rate", "bnproof:cao2023.linear.rate-2", "bnproof:a-b-c"]
