r"""The cancellation-free deviation form of the BN linear model (Cao, Zou, Li, Gu, COLT 2023).

Why: late in training every normalised margin m_i = y_i z_i / s is 1 + δ_i with |δ_i| tiny,
and the n-dimensional recursion of :mod:`bnproof.symbolic.bn_linear` computes δ_i = m_i - 1
by subtracting nearly equal numbers -- which is why it needs 80-250 digits.  Here the state
is rewritten so that no O(1) quantity is ever subtracted from another:

* z = X w = a·y + r with r ⊥ y (a = ⟨y, z⟩/n), so s² = a² + q, q = ‖r‖²/n;
* δ_i = m_i - 1 = (y_i r_i - q/(a + s)) / s              (a - s = -q/(a + s), exact);
* the loss weights λ_i = -ℓ'(γ m_i) = λ_0 (1 + ψ_i), λ_0 = -ℓ'(γ), with ψ_i a function of
  φ_i = expm1(-γ δ_i) that is O(δ_i) with no cancellation (exp: ψ = φ; logistic:
  ψ = φ / (1 + e^{-γ}(1 + φ)));
* in ∂L/∂z_j the O(1) terms cancel exactly, 1/s - a²/s³ = q/s³, leaving

  .. math::
      \frac{\partial L}{\partial z_j} = -\frac{\gamma\lambda_0}{n}\Big[\frac{y_j q}{s^3}
      + \frac{y_j\psi_j}{s} - \frac{a r_j}{s^3} - \frac{P z_j}{s^3}\Big],\qquad
      P = \tfrac1n\textstyle\sum_i \psi_i (a + y_i r_i),

  every term O(r) or O(ψ), computed to full relative precision; and ∂L/∂γ = -λ_0 (a + P)/s.

The engine (:mod:`bnproof.engines.deviation`) also stores r in a *scaled* representation
r = σ r̂ (σ = 2^e, r̂ = O(1)) so the gap never reaches float64 underflow; the formulas below
are therefore derived in scaled form (ψ_i = σ ψ̂_i, P = σ P̂), σ = 1 being the plain form.

Every formula is proved equal to the original structured update of
:mod:`bnproof.symbolic.bn_linear` (itself proved equal to the component-wise derivative of
L) *identically*, with scalar symbols, for every label pattern, by the exact reducer
``_vanishes``; and the weight ratios ψ(φ) are derived from ℓ by SymPy, not typed.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import sympy as sp

from bnproof.symbolic.bn_cnn import grad_z_template as cnn_template
from bnproof.symbolic.bn_cnn import pool_factor
from bnproof.symbolic.bn_linear import (
    LOSSES,
    Identity,
    _vanishes,
    gamma,
    grad_z_template,
    loss_expr,
    u,
    weight_expr,
)

__all__ = [
    "DeviationProgram",
    "deviation_program",
    "weight_ratio",
    "delta_template",
    "grad_template",
    "prove_deviation",
    "prove_weight_ratio",
    "deviation_control",
    "cnn_grad_template",
    "prove_cnn_deviation",
    "psih_plus",
    "prove_cnn_gamma_step",
    "all_identities",
]

# Scalar symbols of the per-sample deviation program (printed into the compiled kernels).
a = sp.Symbol("a", real=True)  # y-component of z: z = a y + r
s = sp.Symbol("s", positive=True)  # ‖w‖_Σ = sqrt(a² + q)
sigma = sp.Symbol("sigma", positive=True)  # scale of r: r = σ r̂
qh = sp.Symbol("qh", nonnegative=True)  # ‖r̂‖²/n, so q = σ² q̂
apl = sp.Symbol("apl", positive=True)  # a + s, computed without cancellation by the engine
yj = sp.Symbol("y", real=True)  # label y_j ∈ {±1}
rh = sp.Symbol("rh", real=True)  # r̂_j
dh = sp.Symbol("dh", real=True)  # δ̂_j = δ_j/σ
phih = sp.Symbol("phih", real=True)  # φ̂_j = φ_j/σ
psih = sp.Symbol("psih", real=True)  # ψ̂_j = ψ_j/σ
Ph = sp.Symbol("Ph", real=True)  # P̂ = P/σ
lam0 = sp.Symbol("lam0", positive=True)  # λ_0 = -ℓ'(γ)
E = sp.Symbol("E", positive=True)  # e^{-γ}
phi = sp.Symbol("phi", real=True)  # φ = expm1(-γ δ)
D = sp.Symbol("D", real=True)  # γ δ
eta = sp.Symbol("eta", positive=True)
n = sp.Symbol("n", positive=True, integer=True)


def weight_ratio(loss: str) -> sp.Expr:
    r"""ψ(φ, E) with λ(γ(1+δ)) = λ(γ)(1 + ψ), φ = e^{-γδ} - 1, E = e^{-γ}, derived from ℓ.

    λ = -ℓ' from :func:`bn_linear.weight_expr`; e^{γ+γδ} is split into e^γ·e^{γδ} and the two
    exponentials replaced by 1/E and 1/(1+φ); the rational function is then factored.
    """
    lam = weight_expr(loss, u)
    ratio = lam.subs(u, gamma + D) / lam.subs(u, gamma) - 1
    ratio = sp.expand_power_exp(sp.expand(ratio, power_exp=True, mul=False, multinomial=False))
    ratio = ratio.xreplace({sp.exp(gamma): 1 / E, sp.exp(-gamma): E, sp.exp(D): 1 / (1 + phi),
                            sp.exp(-D): 1 + phi})
    ratio = sp.factor(sp.together(ratio))
    if ratio.has(gamma) or ratio.has(D):
        raise ValueError(f"{loss}: weight ratio did not reduce to a function of φ and E: {ratio}")
    return ratio


def delta_template(y_, rh_, sigma_=sigma, qh_=qh, apl_=apl, s_=s) -> sp.Expr:
    """δ̂_j = δ_j/σ = (y_j r̂_j - σ q̂/(a+s))/s."""
    return (y_ * rh_ - sigma_ * qh_ / apl_) / s_


def grad_template(y_, rh_, psih_, Ph_, a_=a, sigma_=sigma, qh_=qh, s_=s) -> sp.Expr:
    r"""h_j with ∂L/∂z_j = -(γλ_0/n)·σ·h_j: the O(1) terms already cancelled (1/s - a²/s³ = q/s³)."""
    return (y_ * sigma_ * qh_ / s_**3 + y_ * psih_ / s_ - a_ * rh_ / s_**3
            - Ph_ * (a_ * y_ + sigma_ * rh_) / s_**3)


def _p_term(y_, rh_, psih_, a_=a, sigma_=sigma) -> sp.Expr:
    """Summand of P̂ = (1/n) Σ_i ψ̂_i (a + σ y_i r̂_i)."""
    return psih_ * (a_ + sigma_ * y_ * rh_)


@dataclass(frozen=True)
class DeviationProgram:
    """Per-sample formulas of the scaled deviation step, printed into the engine's kernels.

    Kernel variables: ``a``, ``s``, ``sigma``, ``qh``, ``apl`` (= a + s), ``y``, ``rh``,
    ``gamma``, ``E`` = e^{-γ}, ``lam0`` = -ℓ'(γ); per sample ``dh`` = δ̂, ``phih`` = φ̂
    (computed by the engine as x̂·expm1(σx̂)/(σx̂), x̂ = -γδ̂), ``psih`` = ψ̂, ``Ph`` = P̂.
    """

    loss: str
    lam0: sp.Expr  # λ_0(γ)
    delta: sp.Expr  # δ̂
    psi: sp.Expr  # ψ̂(φ̂, E, σ)
    p_term: sp.Expr  # summand of P̂
    h: sp.Expr  # h_j (∂L/∂z_j = -(γλ_0/n) σ h_j)
    dgamma: sp.Expr  # γ_{t+1} - γ_t = -η ∂L/∂γ
    loss_term: sp.Expr  # ℓ(γ m_j) in (γ, σ, δ̂, φ̂)


@functools.lru_cache(maxsize=None)
def deviation_program(loss: str) -> DeviationProgram:
    """The scaled deviation program for ``loss`` (``exp`` or ``logistic``)."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    psi = sp.factor(weight_ratio(loss).subs(phi, sigma * phih) / sigma)
    lt = (E * (1 + sigma * phih) if loss == "exp"
          else sp.log(1 + sp.exp(-gamma * (1 + sigma * dh))))
    return DeviationProgram(
        loss=loss,
        lam0=weight_expr(loss, gamma),
        delta=delta_template(yj, rh),
        psi=psi,
        p_term=_p_term(yj, rh, psih),
        h=grad_template(yj, rh, psih, Ph),
        dgamma=eta * lam0 * (a + sigma * Ph) / s,
        loss_term=lt,
    )


