r"""The two-layer single-filter linear CNN with BN (Cao, Zou, Li, Gu, COLT 2023), scalar symbols.

Model (reference notes §1.3; the whole definition is [recon], the pooling convention is a
named parameter here):

.. math::
    x = (x^{(1)},\dots,x^{(P)}),\quad z_{ip} = \langle w, x_i^{(p)}\rangle,\quad
    s = \|w\|_\Sigma = \sqrt{\tfrac{1}{nP}\textstyle\sum_{i,p} z_{ip}^2},

    f(w,\gamma; x_i) = \gamma\, c \textstyle\sum_p z_{ip} / s,\qquad
    c = 1/P\ (\text{average pooling}) \text{ or } 1\ (\text{sum pooling}),

    L(w,\gamma) = \tfrac1n \textstyle\sum_i \ell(y_i f(w,\gamma;x_i)).

BN statistics are pooled over the batch *and* the patches (Σ = (1/(nP)) Σ_{i,p} x_i^(p) x_i^(p)ᵀ,
as in BatchNorm2d).  Patch margins m_ip = y_i z_ip / s, sample margins μ_i = c Σ_p m_ip,
weights r_i = -ℓ'(γ μ_i), A = (1/n) Σ_i r_i μ_i.

Everything depends on w through the nP-vector z = X_s w (X_s: the nP×d stacked patches), so
∇_w L = X_sᵀ ∂L/∂z and GD closes on z with the patch Gram matrix
G_{(ip),(jq)} = ⟨x_i^(p), x_j^(q)⟩ (cost O((nP)²) per step).

As in :mod:`bnproof.symbolic.bn_linear` every formula is derived component by component on
scalar symbols with a generic loss ``ell`` and each structured form compiled by the code
generator (:mod:`bnproof.kernels.bn_cnn`) is proved equal to it by exact reduction.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import sympy as sp

from bnproof.symbolic.bn_linear import (
    LOSSES,
    Identity,
    _generic_weight,
    _vanishes,
    ell,
    gamma,
    loss_expr,
    weight_expr,
)

__all__ = [
    "POOLINGS",
    "CNNProgram",
    "pool_factor",
    "grad_z_template",
    "step_program",
    "prove_z_gradient",
    "prove_w_identities",
    "prove_margin_identities",
    "prove_linearisation",
    "patches_as_samples_control",
    "all_identities",
]

POOLINGS = ("average", "sum")

# Scalar symbols of the structured per-patch program: z (one z_ip), y (its sample's label),
# m (its patch margin), r (its sample's weight), mu (a sample margin), msum (Σ_p m_ip).
z, y, s, A, n, P, m, r, mu, msum, eta = sp.symbols("z y s A n P m r mu msum eta", real=True)


def pool_factor(pooling: str, P_: sp.Expr = P) -> sp.Expr:
    """c in f = γ c Σ_p z_ip / s: 1/P for average pooling, 1 for sum pooling."""
    if pooling == "average":
        return 1 / P_
    if pooling == "sum":
        return sp.Integer(1)
    raise ValueError(f"unknown pooling {pooling!r}; choose one of {POOLINGS}")


@dataclass(frozen=True)
class CNNProgram:
    """The structured formulas compiled by :mod:`bnproof.kernels.bn_cnn`."""

    loss: str
    pooling: str
    margin: sp.Expr  # m_ip (y, z, s)
    sample_margin: sp.Expr  # μ_i (msum, P)
    weight: sp.Expr  # r_i (gamma, mu)
    loss_term: sp.Expr  # ℓ(γ μ_i)
    grad_z: sp.Expr  # ∂L/∂z_jq (y, r, m, A, s, gamma, n, P)
    grad_gamma: sp.Expr  # ∂L/∂γ (A)


def grad_z_template(r_j, m_jq, y_j, A_, s_, n_, P_, c_):
    """The structured gradient the kernels compile: ∂L/∂z_jq = -(γ/(n s)) y_j (c r_j - (A/P) m_jq);
    P = 1, c = 1 is the linear model's form (proved by prove_z_gradient)."""
    return -(gamma / (n_ * s_)) * y_j * (c_ * r_j - (A_ / P_) * m_jq)


