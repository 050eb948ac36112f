r"""SymPy derivations for BN at initialization (Daneshmand et al. 2021; Nachum et al. 2024).

Scalar symbols only (no MatrixSymbol calculus).  Every identity is derived by :func:`derive`,
whose verdict comes from SymPy simplification to zero *and* a numerical cross-check at random
points (mpmath, 30 digits) -- a symbolic result is not trusted alone.  Claims read the results
as :class:`bnproof.symbolic.identity.Identity` (:func:`nachum_identities`,
:func:`daneshmand_identities`); the derivation pages (:func:`render_nachum2024`,
:func:`render_daneshmand2021`) also print the SymPy sides of each, kept in a :class:`Derivation`.

Nachum et al. 2024 [derived, not quoted]: n−1 identical points a and one odd point b,
v = b − a, one layer of recentering (RC), a linear map, optional rescaling (RS) and ReLU.
Per neuron with g = (W v)_i the recentered row is (−g/n, …, −g/n, (n−1)g/n); ReLU leaves
the odd point and the cluster on disjoint neurons, so cos(odd, cluster) = 0, and with
g ~ N(0, s²) the expected squared norms are in the ratio (n−1)².

Daneshmand, Joudaki, Bach 2021: the algebra of Lemma 4, of Theorem 1's constant, of Sawa's
formula for p_i(σ) (Lemma 9), and of Lemma 10's g(0) = 1 and g'(0) = 2n/(n+2).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

from bnproof.symbolic.identity import GENERATED, Identity

__all__ = ["Derivation", "derive", "nachum_derivations", "nachum_identities", "nachum_saddle_derivations",
           "saddle_spread_factor", "daneshmand_derivations",
           "daneshmand_identities", "recentered_row", "relu_cases", "lemma10_g", "lemma10_integrand",
           "theorem1_floor", "theorem1_constant", "render_nachum2024", "render_daneshmand2021"]

k = sp.Symbol("k", positive=True, integer=True)  # k = n − 1 ≥ 1 cluster points (so SymPy knows n ≥ 2)
n = k + 1  # batch size
g = sp.Symbol("g", real=True)
gp = sp.Symbol("g_+", positive=True)  # g > 0
gm = sp.Symbol("g_-", negative=True)  # g < 0
s = sp.Symbol("s", positive=True)
t = sp.Symbol("t", nonnegative=True)
delta = sp.Symbol("delta", nonnegative=True)
alpha, d, ell = sp.symbols("alpha d ell", positive=True)
theta = sp.Symbol("theta", real=True)

NUMERIC_TOL = 1e-20  # largest |lhs − rhs| at 30 digits that still counts as equal


@dataclass(frozen=True)
class Derivation:
    """The worksheet behind one :class:`Identity`: lhs == rhs, the SymPy sides and both tests' results."""

    name: str
    statement: str  # LaTeX
    lhs: sp.Expr
    rhs: sp.Expr
    symbolic: bool  # SymPy reduced lhs − rhs to 0
    numeric_error: float  # max |lhs − rhs| at random points (30 digits)

    @property
    def holds(self) -> bool:
        return self.symbolic and self.numeric_error < NUMERIC_TOL

    @property
    def identity(self) -> Identity:
        how = (f"SymPy: lhs − rhs simplifies to 0: {'yes' if self.symbolic else 'no'}; "
               f"max |lhs − rhs| at random points (30 digits) {self.numeric_error:.1e}")
        return Identity(self.name, self.statement, self.holds, how)


def _draw(x: sp.Symbol, rnd: random.Random) -> sp.Expr:
    """A random value respecting the symbol's assumptions (sign, integrality)."""
    if x.is_integer:
        return sp.Integer(rnd.randint(1, 40))
    v = sp.Rational(rnd.randint(1, 97), rnd.randint(1, 13))
    return -v if x.is_negative else v


