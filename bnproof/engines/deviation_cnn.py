r"""Late-time engine for the BN linear CNN of Cao, Zou, Li, Gu (COLT 2023): deviation dynamics.

GD on (w, γ) of the two-layer single-filter linear CNN with BN (:mod:`bnproof.symbolic.bn_cnn`)
closes on the nP patch pre-activations z_ip = ⟨w, x_i^(p)⟩ (flattened sample-major, k = iP + p)
with the patch Gram matrix G.  Late in training every patch margin m_ip = y_i z_ip/s is
1 + δ_ip with |δ_ip| tiny, and the multiprecision engine computes δ by cancellation, which is
why it needs many digits.  Here the state is rewritten exactly as for the linear model
(:mod:`bnproof.deviation`), with ỹ (ỹ_ip = y_i) in place of y:

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
A = λ_0 cP(1 + σΨ̂) is proved by :func:`bnproof.symbolic.deviation.prove_cnn_gamma_step`.  Every term of the
z-update is O(δ), so float64 carries ~12 correct digits of the gap at any magnitude.

After every step the *fold* moves the ỹ-component that rounding leaves in r̂ into a (without
it r drifts off ỹ⊥ and the gap floors near 1e-16), and r̂ is rescaled by an exact power of two
when it leaves [2^-32, 2^32], so the gap never meets float64 underflow.

Two implementations of one step, both printed from the same SymPy expressions
(:func:`cnn_program`): ``numpy`` (the vectorised reference) and ``numba`` (generated source,
``numba.njit(cache=True)``, falling back to ``numpy`` when numba cannot be imported).  The state
is float64 (no double-double variant for the CNN).  Observables (patch gap, sample gap, γ, s,
loss) are evaluated from the state in mpmath at 40 digits, so their magnitude is right however
far below 1e-300 the gap has gone.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from bnproof.engines import deviation as D
from bnproof.engines.deviation import State
from bnproof.engines.deviation import initial_state as _initial_state_rows
from bnproof.engines.runner import Trajectory, log_checkpoints
from bnproof.symbolic import deviation as dv
from bnproof.symbolic.bn_cnn import POOLINGS, pool_factor
from bnproof.symbolic.bn_linear import LOSSES, weight_expr

__all__ = ["CNNProblem", "State", "CNN_VARIANTS", "CNNProgram", "cnn_program",
           "problem_from_patches", "initial_state", "observe", "advance", "run_deviation_cnn",
           "kernel_source", "compiled_kernel", "numba_usable", "warm_up"]

CNN_VARIANTS = ("numpy", "numba")
_OBS_DPS = 40

# Symbols of the CNN program beyond those of symbolic.deviation (per-sample δ̄̂ and Ψ̂, γ̃, c, P).
dbh = sp.Symbol("dbh", real=True)  # δ̄̂_i: mean over patches of δ̂_ip
Psih = sp.Symbol("Psih", real=True)  # Ψ̂
gt = sp.Symbol("gt", real=True)  # γ̃ = γ c P (argument of λ_0)
cc = sp.Symbol("c", positive=True)  # pool factor
cP = sp.Symbol("cP", positive=True)  # c·P (1 for average pooling, P for sum): exact, passed as one number
nn = sp.Symbol("n", positive=True)  # samples


@dataclass(frozen=True)
class CNNProgram:
    """Per-patch/per-sample formulas of the scaled CNN deviation step (SymPy, printed into kernels).

    ``delta`` δ̂_jq(y, rh, sigma, qh, apl, s); ``psi`` ψ̂_i(phih, E, sigma); ``Psi_term`` the
    summand of Ψ̂ (psih, dbh, sigma); ``h`` with ∂L/∂z_jq = -(γcλ_0/n) σ h_jq; ``dgamma`` = -η ∂L/∂γ;
    ``lam0`` λ_0(γ̃).
    """

    loss: str
    lam0: sp.Expr
    delta: sp.Expr
    psi: sp.Expr
    Psi_term: sp.Expr
    h: sp.Expr
    dgamma: sp.Expr


@functools.lru_cache(maxsize=None)
def cnn_program(loss: str) -> CNNProgram:
    """Build the program from the proved pieces: h is ``cnn_grad_template`` divided by its prefactor."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    prog = dv.deviation_program(loss)
    grad = dv.cnn_grad_template(dv.yj, dv.psih, dv.dh, Psih, cc, dv.s, nn)
    h = sp.factor(sp.cancel(grad / (-(dv.gamma * cc * dv.lam0 / nn) * dv.sigma)))
    if h.has(dv.gamma) or h.has(dv.lam0) or h.has(cc) or h.has(nn):
        raise ValueError(f"CNN gradient did not factor as expected: {h}")  # the prefactor is applied once per step
    return CNNProgram(
        loss=loss,
        lam0=weight_expr(loss, gt),
        delta=prog.delta,  # the same patch-deviation formula (proved in prove_deviation / prove_cnn_deviation)
        psi=prog.psi,  # ψ(φ, E) derived from ℓ; here E = e^{-γ̃}, φ from the sample deviation δ̄
        Psi_term=dv.psih_plus(dv.psih, dbh),
        h=h,
        dgamma=dv.eta * dv.lam0 * cP * (1 + dv.sigma * Psih),
    )


