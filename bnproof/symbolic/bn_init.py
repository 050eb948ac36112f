r"""SymPy derivations for BN at initialization (Daneshmand et al. 2021; Nachum et al. 2024).

Scalar symbols only (no MatrixSymbol calculus).  Every identity is an :class:`Identity` whose
``holds`` comes from SymPy simplification to zero *and* a numerical cross-check at random
points (mpmath, 30 digits) -- a symbolic result is not trusted alone.

Nachum et al. 2024 [derived, not quoted]: n−1 identical points a and one odd point b,
v = b − a, one layer of recentering (RC), a linear map, optional rescaling (RS) and ReLU.
Per neuron with g = (W v)_i the recentered row is (−g/n, …, −g/n, (n−1)g/n); ReLU leaves
the odd point and the cluster on disjoint neurons, so cos(odd, cluster) = 0, and with
g ~ N(0, s²) the expected squared norms are in the ratio (n−1)².

Daneshmand, Joudaki, Bach 2021: the algebra of Lemma 4, of Theorem 1's constant, of Sawa's
formula for p_i(σ) (Lemma 9), and of Lemma 10's g(0) = 1 and g'(0) = 2n/(n+2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy as sp

__all__ = ["Identity", "nachum_identities", "daneshmand_identities", "recentered_row", "relu_cases",
           "lemma10_g", "theorem1_floor"]

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


@dataclass(frozen=True)
class Identity:
    """lhs == rhs, derived by SymPy and checked numerically."""

    name: str
    statement: str  # LaTeX
    lhs: sp.Expr
    rhs: sp.Expr
    symbolic: bool  # SymPy reduced lhs − rhs to 0
    numeric_error: float  # max |lhs − rhs| at random points (30 digits)

    @property
    def holds(self) -> bool:
        return self.symbolic and self.numeric_error < 1e-20


def _draw(x: sp.Symbol, rnd: random.Random) -> sp.Expr:
    """A random value respecting the symbol's assumptions (sign, integrality)."""
    if x.is_integer:
        return sp.Integer(rnd.randint(1, 40))
    v = sp.Rational(rnd.randint(1, 97), rnd.randint(1, 13))
    return -v if x.is_negative else v


def _check(name: str, statement: str, lhs: sp.Expr, rhs: sp.Expr,
           sample: Callable[[random.Random], dict] | None = None, trials: int = 5) -> Identity:
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
    return Identity(name, statement, lhs, rhs, bool(symbolic), err)


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


def nachum_identities() -> list[Identity]:
    cluster, odd = recentered_row()
    cases = relu_cases()
    out = [
        _check("rc_cluster", r"a - \bar x = -g/n", cluster, -g / n),
        _check("rc_odd", r"b - \bar x = (n-1)g/n", odd, (n - 1) * g / n),
        _check("rc_mean_zero", r"(n-1)(a-\bar x) + (b - \bar x) = 0", (n - 1) * cluster + odd, sp.Integer(0)),
        _check("relu_disjoint_pos", r"g>0:\ \mathrm{relu}(-g/n)\cdot\mathrm{relu}((n-1)g/n) = 0",
               cases["g>0"][0] * cases["g>0"][1], sp.Integer(0)),
        _check("relu_disjoint_neg", r"g<0:\ \mathrm{relu}(-g/n)\cdot\mathrm{relu}((n-1)g/n) = 0",
               cases["g<0"][0] * cases["g<0"][1], sp.Integer(0)),
    ]
    e_odd2 = _normal_expect(cases["g>0"][1] ** 2, cases["g<0"][1] ** 2)
    e_cl2 = _normal_expect(cases["g>0"][0] ** 2, cases["g<0"][0] ** 2)
    e_odd1 = _normal_expect(cases["g>0"][1], cases["g<0"][1])
    e_cl1 = _normal_expect(cases["g>0"][0], cases["g<0"][0])
    out += [
        _check("E_odd_sq", r"\mathbb E[\mathrm{odd}_i^2] = (n-1)^2 s^2/(2n^2)", e_odd2, (n - 1) ** 2 * s**2 / (2 * n**2)),
        _check("E_cluster_sq", r"\mathbb E[\mathrm{cluster}_i^2] = s^2/(2n^2)", e_cl2, s**2 / (2 * n**2)),
        _check("norm_ratio_sq", r"\mathbb E\|\mathrm{odd}\|^2 / \mathbb E\|\mathrm{cluster}\|^2 = (n-1)^2",
               sp.simplify(e_odd2 / e_cl2), (n - 1) ** 2),
        _check("abs_ratio", r"\mathbb E|\mathrm{odd}_i| / \mathbb E|\mathrm{cluster}_i| = n-1",
               sp.simplify(e_odd1 / e_cl1), n - 1),
    ]
    # with RS (row scaled to unit norm): per-neuron magnitudes |g|(n−1)/n and |g|/n over the row norm
    row_norm = sp.sqrt((n - 1) * (g / n) ** 2 + ((n - 1) * g / n) ** 2)
    out.append(_check("rs_row_norm", r"\|(-g/n,\dots,(n-1)g/n)\| = |g|\sqrt{(n-1)/n}",
                      sp.simplify(row_norm.subs(g, gp)), gp * sp.sqrt((n - 1) / n)))
    out.append(_check("rs_ratio", r"\text{with RS: odd/cluster magnitude} = n-1",
                      sp.simplify((((n - 1) * gp / n) / row_norm.subs(g, gp)) / ((gp / n) / row_norm.subs(g, gp))),
                      n - 1))
    return out


# --------------------------------------------------------------------------- Daneshmand et al. 2021


