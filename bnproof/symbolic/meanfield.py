r"""SymPy derivations for mean-field BN (Yang et al. 2019; Wei, Stokes, Schwab 2019).

Scalar symbols only.  Each identity is established symbolically where SymPy can (simplify /
gammasimp / limit / exact rational evaluation) and cross-checked numerically with mpmath at
30+ digits; derivatives of the BN map are checked against high-precision central finite
differences.  The NumPy/mpmath evaluators in :mod:`bnproof.models.meanfield` are compared with
these expressions (identity ``numeric_evaluators``), so the numbers the claims use are the derived
ones.  :func:`render_yang2019` and :func:`render_wei2019` write ``derivations/yang2019.md`` and
``derivations/wei2019.md`` (``bnproof derive``).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from bnproof.core.differences import central_gradient
from bnproof.models import meanfield as mf
from bnproof.symbolic.identity import HEADER, Identity, identity_rows_markdown

__all__ = ["Identity", "J_expr", "relu_rate_expr", "wei_bound_expr", "yang_identities", "wei_identities",
           "yang_markdown", "wei_markdown", "render_yang2019", "render_wei2019"]

c, B, g, sw2, sb2, N = sp.symbols("c B gamma sigma_w2 sigma_b2 N", real=True)
u = sp.Symbol("u", real=True)


def J_expr(x=c) -> sp.Expr:
    """J(c) = (√(1-c²) + (π - arccos c)c)/π."""
    return (sp.sqrt(1 - x ** 2) + (sp.pi - sp.acos(x)) * x) / sp.pi


def relu_rate_expr() -> sp.Expr:
    """Yang et al. Thm 8 (α = 1) as a function of B."""
    x = -1 / (B - 1)
    Jp = sp.diff(J_expr(), c).subs(c, x)
    return (Jp + (B - 1)) / ((B - 3) * (1 - J_expr(x))) - 1 / (B - 3)


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def _num_close(f, g_, points, dps=40, tol=1e-30) -> bool:
    with mpmath.workdps(dps):
        return all(abs(f(p) - g_(p)) < tol for p in points)


def yang_identities() -> list[Identity]:
    out = []
    # J(1) = 1 and J'(c) = (π - arccos c)/π
    J = J_expr()
    dJ = sp.diff(J, c)
    out.append(Identity("J_at_1", r"J(1) = 1", sp.simplify(J.subs(c, 1)) == 1, "SymPy exact"))
    ok = _is_zero(dJ - (sp.pi - sp.acos(c)) / sp.pi) or _num_close(
        sp.lambdify(c, dJ, "mpmath"), lambda x: (mpmath.pi - mpmath.acos(x)) / mpmath.pi,
        [mpmath.mpf(k) / 7 for k in range(-6, 7)])
    out.append(Identity("J_prime", r"J'(c) = (\pi - \arccos c)/\pi", ok, "SymPy diff; mpmath at 13 points"))
    # ReLU kernel: E[relu(u)²] = 1/2 for u ~ N(0, 1), i.e. q*·J(1) with q* = 1/2
    pdf = sp.exp(-u ** 2 / 2) / sp.sqrt(2 * sp.pi)
    m2 = sp.integrate(u ** 2 * pdf, (u, 0, sp.oo))
    out.append(Identity("relu_second_moment", r"\mathbb E[\mathrm{relu}(u)^2] = \tfrac12", sp.simplify(m2 - sp.Rational(1, 2)) == 0,
                        "SymPy integral"))
    # q*(B) = 1/2 for every B
    qs = (B - 1) / (2 * sp.sqrt(sp.pi)) * sp.gamma(sp.Rational(3, 2)) * sp.gamma((B - 1) / 2) / sp.gamma((B + 1) / 2)
    out.append(Identity("q_star_half", r"\frac{B-1}{2\sqrt\pi}\frac{\Gamma(3/2)\Gamma(\frac{B-1}{2})}{\Gamma(\frac{B+1}{2})} = \frac12",
                        sp.simplify(sp.gammasimp(qs) - sp.Rational(1, 2)) == 0, "SymPy gammasimp"))
    # limit of the ReLU rate and its monotone decrease
    lam = relu_rate_expr()
    lim = sp.limit(lam, B, sp.oo)
    out.append(Identity("relu_rate_limit", r"\lim_{B\to\infty}\lambda(B) = \frac{\pi}{\pi-1}",
                        sp.simplify(lim - sp.pi / (sp.pi - 1)) == 0, "SymPy limit"))
    dlam = sp.lambdify(B, sp.diff(lam, B), "mpmath")
    with mpmath.workdps(30):
        grid = [4 + k / 4 for k in range(0, 400)] + [10 ** (k / 4) for k in range(8, 25)]
        mono = all(dlam(mpmath.mpf(b)) < 0 for b in grid)
    out.append(Identity("relu_rate_decreasing", r"\lambda'(B) < 0\ \ (4 \le B \le 10^6,\ \text{grid})", mono,
                        "SymPy diff, mpmath sign on a grid of 417 points"))
    # linear φ: only a_1 ≠ 0, so λ = 1·(B-2)/(B-3)
    k = sp.Symbol("k", integer=True, positive=True)
    weight = k * (B - 3 + k) / (B - 3)
    out.append(Identity("linear_rate", r"\lambda_{\rm id} = \frac{1\cdot(B-2)}{B-3}",
                        sp.simplify(weight.subs(k, 1) - (B - 2) / (B - 3)) == 0, "SymPy exact"))
    # c_k > 0 for k ≤ 6, B = 4..64 (terminating 2F1: exact rationals)
    pos = True
    for kk in range(1, 7):
        for bb in range(4, 65):
            z = sp.Rational(bb - 2, 2 * (bb - 1))
            cc = sp.Rational(bb, 2) - 1
            # the 2F1 terminates (first argument -k): an exact finite sum of rationals
            f21 = sum(sp.rf(-kk, j) * sp.rf(bb - 3 + kk, j) / (sp.rf(cc, j) * sp.factorial(j)) * z ** j
                      for j in range(kk + 1))
            val = 1 - (-1) ** kk * f21
            pos = pos and bool(val > 0)
    out.append(Identity("c_k_positive", r"c_k = 1 - (-1)^k {}_2F_1(-k, B-3+k; \tfrac B2 - 1; \tfrac{B-2}{2(B-1)}) > 0",
                        bool(pos), "exact rationals, k ≤ 6, 4 ≤ B ≤ 64"))
    # BN Jacobian: d/dz √B·Gz/‖Gz‖ = (√B/‖Gz‖)(I - n̂n̂ᵀ)G, B = 4, scalar symbols
    zs = sp.symbols("z1:5", real=True)
    mean = sum(zs) / 4
    zc = [zi - mean for zi in zs]
    nrm = sp.sqrt(sum(v ** 2 for v in zc))
    nvec = [2 * v / nrm for v in zc]
    point = {zs[0]: sp.Rational(3, 10), zs[1]: sp.Rational(-7, 5), zs[2]: sp.Rational(11, 10), zs[3]: sp.Rational(2, 5)}
    nh = [v.subs(point) / nrm.subs(point) for v in zc]
    err = 0.0
    with mpmath.workdps(80):  # FD step 1e-20: truncation ~1e-40, rounding ~1e-60
        f = sp.lambdify(zs, nvec, "mpmath")
        x0 = [mpmath.mpf(point[z].p) / point[z].q for z in zs]
        for i in range(4):
            fd = central_gradient(lambda z, i=i: f(*z)[i], x0, h="1e-20", dps=80)  # row i of the Jacobian
            for j in range(4):
                # (I - n̂n̂ᵀ)G with G n̂ = n̂: entry (i, j) = δ_ij - 1/4 - n̂_i n̂_j
                closed = (2 / nrm.subs(point)) * ((1 if i == j else 0) - sp.Rational(1, 4) - nh[i] * nh[j])
                sym = sp.diff(nvec[i], zs[j]).subs(point)
                err = max(err, abs(sp.N(sym - closed, 50)), abs(fd[j] - mpmath.mpf(str(sp.N(closed, 80)))))
    out.append(Identity("bn_jacobian", r"\partial_z\big(\sqrt B\,Gz/\|Gz\|\big) = \frac{\sqrt B}{\|Gz\|}(I - \hat n\hat n^\top)G",
                        bool(err < 1e-30), "SymPy diff (B = 4, scalar symbols), exact; mpmath FD (h = 1e-20, 80 digits) < 1e-30"))
    # the NumPy evaluators are the derived expressions
    fl = sp.lambdify(B, lam, "mpmath")
    fJ = sp.lambdify(c, J, "mpmath")
    agree = all(abs(float(fl(b)) - mf.relu_rate(b)) < 1e-12 for b in (4, 5, 8, 16, 100)) and \
        all(abs(float(fJ(x)) - mf.J(x)) < 1e-14 for x in (-1, -0.5, 0, 0.3, 1))
    out.append(Identity("numeric_evaluators", r"\texttt{meanfield.J},\ \texttt{relu\_rate} = \text{the expressions above}",
                        agree, "float64 vs mpmath at 10 points"))
    return out


def wei_bound_expr(L: int = 4, variance: str = "variance") -> sp.Expr:
    """Σ_l f_l (hat reading, weights only) for the BN network with L linear layers of width N,
    input q̂⁰_xy = 0: the l = 1 term vanishes and f_l = N γ²/(2π) q̃^l_xy for l ≥ 2."""
    qh, qhx = g ** 2 / 2, g ** 2 / (2 * sp.pi)
    q = sb2 + sw2 * qh
    qx = sb2 + sw2 * qhx
    s2 = q - qx if variance == "variance" else q
    total = 0
    qtx = sp.Integer(1)
    for l in range(L, 1, -1):  # q̃_xy^L = 1, q̃_xy^l = (γ²σ_w²/4) q̃_xy^{l+1}/s² for 2 ≤ l ≤ L-1
        total += N * qhx * qtx
        qtx = g ** 2 * sw2 / 4 * qtx / s2
    return sp.simplify(total)


def wei_identities() -> list[Identity]:
    out = []
    pdf = sp.exp(-u ** 2 / 2) / sp.sqrt(2 * sp.pi)
    gp = sp.Symbol("gamma", positive=True)
    m2 = sp.integrate((gp * u) ** 2 * pdf, (u, 0, sp.oo))
    m1 = sp.integrate(gp * u * pdf, (u, 0, sp.oo))
    out.append(Identity("bn_qhat", r"\hat q = \mathbb E[\mathrm{relu}(\gamma u)^2] = \gamma^2/2", _is_zero(m2 - gp ** 2 / 2),
                        "SymPy integral"))
    out.append(Identity("bn_qhat_xy", r"\hat q_{xy} = \mathbb E[\mathrm{relu}(\gamma u)]^2 = \gamma^2/(2\pi)",
                        _is_zero(m1 ** 2 - gp ** 2 / (2 * sp.pi)), "SymPy integral (independent u_x, u_y)"))
    out.append(Identity("relu_deriv_kernel_0", r"\mathbb E[\mathrm{relu}'(u)\mathrm{relu}'(v)]\big|_{c=0} = \tfrac14",
                        sp.simplify(sp.diff(J_expr(), c).subs(c, 0) / 2 - sp.Rational(1, 4)) == 0, "SymPy exact"))
    # population variance of z in layer l ≥ 2: s² = q - q_xy = σ_w²γ²(1/2 - 1/(2π)), so the BN backward factor is γ-free
    q = sb2 + sw2 * g ** 2 / 2
    qx = sb2 + sw2 * g ** 2 / (2 * sp.pi)
    factor = g ** 2 * sw2 / (4 * (q - qx))
    out.append(Identity("bn_backward_factor", r"\frac{\gamma^2\sigma_w^2}{4(q - q_{xy})} = \frac{1}{2 - 2/\pi}",
                        _is_zero(factor - 1 / (2 - 2 / sp.pi)), "SymPy simplify"))
    b = wei_bound_expr()
    d = sp.diff(b, g)
    with mpmath.workdps(30):
        fd = sp.lambdify((g, sw2, sb2, N), d, "mpmath")
        pos = all(fd(mpmath.mpf(gg), 2, 0.5, 100) > 0 for gg in (0.1, 0.5, 1, 2, 4, 10))
    out.append(Identity("bound_increasing_in_gamma", r"\partial_\gamma \textstyle\sum_l f_l > 0\ (\sigma_w^2 = 2,\ \sigma_b^2 = \tfrac12)",
                        bool(pos), "SymPy diff, mpmath sign at 6 values of γ"))
    o = mf.wei_order_parameters(4, 2.0, 0.5, 1.3, True)
    num = mf.wei_fim_bound(o, [100] * 4 + [1], "hat", biases=False)["bound"]
    sym = float(b.subs({g: sp.Rational(13, 10), sw2: 2, sb2: sp.Rational(1, 2), N: 100}))
    out.append(Identity("numeric_evaluators", r"\texttt{meanfield.wei\_fim\_bound} = \text{the closed form}",
                        abs(num - sym) < 1e-9 * abs(sym), "float64 vs SymPy at γ = 1.3"))
    return out


def _table(ids: list[Identity]) -> list[str]:
    return ["| identity | statement | holds | how |", "|---|---|---|---|", *identity_rows_markdown(ids)]


def yang_markdown(ids: list[Identity]) -> str:
    lam = relu_rate_expr()
    lines = [
        HEADER,
        "# Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz (ICLR 2019): mean-field BN, derived",
        "",
        r"BN map per neuron over a batch of $B$: $n(z) = \sqrt B\,Gz/\|Gz\|$, $G = I - \tfrac1B 11^\top$ (biased std, $\varepsilon = 0$);"
        r" layer $h^l = \phi(n(W^l h^{l-1}))$, $W \sim \mathcal N(0, 1/N)$.",
        "",
        "## BSB1 fixed point (ReLU)",
        "",
        r"For $h \sim \mathcal N(0, G)$ the direction $Gh/\|Gh\|$ is independent of $\|Gh\|^2 \sim \chi^2_{B-1}$ and ReLU is"
        r" 1-homogeneous, so $\mathbb E[\phi(n)\phi(n)^\top] = \tfrac{B}{B-1}\mathbb E[\phi(Gh)\phi(Gh)^\top]$: diagonal $\tfrac12$,"
        r" off-diagonal $\tfrac12 J(-\tfrac1{B-1})$, exactly (width $\to\infty$).",
        "",
        f"$$J(c) = {sp.latex(J_expr())}$$",
        "",
        "## Gradient explosion rate (ReLU, submission Thm 8)",
        "",
        f"$$\\lambda(B) = {sp.latex(lam)}$$",
        "",
        "Values: " + ", ".join(f"$\\lambda({b}) = {float(lam.subs(B, b)):.4f}$" for b in (4, 5, 8, 16, 32, 64)) + ".",
        "",
        "## Identities",
        "",
        *_table(ids),
        "",
        r"Theorem 9 (general $\phi$) is evaluated numerically in `bnproof.meanfield.gegenbauer_rate` with orthonormal"
        r" Gegenbauer coefficients; that normalisation reproduces $(B-2)/(B-3)$ for $\phi = \mathrm{id}$ exactly and"
        r" tends to the ReLU closed form as the truncation grows (tests).",
        "",
    ]
    return "\n".join(lines)


def wei_markdown(ids: list[Identity]) -> str:
    bv = wei_bound_expr(4, "variance")
    bm = wei_bound_expr(4, "second-moment")
    lines = [
        HEADER,
        "# Wei, Stokes, Schwab (2019): mean-field BN order parameters and the FIM bound, derived",
        "",
        r"Population BN $h = \mathrm{relu}(\gamma(z - \mu)/s)$ with fixed statistics; inputs $x \sim \mathcal N(0, I)$,"
        r" so $\hat q^0 = 1$, $\hat q^0_{xy} = 0$ (the submission prints these swapped).",
        "",
        "## Identities",
        "",
        *_table(ids),
        "",
        "## Closed-form bound (FC, L = 4 layers of width N, one output, weights only, hat reading)",
        "",
        r"With the population variance $s_l^2 = q^l - q^l_{xy}$ (our reading):",
        "",
        f"$$\\textstyle\\sum_l f_l = {sp.latex(bv)}$$",
        "",
        r"With $s_l^2 = q^l$ as printed:",
        "",
        f"$$\\textstyle\\sum_l f_l = {sp.latex(bm)}$$",
        "",
        r"In the variance reading the backward factor $\gamma^2\sigma_w^2/(4 s^2)$ does not depend on $\gamma$, so"
        r" $\bar\lambda_{\max} \propto \gamma^2$ comes from $\hat q_{xy} = \gamma^2/(2\pi)$ alone; the printed reading adds a"
        r" $\gamma$-dependence through $q^l = \sigma_b^2 + \sigma_w^2\gamma^2/2$. `wei2019.order-parameters` measures which"
        r" holds (the variance reading).",
        "",
    ]
    return "\n".join(lines)


def render_yang2019() -> tuple[dict[str, str], list[str]]:
    """``derivations/yang2019.md`` and the names of the identities that fail to hold."""
    ids = yang_identities()
    return {"yang2019.md": yang_markdown(ids)}, [i.name for i in ids if not i.holds]


def render_wei2019() -> tuple[dict[str, str], list[str]]:
    """``derivations/wei2019.md`` and the names of the identities that fail to hold."""
    ids = wei_identities()
    return {"wei2019.md": wei_markdown(ids)}, [i.name for i in ids if not i.holds]
