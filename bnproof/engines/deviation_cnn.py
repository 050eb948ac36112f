r"""Late-time engine for the BN linear CNN of Cao, Zou, Li, Gu (COLT 2023): deviation dynamics.

GD on (w, γ) of the two-layer single-filter linear CNN with BN (:mod:`bnproof.symbolic.bn_cnn`)
closes on the nP patch pre-activations z_ip = ⟨w, x_i^(p)⟩ (flattened sample-major, k = iP + p)
with the patch Gram matrix G.  Late in training every patch margin m_ip = y_i z_ip/s is
1 + δ_ip with |δ_ip| tiny, and the multiprecision engine computes δ by cancellation, which is
why it needs many digits.  Here the state is the scaled state of the linear model
(:mod:`bnproof.engines.scaled_state`) with ỹ (ỹ_ip = y_i) in place of y:

    z = a·ỹ + σ r̂,  r̂ ⊥ ỹ,  σ = 2^e,  q̂ = ‖r̂‖²/(nP),  s = sqrt(a² + σ²q̂),
    δ̂_ip = (y_i r̂_ip - σq̂/(a+s))/s            (patch deviations, δ_ip = σ δ̂_ip),
    δ̄̂_i = (1/P) Σ_p δ̂_ip                      (sample margin μ_i = cP(1 + σ δ̄̂_i)),
    λ_i = λ_0 (1 + σψ̂_i),  λ_0 = -ℓ'(γ̃),  γ̃ = γcP,  ψ̂_i = ψ(σφ̂_i, e^{-γ̃})/σ,
    φ̂_i = x̂_i·expm1(σx̂_i)/(σx̂_i),  x̂_i = -γ̃ δ̄̂_i,
    Ψ̂ = (1/n) Σ_i (ψ̂_i + δ̄̂_i + σ ψ̂_i δ̄̂_i),
    ∂L/∂z_jq = -(γcλ_0/(n s)) y_j σ [ψ̂_j - δ̂_jq - Ψ̂(1 + σδ̂_jq)]   (``cnn_grad_template``),
    ∂L/∂γ = -A = -λ_0 cP (1 + σΨ̂),

with c = 1/P (average pooling) or 1 (sum pooling).  The gradient form is proved equal to
bn_cnn's template by :func:`bnproof.symbolic.deviation.prove_cnn_deviation` (both poolings,
generic weights, so both losses); ψ is derived from ℓ by
:func:`bnproof.symbolic.deviation.weight_ratio` (exp and logistic); the γ-step identity
A = λ_0 cP(1 + σΨ̂) is proved by :func:`bnproof.symbolic.deviation.prove_cnn_gamma_step`.  Every
term of the z-update is O(δ), so float64 carries ~12 correct digits of the gap at any magnitude.

Two implementations of one step, both printed from the same SymPy expressions
(:func:`bnproof.kernels.deviation.cnn_program`): ``numpy`` (the vectorised reference) and
``numba`` (:func:`bnproof.kernels.deviation.cnn_kernel_source`), which falls back to ``numpy``
when numba is unusable (the policy of :mod:`bnproof.kernels.numba`).  The state is float64 (no
double-double variant for the CNN).  Observables (patch gap, sample gap, γ, s, loss) are
evaluated from the state in mpmath at 40 digits.  What this module adds to the shared scaled
state: the patch problem (G, y, P, pooling), the CNN's increment and observables.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from bnproof.engines.runner import Trajectory
from bnproof.engines.scaled_state import (
    OBS_DPS,
    State,
    exprel,
    gram_matrix,
    margin_gap,
    numpy_steps,
    obs_fns,
    run_scaled,
    scaled_deviations,
    split_state,
)
from bnproof.kernels.deviation import CNNProgram, Psih, cc, cnn_program, cP, dbh, gt
from bnproof.kernels.deviation import cnn_kernel_source as kernel_source
from bnproof.kernels.numba import fallback_reason, load_generated
from bnproof.symbolic import deviation as dv
from bnproof.symbolic.bn_cnn import POOLINGS, pool_factor
from bnproof.symbolic.bn_linear import LOSSES

__all__ = ["CNNProblem", "State", "CNN_VARIANTS", "CNNProgram", "cnn_program",
           "problem_from_patches", "initial_state", "observe", "advance", "run_deviation_cnn",
           "kernel_source", "compiled_kernel", "numba_usable", "warm_up"]

CNN_VARIANTS = ("numpy", "numba")


@dataclass(frozen=True)
class CNNProblem:
    """G (nP×nP patch Gram, float64 correctly rounded), labels y (n), P, pooling, η, loss."""

    G: np.ndarray
    y: np.ndarray
    P: int
    pooling: str
    eta: float
    loss: str
    eta_str: str = ""

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def N(self) -> int:
        return self.n * self.P

    @property
    def yt(self) -> np.ndarray:
        """ỹ: the labels repeated per patch (sample-major)."""
        return np.repeat(self.y, self.P)

    @property
    def c(self) -> float:
        return float(pool_factor(self.pooling, sp.Integer(self.P)))

    @property
    def cP(self) -> int:
        """c·P, an integer (1 or P): γ̃ = γ·cP without the rounding of (1/P)·P."""
        return int(pool_factor(self.pooling, sp.Integer(self.P)) * self.P)


def _stacked(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(X.shape[0] * X.shape[1], X.shape[2])


def problem_from_patches(X: np.ndarray, y: np.ndarray, eta: str, loss: str, pooling: str = "average") -> CNNProblem:
    """X n×P×d.  G = X_s X_sᵀ at 40 digits, rounded once to float64 (as the linear engine)."""
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; choose one of {POOLINGS}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    return CNNProblem(G=gram_matrix(_stacked(X)), y=np.asarray(y, dtype=np.float64), P=int(X.shape[1]),
                      pooling=pooling, eta=float(eta), loss=loss, eta_str=str(eta))


def initial_state(X: np.ndarray, y: np.ndarray, w0: np.ndarray, gamma0: float = 1.0) -> State:
    """z0 = X_s w0 at 40 digits split into a ỹ + 2^e r̂ (the linear engine's constructor on ỹ)."""
    st = split_state(_stacked(X), np.repeat(np.asarray(y, dtype=np.float64), X.shape[1]), w0, gamma0)
    st.rh_lo[:] = 0.0  # float64 state only
    st.f[2:] = 0.0
    return st


def observe(prob: CNNProblem, st: State) -> dict[str, mpmath.mpf]:
    """patch gap max_ip |sign(γ)m_ip - 1|, sample gap max_i |sign(γ)(1/P)Σ_p m_ip - 1|, γ, s, loss.

    Evaluated at 40 digits from r = 2^e r̂ in mpmath, so the magnitude is exact at any scale.
    """
    with mpmath.workdps(OBS_DPS):
        delta, g, s, parity = scaled_deviations(st, prob.yt, prob.loss)
        P = prob.P
        dbar = [mpmath.fsum(delta[i * P:(i + 1) * P]) / P for i in range(prob.n)]
        _, lf = obs_fns(prob.loss)
        gtm = g * prob.cP
        loss = mpmath.fsum(lf(gtm, d, mpmath.expm1(-gtm * d), mpmath.exp(-gtm)) for d in dbar) / prob.n
        return {"gap": margin_gap(delta, g), "sample_gap": margin_gap(dbar, g),
                "gamma": parity * g, "s": s, "loss": loss}


# --- the NumPy reference -------------------------------------------------------------------------

_ARGS = (dv.yj, dv.rh, dv.dh, dv.psih, dbh, Psih, dv.a, dv.s, dv.sigma, dv.qh, dv.apl, dv.E, dv.phih,
         dv.lam0, dv.eta, cc, cP)


@functools.lru_cache(maxsize=None)
def _numpy_fns(loss: str) -> tuple:
    prog = cnn_program(loss)

    def mk(expr):
        return sp.lambdify(_ARGS, expr, modules="numpy")
    return (sp.lambdify(gt, prog.lam0, "numpy"), mk(prog.delta), mk(prog.psi), mk(prog.Psi_term), mk(prog.h),
            mk(prog.dgamma))


def _advance_numpy(prob: CNNProblem, st: State, nsteps: int, fold: bool) -> None:
    """The CNN deviation step in vectorised NumPy (the reference implementation)."""
    f_lam0, f_delta, f_psi, f_Psi, f_h, f_dg = _numpy_fns(prob.loss)
    G, yt, eta, n, P, c = prob.G, prob.yt, prob.eta, prob.n, prob.P, prob.c

    def increment(a, gamma, rh, sigma, qh, s, apl):
        g_t = gamma * prob.cP
        kw = dict(y=yt, rh=rh, a=a, s=s, sigma=sigma, qh=qh, apl=apl, E=math.exp(-g_t),
                  lam0=float(f_lam0(g_t)), eta=eta, c=c, cP=prob.cP, dh=0.0, psih=0.0, dbh=0.0, Psih=0.0, phih=0.0)
        dh = f_delta(**kw)
        db = dh.reshape(n, P).mean(axis=1)
        xh = -g_t * db
        kw.update(dbh=db, phih=xh * exprel(sigma * xh))
        psi = f_psi(**kw) * np.ones(n)
        kw.update(psih=psi)
        kw["Psih"] = float(np.mean(f_Psi(**kw)))
        kw.update(psih=np.repeat(psi, P), dh=dh)
        return (eta * gamma * c * kw["lam0"] / n) * (G @ f_h(**kw)), float(f_dg(**kw))  # Δz = σ·(first)

    numpy_steps(st, yt, nsteps, increment, fold=fold)


# --- the compiled kernel and the fallback ------------------------------------------------------------


_COMPILED: dict[str, ModuleType] = {}


def compiled_kernel(loss: str) -> ModuleType:
    """The generated module for ``loss`` in the shared kernel cache (numba's on-disk cache reused)."""
    if loss not in _COMPILED:
        _COMPILED[loss] = load_generated(kernel_source(loss), f"deviation_cnn_{loss}")
    return _COMPILED[loss]


def _call(mod: ModuleType, prob: CNNProblem, st: State, nsteps: int, fold: bool) -> None:
    mod.advance_cnn(prob.G, prob.yt, st.f, st.rh, st.ints, prob.eta, prob.c, float(prob.cP), prob.P,
                    int(nsteps), bool(fold))


def _resolve(prob: CNNProblem, variant: str) -> tuple[str, str | None]:
    """(the variant that will run, why it replaces the one asked for or None)."""
    if variant not in CNN_VARIANTS:
        raise ValueError(f"unknown CNN deviation variant {variant!r}; choose one of {CNN_VARIANTS}")
    if variant == "numpy":
        return variant, None
    probe = State(np.array([1.0, 1.0, 0.0, 0.0]), np.zeros(prob.N), np.zeros(prob.N),
                  np.array([0, 1], dtype=np.int64))
    reason = fallback_reason(lambda: _call(compiled_kernel(prob.loss), prob, probe, 0, True))
    return (variant, None) if reason is None else ("numpy", reason)


def warm_up(prob: CNNProblem) -> bool:
    """Compile or load the kernel with a 0-step call; False (NumPy fallback) if numba is unusable."""
    return _resolve(prob, "numba")[0] == "numba"


def numba_usable(prob: CNNProblem) -> bool:
    """Whether the ``numba`` variant really runs compiled (else it falls back to NumPy)."""
    return warm_up(prob)


def _step(prob: CNNProblem, st: State, nsteps: int, variant: str, fold: bool) -> None:
    """``nsteps`` steps with a resolved variant."""
    if variant == "numba":
        _call(compiled_kernel(prob.loss), prob, st, nsteps, fold)
    else:
        _advance_numpy(prob, st, nsteps, fold)


def advance(prob: CNNProblem, st: State, nsteps: int, *, variant: str = "numba", fold: bool = True) -> None:
    """Advance ``st`` in place by ``nsteps`` GD steps (``numba`` falls back to ``numpy`` if unusable)."""
    if nsteps <= 0:
        return
    _step(prob, st, nsteps, _resolve(prob, variant)[0], fold)


def run_deviation_cnn(prob: CNNProblem, st: State, steps: int, *, variant: str = "numba",
                      checkpoints: Sequence[int] | None = None, fold: bool = True,
                      progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run ``steps`` GD steps from ``st`` (copied), observables at checkpoints (as ``run_deviation``).

    The context name is ``deviation-cnn-<variant>`` (``deviation-cnn-numpy`` after a fallback,
    with the reason in ``fallback``).
    """
    ran, reason = _resolve(prob, variant)
    return run_scaled(lambda s, k: _step(prob, s, k, ran, fold), lambda s: observe(prob, s), st, steps,
                      ctx_name=f"deviation-cnn-{ran}", digits=17, label="CNN deviation engine",
                      fallback=reason, checkpoints=checkpoints, progress=progress)