# --- proofs ------------------------------------------------------------------------------


def _instance(ys):
    """Symbols for one label pattern: r̂ ⊥ y built in (r̂_n = -y_n Σ_{i<n} y_i r̂_i)."""
    n_ = len(ys)
    free = sp.symbols(f"rh1:{n_}", real=True)
    last = -ys[-1] * sum(yi * ri for yi, ri in zip(ys[:-1], free))
    rhs = list(free) + [last]
    zs = [a * yi + sigma * ri for yi, ri in zip(ys, rhs)]
    q_orig = sum(zi**2 for zi in zs) / n_  # the original s² = mean z²
    return rhs, zs, q_orig


def prove_deviation(n_: int = 3) -> list[Identity]:
    r"""Prove the scaled deviation formulas equal the original update, for every label pattern.

    Original: s = sqrt(mean z²), m_j = y_j z_j/s, ∂L/∂z_j = -(γ/(ns)) y_j (λ_j - A m_j),
    A = mean(λ m), ∂L/∂γ = -A (bn_linear's proved template), with *generic* weights
    λ_i = λ_0(1 + σψ̂_i) (ψ̂_i free symbols).  Rewritten: z = a y + σ r̂, r̂ ⊥ y, q̂ = ‖r̂‖²/n,
    a + s for ``apl``.  Every difference is reduced to 0 exactly modulo s² = mean z².
    """
    ok = {k: True for k in ("s2", "delta", "mean_delta", "grad", "grad_gamma", "cancel")}
    for ys in itertools.product([1, -1], repeat=n_):
        rhs, zs, q_orig = _instance(ys)
        s_ = sp.sqrt(q_orig)
        qh_ = sum(ri**2 for ri in rhs) / n_
        ok["s2"] &= sp.expand(q_orig - (a**2 + sigma**2 * qh_)) == 0
        ms = [yi * zi / s_ for yi, zi in zip(ys, zs)]
        dev = [delta_template(yi, ri, sigma, qh_, a + s_, s_) for yi, ri in zip(ys, rhs)]
        ok["delta"] &= all(_vanishes(sigma * dv - (mi - 1), q_orig) for dv, mi in zip(dev, ms))
        ok["mean_delta"] &= _vanishes(sigma * sum(dev) / n_ + sigma**2 * qh_ / (s_ * (a + s_)), q_orig)
        psis = sp.symbols(f"psih1:{n_ + 1}", real=True)
        lams = [lam0 * (1 + sigma * p) for p in psis]
        A_ = sum(li * mi for li, mi in zip(lams, ms)) / n_
        Ph_ = sum(_p_term(yi, ri, p) for yi, ri, p in zip(ys, rhs, psis)) / n_
        for j in range(n_):
            orig = grad_z_template(lams[j], ms[j], ys[j], A_, s_, n_)
            new = -(gamma * lam0 / n_) * sigma * grad_template(ys[j], rhs[j], psis[j], Ph_, a, sigma, qh_, s_)
            ok["grad"] &= _vanishes(orig - new, q_orig)
        ok["grad_gamma"] &= _vanishes(-A_ + lam0 * (a + sigma * Ph_) / s_, q_orig)
        # the leading terms: y_j/s - A⁰ z_j/s² with A⁰ = a/s (all ψ = 0) has y-part 1/s - a²/s³
        ok["cancel"] &= _vanishes(1 / s_ - a**2 / s_**3 - sigma**2 * qh_ / s_**3, q_orig)
    how = (f"exact reduction modulo s² = mean z², scalar symbols, n={n_}, all {2**n_} label patterns, "
           "r ⊥ y built in, generic weights λ_i = λ_0(1+ψ_i)")
    return [
        Identity("dev_s2", r"s^2 = a^2 + q,\quad q = \tfrac1n\|r\|^2\quad (z = a y + r,\ r\perp y)",
                 bool(ok["s2"]), how),
        Identity("dev_delta", r"m_i - 1 = \delta_i = \frac{y_i r_i - q/(a+s)}{s}", bool(ok["delta"]), how),
        Identity("dev_mean_delta", r"\tfrac1n\textstyle\sum_i \delta_i = -\frac{q}{s(a+s)}",
                 bool(ok["mean_delta"]), how),
        Identity("dev_leading_cancellation", r"\frac1s - \frac{a^2}{s^3} = \frac{q}{s^3}",
                 bool(ok["cancel"]), how),
        Identity("dev_grad_z",
                 r"\frac{\partial L}{\partial z_j} = -\frac{\gamma\lambda_0}{n}\Big[\frac{y_j q}{s^3}"
                 r" + \frac{y_j\psi_j}{s} - \frac{a r_j}{s^3} - \frac{P z_j}{s^3}\Big],"
                 r"\ P = \tfrac1n\textstyle\sum_i\psi_i(a + y_i r_i)",
                 bool(ok["grad"]), how),
        Identity("dev_grad_gamma", r"\frac{\partial L}{\partial\gamma} = -\lambda_0\frac{a + P}{s}",
                 bool(ok["grad_gamma"]), how),
    ]


