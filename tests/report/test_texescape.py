"""Tests for bnproof.report.texescape: record text as safe pure-ASCII LaTeX; which statements are math."""

from __future__ import annotations

import re

import pytest

from bnproof.report.texescape import MATH_COMMANDS, latex_escape, latex_math, safe_math, tex_to_unicode


def test_specials_are_escaped_in_one_pass() -> None:
    assert latex_escape("a\\b_{c}") == r"a\textbackslash{}b\_\{c\}"
    hostile = r"\input{/etc/passwd} $x$ #1 50% a&b ~ ^"
    escaped = latex_escape(hostile)
    assert "\\input" not in escaped and "/etc/passwd" in escaped
    assert not re.search(r"(?<!\\)[$#%&]", escaped)
    assert "--" not in latex_escape("--quick") and latex_escape("a—b") == "a---b"  # no dash ligature


@pytest.mark.parametrize(("char", "command"), [
    ("λ", r"\ensuremath{\lambda}"), ("‖", r"\ensuremath{\|}"), ("²", r"\ensuremath{^{2}}"), ("≤", r"\ensuremath{\le}"),
    ("→", r"\ensuremath{\to}"), ("−", r"\ensuremath{-}"), ("·", r"\ensuremath{\cdot}"), ("₁", r"\ensuremath{_{1}}"),
    ("ᵀ", r"\ensuremath{^{\top}}"), ("§", r"\S{}"), ("…", r"\ldots{}"), ("x̃", r"\~{x}"), ("ŵ", r"\^{w}"),
    ("é", r"\'{e}"), ("λ̄", r"\ensuremath{\bar{\lambda}}"), ("😀", "[U+1F600]"),
])
def test_unicode_becomes_commands(char, command) -> None:
    assert latex_escape(char) == command


def test_every_symbol_of_real_records_comes_out_ascii() -> None:
    # the characters bnproof's records of all claims carry (grepped from `bnproof check --quick --out`)
    seen = "λ‖ηγ²§−̃·₁→≤≥∈Σ̂ασ±×≈εΓ√∇⟨⟩τφθ̄⁴β∠ᵀℓ∂πŵμΔΩ₀∝∞½≠—₂Ũ′⁰¼₊≫⊥≳–∫ρχ⁻¹†←"
    out = latex_escape("x" + "x".join(seen))
    assert out.isascii() and "[U+" not in out


def test_math_statements_map_unicode_for_math_mode() -> None:
    assert latex_math(r"x \le 1") == r"x \le 1"
    assert latex_math("λ ≤ x̃") == r"{\lambda} {\le} {\tilde{x}}"


@pytest.mark.parametrize("statement", [
    r"\input{/etc/passwd}", r"x \write18{rm -rf ~}", r"a^^5cinput{/etc/passwd}", r"x$ \def\a{b} $",
    r"x % comment", r"x \\% comment", r"\csname input\endcsname{f}", r"\immediate\openout1=f", r"\catcode`\@=0",
    r"\pdffiledump{offset 0 length 99}{/etc/passwd}", r"\pdfximage{/etc/passwd}", r"x}{", r"{x", r"x \end{document}",
    r"\ExplSyntaxOn", r"a & b", r"x \(", r"x \\",
])
def test_statements_that_can_do_more_than_math_are_refused(statement) -> None:
    assert not safe_math(statement)


@pytest.mark.parametrize("statement", [
    r"\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)", r"\frac{a}{b} \% \text{ of } x_{i}^{2}",
    r"\mathrm{BN}(aWx) = \mathrm{BN}(Wx)", r"\lambda_{\min} \ge 0",
    r"\max_{i,p} \big|\operatorname{sign}(\gamma_t)\, y_i|",
    r"\lambda_{\max}(F) = \Theta(M)\ \text{without normalization};\quad n \gtrsim M",
])
def test_math_statements_are_accepted(statement) -> None:
    assert safe_math(statement)


def test_allowlist_holds_no_file_or_definition_command() -> None:
    for word in ("input", "include", "write", "read", "def", "let", "catcode", "csname", "begin", "end", "special"):
        assert word not in MATH_COMMANDS
    assert not [w for w in MATH_COMMANDS if w.startswith("pdf") or "file" in w]


def test_tex_to_unicode_reads_like_math() -> None:
    assert tex_to_unicode(r"\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)") == "γ^⋆ - γ(w_t) ≤ exp(-c ln^2 t)"
    assert tex_to_unicode(r"\tfrac{1}{2}\big|\mathrm{BN}(x)\big| \to \infty") == "1/2|BN(x)| → ∞"
    assert tex_to_unicode(r"\unknowncommand x") == r"\unknowncommand x"