# --- problem and state ---------------------------------------------------------------------


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
    Xs = _stacked(X)
    base = D.problem_from_data(Xs, np.repeat(np.asarray(y, dtype=np.float64), X.shape[1]), eta, loss)
    return CNNProblem(G=base.G, y=np.asarray(y, dtype=np.float64), P=int(X.shape[1]), pooling=pooling,
                      eta=float(eta), loss=loss, eta_str=str(eta))


def initial_state(X: np.ndarray, y: np.ndarray, w0: np.ndarray, gamma0: float = 1.0) -> State:
    """z0 = X_s w0 at 40 digits split into a ỹ + 2^e r̂ (the linear engine's constructor on ỹ)."""
    st = _initial_state_rows(_stacked(X), np.repeat(np.asarray(y, dtype=np.float64), X.shape[1]), w0, gamma0)
    st.rh_lo[:] = 0.0  # float64 state only
    st.f[2:] = 0.0
    return st


# --- observables --------------------------------------------------------------------------


def observe(prob: CNNProblem, st: State) -> dict[str, mpmath.mpf]:
    """patch gap max_ip |sign(γ)m_ip - 1|, sample gap max_i |sign(γ)(1/P)Σ_p m_ip - 1|, γ, s, loss.

    Evaluated at 40 digits from r = 2^e r̂ in mpmath, so the magnitude is exact at any scale.
    """
    with mpmath.workdps(_OBS_DPS):
        e, parity = int(st.ints[0]), int(st.ints[1])
        a = mpmath.mpf(float(st.f[0]))
        g = mpmath.mpf(float(st.f[1]))
        two_e = mpmath.ldexp(mpmath.mpf(1), e)
        r = [mpmath.mpf(float(h)) * two_e for h in st.rh]
        yt = [int(v) for v in prob.yt]
        N, P = prob.N, prob.P
        q = mpmath.fsum(v * v for v in r) / N
        s = mpmath.sqrt(a * a + q)
        apl = a + s if a >= 0 else q / (s - a)
        f_delta, lf = D._obs_fns(prob.loss)
        delta = [f_delta(yi, ri, q, apl, s) for yi, ri in zip(yt, r)]
        dbar = [mpmath.fsum(delta[i * P:(i + 1) * P]) / P for i in range(prob.n)]
        # γ < 0 with a ≥ 0: the limit is m = -1, |sign(γ)m - 1| = |2 + δ|
        dist = (lambda d: abs(d)) if g >= 0 else (lambda d: abs(2 + d))
        gtm = g * prob.cP
        loss = mpmath.fsum(lf(gtm, d, mpmath.expm1(-gtm * d), mpmath.exp(-gtm)) for d in dbar) / prob.n
        return {"gap": max(dist(d) for d in delta), "sample_gap": max(dist(d) for d in dbar),
                "gamma": parity * g, "s": s, "loss": loss}