def prove_weight_ratio() -> list[Identity]:
    """λ(γ(1+δ)) = λ(γ)(1 + ψ(φ, E)) with φ = e^{-γδ} - 1, E = e^{-γ}: exact, per loss."""
    out = []
    for loss in LOSSES:
        lam = weight_expr(loss, u)
        psi = weight_ratio(loss)
        d = sp.Symbol("delta", real=True)
        lhs = lam.subs(u, gamma * (1 + d))
        rhs = lam.subs(u, gamma) * (1 + psi.subs({phi: sp.exp(-gamma * d) - 1, E: sp.exp(-gamma)}))
        holds = sp.simplify(sp.expand(lhs - rhs, power_exp=True)) == 0
        out.append(Identity(f"dev_weight_ratio_{loss}",
                            rf"\lambda(\gamma(1+\delta)) = \lambda(\gamma)\,(1 + \psi),\ \psi = {sp.latex(psi)}",
                            bool(holds), f"SymPy from ℓ = {sp.latex(loss_expr(loss, u))}, "
                                         "φ = expm1(-γδ), E = e^{-γ}; sympy.simplify of the difference"))
    return out


def deviation_control(n_: int = 2) -> Identity:
    """Negative control: dropping the exactly-cancelled term y_j q/s³ must be rejected.

    ``holds`` is True when the truncated gradient is (correctly) refuted.
    """
    ys = (1,) * n_
    rhs, zs, q_orig = _instance(ys)
    s_ = sp.sqrt(q_orig)
    qh_ = sum(ri**2 for ri in rhs) / n_
    ms = [zi / s_ for zi in zs]
    psis = sp.symbols(f"psih1:{n_ + 1}", real=True)
    lams = [lam0 * (1 + sigma * p) for p in psis]
    A_ = sum(li * mi for li, mi in zip(lams, ms)) / n_
    Ph_ = sum(_p_term(yi, ri, p) for yi, ri, p in zip(ys, rhs, psis)) / n_
    orig = grad_z_template(lams[0], ms[0], ys[0], A_, s_, n_)
    wrong = -(gamma * lam0 / n_) * sigma * (grad_template(ys[0], rhs[0], psis[0], Ph_, a, sigma, qh_, s_)
                                             - ys[0] * sigma * qh_ / s_**3)
    return Identity("dev_control_dropped_q_term",
                    r"\text{dropping } y_j q/s^3 \text{ is rejected}",
                    not _vanishes(orig - wrong, q_orig), f"exact reduction must reject it; n={n_}")