def step_program(loss: str, pooling: str) -> CNNProgram:
    """The structured gradient of L(z, γ) for one loss and pooling, in scalar symbols."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    c = pool_factor(pooling)
    return CNNProgram(
        loss=loss, pooling=pooling,
        margin=y * z / s,
        sample_margin=c * msum,
        weight=weight_expr(loss, gamma * mu),
        loss_term=loss_expr(loss, gamma * mu),
        grad_z=grad_z_template(r, m, y, A, s, n, P, c),
        grad_gamma=-A,
    )


def _z_model(n_: int, P_: int, ys, pooling: str, zs=None):
    """Patch pre-activations z_ip (symbols unless given), q = s², margins, loss, r, A."""
    if zs is None:
        zs = [[sp.Symbol(f"z{i + 1}{p + 1}", real=True) for p in range(P_)] for i in range(n_)]
    c = pool_factor(pooling, sp.Integer(P_))
    q = sp.expand(sum(zip_**2 for row in zs for zip_ in row) / (n_ * P_))
    s_ = sp.sqrt(q)
    ms = [[ys[i] * zs[i][p] / s_ for p in range(P_)] for i in range(n_)]
    mus = [c * sum(row) for row in ms]
    L = sum(ell(gamma * mi) for mi in mus) / n_
    rs = [_generic_weight(gamma * mi) for mi in mus]
    A_ = sum(ri * mi for ri, mi in zip(rs, mus)) / n_
    return zs, q, s_, ms, mus, L, rs, A_, c


def _patterns(n_: int):
    return itertools.product([1, -1], repeat=n_)


def prove_z_gradient(n_: int = 2, P_: int = 2) -> list[Identity]:
    """∂L/∂z_jq and ∂L/∂γ equal the structured template, generic ℓ, both poolings, all labels."""
    ok_z = ok_g = True
    for pooling in POOLINGS:
        for ys in _patterns(n_):
            zs, q, s_, ms, mus, L, rs, A_, c = _z_model(n_, P_, ys, pooling)
            for j, qq in itertools.product(range(n_), range(P_)):
                tmpl = grad_z_template(rs[j], ms[j][qq], ys[j], A_, s_, n_, P_, c)
                ok_z &= _vanishes(sp.diff(L, zs[j][qq]) - tmpl, q)
            ok_g &= _vanishes(sp.diff(L, gamma) + A_, q)
    method = (f"sympy.diff on scalar symbols z_ip (n={n_}, P={P_}), generic ℓ, average and sum pooling, "
              f"all {2**n_} label patterns; difference reduced to 0 exactly")
    return [
        Identity("cnn_grad_z",
                 r"\frac{\partial L}{\partial z_{jq}} = -\frac{\gamma}{n s}\, y_j\big(c\, r_j - \tfrac{A}{P}\, m_{jq}\big),"
                 r"\ r_j = -\ell'(\gamma\mu_j),\ A = \tfrac1n\textstyle\sum_i r_i\mu_i",
                 bool(ok_z), method),
        Identity("cnn_grad_gamma", r"\frac{\partial L}{\partial \gamma} = -A", bool(ok_g), method),
    ]


def prove_w_identities(n_: int = 2, P_: int = 2, d_: int = 2, labels=None) -> list[Identity]:
    r"""Parameter-space identities with symbolic patches x_ipk, component-wise in w_1..w_d.

    ``labels``: the label patterns to prove them for (default: all 2^n).

    * ∇_w L = Σ_{ip} x_i^(p) ∂L/∂z_ip (chain rule through z = X_s w; gives the recursion)
    * ⟨w, ∇_w L⟩ = 0 (scale invariance: ‖w_t‖ never decreases under GD)
    """
    ok_chain = ok_euler = True
    ws = [sp.Symbol(f"w{k + 1}", real=True) for k in range(d_)]
    xs = [[[sp.Symbol(f"x{i + 1}{p + 1}{k + 1}", real=True) for k in range(d_)] for p in range(P_)]
          for i in range(n_)]
    zs = [[sum(a * b for a, b in zip(xs[i][p], ws)) for p in range(P_)] for i in range(n_)]
    labels = list(_patterns(n_)) if labels is None else [tuple(ys) for ys in labels]
    for pooling in POOLINGS:
        for ys in labels:
            _, q, s_, ms, mus, L, rs, A_, c = _z_model(n_, P_, ys, pooling, zs)
            gz = {(i, p): grad_z_template(rs[i], ms[i][p], ys[i], A_, s_, n_, P_, c)
                  for i in range(n_) for p in range(P_)}
            gw = [sp.diff(L, wk) for wk in ws]
            for k in range(d_):
                chain = sum(xs[i][p][k] * gz[i, p] for i in range(n_) for p in range(P_))
                ok_chain &= _vanishes(gw[k] - chain, q)
            ok_euler &= _vanishes(sum(wk * g for wk, g in zip(ws, gw)), q)
    which = "all label patterns" if len(labels) == 2**n_ else "labels " + ", ".join(map(str, labels))
    data = f"n={n_}, P={P_}, d={d_}, symbolic x_ipk, generic ℓ, both poolings, {which}"
    return [
        Identity("cnn_chain_rule",
                 r"\nabla_w L = \textstyle\sum_{i,p} x_i^{(p)} \frac{\partial L}{\partial z_{ip}},\quad z_{ip} = \langle w, x_i^{(p)}\rangle",
                 bool(ok_chain), f"sympy.diff in w_1..w_{d_}; {data}"),
        Identity("cnn_scale_invariance", r"\langle w, \nabla_w L\rangle = 0", bool(ok_euler),
                 f"exact reduction; {data}"),
    ]


def prove_margin_identities(n_: int = 2, P_: int = 2) -> list[Identity]:
    r"""Margin identities in z_ip (all label patterns).

    * (1/(nP)) Σ_ip m_ip² = 1 for every w with s > 0
    * with m̄_i = (1/P) Σ_p m_ip: (1/n) Σ_i m̄_i² + (1/(nP)) Σ_ip (m_ip - m̄_i)² = 1, so
      min_i m̄_i ≤ 1 with equality iff every m_ip = 1 (patch-wise uniform = max-margin in ‖·‖_Σ)
    * z_ip = y_i for all i, p (a solution of the stacked system y_i⟨w, x_i^(p)⟩ = 1) gives
      s = 1, every m_ip = 1 and every sample margin μ_i = cP
    """
    ok_mean = ok_dec = ok_sol = True
    for ys in _patterns(n_):
        _, q, s_, ms, _, _, _, _, _ = _z_model(n_, P_, ys, "average")
        flat = [v for row in ms for v in row]
        ok_mean &= _vanishes(sum(v**2 for v in flat) / (n_ * P_) - 1, q)
        bars = [sum(row) / P_ for row in ms]
        within = sum((ms[i][p] - bars[i])**2 for i in range(n_) for p in range(P_)) / (n_ * P_)
        ok_dec &= _vanishes(sum(b**2 for b in bars) / n_ + within - 1, q)
        for pooling in POOLINGS:
            sol = [[sp.Integer(ys[i])] * P_ for i in range(n_)]
            _, q1, s1, m1, mu1, _, _, _, c = _z_model(n_, P_, ys, pooling, sol)
            ok_sol &= (sp.simplify(s1 - 1) == 0 and all(sp.simplify(v - 1) == 0 for row in m1 for v in row)
                       and all(sp.simplify(v - c * P_) == 0 for v in mu1))
    data = f"n={n_}, P={P_}, all label patterns"
    return [
        Identity("cnn_mean_square_margin", r"\tfrac{1}{nP}\textstyle\sum_{i,p} m_{ip}(w)^2 = 1", bool(ok_mean),
                 f"exact reduction; {data}"),
        Identity("cnn_margin_decomposition",
                 r"\tfrac1n\textstyle\sum_i \bar m_i^2 + \tfrac{1}{nP}\sum_{i,p}(m_{ip}-\bar m_i)^2 = 1,"
                 r"\ \bar m_i = \tfrac1P\sum_p m_{ip}", bool(ok_dec), f"exact reduction; {data}"),
        Identity("cnn_patchwise_solution",
                 r"y_i\langle w, x_i^{(p)}\rangle = 1\ \forall i,p \;\Rightarrow\; s = 1,\ m_{ip} = 1,\ \mu_i = cP",
                 bool(ok_sol), f"substitution z_ip = y_i and sympy.simplify; {data}, both poolings"),
    ]


def _canonical_derivatives(expr: sp.Expr) -> sp.Expr:
    """Write every derivative of ℓ as ℓ_k(point).

    SymPy spells ℓ^(k) at a point as ``Subs(Derivative(ell(u), (u, k)), u, point)`` but at a
    bare symbol as ``Derivative(ell(gamma), (gamma, k))``; map both to one opaque function per
    order so equal derivatives compare equal.
    """
    def order(der: sp.Derivative) -> int:
        return sum(cnt for _, cnt in der.variable_count)

    reps = {}
    for sub in expr.atoms(sp.Subs):
        der = sub.expr
        if isinstance(der, sp.Derivative) and der.expr.func == ell:
            reps[sub] = sp.Function(f"ell_{order(der)}")(sub.point[0])
    expr = expr.xreplace(reps)
    reps = {}
    for der in expr.atoms(sp.Derivative):
        if der.expr.func == ell and der.expr.args[0].is_Symbol:
            reps[der] = sp.Function(f"ell_{order(der)}")(der.expr.args[0])
    return expr.xreplace(reps)


def prove_linearisation(n_: int = 2, P_: int = 2, rho_coefficient: sp.Expr = 1) -> list[Identity]:
    r"""First-order expansion of the gradient bracket at the patch-wise uniform margin.

    With m_ip = 1 + ε δ_ip, Σ_ip δ_ip = 0 (mean m² = 1 to first order), γ̃ = γ c P and
    r(u) = -ℓ'(u), the bracket b_jq = c r_j - (A/P) m_jq satisfies

        d b_jq/dε |_{ε=0} = c [ r'(γ̃) γ̃ δ̄_j - r(γ̃) δ_jq ],   δ̄_j = (1/P) Σ_p δ_jp,

    i.e. b ≈ -c r(γ̃) (ρ B + I) δ with ρ = -γ̃ r'(γ̃)/r(γ̃) and B the block-averaging
    projector.  The A-term contributes nothing at first order because Σ δ = 0.
    ``rho_coefficient`` scales the δ̄ term of the claimed form (≠ 1 only in negative controls).
    """
    eps = sp.Symbol("epsilon", real=True)
    ok = True
    for pooling in POOLINGS:
        c = pool_factor(pooling, sp.Integer(P_))
        free = [sp.Symbol(f"delta{k + 1}", real=True) for k in range(n_ * P_ - 1)]
        flat = free + [-sum(free)]  # Σ δ = 0: the last deviation is fixed by the others
        ds = [flat[i * P_:(i + 1) * P_] for i in range(n_)]
        ms = [[1 + eps * v for v in row] for row in ds]
        mus = [c * sum(row) for row in ms]
        rs = [_generic_weight(gamma * mi) for mi in mus]
        A_ = sum(ri * mi for ri, mi in zip(rs, mus)) / n_
        gt = gamma * c * P_
        r0 = _generic_weight(gt)
        r1 = sp.diff(_generic_weight(gamma * c * P_ * (1 + eps)), eps).subs(eps, 0) / (gamma * c * P_)  # r'(γ̃)
        for j, qq in itertools.product(range(n_), range(P_)):
            b = c * rs[j] - (A_ / P_) * ms[j][qq]
            lin = sp.diff(b, eps).subs(eps, 0)
            dbar = sum(ds[j]) / P_
            want = c * (rho_coefficient * r1 * gt * dbar - r0 * ds[j][qq])
            ok &= sp.expand(_canonical_derivatives(lin - want)) == 0
    return [Identity(
        "cnn_linearisation",
        r"\frac{d}{d\varepsilon}\big(c\,r_j - \tfrac{A}{P} m_{jq}\big)\Big|_{m = 1+\varepsilon\delta,\ \sum\delta = 0}"
        r" = c\big(r'(\tilde\gamma)\,\tilde\gamma\,\bar\delta_j - r(\tilde\gamma)\,\delta_{jq}\big),\ \tilde\gamma = \gamma c P",
        bool(ok), f"sympy.diff in ε at ε = 0, generic ℓ, n={n_}, P={P_}, both poolings")]


def patches_as_samples_control(n_: int = 2, P_: int = 2) -> Identity:
    """Negative control: treating the nP patches as nP independent samples is not the gradient.

    That is the linear model's gradient on the stacked patches, -(γ/(nP s)) y_j (r_jq - A' m_jq)
    with per-patch weights r_jq = -ℓ'(γ m_jq); the exact reduction must reject it.  ``holds``
    is True when the wrong formula is (correctly) refuted.
    """
    ys = (1,) * n_
    zs, q, s_, ms, mus, L, _, _, _ = _z_model(n_, P_, ys, "average")
    N = n_ * P_
    rp = [[_generic_weight(gamma * v) for v in row] for row in ms]
    A2 = sum(rp[i][p] * ms[i][p] for i in range(n_) for p in range(P_)) / N
    refuted = not all(
        _vanishes(sp.diff(L, zs[j][qq]) + (gamma / (N * s_)) * ys[j] * (rp[j][qq] - A2 * ms[j][qq]), q)
        for j in range(n_) for qq in range(P_))
    return Identity("cnn_control_patches_as_samples",
                    r"\frac{\partial L}{\partial z_{jq}} \ne -\tfrac{\gamma}{nPs} y_j (r_{jq} - A' m_{jq})"
                    r"\ \text{(patches treated as samples)}",
                    refuted, f"exact reduction must reject the stacked linear-model gradient; n={n_}, P={P_}")


@functools.lru_cache(maxsize=2)
def _cached(fast: bool) -> tuple[Identity, ...]:
    out = prove_z_gradient(2, 2)
    # d = 2 with the two label patterns up to a global sign (a global sign flip is a symmetry of
    # the chain rule, which is label-blind anyway): all four patterns would cost 9 s
    out += prove_w_identities(2, 2, 1 if fast else 2, labels=((1, 1), (1, -1)))
    out += prove_margin_identities(2, 2 if fast else 3)
    out += prove_linearisation(2, 2)
    out.append(patches_as_samples_control())
    return tuple(out)


def all_identities(fast: bool = False) -> list[Identity]:
    """Every identity the CNN checks rely on (cached per process: the proofs take seconds)."""
    return list(_cached(fast))