# --- NumPy reference -------------------------------------------------------------------------

_ARGS = (dv.yj, dv.rh, dv.dh, dv.psih, dbh, Psih, dv.a, dv.s, dv.sigma, dv.qh, dv.apl, dv.E, dv.phih,
         dv.lam0, dv.eta, cc, cP)


@functools.lru_cache(maxsize=None)
def _numpy_fns(loss: str) -> tuple:
    prog = cnn_program(loss)

    def mk(expr):
        return sp.lambdify(_ARGS, expr, modules="numpy")
    return (sp.lambdify(gt, prog.lam0, "numpy"), mk(prog.delta), mk(prog.psi), mk(prog.Psi_term), mk(prog.h),
            mk(prog.dgamma))


def _exprel_np(x: np.ndarray) -> np.ndarray:
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.expm1(safe) / safe)  # expm1(x)/x, = 1 at 0 (also when σx̂ underflows)


def _advance_numpy(prob: CNNProblem, st: State, nsteps: int, fold: bool) -> None:
    """The CNN deviation step in vectorised NumPy (the reference implementation)."""
    f_lam0, f_delta, f_psi, f_Psi, f_h, f_dg = _numpy_fns(prob.loss)
    G, yt, eta, n, P, N, c = prob.G, prob.yt, prob.eta, prob.n, prob.P, prob.N, prob.c
    a, gamma, e, parity = float(st.f[0]), float(st.f[1]), int(st.ints[0]), int(st.ints[1])
    rh = st.rh
    with np.errstate(under="ignore"):
        for _ in range(nsteps):
            sigma = math.ldexp(1.0, e)
            qh = float(rh @ rh) / N
            q = sigma * sigma * qh  # may underflow: only ever added to O(1) numbers
            s = math.sqrt(a * a + q)
            apl = a + s if a >= 0 else q / (s - a)  # (s + a)(s - a) = q: no cancellation
            g_t = gamma * prob.cP
            kw = dict(y=yt, rh=rh, a=a, s=s, sigma=sigma, qh=qh, apl=apl, E=math.exp(-g_t),
                      lam0=float(f_lam0(g_t)), eta=eta, c=c, cP=prob.cP, dh=0.0, psih=0.0, dbh=0.0, Psih=0.0, phih=0.0)
            dh = f_delta(**kw)
            db = dh.reshape(n, P).mean(axis=1)
            xh = -g_t * db
            kw.update(dbh=db, phih=xh * _exprel_np(sigma * xh))
            psi = f_psi(**kw) * np.ones(n)
            kw.update(psih=psi)
            kw["Psih"] = float(np.mean(f_Psi(**kw)))
            kw.update(psih=np.repeat(psi, P), dh=dh)
            dz = (eta * gamma * c * kw["lam0"] / n) * (G @ f_h(**kw))  # Δz = σ·dz
            ydz = float(yt @ dz) / N
            dgam = float(f_dg(**kw))
            a += sigma * ydz
            gamma += dgam
            rh += dz - ydz * yt
            if fold:
                fr = math.fsum(yt * rh) / N
                rh -= fr * yt
                a += sigma * fr
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


# --- generated numba kernel ----------------------------------------------------------------


class _Printer(PythonCodePrinter):
    """Per-patch symbols indexed by k, per-sample ones by i (y -> yt[k], psih -> psih[i], ...)."""

    _NAMES = {"y": "yt[k]", "rh": "rh[k]", "dh": "dh[k]", "dbh": "dbh[i]", "psih": "psih[i]"}

    def __init__(self):
        super().__init__({"fully_qualified_modules": True})

    def _print_Symbol(self, expr):
        return self._NAMES.get(expr.name, expr.name)