# --- the two-layer linear CNN (patch-wise margins, bnproof.symbolic.bn_cnn) ---------------------


def cnn_grad_template(y_, psih_j, dh_jq, Psih, c_, s_, n_, sigma_=sigma) -> sp.Expr:
    r"""Deviation form of the CNN gradient (∂L/∂z_jq = this), every term O(δ):

    -(γ c λ_0/(n s)) y_j σ [ψ̂_j - δ̂_jq - Ψ̂ (1 + σ δ̂_jq)],  Ψ̂ = (1/n) Σ_i (ψ̂_i + δ̄̂_i + σ ψ̂_i δ̄̂_i),

    with δ̂_jq = (y_j r̂_jq - σq̂/(a+s))/s the patch deviations, δ̄̂_i their mean over patches,
    λ_i = λ_0(1 + σψ̂_i), λ_0 = -ℓ'(γcP) (the sample margin is cP(1 + σδ̄̂_i)).
    """
    return -(gamma * c_ * lam0 / (n_ * s_)) * y_ * sigma_ * (psih_j - dh_jq - Psih * (1 + sigma_ * dh_jq))


def prove_cnn_deviation(n_: int = 2, P_: int = 2, pooling: str = "average") -> list[Identity]:
    """The CNN deviation form equals bn_cnn's proved gradient template, for every label pattern.

    z_ip = a y_i + σ r̂_ip with r̂ ⊥ ỹ (ỹ_ip = y_i) built in; generic weights λ_i = λ_0(1+σψ̂_i);
    exact reduction modulo s² = mean z².  Also: the control with Ψ̂'s δ̄ term dropped is rejected.
    """
    c_ = pool_factor(pooling, sp.Integer(P_))
    ok = ok_ctrl = True
    for ys in itertools.product([1, -1], repeat=n_):
        yt = [ys[i] for i in range(n_) for _ in range(P_)]
        rhs, zs, q_orig = _instance(yt)
        s_ = sp.sqrt(q_orig)
        N = n_ * P_
        qh_ = sum(ri**2 for ri in rhs) / N
        dev = [delta_template(yi, ri, sigma, qh_, a + s_, s_) for yi, ri in zip(yt, rhs)]
        dbar = [sum(dev[i * P_:(i + 1) * P_]) / P_ for i in range(n_)]
        psis = sp.symbols(f"psih1:{n_ + 1}", real=True)
        lams = [lam0 * (1 + sigma * p) for p in psis]
        ms = [yi * zi / s_ for yi, zi in zip(yt, zs)]
        mus = [c_ * sum(ms[i * P_:(i + 1) * P_]) for i in range(n_)]
        A_ = sum(li * mi for li, mi in zip(lams, mus)) / n_
        Psih = sum(p + d + sigma * p * d for p, d in zip(psis, dbar)) / n_
        wrong_Psih = sum(p + sigma * p * d for p, d in zip(psis, dbar)) / n_
        for j in range(n_):
            for qq in range(P_):
                k = j * P_ + qq
                orig = cnn_template(lams[j], ms[k], ys[j], A_, s_, n_, sp.Integer(P_), c_)
                ok &= _vanishes(orig - cnn_grad_template(ys[j], psis[j], dev[k], Psih, c_, s_, n_), q_orig)
                if j == 0 and qq == 0:
                    ok_ctrl &= not _vanishes(orig - cnn_grad_template(ys[j], psis[j], dev[k], wrong_Psih, c_, s_, n_),
                                             q_orig)
    how = (f"exact reduction against bn_cnn's template, n={n_}, P={P_}, {pooling} pooling, all {2**n_} label "
           "patterns, r ⊥ ỹ built in, generic weights")
    return [
        Identity("dev_cnn_grad_z",
                 r"\frac{\partial L}{\partial z_{jq}} = -\frac{\gamma c\lambda_0}{n s}\,y_j"
                 r"\big[\psi_j - \delta_{jq} - \Psi(1+\delta_{jq})\big],\ "
                 r"\Psi = \tfrac1n\textstyle\sum_i(\psi_i + \bar\delta_i + \psi_i\bar\delta_i)",
                 bool(ok), how),
        Identity("dev_cnn_control_dropped_mean_delta", r"\text{dropping } \bar\delta_i \text{ from } \Psi"
                 r" \text{ is rejected}", bool(ok_ctrl), how),
    ]


