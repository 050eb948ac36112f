r"""Late-time engine for the BN linear model: the cancellation-free deviation dynamics.

GD on (w, γ) of the Cao et al. (COLT 2023) BN linear model, iterated in the deviation form
derived in :mod:`bnproof.symbolic.deviation`:

    z = X w = a·y + σ r̂,  r̂ ⊥ y,  σ = 2^e  (scaled: r̂ = O(1) whatever the gap),
    δ̂_i = (y_i r̂_i - σ q̂/(a+s))/s,   φ̂_i = x̂_i·expm1(σx̂_i)/(σx̂_i),  x̂_i = -γ δ̂_i,
    z ← z - η G ∂L/∂z,  ∂L/∂z_j = -(γλ_0/n) σ h_j,   γ ← γ + η λ_0 (a + σP̂)/s,

followed by the fold, the symmetry flip and the rescale of :mod:`bnproof.engines.scaled_state`.
Every term is O(r) or O(ψ) and computed to full relative precision, so float64 carries about
12-14 correct digits of the gap at any magnitude, and the scaled representation keeps it clear
of float64 underflow.

Three implementations of the same step, all from the same SymPy program:

* ``numpy`` -- the reference: vectorised NumPy, one Python-level step at a time;
* ``numba`` -- the compiled float64 kernel (:func:`bnproof.kernels.deviation.kernel_source`);
* ``numba-dd`` -- the same kernel with a double-double *state*: a, γ and r̂ are stored as
  unevaluated sums hi + lo and updated with Knuth's TwoSum, increments in float64.  Per-step
  rounding is then relative to the increment, not to the state, which removes the dominant
  error of long runs (1e8 steps).

When numba is unusable the compiled variants run the NumPy reference instead (the policy of
:mod:`bnproof.kernels.numba`; the trajectory says so).  Observables (gap, γ, s, loss) are
evaluated from the state in mpmath at 40 digits, so the recorded decimal strings carry every
digit the state has.  What this module adds to the shared scaled state: the problem (G, y, η,
loss, centring), the linear model's increment and observables, and the kernels' calling
convention.
"""

from __future__ import annotations

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
from bnproof.kernels.deviation import kernel_source
from bnproof.kernels.numba import fallback_reason, load_generated, numba_available
from bnproof.symbolic import deviation as dv

__all__ = ["Problem", "State", "VARIANTS", "problem_from_data", "initial_state", "observe", "advance",
           "run_deviation", "kernel_source", "numba_available", "numba_usable", "compiled_kernel", "warm_up"]

VARIANTS = ("numpy", "numba", "numba-dd")
_DIGITS = {"numpy": 17, "numba": 17, "numba-dd": 32}  # significant digits recorded per variant


@dataclass(frozen=True)
class Problem:
    """One instance: Gram matrix G (n×n, float64, correctly rounded), labels y, step η, loss."""

    G: np.ndarray
    y: np.ndarray
    eta: float
    loss: str
    eta_str: str = ""
    center: bool = False  # centred BN: z ⊥ 1 is enforced after every step (needs Σ y_i = 0)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])


def problem_from_data(X: np.ndarray, y: np.ndarray, eta: str, loss: str, center: bool = False) -> Problem:
    """G = X Xᵀ (centred: Q X Xᵀ Q) computed at 40 digits, then rounded once to float64."""
    G = gram_matrix(X, center)
    y = np.asarray(y, dtype=np.float64)
    if center and y.sum() != 0:
        raise ValueError("the deviation engine with centred BN needs balanced labels (Σ y_i = 0)")
    return Problem(G=G, y=y, eta=float(eta), loss=loss, eta_str=str(eta), center=bool(center))


def initial_state(X: np.ndarray, y: np.ndarray, w0: np.ndarray, gamma0: float = 1.0,
                  center: bool = False) -> State:
    """State for z0 = X w0 (at 40 digits): a = ⟨y, z0⟩/n, r = z0 - a y, scaled so max|r̂| ∈ [1/2, 1)."""
    return split_state(X, y, w0, gamma0, center)


def observe(prob: Problem, st: State) -> dict[str, mpmath.mpf]:
    """gap = max_i |sign(γ)·m_i - 1|, γ, s = ‖w‖_Σ, loss, evaluated at 40 digits from (hi + lo)."""
    with mpmath.workdps(OBS_DPS):
        delta, g, s, parity = scaled_deviations(st, prob.y, prob.loss)
        _, lf = obs_fns(prob.loss)
        loss = mpmath.fsum(lf(g, d, mpmath.expm1(-g * d), mpmath.exp(-g)) for d in delta) / len(delta)
        return {"gap": margin_gap(delta, g), "gamma": parity * g, "s": s, "loss": loss}


# --- the NumPy reference -------------------------------------------------------------------------


_NP_CACHE: dict[str, tuple] = {}


def _numpy_fns(loss: str) -> tuple:
    if loss not in _NP_CACHE:
        prog = dv.deviation_program(loss)
        lam = (dv.yj, dv.rh, dv.psih, dv.a, dv.s, dv.sigma, dv.qh, dv.apl, dv.gamma, dv.E, dv.Ph,
               dv.phih, dv.lam0, dv.eta)

        def mk(expr):
            return sp.lambdify(lam, expr, modules="numpy")
        _NP_CACHE[loss] = (sp.lambdify(dv.gamma, prog.lam0, "numpy"), mk(prog.delta), mk(prog.psi),
                           mk(prog.p_term), mk(prog.h), mk(prog.dgamma))
    return _NP_CACHE[loss]