_TEMPLATE = '''
# generated by bnproof.deviation_cnn from bnproof.symbolic.deviation (loss: {loss}); do not edit
''' + D.KERNEL_PRELUDE + '''

@njit(cache=True)
def advance_cnn(G, yt, f, rh, ints, eta, c, cP, P, nsteps, fold):
    N = yt.shape[0]
    n = N // P
    a = f[0]
    gamma = f[1]
    e = ints[0]
    parity = ints[1]
    dh = np.empty(N)
    dbh = np.empty(n)
    psih = np.empty(n)
    h = np.empty(N)
    dz = np.empty(N)
    for it in range(nsteps):
        sigma = math.ldexp(1.0, e)
        qh = 0.0
        for k in range(N):
            qh += rh[k] * rh[k]
        qh /= N
        q = sigma * sigma * qh
        s = math.sqrt(a * a + q)
        if a >= 0.0:
            apl = a + s
        else:
            apl = q / (s - a)
        gt = gamma * cP
        E = math.exp(-gt)
        lam0 = {lam0}
        for k in range(N):
            dh[k] = {delta}
        Psih = 0.0
        for i in range(n):
            acc = 0.0
            for p in range(P):
                acc += dh[i * P + p]
            dbh[i] = acc / P
            xh = -gt * dbh[i]
            phih = xh * _exprel(sigma * xh)
            psih[i] = {psi}
            Psih += {Psi_term}
        Psih /= n
        for k in range(N):
            i = k // P
            h[k] = {h}
        cf = eta * gamma * c * lam0 / n
        ydz = 0.0
        for k in range(N):
            acc = 0.0
            for l in range(N):
                acc += G[k, l] * h[l]
            dz[k] = cf * acc
            ydz += yt[k] * dz[k]
        ydz /= N
        dgam = {dgamma}
        a += sigma * ydz
        gamma += dgam
        for k in range(N):
            rh[k] += dz[k] - ydz * yt[k]
        if fold:
            # move r̂'s ỹ-component (rounding drift) into a; compensated sum (TwoSum)
            fs = 0.0
            flo = 0.0
            for k in range(N):
                x = yt[k] * rh[k]
                t = fs + x
                bb = t - fs
                flo += (fs - (t - bb)) + (x - bb)
                fs = t
            fr = (fs + flo) / N
            for k in range(N):
                rh[k] -= fr * yt[k]
            a += sigma * fr
        if a < 0.0 and gamma < 0.0:
            a = -a
            gamma = -gamma
            for k in range(N):
                rh[k] = -rh[k]
            parity = -parity
        mx = 0.0
        for k in range(N):
            mx = max(mx, abs(rh[k]))
        if mx > 0.0 and (mx > 4294967296.0 or mx < 2.3283064365386963e-10):
            kk = math.frexp(mx)[1]
            sc = math.ldexp(1.0, -kk)
            for k in range(N):
                rh[k] *= sc
            e += kk
    f[0] = a
    f[1] = gamma
    ints[0] = e
    ints[1] = parity
'''


def kernel_source(loss: str) -> str:
    """numba source of ``advance_cnn`` for ``loss``, every formula printed from :func:`cnn_program`."""
    prog = cnn_program(loss)
    p = _Printer().doprint
    return _TEMPLATE.format(loss=loss, lam0=p(prog.lam0), delta=p(prog.delta), psi=p(prog.psi),
                            Psi_term=p(prog.Psi_term), h=p(prog.h), dgamma=p(prog.dgamma))


_COMPILED: dict[str, object] = {}
_NUMBA_OK: dict[str, bool] = {}


def compiled_kernel(loss: str):
    """The generated module for ``loss`` in the shared kernel cache (numba's on-disk cache reused)."""
    if loss not in _COMPILED:
        _COMPILED[loss] = D.load_generated(kernel_source(loss), f"deviation_cnn_{loss}")
    return _COMPILED[loss]


def _call(mod, prob: CNNProblem, st: State, nsteps: int, fold: bool) -> None:
    mod.advance_cnn(prob.G, prob.yt, st.f, st.rh, st.ints, prob.eta, prob.c, float(prob.cP), prob.P,
                    int(nsteps), bool(fold))