def derive(name: str, statement: str, lhs: sp.Expr, rhs: sp.Expr,
           sample: Callable[[random.Random], dict] | None = None, trials: int = 5) -> Derivation:
    """lhs == rhs tested twice: SymPy simplifies lhs − rhs to 0, and it vanishes at ``trials`` random
    points (``sample``, else :func:`_draw` per free symbol) to 30 digits."""
    diff = sp.simplify(sp.expand(lhs - rhs))
    symbolic = diff == 0
    err = 0.0
    rnd = random.Random(name)  # deterministic sample points per identity
    free = sorted((lhs - rhs).free_symbols, key=str)
    with mpmath.workdps(30):
        for _ in range(trials if free else 1):
            point = sample(rnd) if sample else {x: _draw(x, rnd) for x in free}
            val = sp.N((lhs - rhs).subs(point), 30)
            err = max(err, abs(float(val)) if val.is_real else float("inf"))
    return Derivation(name, statement, lhs, rhs, bool(symbolic), err)


# --------------------------------------------------------------------------- Nachum et al. 2024


def recentered_row(npts: sp.Expr = n) -> tuple[sp.Expr, sp.Expr]:
    """(cluster, odd) coordinates of one neuron after RC and the linear map: (−g/n, (n−1)g/n)."""
    a_, b_ = sp.symbols("a b", real=True)
    mean = ((npts - 1) * a_ + b_) / npts
    cluster, odd = sp.simplify(a_ - mean), sp.simplify(b_ - mean)
    # the linear map sends v = b − a to g, and a − mean, b − mean are multiples of v
    return sp.simplify(cluster.subs(b_, a_ + g)), sp.simplify(odd.subs(b_, a_ + g))


def relu_cases(npts: sp.Expr = n) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """Post-ReLU (cluster, odd) coordinate of a neuron for g > 0 and g < 0."""
    cluster, odd = recentered_row(npts)
    relu = lambda x: sp.Max(x, 0)  # noqa: E731
    return {"g>0": (sp.simplify(relu(cluster.subs(g, gp))), sp.simplify(relu(odd.subs(g, gp)))),
            "g<0": (sp.simplify(relu(cluster.subs(g, gm))), sp.simplify(relu(odd.subs(g, gm))))}


