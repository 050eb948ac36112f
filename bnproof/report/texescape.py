"""Record text made safe for LaTeX: escaped specials, Unicode mapped to commands, math vetted.

Records are UTF-8 and full of symbols (``λ``, ``‖w‖²``, ``≤``, ``→``, ``x̃``); pdflatex knows few
of them.  :func:`latex_escape` turns any text into pure ASCII LaTeX that compiles with
``\\usepackage[T1]{fontenc}`` and ``amssymb``: the ten special characters escaped, known
symbols as commands (``\\ensuremath{\\lambda}`` works in text and in math), accented letters
as accent commands, and any other character as ``[U+XXXX]`` -- never an input error.

Statements are LaTeX math already.  :func:`safe_math` accepts one only when it can do nothing
but typeset math (every control word on an allowlist of math commands, braces balanced, no
``$``, ``%``, ``#``, ``&`` or ``^^``); the renderers show any other statement as escaped text.
An allowlist, not a denylist: TeX has too many primitives that read files (``\\pdffiledump``,
``\\pdfximage``), change catcodes or end the run to list them all.  Hand-written: no library
on PyPI does this for LaTeX.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MATH_COMMANDS", "latex_escape", "latex_math", "safe_math", "tex_to_unicode"]

_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}",
}

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "varepsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "vartheta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "varsigma", "τ": "tau", "υ": "upsilon",
    "φ": "varphi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta",
    "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega",
}
#: Characters typeset in math mode (the command without ``\ensuremath``).
_MATH = {ch: "\\" + name for ch, name in _GREEK.items()} | {
    "−": "-", "·": r"\cdot", "×": r"\times", "±": r"\pm", "∓": r"\mp", "÷": r"\div", "≤": r"\le", "≥": r"\ge",
    "≠": r"\neq", "≈": r"\approx", "∼": r"\sim", "≃": r"\simeq", "≅": r"\cong", "≡": r"\equiv", "∝": r"\propto",
    "≪": r"\ll", "≫": r"\gg", "≲": r"\lesssim", "≳": r"\gtrsim", "∈": r"\in", "∉": r"\notin", "⊂": r"\subset",
    "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset", "∀": r"\forall", "∃": r"\exists",
    "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "↑": r"\uparrow", "↓": r"\downarrow", "↗": r"\nearrow", "↘": r"\searrow",
    "↦": r"\mapsto", "∞": r"\infty", "∂": r"\partial", "∇": r"\nabla", "√": r"\surd", "∑": r"\sum",
    "∏": r"\prod", "∫": r"\int", "‖": r"\|", "⟨": r"\langle", "⟩": r"\rangle", "∠": r"\angle", "⊥": r"\perp",
    "⊤": r"\top", "ℓ": r"\ell", "∘": r"\circ", "⊗": r"\otimes", "⊕": r"\oplus", "′": r"{}'", "″": r"{}''",
    "°": r"^{\circ}", "ᵀ": r"^{\top}", "⁺": "^{+}", "⁻": "^{-}", "⁼": "^{=}", "⁽": "^{(}", "⁾": "^{)}",
    "ⁿ": "^{n}", "ⁱ": "^{i}", "₊": "_{+}", "₋": "_{-}", "₌": "_{=}", "₍": "_{(}", "₎": "_{)}", "ₐ": "_{a}",
    "ₑ": "_{e}", "ₒ": "_{o}", "ₓ": "_{x}", "ᵢ": "_{i}", "ⱼ": "_{j}", "ₖ": "_{k}", "ₗ": "_{l}", "ₘ": "_{m}",
    "ₙ": "_{n}", "ₚ": "_{p}", "ₛ": "_{s}", "ₜ": "_{t}", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}",
    "¾": r"\tfrac{3}{4}", "⅓": r"\tfrac{1}{3}", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}",
} | {ch: f"^{{{d}}}" for d, ch in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")} | {ch: f"_{{{d}}}" for d, ch in enumerate("₀₁₂₃₄₅₆₇₈₉")}
#: Characters typeset in text mode.
_TEXT = {
    "…": r"\ldots{}", "—": "---", "–": "--", "§": r"\S{}", "¶": r"\P{}", "†": r"\dag{}", "‡": r"\ddag{}",
    "‘": "`", "’": "'", "“": "``", "”": "''", "„": ",,", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
    "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "©": r"\textcopyright{}",
    "✓": "ok", "✗": "x",
}
# combining accent -> (text accent, math accent)
_ACCENTS = {
    "\u0300": ("`", "grave"), "\u0301": ("'", "acute"), "\u0302": ("^", "hat"), "\u0303": ("~", "tilde"),
    "\u0304": ("=", "bar"), "\u0306": ("u", "breve"), "\u0307": (".", "dot"), "\u0308": ('"', "ddot"),
    "\u030a": ("r", "mathring"), "\u030c": ("v", "check"), "\u20d7": (None, "vec"),
}
_CLUSTER = re.compile(r".[\u0300-\u036f\u20d0-\u20ff]*", re.DOTALL)


def latex_escape(text: str) -> str:
    """Plain text as pure-ASCII LaTeX (text mode): specials escaped, Unicode mapped (module docstring)."""
    clusters = [m.group() for m in _CLUSTER.finditer(str(text))]
    # "--" would typeset as a dash (a ligature), also in typewriter type: "--quick" must stay two hyphens
    return "".join("-{}" if c == "-" and nxt == "-" else _text_cluster(c)
                   for c, nxt in zip(clusters, clusters[1:] + [""]))


def latex_math(statement: str) -> str:
    """A math statement with its non-ASCII characters mapped for math mode (ASCII left as is)."""
    if statement.isascii():
        return statement
    return "".join(m.group() if m.group().isascii() else _math_cluster(m.group())
                   for m in _CLUSTER.finditer(statement))


def _text_cluster(cluster: str) -> str:
    """One base character with its combining marks, in text mode."""
    base, accents = _split(cluster)
    if base in _SPECIALS:
        out = _SPECIALS[base]
    elif base.isascii():
        out = base if base.isprintable() else " "
    elif base in _TEXT:
        out = _TEXT[base]
    elif base in _MATH:
        return r"\ensuremath{" + _math_accents(_MATH[base], accents) + "}"
    else:
        return _unknown(base)
    for accent in accents:
        text_accent = _ACCENTS[accent][0]
        if not (base.isascii() and base.isalpha()):
            return r"\ensuremath{" + _math_accents(r"\text{" + out + "}", accents) + "}"
        out = f"\\{text_accent}{{{out}}}" if text_accent else out
    return out


def _math_cluster(cluster: str) -> str:
    """One base character with its combining marks, in math mode."""
    base, accents = _split(cluster)
    if base.isascii():
        out = base
    elif base in _MATH:
        out = _MATH[base]
    elif base in _TEXT:
        out = r"\text{" + _TEXT[base] + "}"
    else:
        return r"\text{" + _unknown(base) + "}"
    return "{" + _math_accents(out, accents) + "}"


def _split(cluster: str) -> tuple[str, list[str]]:
    """A character cluster as base and known combining accents (precomposed letters decomposed)."""
    base, marks = cluster[0], list(cluster[1:])
    if base not in _MATH and base not in _TEXT:
        decomposed = unicodedata.normalize("NFD", base)
        if len(decomposed) > 1 and all(c in _ACCENTS for c in decomposed[1:]):
            base, marks = decomposed[0], list(decomposed[1:]) + marks
    return base, [m for m in marks if m in _ACCENTS]


def _math_accents(inner: str, accents: list[str]) -> str:
    for accent in accents:
        inner = f"\\{_ACCENTS[accent][1]}{{{inner}}}"
    return inner


def _unknown(char: str) -> str:
    """A character pdflatex cannot typeset, shown as its code point."""
    return f"[U+{ord(char):04X}]"


#: Control words a statement may use: math of LaTeX, amsmath and amssymb, nothing that reads,
#: writes or defines.
MATH_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho varrho
sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
frac dfrac tfrac sqrt binom tbinom dbinom sum prod coprod int iint oint bigcup bigcap bigoplus bigotimes
log ln exp sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh max min sup inf lim liminf limsup det dim
ker arg deg gcd Pr hom operatorname mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathnormal
boldsymbol text textrm textit textbf textsf texttt mbox rm bf it sf tt cal textstyle displaystyle scriptstyle
scriptscriptstyle left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr quad qquad
dots ldots cdots vdots ddots cdot times div pm mp ast star circ bullet oplus otimes odot setminus wedge vee
le leq ge geq ne neq approx sim simeq cong equiv propto ll gg lesssim gtrsim leqslant geqslant prec succ preceq
succeq asymp doteq in ni notin subset subseteq supset supseteq cup cap emptyset varnothing forall exists nexists
neg lnot land lor to gets rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow longrightarrow
Longrightarrow iff implies impliedby mapsto uparrow downarrow nearrow searrow nwarrow swarrow infty partial
nabla ell hbar imath jmath top bot perp parallel angle prime langle rangle lVert rVert lvert rvert Vert vert
mid nmid lfloor rfloor lceil rceil hat widehat tilde widetilde bar overline underline vec dot ddot check acute
grave breve mathring overrightarrow underbrace overbrace stackrel overset underset substack limits nolimits
boxed not colon triangleq coloneqq Re Im aleph wp Box square triangle diamond lozenge dagger ddagger
""".split())

