r"""Mean-field BN: arc-cosine kernels, order-parameter recursions, BSB1 fixed point, explosion rates.

Numbers only (NumPy / mpmath); the formulas are derived and checked symbolically in
:mod:`bnproof.symbolic.meanfield`, whose identities assert that the expressions evaluated here
are the SymPy-derived ones (tests compare them at many points).

Papers:
* Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz. A Mean Field Theory of Batch
  Normalization. ICLR 2019 -- BSB1 fixed point, gradient-explosion rate λ(B).
* Wei, Stokes, Schwab. Mean-field Analysis of Batch Normalization. arXiv 1903.02606 (2019) --
  order parameters q, q̂, q_xy, q̂_xy, q̃, q̃_xy and the lower bound Σ_l f_l on λ_max of the FIM.

Convention for the ReLU kernel: J(c) = (√(1-c²) + (π - arccos c)c)/π, normalised so J(1) = 1;
E[relu(u)relu(v)] = √(q₁q₂)/2 · J(c) for a centred Gaussian pair with variances q₁, q₂ and
correlation c.  E[relu'(u)relu'(v)] = (π - arccos c)/(2π) = J'(c)/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
from scipy.special import eval_gegenbauer, roots_gegenbauer

__all__ = [
    "J", "J_prime", "relu_kernel", "relu_deriv_kernel",
    "bsb1_q_star", "bsb1_c_star", "relu_rate", "linear_rate", "RATE_LIMIT",
    "gegenbauer_rate", "WeiOrder", "wei_order_parameters", "wei_fim_bound", "FIM_READINGS", "VARIANCE_READINGS",
]

RATE_LIMIT = math.pi / (math.pi - 1)  # lim_{B→∞} λ(B) for ReLU (Yang et al. 2019)


# --------------------------------------------------------------------------- arc-cosine kernels


def J(c: float) -> float:
    """Normalised arc-cosine kernel of ReLU, J(1) = 1."""
    c = min(1.0, max(-1.0, float(c)))
    return (math.sqrt(1.0 - c * c) + (math.pi - math.acos(c)) * c) / math.pi


def J_prime(c: float) -> float:
    """dJ/dc = (π - arccos c)/π."""
    c = min(1.0, max(-1.0, float(c)))
    return (math.pi - math.acos(c)) / math.pi


def relu_kernel(q1: float, q2: float, q12: float) -> float:
    """E[relu(u) relu(v)] for (u, v) ~ N(0, [[q1, q12], [q12, q2]])."""
    if q1 <= 0 or q2 <= 0:
        return 0.0
    s = math.sqrt(q1 * q2)
    return s / 2.0 * J(q12 / s)


def relu_deriv_kernel(c: float) -> float:
    """E[relu'(u) relu'(v)] = (π/2 + arcsin c)/(2π) for correlation c."""
    return J_prime(c) / 2.0


# --------------------------------------------------------------------------- Yang et al. 2019


def bsb1_q_star(B: int) -> float:
    """q* = ((B-1)/(2√π)) Γ(3/2)Γ((B-1)/2)/Γ((B+1)/2) (Yang et al., ReLU), = 1/2 for every B."""
    with mpmath.workdps(30):
        v = (B - 1) / (2 * mpmath.sqrt(mpmath.pi)) * mpmath.gamma(1.5) * mpmath.gamma((B - 1) / 2.0) \
            / mpmath.gamma((B + 1) / 2.0)
        return float(v)


def bsb1_c_star(B: int) -> float:
    """c* = J(-1/(B-1)) (Yang et al., ReLU)."""
    return J(-1.0 / (B - 1))


def relu_rate(B: int) -> float:
    """λ_G↓(B) = (J'(c) + (B-1)J(1)) / ((B-3)(J(1) - J(c))) - 1/(B-3), c = -1/(B-1) (B ≥ 4).

    Per-layer growth of the squared gradient norm for a ReLU BN network (Yang et al., submission
    Thm 8 with α = 1); decreases in B towards π/(π-1).
    """
    c = -1.0 / (B - 1)
    return (J_prime(c) + (B - 1)) / ((B - 3) * (1.0 - J(c))) - 1.0 / (B - 3)


def linear_rate(B: int) -> float:
    """(B-2)/(B-3): the explosion rate for φ = id, the minimum over all non-constant φ."""
    return (B - 2) / (B - 3)


def gegenbauer_rate(phi, B: int, kmax: int = 24, nodes: int = 4000) -> dict:
    r"""Yang et al. Thm 9: λ = Σ_k k(B-3+k)/(B-3) c_k a_k² / Σ_k c_k a_k² (normalised a_k).

    φ(√(B-1) t) = Σ_k a_k C_k^{(α)}(t) / ‖C_k‖, α = (B-3)/2, on [-1, 1] with weight (1-t²)^{α-1/2}
    (the law of one coordinate of √B·Gh/‖Gh‖ scaled by 1/√(B-1));
    c_k = 1 - (-1)^k ₂F₁(-k, B-3+k; B/2-1; (B-2)/(2(B-1))) (a terminating series: mpmath).
    The a_k are taken in the orthonormal basis (a_k² = ⟨φ, C_k⟩²/‖C_k‖²); tests confirm this
    normalisation reproduces the ReLU closed form and (B-2)/(B-3) for φ = id.  Inner products by
    Gauss-Gegenbauer quadrature with ``nodes`` nodes (SciPy); ``phi`` is a NumPy ufunc-like map.
    Returns {"rate", "kmax", "tail"}, tail = share of Σ c_k a_k² in the last 4 terms (truncation).
    """
    if B < 4:
        raise ValueError("B >= 4")
    alpha = (B - 3) / 2.0
    t, wq = roots_gegenbauer(nodes, alpha)
    f = np.asarray(phi(np.sqrt(B - 1.0) * t), dtype=float)
    num = den = 0.0
    terms = []
    for k in range(1, kmax + 1):
        Ck = eval_gegenbauer(k, alpha, t)
        a2 = float(np.dot(wq, f * Ck)) ** 2 / float(np.dot(wq, Ck * Ck))
        with mpmath.workdps(30):
            ck = float(1 - (-1) ** k * mpmath.hyp2f1(-k, B - 3 + k, mpmath.mpf(B) / 2 - 1,
                                                     mpmath.mpf(B - 2) / (2 * (B - 1))))
        terms.append(ck * a2)
        num += k * (B - 3 + k) / (B - 3) * ck * a2
        den += ck * a2
    total = float(np.dot(wq, (f - np.dot(wq, f) / wq.sum()) ** 2))  # ‖φ - mean φ‖², the non-constant part
    if total <= 1e-24 * max(1.0, float(np.dot(wq, f * f))):
        return {"rate": None, "kmax": kmax, "tail": None}
    return {"rate": num / den, "kmax": kmax, "tail": float(sum(terms[-4:]) / den)}


# --------------------------------------------------------------------------- Wei et al. 2019

VARIANCE_READINGS = ("variance", "second-moment")
"""How the population BN scale s_l² enters the backward recursion: ``variance`` (the population
variance of z, = q^l - q^l_xy in mean field: our derivation) or ``second-moment`` (q^l, as the
recursions are printed in the submission)."""

FIM_READINGS = ("hat", "tilde")
"""The fully connected f_l: ``hat`` = N_{l-1} q̂_xy^{l-1} q̃_xy^l (corrected, by analogy with the
conv formula and Karakida's κ₂); ``tilde`` = N_{l-1} q̃_xy^{l-1} q̃_xy^l (as printed)."""


@dataclass(frozen=True)
class WeiOrder:
    """Order parameters by layer.  Index l = 0..L: l = 0 is the input (only q̂, q̂_xy are set),
    hidden layers 1..L-1 (BN + ReLU when ``bn``), layer L the linear readout (q^L, q^L_xy; q̃^L = 1)."""

    q: list[float]
    q_xy: list[float]
    qhat: list[float]
    qhat_xy: list[float]
    qtil: list[float]
    qtil_xy: list[float]
    s2: list[float] = field(default_factory=list)  # the BN scale used in the backward recursion


def wei_order_parameters(L: int, sigma_w2: float, sigma_b2: float, gamma: float, bn: bool,
                         variance: str = "variance", qhat0: float = 1.0, qhat0_xy: float = 0.0) -> WeiOrder:
    """Forward and backward order parameters of Wei et al. (2019) §3 for an L-layer FC net.

    Forward: q^l = σ_b² + σ_w² q̂^{l-1}, q^l_xy = σ_b² + σ_w² q̂^{l-1}_xy; without BN
    q̂^l = q^l/2, q̂^l_xy = relu_kernel(q^l, q^l, q^l_xy); with population BN q̂^l = γ²/2,
    q̂^l_xy = γ²/(2π).  Base cases q̂⁰ = 1, q̂⁰_xy = 0 (zero-mean unit-variance data; the
    submission prints them swapped).
    Backward (no gradient through the BN statistics): q̃^L = q̃^L_xy = 1; without BN
    q̃^l = (σ_w²/2) q̃^{l+1}, q̃^l_xy = σ_w² E[relu'relu'](c^l) q̃^{l+1}_xy; with BN
    q̃^l = (γ²σ_w²/2) q̃^{l+1}/s_l², q̃^l_xy = (γ²σ_w²/4) q̃^{l+1}_xy/s_l², s_l² per ``variance``.
    """
    if variance not in VARIANCE_READINGS:
        raise ValueError(variance)
    q = [math.nan] * (L + 1)
    qx = [math.nan] * (L + 1)
    qh = [math.nan] * (L + 1)
    qhx = [math.nan] * (L + 1)
    s2 = [math.nan] * (L + 1)
    qh[0], qhx[0] = qhat0, qhat0_xy
    for l in range(1, L + 1):
        q[l] = sigma_b2 + sigma_w2 * qh[l - 1]
        qx[l] = sigma_b2 + sigma_w2 * qhx[l - 1]
        if l == L:
            break
        if bn:
            qh[l], qhx[l] = gamma ** 2 / 2, gamma ** 2 / (2 * math.pi)
            s2[l] = q[l] - qx[l] if variance == "variance" else q[l]
        else:
            qh[l], qhx[l] = q[l] / 2, relu_kernel(q[l], q[l], qx[l])
    qt = [math.nan] * (L + 1)
    qtx = [math.nan] * (L + 1)
    qt[L] = qtx[L] = 1.0
    for l in range(L - 1, 0, -1):
        if bn:
            qt[l] = gamma ** 2 * sigma_w2 / 2 * qt[l + 1] / s2[l]
            qtx[l] = gamma ** 2 * sigma_w2 / 4 * qtx[l + 1] / s2[l]
        else:
            c = qx[l] / q[l]
            qt[l] = sigma_w2 / 2 * qt[l + 1]
            qtx[l] = sigma_w2 * relu_deriv_kernel(c) * qtx[l + 1]
    return WeiOrder(q, qx, qh, qhx, qt, qtx, s2)


def wei_fim_bound(order: WeiOrder, widths: list[int], reading: str = "hat", biases: bool = True) -> dict:
    """Σ_l f_l (Wei et al. Claim 3.1, FC), l = 1..L; widths[l] = N_l (widths[0] = input dim).

    ``hat``: f_l = N_{l-1} q̂_xy^{l-1} q̃_xy^l; ``tilde``: f_l = N_{l-1} q̃_xy^{l-1} q̃_xy^l
    (q̃_xy^0 taken from the backward recursion one step further, with the input treated like a
    hidden layer without BN: undefined, so l = 1 is skipped in that reading).  With ``biases``
    the bias gradients add q̃_xy^l per layer (the '+1' of the h·h term).
    """
    if reading not in FIM_READINGS:
        raise ValueError(reading)
    L = len(order.q) - 1
    terms = []
    for l in range(1, L + 1):
        if reading == "hat":
            f = widths[l - 1] * order.qhat_xy[l - 1] * order.qtil_xy[l]
        else:
            f = 0.0 if l == 1 else widths[l - 1] * order.qtil_xy[l - 1] * order.qtil_xy[l]
        if biases:
            f += order.qtil_xy[l]
        terms.append(f)
    return {"terms": terms, "bound": float(sum(terms))}