def _normal_expect(expr_pos: sp.Expr, expr_neg: sp.Expr) -> sp.Expr:
    """E[f(g)] for g ~ N(0, s²) where f = expr_pos on g > 0 and expr_neg on g < 0."""
    dens = sp.exp(-g**2 / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
    return sp.simplify(sp.integrate(expr_pos.subs(gp, g) * dens, (g, 0, sp.oo))
                       + sp.integrate(expr_neg.subs(gm, g) * dens, (g, -sp.oo, 0)))


@functools.lru_cache(maxsize=1)
def nachum_derivations() -> tuple[Derivation, ...]:
    """The cluster-plus-odd-point configuration: RC coordinates, disjoint ReLU supports, norm ratios (cached)."""
    cluster, odd = recentered_row()
    cases = relu_cases()
    out = [
        derive("rc_cluster", r"a - \bar x = -g/n", cluster, -g / n),
        derive("rc_odd", r"b - \bar x = (n-1)g/n", odd, (n - 1) * g / n),
        derive("rc_mean_zero", r"(n-1)(a-\bar x) + (b - \bar x) = 0", (n - 1) * cluster + odd, sp.Integer(0)),
        derive("relu_disjoint_pos", r"g>0:\ \mathrm{relu}(-g/n)\cdot\mathrm{relu}((n-1)g/n) = 0",
               cases["g>0"][0] * cases["g>0"][1], sp.Integer(0)),
        derive("relu_disjoint_neg", r"g<0:\ \mathrm{relu}(-g/n)\cdot\mathrm{relu}((n-1)g/n) = 0",
               cases["g<0"][0] * cases["g<0"][1], sp.Integer(0)),
    ]
    e_odd2 = _normal_expect(cases["g>0"][1] ** 2, cases["g<0"][1] ** 2)
    e_cl2 = _normal_expect(cases["g>0"][0] ** 2, cases["g<0"][0] ** 2)
    e_odd1 = _normal_expect(cases["g>0"][1], cases["g<0"][1])
    e_cl1 = _normal_expect(cases["g>0"][0], cases["g<0"][0])
    out += [
        derive("E_odd_sq", r"\mathbb E[\mathrm{odd}_i^2] = (n-1)^2 s^2/(2n^2)", e_odd2, (n - 1) ** 2 * s**2 / (2 * n**2)),
        derive("E_cluster_sq", r"\mathbb E[\mathrm{cluster}_i^2] = s^2/(2n^2)", e_cl2, s**2 / (2 * n**2)),
        derive("norm_ratio_sq", r"\mathbb E\|\mathrm{odd}\|^2 / \mathbb E\|\mathrm{cluster}\|^2 = (n-1)^2",
               sp.simplify(e_odd2 / e_cl2), (n - 1) ** 2),
        derive("abs_ratio", r"\mathbb E|\mathrm{odd}_i| / \mathbb E|\mathrm{cluster}_i| = n-1",
               sp.simplify(e_odd1 / e_cl1), n - 1),
    ]
    # with RS (row scaled to unit norm): per-neuron magnitudes |g|(n−1)/n and |g|/n over the row norm
    row_norm = sp.sqrt((n - 1) * (g / n) ** 2 + ((n - 1) * g / n) ** 2)
    out.append(derive("rs_row_norm", r"\|(-g/n,\dots,(n-1)g/n)\| = |g|\sqrt{(n-1)/n}",
                      sp.simplify(row_norm.subs(g, gp)), gp * sp.sqrt((n - 1) / n)))
    out.append(derive("rs_ratio", r"\text{with RS: odd/cluster magnitude} = n-1",
                      sp.simplify((((n - 1) * gp / n) / row_norm.subs(g, gp)) / ((gp / n) / row_norm.subs(g, gp))),
                      n - 1))
    return tuple(out)


def nachum_identities() -> list[Identity]:
    """The identities of :func:`nachum_derivations`, as claims read them."""
    return [dv.identity for dv in nachum_derivations()]


def saddle_spread_factor(npts: sp.Expr = n) -> sp.Expr:
    """Per-layer growth of a small in-cluster spread at the configuration (infinite width, RC + ReLU):
    n/√((n−1)² + 1) (derived in :func:`nachum_saddle_derivations`)."""
    return npts / sp.sqrt((npts - 1) ** 2 + 1)


def _gaussian(x: sp.Symbol, sd: sp.Expr) -> sp.Expr:
    return sp.exp(-x**2 / (2 * sd**2)) / (sd * sp.sqrt(2 * sp.pi))


@functools.lru_cache(maxsize=1)
def nachum_saddle_derivations() -> tuple[Derivation, ...]:
    r"""Linearisation of one RC + ReLU layer (infinite width) at the configuration: a saddle (cached).

    Cluster points a + δ_i with Σ_i δ_i = 0 (a spread inside the cluster), odd point b, a ⊥ b and
    ‖b‖ = (n−1)‖a‖ as a layer leaves them.  Per neuron g = (W(b − a))_i ~ N(0, q‖b − a‖²) and
    h_i = (W δ_i)_i ~ N(0, q‖δ_i‖²), h = c g + u with u independent of g.  The recentered cluster
    coordinate is −g/n + h_i (the δ's sum to zero, so the batch mean does not move); ReLU keeps it
    on the neurons with g < 0 only, where the odd coordinate (n−1)g/n is cut.  So the spread passes
    on half the neurons, E[h² 1(g<0)] = Var(h)/2, the cluster mean has E[(g/n)² 1(g<0)] = s²/(2n²),
    and the spread relative to the cluster mean grows by n/√((n−1)² + 1) per layer, in every
    direction of the spread alike (the Gram matrix of the δ's is scaled as a whole).  Perturbations
    that keep the cluster one point are reset exactly in one layer (identities of
    :func:`nachum_derivations`: n−1 identical points are mapped onto the configuration).
    """
    sd_u, q, A, r = sp.symbols("sigma_u q A r", positive=True)
    c = sp.Symbol("c", real=True)
    u = sp.Symbol("u", real=True)
    gated = sp.integrate(sp.integrate((c * g + u) ** 2 * _gaussian(u, sd_u), (u, -sp.oo, sp.oo)) * _gaussian(g, s),
                         (g, -sp.oo, 0))
    mean_sq = sp.integrate((g / n) ** 2 * _gaussian(g, s), (g, -sp.oo, 0))
    # relative spread after the layer over the one before; q‖δ‖² = Var(h), s² = q‖b − a‖² = q A²((n−1)² + 1)
    ratio_sq = ((q * r**2 / 2) / mean_sq.subs(s, A * sp.sqrt(q * ((n - 1) ** 2 + 1)))) / (r**2 / A**2)
    return (
        derive("spread_gated_half", r"\mathbb E[(cg+u)^2\,1(g<0)] = (c^2s^2+\sigma_u^2)/2 = \mathrm{Var}(h)/2",
               gated, (c**2 * s**2 + sd_u**2) / 2),
        derive("cluster_mean_sq", r"\mathbb E[(g/n)^2\,1(g<0)] = s^2/(2n^2)", mean_sq, s**2 / (2 * n**2)),
        derive("ab_distance_sq", r"a\perp b,\ \|b\| = (n-1)\|a\|:\ \|b-a\|^2 = ((n-1)^2+1)\|a\|^2",
               ((n - 1) * A) ** 2 + A**2, ((n - 1) ** 2 + 1) * A**2),
        derive("saddle_factor_sq", r"\left(\frac{\|\delta'\|/\|\bar a'\|}{\|\delta\|/\|a\|}\right)^2 = \frac{n^2}{(n-1)^2+1}",
               sp.simplify(ratio_sq), saddle_spread_factor() ** 2),
    )


# --------------------------------------------------------------------------- Daneshmand et al. 2021


def theorem1_floor() -> tuple[sp.Expr, sp.Expr]:
    """(geometric-sum bound Σ_{k≥1}(1−2α/3)^k, floor 2n·(3/(2α))/√d) as derived from Theorem 5."""
    k = sp.Symbol("k", integer=True, positive=True)
    geo = sp.summation((1 - 2 * alpha / 3) ** k, (k, 1, sp.oo))
    geo = sp.piecewise_fold(geo)
    if isinstance(geo, sp.Piecewise):
        geo = geo.args[0][0]
    return sp.simplify(geo), sp.simplify(2 * n * (3 / (2 * alpha)) / sp.sqrt(d))


def theorem1_constant() -> sp.Expr:
    """c in Theorem 1's floor c·n/(α√d), read off the derived floor 2n·(3/(2α))/√d (so 3, the main text's)."""
    return sp.simplify(theorem1_floor()[1] * alpha * sp.sqrt(d) / n)


def lemma10_g(npts: sp.Expr = n) -> sp.Expr:
    """Integrand of g(δ) (Lemma 10): (1+2t(1/n−δ))^{-3/2} (1+2t(1/n+δ/(n−1)))^{-(n−1)/2}."""
    return (1 + 2 * t * (1 / npts - delta)) ** sp.Rational(-3, 2) * (1 + 2 * t * (1 / npts + delta / (npts - 1))) ** (-(npts - 1) / 2)


@functools.lru_cache(maxsize=1)
def daneshmand_derivations() -> tuple[Derivation, ...]:
    """Lemma 4, Theorem 1's constant, Sawa's formula (Lemma 9) and Lemma 10's g(0), g'(0) (cached)."""
    out = []
    # Lemma 4: V² = Σσ⁴ − 1/n on Σσ² = 1, and the extremal value n(n−1)δ²
    for m in (2, 3, 5):
        x = sp.symbols(f"x1:{m + 1}", positive=True)  # x_i = σ_i²
        constraint = {x[-1]: 1 - sum(x[:-1])}
        lhs = sum((xi - sp.Rational(1, m)) ** 2 for xi in x).subs(constraint)
        rhs = (sum(xi**2 for xi in x) - sp.Rational(1, m)).subs(constraint)
        out.append(derive(f"lemma4_gap_n{m}", rf"n={m}:\ \sum(\sigma_i^2-1/n)^2 = \sum\sigma_i^4 - 1/n", lhs, rhs))
    xs = sp.Symbol("x", positive=True)
    extremal = (1 - (n - 1) * xs - 1 / n) ** 2 + (n - 1) * (xs - 1 / n) ** 2
    out.append(derive("lemma4_extremal", r"\sigma_1^2 = 1-(n-1)x,\ \sigma_{i>1}^2 = x:\ V^2 = n(n-1)(1/n - x)^2",
                      extremal, n * (n - 1) * (1 / n - xs) ** 2))
    # Theorem 1: the constant. Σ_k (1−2α/3)^k = 3/(2α) − 1 ≤ 3/(2α); 2n · 3/(2α√d) = 3n/(α√d)
    geo, floor = theorem1_floor()
    out.append(derive("thm1_geometric_sum", r"\sum_{k\ge1}(1-2\alpha/3)^k = \frac{3}{2\alpha} - 1", geo, 3 / (2 * alpha) - 1))
    out.append(derive("thm1_floor_main_text", r"2n\cdot\frac{3}{2\alpha\sqrt d} = \frac{3n}{\alpha\sqrt d}", floor,
                      3 * n / (alpha * sp.sqrt(d))))
    # Sawa (Lemma 9): ∂φ/∂θ2 at θ2 = 0, and Σ_i of the integrands = dP/dθ (so Σ p_i = P(0) − P(−∞) = 1)
    m = 3
    sig = sp.symbols(f"s1:{m + 1}", positive=True)  # σ_i² (any positive values)
    th2 = sp.Symbol("theta2", real=True)
    phi = (1 - 2 * (theta + th2) * sig[0]) ** sp.Rational(-1, 2) * sp.Mul(*[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig[1:]])
    dphi = sp.diff(phi, th2).subs(th2, 0)
    integrand = lambda i: sig[i] * (1 - 2 * theta * sig[i]) ** sp.Rational(-1, 1) * sp.Mul(  # noqa: E731
        *[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig])
    out.append(derive("sawa_dphi", r"\partial_{\theta_2}\phi|_{\theta_2=0} = \sigma_i^2(1-2\theta\sigma_i^2)^{-1}\prod_j(1-2\theta\sigma_j^2)^{-1/2}",
                      dphi, integrand(0), sample=lambda r: {theta: -sp.Rational(r.randint(1, 50), 7),
                                                            **{sj: sp.Rational(r.randint(1, 30), 31) for sj in sig}}))
    P = sp.Mul(*[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig])
    out.append(derive("sawa_sum_is_derivative", r"\sum_i \sigma_i^2(1-2\theta\sigma_i^2)^{-1}P(\theta) = P'(\theta),\ P = \prod_j(1-2\theta\sigma_j^2)^{-1/2}",
                      sum(integrand(i) for i in range(m)), sp.diff(P, theta),
                      sample=lambda r: {theta: -sp.Rational(r.randint(1, 50), 7), **{sj: sp.Rational(r.randint(1, 30), 31) for sj in sig}}))
    # Lemma 10: g(0) = 1 and g'(0) = 2n/(n+2), for n = 2..8 exactly
    for m in (2, 3, 4, 8):
        G = lemma10_g(sp.Integer(m))
        g0 = sp.integrate(G.subs(delta, 0), (t, 0, sp.oo))
        g1 = sp.integrate(sp.simplify(sp.diff(G, delta).subs(delta, 0)), (t, 0, sp.oo))
        out.append(derive(f"lemma10_g0_n{m}", rf"n={m}:\ g(0) = 1", g0, sp.Integer(1)))
        out.append(derive(f"lemma10_g1_n{m}", rf"n={m}:\ g'(0) = 2n/(n+2)", g1, sp.Rational(2 * m, m + 2)))
    return tuple(out)


def daneshmand_identities() -> list[Identity]:
    """The identities of :func:`daneshmand_derivations`, as claims read them."""
    return [dv.identity for dv in daneshmand_derivations()]


@functools.lru_cache(maxsize=None)
def lemma10_integrand(npts: int, derivative: int = 0, module: str = "numpy") -> Callable:
    """(t, δ) -> ∂^k/∂δ^k of Lemma 10's integrand (differentiated by SymPy), lambdified for
    ``module`` ("numpy" for SciPy's quad, "mpmath" for mpmath.quad)."""
    expr = lemma10_g(sp.Integer(npts))
    if derivative:
        expr = sp.diff(expr, delta, derivative)
    return sp.lambdify((t, delta), expr, module)


# --------------------------------------------------------------------------- derivation pages


def _md(tex: str) -> str:
    """LaTeX safe inside a Markdown table cell: no bare '|' (it would split the cell)."""
    return tex.replace("\\|", "\\Vert ").replace("|", "\\vert ")


def _row(dv: Derivation, lhs_tex: str) -> str:
    return (f"| `{dv.name}` | ${_md(dv.statement)}$ | ${_md(lhs_tex)} = {_md(sp.latex(dv.rhs))}$ "
            f"| {'yes' if dv.symbolic else 'no'} | {dv.numeric_error:.1e} | {'✓' if dv.holds else '✗'} |")


_TABLE_HEAD = ["| identity | statement | SymPy result | lhs − rhs simplifies to 0 | max numeric error | holds |",
               "|---|---|---|---|---|---|"]


def render_daneshmand2021() -> tuple[dict[str, str], list[str]]:
    """derivations/daneshmand2021.md (deterministic) and the names of identities that fail."""
    dvs = daneshmand_derivations()
    lines = [GENERATED, "",
             "# Daneshmand, Joudaki, Bach (NeurIPS 2021): the algebra behind Theorem 1, derived", "",
             "SymPy with scalar symbols ($x_i = \\sigma_i^2$, $s_i = \\sigma_i^2$ in Sawa's formula, $n = k+1$);",
             "every identity is also checked numerically at random points with 30 digits.", "", *_TABLE_HEAD]
    for dv in dvs:
        lhs = sp.latex(dv.lhs)
        lines.append(_row(dv, lhs if len(lhs) < 160 else "\\text{(long)}"))
    lines += ["", "## Readings of the flagged misprints", "",
              "- **Theorem 1's constant.** The chain (Theorem 5, induction, Lemma 4) gives",
              "  $2n\\cdot\\frac{3}{2\\alpha\\sqrt d} = \\frac{3n}{\\alpha\\sqrt d}$ (identity `thm1_floor_main_text`):",
              "  the main text's constant; the appendix's last line $\\frac{3n}{2\\alpha\\sqrt d}$ drops the factor 2.",
              "- **Lemma 4.** The extremal configuration gives $V^2 = n(n-1)\\hat V^2$ (identity `lemma4_extremal`),",
              "  so $V \\le \\sqrt{n(n-1)}\\,\\hat V \\le 2n\\hat V$; the paper's intermediate $2(n-1)^2$ is looser but valid.",
              "- **Lemma 6 ($\\sigma_n$ for $\\sigma_i$).** Sawa's formula gives $p_i$ with $\\sigma_i^2$ in the numerator, and",
              "  $\\sum_i$ of the integrands is $P'(\\theta)$ (identity `sawa_sum_is_derivative`), so $\\sum_i p_i = P(0) - P(-\\infty) = 1$.",
              "  With $\\sigma_n$ printed for $\\sigma_i$ all $p_i$ would equal $p_n$ and sum to $n p_n \\ne 1$.",
              "- **Lemma 8.** Lemma 10's $g(0) = 1$ and $g'(0) = 2n/(n+2)$ (identities `lemma10_*`) with convexity give",
              "  $1/n - p_n \\le (1 - \\frac{2n}{n+2}\\sigma_n^2)(1/n - \\sigma_n^2)$; since $2n/(n+2) \\ge 2/3$ for $n \\ge 1$",
              "  this implies the printed $(1 - \\frac23\\sigma_n^2)(1/n - \\sigma_n^2)$.", ""]
    return {"daneshmand2021.md": "\n".join(lines)}, [dv.name for dv in dvs if not dv.holds]


def render_nachum2024() -> tuple[dict[str, str], list[str]]:
    """derivations/nachum2024.md (deterministic) and the names of identities that fail."""
    dvs = nachum_derivations()
    lines = [GENERATED, "",
             "# Nachum, Bondaschi, Gastpar, Khina (2024): the cluster-plus-odd-point configuration, derived",
             "", "[derived] — not quoted from the paper (its theorem statements were not available).", "",
             "Batch: n−1 identical points $a$ and one odd point $b$, $v = b - a$; one layer",
             "$x \\mapsto \\mathrm{ReLU}(\\mathrm{RC}(Wx))$ (optionally with RS before the ReLU).",
             "SymPy works with $k = n-1 \\ge 1$ (so that it knows $n \\ge 2$); every identity is also checked",
             "numerically at random points with 30 digits.", "",
             "Per neuron, with $g = (Wv)_i$: the recentered row is $(-g/n, \\dots, -g/n, (n-1)g/n)$; after ReLU,",
             "$g>0$ keeps only the odd point and $g<0$ only the cluster, so the supports are disjoint, the cluster",
             "stays one point, and the output is again a cluster-plus-odd-point batch (an exact fixed configuration).",
             "", *_TABLE_HEAD]
    lines += [_row(dv, sp.latex(sp.simplify(dv.lhs))) for dv in dvs]
    lines += ["", "Consequence: $\\mathbb E\\|x_{\\rm odd}\\|^2 / \\mathbb E\\|x_{\\rm cluster}\\|^2 = (n-1)^2$, so the",
              "norm ratio is $n-1$ up to $O(1/\\sqrt d)$ fluctuations; with RS the per-neuron magnitudes are in the",
              "same ratio $n-1$.", "",
              "## Stability: the configuration is a saddle (infinite width, RC + ReLU)", "",
              "Perturbations that keep the cluster one point are reset exactly in one layer (the batch is again",
              "n−1 identical points and one odd point). A spread inside the cluster, $a + \\delta_i$ with",
              "$\\sum_i \\delta_i = 0$, leaves the batch mean in place; per neuron the cluster coordinate is",
              "$-g/n + h_i$ with $h_i = (W\\delta_i)_i$, kept by the ReLU only where $g < 0$. Writing",
              "$h = cg + u$ ($u$ independent of $g$, $g \\sim N(0, s^2)$):", "", *_TABLE_HEAD]
    saddle = nachum_saddle_derivations()
    lines += [_row(dv, sp.latex(sp.simplify(dv.lhs))) for dv in saddle]
    lines += ["", "So the spread relative to the cluster mean grows by $n/\\sqrt{(n-1)^2+1}$ per layer",
              "(1.2649, 1.1314, 1.0643, 1.0317, 1.0157 for n = 4, 8, 16, 32, 64; its square, the growth of the",
              "squared spread, is 1.6, 1.28, 1.1327, 1.0644, 1.0317): the configuration is a saddle, not stable.", ""]
    return {"nachum2024.md": "\n".join(lines)}, [dv.name for dv in (*dvs, *saddle) if not dv.holds]