_TOKEN = re.compile(r"\\([A-Za-z]+)|\\(.)|(.)", re.DOTALL)
_CONTROL_SYMBOLS = frozenset(",;:! {}|%#&_")  # \, \; \: \! \  \{ \} \| \% \# \& \_


def safe_math(statement: str) -> bool:
    """Whether a statement (the inside of a ``$...$`` span) can only typeset math (module docstring)."""
    if "^^" in statement:
        return False
    depth = 0
    for word, symbol, char in _TOKEN.findall(statement):
        if word and word not in MATH_COMMANDS:
            return False
        if symbol and symbol not in _CONTROL_SYMBOLS:
            return False
        if char and (char in "$%#&" or (ord(char) < 32 and char not in "\t\n")):
            return False
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0 and not statement.rstrip().endswith("\\")


# command -> character, for reading statements as text (the reverse of the math map, plus synonyms)
_UNICODE = {cmd[1:]: ch for ch, cmd in _MATH.items() if re.fullmatch(r"\\[A-Za-z]+", cmd) and ch not in "µϵ"} | {
    "leq": "≤", "geq": "≥", "ne": "≠", "rightarrow": "→", "gets": "←", "epsilon": "ϵ", "phi": "ϕ", "cdots": "⋯",
    "ldots": "…", "dots": "…", "lVert": "‖", "rVert": "‖", "Vert": "‖", "iff": "⇔", "implies": "⇒", "star": "⋆",
    "ast": "∗", "quad": "\u2003", "qquad": "\u2003\u2003", "emptyset": "∅", "mid": "∣", "sqrt": "√",
} | {name: name for name in "log ln exp sin cos tan max min sup inf lim arg det dim ker Pr arccos arcsin".split()}