def theorem1_floor() -> tuple[sp.Expr, sp.Expr]:
    """(geometric-sum bound Σ_{k≥1}(1−2α/3)^k, floor 2n·(3/(2α))/√d) as derived from Theorem 5."""
    k = sp.Symbol("k", integer=True, positive=True)
    geo = sp.summation((1 - 2 * alpha / 3) ** k, (k, 1, sp.oo))
    geo = sp.piecewise_fold(geo)
    if isinstance(geo, sp.Piecewise):
        geo = geo.args[0][0]
    return sp.simplify(geo), sp.simplify(2 * n * (3 / (2 * alpha)) / sp.sqrt(d))


def lemma10_g(npts: sp.Expr = n) -> sp.Expr:
    """Integrand of g(δ) (Lemma 10): (1+2t(1/n−δ))^{-3/2} (1+2t(1/n+δ/(n−1)))^{-(n−1)/2}."""
    return (1 + 2 * t * (1 / npts - delta)) ** sp.Rational(-3, 2) * (1 + 2 * t * (1 / npts + delta / (npts - 1))) ** (-(npts - 1) / 2)


def daneshmand_identities() -> list[Identity]:
    out = []
    # Lemma 4: V² = Σσ⁴ − 1/n on Σσ² = 1, and the extremal value n(n−1)δ²
    for m in (2, 3, 5):
        x = sp.symbols(f"x1:{m + 1}", positive=True)  # x_i = σ_i²
        constraint = {x[-1]: 1 - sum(x[:-1])}
        lhs = sum((xi - sp.Rational(1, m)) ** 2 for xi in x).subs(constraint)
        rhs = (sum(xi**2 for xi in x) - sp.Rational(1, m)).subs(constraint)
        out.append(_check(f"lemma4_gap_n{m}", rf"n={m}:\ \sum(\sigma_i^2-1/n)^2 = \sum\sigma_i^4 - 1/n", lhs, rhs))
    xs = sp.Symbol("x", positive=True)
    extremal = (1 - (n - 1) * xs - 1 / n) ** 2 + (n - 1) * (xs - 1 / n) ** 2
    out.append(_check("lemma4_extremal", r"\sigma_1^2 = 1-(n-1)x,\ \sigma_{i>1}^2 = x:\ V^2 = n(n-1)(1/n - x)^2",
                      extremal, n * (n - 1) * (1 / n - xs) ** 2))
    # Theorem 1: the constant. Σ_k (1−2α/3)^k = 3/(2α) − 1 ≤ 3/(2α); 2n · 3/(2α√d) = 3n/(α√d)
    geo, floor = theorem1_floor()
    out.append(_check("thm1_geometric_sum", r"\sum_{k\ge1}(1-2\alpha/3)^k = \frac{3}{2\alpha} - 1", geo, 3 / (2 * alpha) - 1))
    out.append(_check("thm1_floor_main_text", r"2n\cdot\frac{3}{2\alpha\sqrt d} = \frac{3n}{\alpha\sqrt d}", floor,
                      3 * n / (alpha * sp.sqrt(d))))
    # Sawa (Lemma 9): ∂φ/∂θ2 at θ2 = 0, and Σ_i of the integrands = dP/dθ (so Σ p_i = P(0) − P(−∞) = 1)
    m = 3
    sig = sp.symbols(f"s1:{m + 1}", positive=True)  # σ_i² (any positive values)
    th2 = sp.Symbol("theta2", real=True)
    phi = (1 - 2 * (theta + th2) * sig[0]) ** sp.Rational(-1, 2) * sp.Mul(*[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig[1:]])
    dphi = sp.diff(phi, th2).subs(th2, 0)
    integrand = lambda i: sig[i] * (1 - 2 * theta * sig[i]) ** sp.Rational(-1, 1) * sp.Mul(  # noqa: E731
        *[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig])
    out.append(_check("sawa_dphi", r"\partial_{\theta_2}\phi|_{\theta_2=0} = \sigma_i^2(1-2\theta\sigma_i^2)^{-1}\prod_j(1-2\theta\sigma_j^2)^{-1/2}",
                      dphi, integrand(0), sample=lambda r: {theta: -sp.Rational(r.randint(1, 50), 7),
                                                            **{sj: sp.Rational(r.randint(1, 30), 31) for sj in sig}}))
    P = sp.Mul(*[(1 - 2 * theta * sj) ** sp.Rational(-1, 2) for sj in sig])
    out.append(_check("sawa_sum_is_derivative", r"\sum_i \sigma_i^2(1-2\theta\sigma_i^2)^{-1}P(\theta) = P'(\theta),\ P = \prod_j(1-2\theta\sigma_j^2)^{-1/2}",
                      sum(integrand(i) for i in range(m)), sp.diff(P, theta),
                      sample=lambda r: {theta: -sp.Rational(r.randint(1, 50), 7), **{sj: sp.Rational(r.randint(1, 30), 31) for sj in sig}}))
    # Lemma 10: g(0) = 1 and g'(0) = 2n/(n+2), for n = 2..8 exactly
    for m in (2, 3, 4, 8):
        G = lemma10_g(sp.Integer(m))
        g0 = sp.integrate(G.subs(delta, 0), (t, 0, sp.oo))
        g1 = sp.integrate(sp.simplify(sp.diff(G, delta).subs(delta, 0)), (t, 0, sp.oo))
        out.append(_check(f"lemma10_g0_n{m}", rf"n={m}:\ g(0) = 1", g0, sp.Integer(1)))
        out.append(_check(f"lemma10_g1_n{m}", rf"n={m}:\ g'(0) = 2n/(n+2)", g1, sp.Rational(2 * m, m + 2)))
    return out
