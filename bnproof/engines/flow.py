r"""Gradient flow of the BN linear model in log-time, on the deviation form, to t = 10³⁰.

The flow limit of GD (Cao, Zou, Li, Gu, COLT 2023; GD step k ↔ flow time t = ηk) is

    ż = -G ∂L/∂z = (γλ_0/n)·σ·G h,     γ̇ = -∂L/∂γ = λ_0 (a + σP̂)/s,

with h, P̂, λ_0 the deviation-form quantities of :mod:`bnproof.symbolic.deviation`
(z = a y + r, r ⊥ y).  To reach t = 10³⁰, where the gap is about 10^(-20000), the state is
written with r = e^ρ û (|û| constant, ρ = log-scale of r, unbounded below) and the time as
τ = log t, so every component is O(1) except ρ, which changes smoothly:

    d/dτ = t·d/dt,  v = (γλ_0/n)(G h - ⟨y, G h⟩ y/n),
    ρ' = t ⟨û, v⟩/|û|²,  û' = t v - ρ' û,  a' = t e^ρ (γλ_0/n)⟨y, G h⟩/n,  γ' = t λ_0 (a + e^ρ P̂)/s,

with t·λ_0 = e^{τ-γ} (exp) or e^{τ-γ}/(1 + e^{-γ}) (logistic) to avoid overflow.  The system
is stiff late (rates ∝ γ² ≈ τ²), so SciPy's ``solve_ivp`` with an implicit method (Radau)
integrates it; the flow is started in plain time on [0, 1] and continued in τ.

The gap is exp(ρ)·max|δ̂_i|, so ``log_gap = ρ + log max|δ̂_i|`` never underflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from bnproof.engines.scaled_state import exprel
from bnproof.symbolic import deviation as dv

__all__ = ["FlowResult", "flow", "flow_rhs"]


@dataclass(frozen=True)
class FlowResult:
    """Flow observables at the requested times (t = flow time = η × GD steps)."""

    t: np.ndarray
    log_gap: np.ndarray  # natural log of max_i |m_i - 1|
    gamma: np.ndarray
    s: np.ndarray
    nfev: int
    method: str
    rtol: float

    @property
    def log10_gap(self) -> np.ndarray:
        return self.log_gap / math.log(10)


_FN_CACHE: dict[str, tuple] = {}


def _fns(loss: str):
    if loss not in _FN_CACHE:
        prog = dv.deviation_program(loss)
        args = (dv.yj, dv.rh, dv.psih, dv.a, dv.s, dv.sigma, dv.qh, dv.apl, dv.gamma, dv.E, dv.Ph, dv.phih)
        mk = lambda e: sp.lambdify(args, e, modules="numpy")  # noqa: E731
        _FN_CACHE[loss] = (mk(prog.delta), mk(prog.psi), mk(prog.p_term), mk(prog.h))
    return _FN_CACHE[loss]


def _pieces(G, y, loss, a, gamma, rho, u):
    """δ̂, h and P̂ at a state (σ = e^ρ, r̂ = û)."""
    f_delta, f_psi, f_p, f_h = _fns(loss)
    n = y.shape[0]
    sigma = math.exp(rho) if rho > -745 else 0.0
    qh = float(u @ u) / n
    q = sigma * sigma * qh
    s = math.sqrt(a * a + q)
    apl = a + s if a >= 0 else q / (s - a)
    kw = dict(y=y, rh=u, a=a, s=s, sigma=sigma, qh=qh, apl=apl, gamma=gamma, E=math.exp(-gamma),
              psih=0.0, Ph=0.0, phih=0.0)
    dh = f_delta(**kw)
    xh = -gamma * dh
    kw["phih"] = xh * exprel(sigma * xh)
    kw["psih"] = f_psi(**kw) * np.ones(n)
    kw["Ph"] = float(np.mean(f_p(**kw)))
    return dh, f_h(**kw), kw["Ph"], s, sigma


def _t_lam0(loss: str, tau: float, gamma: float) -> float:
    """t·λ_0(γ) with t = e^τ, without overflow."""
    if loss == "exp":
        return math.exp(tau - gamma)
    return math.exp(tau - gamma) / (1.0 + math.exp(-gamma)) if gamma > -700 else math.exp(tau)


def flow_rhs(G: np.ndarray, y: np.ndarray, loss: str, log_time: bool):
    """Right-hand side f(τ or t, Y), Y = [a, γ, ρ, û_1..û_n]."""
    n = y.shape[0]

    def rhs(time_, Y):
        a, gamma, rho = Y[0], Y[1], Y[2]
        # only û's part in y⊥ is state: its y-component is a gauge, ignored and frozen (d/dτ = 0).
        # (If it were evolved, the rescaling term -ρ'û would amplify its rounding like e^{-ρ}.)
        u = _perp(Y[3:], y)
        _, h, Ph, s, sigma = _pieces(G, y, loss, a, gamma, rho, u)
        tl = _t_lam0(loss, time_, gamma) if log_time else (1.0 / (1.0 + math.exp(gamma)) if loss == "logistic"
                                                           else math.exp(-gamma))
        Gh = G @ h
        yGh = float(y @ Gh) / n
        v = (gamma * tl / n) * (Gh - yGh * y)
        drho = float(u @ v) / float(u @ u)
        out = np.empty_like(Y)
        out[0] = sigma * (gamma * tl / n) * yGh
        out[1] = tl * (a + sigma * Ph) / s
        out[2] = drho
        out[3:] = v - drho * u
        return out
    return rhs


def _perp(u: np.ndarray, y: np.ndarray) -> np.ndarray:
    return u - (float(y @ u) / y.shape[0]) * y


def _observe(G, y, loss, Y):
    a, gamma, rho, u = Y[0], Y[1], Y[2], _perp(Y[3:], y)
    dh, _, _, s, _ = _pieces(G, y, loss, a, gamma, rho, u)
    if gamma >= 0:
        return rho + math.log(float(np.max(np.abs(dh)))), gamma, s
    return math.log(float(np.max(np.abs(2 + math.exp(rho) * dh)))), gamma, s


def flow(G: np.ndarray, y: np.ndarray, z0: np.ndarray, *, loss: str = "exp", gamma0: float = 1.0,
         t_max: float = 1e30, times: np.ndarray | None = None, rtol: float = 1e-10,
         method: str = "Radau") -> FlowResult:
    """Integrate the gradient flow from (z0, γ0) at t = 0 to ``t_max``; observe at ``times`` (t ≥ 1)."""
    y = np.asarray(y, dtype=float)
    n = y.shape[0]
    z0 = np.asarray(z0, dtype=float)
    a0 = float(y @ z0) / n
    r0 = z0 - a0 * y
    norm = float(np.linalg.norm(r0))
    if norm == 0:
        raise ValueError("z0 is already a uniform-margin point (r = 0)")
    Y0 = np.concatenate([[a0, gamma0, math.log(norm)], r0 / norm])
    times = np.unique(np.geomspace(1.0, t_max, 241) if times is None else np.asarray(times, dtype=float))
    if times[0] < 1.0 or times[-1] > t_max:
        raise ValueError("observation times must lie in [1, t_max]")
    # phase 1: plain time on [0, 1]
    early = solve_ivp(flow_rhs(G, y, loss, False), (0.0, 1.0), Y0, method=method, rtol=rtol, atol=rtol * 1e-2)
    if not early.success:
        raise RuntimeError(f"flow integration failed on [0, 1]: {early.message}")
    # phase 2: τ = log t on [0, log t_max]
    taus = np.log(times)
    late = solve_ivp(flow_rhs(G, y, loss, True), (0.0, math.log(t_max)), early.y[:, -1], method=method,
                     rtol=rtol, atol=rtol * 1e-2, t_eval=taus, dense_output=False)
    if not late.success:
        raise RuntimeError(f"flow integration failed in log-time: {late.message}")
    obs = [_observe(G, y, loss, late.y[:, k]) for k in range(late.y.shape[1])]
    lg, gam, s = (np.array(col) for col in zip(*obs))
    return FlowResult(t=np.exp(late.t), log_gap=lg, gamma=gam, s=s, nfev=int(early.nfev + late.nfev),
                      method=method, rtol=rtol)
