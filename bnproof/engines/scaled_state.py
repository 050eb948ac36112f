r"""The scaled deviation state shared by the late-time engines (linear model and linear CNN).

Late in GD on the BN models of Cao, Zou, Li, Gu (COLT 2023) every normalised margin is
1 + δ with |δ| far below float64's resolution, so the engines never store z itself.  With
labels ỹ (the linear model: y; the CNN: y repeated over the P patches of each sample, N
entries) they store

    z = parity·(a·ỹ + σ r̂),   r̂ ⊥ ỹ,   σ = 2^e   (e an integer, max|r̂| kept in [2^-32, 2^32]),

so s² = a² + σ²q̂ (q̂ = ‖r̂‖²/N) and δ_i = σ(ỹ_i r̂_i - σq̂/(a + s))/s carry full relative
precision at any magnitude (gaps of 1e-10000 are fine), and parity records the exact symmetry
(z, γ) -> (-z, -γ) of GD, applied so that the engines work where the limit is m = +1.

This module holds what both engines do with that state:

* :class:`State` and its construction from data at 40 digits (:func:`gram_matrix`,
  :func:`split_state`);
* the observables' common part, evaluated in mpmath (:func:`scaled_deviations`,
  :func:`margin_gap`);
* the frame of the NumPy reference step (:func:`numpy_steps`): the update
  a += σ⟨ỹ, Δ⟩/N, r̂ += Δ - ⟨ỹ, Δ⟩ỹ/N, the *fold* (the ỹ-component that rounding leaves in r̂
  is moved into a; without it r drifts off ỹ⊥ and that drift alone floors the gap near
  1e-16), the symmetry flip and the exact power-of-two rescale -- the model supplies only the
  increment Δ = Δz/σ and Δγ;
* the run (:func:`run_scaled`) on :func:`bnproof.engines.runner.run_chunked`.

The compiled kernels (:mod:`bnproof.kernels.deviation`) do the same frame in their loops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from bnproof.engines.runner import Progress, Trajectory, run_chunked
from bnproof.symbolic import deviation as dv

__all__ = ["OBS_DPS", "State", "gram_matrix", "split_state", "obs_fns", "scaled_deviations", "margin_gap",
           "exprel", "numpy_steps", "run_scaled"]

OBS_DPS = 40  # digits of the mpmath evaluation of observables and of the constructors

# increment(a, γ, r̂, σ, q̂, s, a + s) -> (Δz/σ, Δγ) of one GD step (the model's part of the step)
Increment = Callable[[float, float, np.ndarray, float, float, float, float], tuple[np.ndarray, float]]


@dataclass
class State:
    """Mutable engine state (the kernels update the arrays in place).

    ``f`` = [a, γ, a_lo, γ_lo] (γ in the frame where a ≥ 0 once a and γ both turned
    negative), ``rh``/``rh_lo`` = r̂ (hi, lo), ``ints`` = [e, parity]: z = parity·(a ỹ + 2^e r̂)
    and the model's γ is parity·γ.  The lo parts are nonzero only in a double-double run.
    """

    f: np.ndarray
    rh: np.ndarray
    rh_lo: np.ndarray
    ints: np.ndarray = field(default_factory=lambda: np.array([0, 1], dtype=np.int64))

    def copy(self) -> "State":
        return State(self.f.copy(), self.rh.copy(), self.rh_lo.copy(), self.ints.copy())


def _mp_rows(X: np.ndarray, center: bool) -> list[list]:
    with mpmath.workdps(OBS_DPS):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in np.asarray(X, dtype=np.float64)]
        if center:
            n, d = len(rows), len(rows[0])
            mean = [mpmath.fsum(r[k] for r in rows) / n for k in range(d)]
            rows = [[r[k] - mean[k] for k in range(d)] for r in rows]
        return rows


def gram_matrix(X: np.ndarray, center: bool = False) -> np.ndarray:
    """G = X Xᵀ (centred: Q X Xᵀ Q) computed at 40 digits, then rounded once to float64."""
    Xm = _mp_rows(X, center)
    n = len(Xm)
    return np.array([[float(mpmath.fdot(Xm[i], Xm[j])) for j in range(n)] for i in range(n)])


def split_state(X: np.ndarray, labels: np.ndarray, w0: np.ndarray, gamma0: float = 1.0,
                center: bool = False) -> State:
    """State for z0 = X w0 (at 40 digits): a = ⟨ỹ, z0⟩/N, r = z0 - a ỹ, scaled so max|r̂| ∈ [1/2, 1).

    The 40-digit values are split into hi + lo parts (lo used by the double-double variant).
    """
    with mpmath.workdps(OBS_DPS):
        Xm = _mp_rows(X, center)
        wm = [mpmath.mpf(float(v)) for v in w0]
        z = [mpmath.fdot(row, wm) for row in Xm]
        ys = [int(v) for v in labels]
        n = len(z)
        a = mpmath.fsum(yi * zi for yi, zi in zip(ys, z)) / n
        r = [zi - a * yi for zi, yi in zip(z, ys)]
        mx = max(abs(v) for v in r)
        e = 0 if mx == 0 else int(mpmath.floor(mpmath.log(mx, 2))) + 1
        rh = [v * mpmath.mpf(2) ** (-e) for v in r]
        hi = np.array([float(v) for v in rh])
        lo = np.array([float(v - mpmath.mpf(float(v))) for v in rh])
        a_hi = float(a)
        f = np.array([a_hi, float(gamma0), float(a - a_hi), 0.0])
    return State(f=f, rh=hi, rh_lo=lo, ints=np.array([e, 1], dtype=np.int64))


# --- observables --------------------------------------------------------------------------


_OBS_CACHE: dict[str, tuple[Callable, Callable]] = {}


def obs_fns(loss: str) -> tuple[Callable, Callable]:
    """δ(y, r, q, a+s, s) and ℓ(γ m)(γ, δ, φ, E) from the SymPy program, unscaled (σ = 1), for mpmath."""
    if loss not in _OBS_CACHE:
        prog = dv.deviation_program(loss)
        delta = sp.lambdify((dv.yj, dv.rh, dv.qh, dv.apl, dv.s), prog.delta.subs(dv.sigma, 1), modules="mpmath")
        lt = sp.lambdify((dv.gamma, dv.dh, dv.phih, dv.E), prog.loss_term.subs(dv.sigma, 1), modules="mpmath")
        _OBS_CACHE[loss] = (delta, lt)
    return _OBS_CACHE[loss]


def scaled_deviations(st: State, labels: np.ndarray, loss: str) -> tuple[list, mpmath.mpf, mpmath.mpf, int]:
    """(δ_i for every entry, γ, s, parity) from (hi + lo) parts at the current mpmath precision.

    Call inside ``mpmath.workdps(OBS_DPS)``: r = 2^e r̂ is formed exactly, so the magnitude is
    right however far below 1e-300 the gap has gone.
    """
    e, parity = int(st.ints[0]), int(st.ints[1])
    a = mpmath.mpf(float(st.f[0])) + mpmath.mpf(float(st.f[2]))
    g = mpmath.mpf(float(st.f[1])) + mpmath.mpf(float(st.f[3]))
    two_e = mpmath.ldexp(mpmath.mpf(1), e)
    r = [(mpmath.mpf(float(h)) + mpmath.mpf(float(lo))) * two_e for h, lo in zip(st.rh, st.rh_lo)]
    ys = [int(v) for v in labels]
    n = len(r)
    q = mpmath.fsum(v * v for v in r) / n
    s = mpmath.sqrt(a * a + q)
    apl = a + s if a >= 0 else q / (s - a)
    f_delta, _ = obs_fns(loss)
    return [f_delta(yi, ri, q, apl, s) for yi, ri in zip(ys, r)], g, s, parity


def margin_gap(deltas: Sequence, gamma: mpmath.mpf) -> mpmath.mpf:
    """max_i |sign(γ)·m_i - 1| with m_i = 1 + δ_i (γ < 0 with a ≥ 0: the limit is m = -1, |2 + δ|)."""
    if gamma >= 0:
        return max(abs(d) for d in deltas)
    return max(abs(2 + d) for d in deltas)


# --- the NumPy reference step -----------------------------------------------------------------


def exprel(x: np.ndarray) -> np.ndarray:
    """expm1(x)/x elementwise, = 1 at 0 (also when σx̂ underflows)."""
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.expm1(safe) / safe)


def numpy_steps(st: State, labels: np.ndarray, nsteps: int, increment: Increment, *, fold: bool,
                center: bool = False) -> None:
    """``nsteps`` GD steps in place on the float64 parts of ``st``; the model supplies ``increment``.

    ``center``: centred BN keeps z ⊥ 1 exactly (with Σ ỹ = 0), but the rounded G leaks into 1,
    so r̂'s mean is removed after every step.
    """
    N = labels.shape[0]
    a, gamma, e, parity = float(st.f[0]), float(st.f[1]), int(st.ints[0]), int(st.ints[1])
    rh = st.rh
    with np.errstate(under="ignore"):
        for _ in range(nsteps):
            sigma = math.ldexp(1.0, e)
            qh = float(rh @ rh) / N
            q = sigma * sigma * qh  # may underflow: only ever added to O(1) numbers
            s = math.sqrt(a * a + q)
            apl = a + s if a >= 0 else q / (s - a)  # (s + a)(s - a) = q: no cancellation
            dz, dgam = increment(a, gamma, rh, sigma, qh, s, apl)
            ydz = float(labels @ dz) / N
            a += sigma * ydz
            gamma += dgam
            rh += dz - ydz * labels
            if fold:
                fr = math.fsum(labels * rh) / N
                rh -= fr * labels
                a += sigma * fr
            if center:
                rh -= math.fsum(rh) / N
            if a < 0 and gamma < 0:  # (z, γ) -> (-z, -γ) is an exact symmetry of GD
                a, gamma, parity = -a, -gamma, -parity
                rh *= -1
            mx = float(np.max(np.abs(rh)))
            if mx > 0 and (mx > 2.0**32 or mx < 2.0**-32):
                k = math.frexp(mx)[1]  # exact power-of-two rescale
                rh *= math.ldexp(1.0, -k)
                e += k
    st.f[0], st.f[1] = a, gamma
    st.ints[0], st.ints[1] = e, parity


# --- the run ------------------------------------------------------------------------------------


def run_scaled(step: Callable[[State, int], None], observe: Callable[[State], dict], st: State, steps: int, *,
               ctx_name: str, digits: int, label: str, fallback: str | None = None,
               checkpoints: Sequence[int] | None = None, progress: Progress | None = None) -> Trajectory:
    """Run ``step(state, k)`` from a copy of ``st`` with :func:`~bnproof.engines.runner.run_chunked`.

    A non-finite state (far outside the theorems' regime, e.g. a step size so large that γ or
    ‖w‖ blow up) stops the run with ``FloatingPointError("<label>: non-finite state by t = …")``.
    The trajectory's ``final_state`` is the engine state; ``fallback`` is recorded on it.
    """
    st = st.copy()

    def finite(t: int) -> None:
        if not (np.all(np.isfinite(st.f)) and np.all(np.isfinite(st.rh))):
            raise FloatingPointError(f"{label}: non-finite state by t = {t}")

    traj = run_chunked(lambda k: step(st, k), lambda: observe(st), steps, ctx_name=ctx_name, digits=digits,
                       checkpoints=checkpoints, progress=progress, after_chunk=finite, work_dps=OBS_DPS)
    traj.final_state = st
    traj.fallback = fallback
    return traj