def psih_plus(psih_, dbh_, sigma_=sigma) -> sp.Expr:
    """Summand of Ψ̂ = (1/n) Σ_i (ψ̂_i + δ̄̂_i + σψ̂_i δ̄̂_i) (as in ``cnn_grad_template``)."""
    return psih_ + dbh_ + sigma_ * psih_ * dbh_


def prove_cnn_gamma_step(n_: int = 3) -> Identity:
    r"""A = (1/n) Σ_i λ_i μ_i equals λ_0 cP (1 + σΨ̂), with λ_i = λ_0(1+σψ̂_i), μ_i = cP(1+σδ̄̂_i).

    So ∂L/∂γ = -A in the CNN deviation form.  Exact polynomial identity in generic symbols
    ψ̂_i, δ̄̂_i (so for every loss and pooling).
    """
    cP = sp.Symbol("cP", positive=True)
    ps = sp.symbols(f"psih1:{n_ + 1}", real=True)
    ds = sp.symbols(f"dbh1:{n_ + 1}", real=True)
    A_ = sum(lam0 * (1 + sigma * p) * cP * (1 + sigma * d) for p, d in zip(ps, ds)) / n_
    Psi_ = sum(psih_plus(p, d) for p, d in zip(ps, ds)) / n_
    holds = sp.expand(A_ - lam0 * cP * (1 + sigma * Psi_)) == 0
    return Identity("dev_cnn_grad_gamma", r"\frac{\partial L}{\partial\gamma} = -\lambda_0 cP\,(1 + \Psi)",
                    holds=bool(holds), method=f"sympy.expand, generic ψ̂_i, δ̄̂_i, n={n_}")


@functools.lru_cache(maxsize=None)
def _all_identities(n_: int) -> tuple[Identity, ...]:
    return tuple(prove_deviation(n_) + prove_weight_ratio() + [deviation_control()] + prove_cnn_deviation()
                 + [prove_cnn_gamma_step(n_)])


def all_identities(fast: bool = False) -> list[Identity]:
    """Every identity the deviation engine relies on (cached per process)."""
    return list(_all_identities(2 if fast else 3))