def warm_up(prob: CNNProblem) -> bool:
    """Compile or load the kernel with a 0-step call; False (NumPy fallback) if numba is unusable."""
    if prob.loss in _NUMBA_OK:
        return _NUMBA_OK[prob.loss]
    ok = D.numba_available()
    if ok:
        try:
            _call(compiled_kernel(prob.loss), prob, State(np.array([1.0, 1.0, 0.0, 0.0]), np.zeros(prob.N),
                                                          np.zeros(prob.N), np.array([0, 1], dtype=np.int64)),
                  0, True)
        except Exception:  # noqa: BLE001 -- any numba failure (no LLVM, read-only cache, ...) means: use NumPy
            ok = False
    _NUMBA_OK[prob.loss] = ok
    return ok


def numba_usable(prob: CNNProblem) -> bool:
    """Whether the ``numba`` variant really runs compiled (else it falls back to NumPy)."""
    return warm_up(prob)


def advance(prob: CNNProblem, st: State, nsteps: int, *, variant: str = "numba", fold: bool = True) -> None:
    """Advance ``st`` in place by ``nsteps`` GD steps (``numba`` falls back to ``numpy`` if unusable)."""
    if nsteps <= 0:
        return
    if variant not in CNN_VARIANTS:
        raise ValueError(f"unknown CNN deviation variant {variant!r}; choose one of {CNN_VARIANTS}")
    if variant == "numba" and warm_up(prob):
        _call(compiled_kernel(prob.loss), prob, st, nsteps, fold)
    else:
        _advance_numpy(prob, st, nsteps, fold)


def run_deviation_cnn(prob: CNNProblem, st: State, steps: int, *, variant: str = "numba",
                      checkpoints: Sequence[int] | None = None, fold: bool = True,
                      progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run ``steps`` GD steps from ``st`` (copied), observables at checkpoints (as ``run_deviation``).

    The context name is ``deviation-cnn-<variant>`` (``deviation-cnn-numpy`` after a fallback).
    """
    if variant not in CNN_VARIANTS:
        raise ValueError(f"unknown CNN deviation variant {variant!r}; choose one of {CNN_VARIANTS}")
    if variant == "numba" and not warm_up(prob):
        variant = "numpy"
    cps = sorted(set(checkpoints) if checkpoints is not None else set(log_checkpoints(steps)))
    st = st.copy()
    traj = Trajectory(ctx_name=f"deviation-cnn-{variant}", dps=16)
    chunk = max(1, steps // 200) if progress is not None else steps
    kernel_s = 0.0

    def record(t: int) -> None:
        traj.t.append(t)
        with mpmath.workdps(_OBS_DPS):
            for key, val in observe(prob, st).items():
                traj.values.setdefault(key, []).append(mpmath.nstr(val, 17, min_fixed=0, max_fixed=0))
                traj.log10.setdefault(key, []).append(-math.inf if val == 0 else float(mpmath.log10(abs(val))))

    def step(k: int) -> None:
        nonlocal kernel_s
        t0 = time.perf_counter()
        advance(prob, st, k, variant=variant, fold=fold)
        kernel_s += time.perf_counter() - t0

    t = 0
    if cps and cps[0] == 0:
        record(0)
    for target in [c for c in cps if 0 < c <= steps]:
        while t < target:
            k = min(target - t, chunk - (t % chunk))
            step(k)
            t += k
            if not (np.all(np.isfinite(st.f)) and np.all(np.isfinite(st.rh))):
                raise FloatingPointError(f"CNN deviation engine: non-finite state by t = {t}")
            if progress is not None:
                progress(t, steps)
        record(t)
    if t < steps:
        step(steps - t)
    traj.final_state = st
    traj.elapsed_s = kernel_s
    traj.steps_per_s = steps / kernel_s if kernel_s > 0 else math.inf
    return traj