def _advance_numpy(prob: Problem, st: State, nsteps: int, fold: bool) -> None:
    """The deviation step in vectorised NumPy (float64 state; the reference implementation)."""
    f_lam0, f_delta, f_psi, f_p, f_h, f_dg = _numpy_fns(prob.loss)
    G, y, eta, n = prob.G, prob.y, prob.eta, prob.n

    def increment(a, gamma, rh, sigma, qh, s, apl):
        lam0 = float(f_lam0(gamma))
        kw = dict(y=y, rh=rh, a=a, s=s, sigma=sigma, qh=qh, apl=apl, gamma=gamma, E=math.exp(-gamma), lam0=lam0,
                  eta=eta, psih=0.0, Ph=0.0, phih=0.0)
        xh = -gamma * f_delta(**kw)
        kw["phih"] = xh * exprel(sigma * xh)  # x̂·expm1(σx̂)/(σx̂)
        kw["psih"] = f_psi(**kw)
        kw["Ph"] = float(np.mean(f_p(**kw)))
        return (eta * gamma * lam0 / n) * (G @ f_h(**kw)), float(f_dg(**kw))

    numpy_steps(st, y, nsteps, increment, fold=fold, center=prob.center)


# --- the compiled kernels and the fallback ----------------------------------------------------------


_COMPILED: dict[str, ModuleType] = {}


def compiled_kernel(loss: str) -> ModuleType:
    """The generated module for ``loss`` (``advance_f64``, ``advance_dd``), numba-compiled.

    Loaded through :func:`bnproof.kernels.numba.load_generated`, so numba's on-disk cache is
    reused across processes: the first run compiles (a few seconds), later runs load machine code.
    """
    if loss not in _COMPILED:
        _COMPILED[loss] = load_generated(kernel_source(loss), f"deviation_{loss}")
    return _COMPILED[loss]


def _kernel_call(prob: Problem, variant: str) -> Callable[[State, int, bool], None]:
    mod = compiled_kernel(prob.loss)
    fn = mod.advance_dd if variant == "numba-dd" else mod.advance_f64
    return lambda st, nsteps, fold: fn(prob.G, prob.y, st.f, st.rh, st.rh_lo, st.ints, prob.eta, int(nsteps),
                                       bool(fold), prob.center)


def _resolve(prob: Problem, variant: str) -> tuple[str, str | None]:
    """(the variant that will run, why it replaces the one asked for or None)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown deviation variant {variant!r}; choose one of {VARIANTS}")
    if variant == "numpy":
        return variant, None
    n = prob.n
    probe = State(np.array([1.0, 1.0, 0.0, 0.0]), np.zeros(n), np.zeros(n), np.array([0, 1], dtype=np.int64))
    reason = fallback_reason(lambda: _kernel_call(prob, variant)(probe, 0, True))
    return (variant, None) if reason is None else ("numpy", reason)


def warm_up(prob: Problem, variant: str = "numba") -> bool:
    """Compile (first run) or load (later runs) the kernel of ``variant`` with a 0-step call.

    Returns whether ``variant`` runs as asked (False: the NumPy reference replaces it).
    """
    return _resolve(prob, variant)[0] == variant


def numba_usable(prob: Problem, variant: str = "numba") -> bool:
    """Whether ``variant`` really runs compiled here (else it falls back to NumPy)."""
    return warm_up(prob, variant)


def _step(prob: Problem, st: State, nsteps: int, variant: str, fold: bool) -> None:
    """``nsteps`` steps with a resolved variant."""
    if variant != "numba-dd":
        st.rh_lo[:] = 0.0  # a float64 state has no low parts
        st.f[2:] = 0.0
    if variant == "numpy":
        _advance_numpy(prob, st, nsteps, fold)
    else:
        _kernel_call(prob, variant)(st, nsteps, fold)


def advance(prob: Problem, st: State, nsteps: int, *, variant: str = "numba", fold: bool = True) -> None:
    """Advance ``st`` in place by ``nsteps`` GD steps with one implementation."""
    if nsteps <= 0:
        return
    _step(prob, st, nsteps, _resolve(prob, variant)[0], fold)


def run_deviation(prob: Problem, st: State, steps: int, *, variant: str = "numba",
                  checkpoints: Sequence[int] | None = None, fold: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run ``steps`` GD steps from ``st`` (copied), recording observables at checkpoints.

    Returns a :class:`~bnproof.engines.runner.Trajectory` (context name ``deviation-<variant
    that ran>``, ``fallback`` set when numba was unusable), whose ``final_state`` is the
    engine :class:`State`.  The kernel is compiled or loaded before the timed loop.
    """
    ran, reason = _resolve(prob, variant)
    return run_scaled(lambda s, k: _step(prob, s, k, ran, fold), lambda s: observe(prob, s), st, steps,
                      ctx_name=f"deviation-{ran}", digits=_DIGITS[ran], label="deviation engine",
                      fallback=reason, checkpoints=checkpoints, progress=progress)