def tex_to_unicode(statement: str) -> str:
    """A statement easier to read as plain text: symbol commands (``\\gamma``, ``\\le``, ``\\to``)
    as their characters, ``\\frac{a}{b}`` as ``(a)/(b)``, font and size commands dropped; anything
    else is left as written."""
    text = re.sub(r"\\(?:big|Big|bigg|Bigg)[lr]?\b|\\(?:left|right)\b(?=[^A-Za-z])"
                  r"|\\(?:textstyle|displaystyle|limits)\b", "", statement)
    for _ in range(3):  # unwrap nested font commands and fractions from the inside out
        text = re.sub(r"\\(?:operatorname|mathrm|mathbf|mathit|mathsf|mathcal|mathbb|text|textrm|boldsymbol)"
                      r"\{([^{}]*)\}", r"\1", text)
        text = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", _fraction, text)
    text = re.sub(r"\\([A-Za-z]+)(?![A-Za-z])", lambda m: _UNICODE.get(m.group(1), m.group()), text)
    text = re.sub(r"\\(bar|hat|tilde|vec|dot)\s*(?:\{([^{}\\])\}|([^\s{}\\]))",
                  lambda m: (m.group(2) or m.group(3)) + _COMBINING[m.group(1)], text)
    return re.sub(r"\\([,;:! ])", " ", text).replace("\\|", "‖")


_COMBINING = {"bar": "\u0304", "hat": "\u0302", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307"}


def _fraction(match: re.Match) -> str:
    """``a/b``, with parentheses around a numerator or denominator of more than one symbol."""
    def part(s: str) -> str:
        return s if len(s) == 1 or s.isalnum() else f"({s})"
    return f"{part(match.group(1))}/{part(match.group(2))}"
