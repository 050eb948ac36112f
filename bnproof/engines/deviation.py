r"""Late-time engine for the BN linear model: the cancellation-free deviation dynamics.

GD on (w, γ) of the Cao et al. (COLT 2023) BN linear model, iterated in the deviation form
derived in :mod:`bnproof.symbolic.deviation`:

    z = X w = a·y + σ r̂,  r̂ ⊥ y,  σ = 2^e  (scaled: r̂ = O(1) whatever the gap),
    δ̂_i = (y_i r̂_i - σ q̂/(a+s))/s,   φ̂_i = x̂_i·expm1(σx̂_i)/(σx̂_i),  x̂_i = -γ δ̂_i,
    z ← z - η G ∂L/∂z,  ∂L/∂z_j = -(γλ_0/n) σ h_j,   γ ← γ + η λ_0 (a + σP̂)/s,

followed by the *fold*: the y-component that rounding leaves in r̂ is moved into a (without
it, r drifts off y⊥ and that drift alone floors the gap at about 1e-16).  Every term is
O(r) or O(ψ) and computed to full relative precision, so float64 carries about 12-14
correct digits of the gap at any magnitude, and the scaled representation keeps it clear
of float64 underflow (the exponent e is an integer; gaps of 1e-10000 are fine).

Three implementations of the same step, all printed from the same SymPy program:

* ``numpy`` -- the reference: vectorised NumPy, one Python-level step at a time;
* ``numba`` -- the compiled float64 kernel (generated source, ``numba.njit(cache=True)``);
* ``numba-dd`` -- the same kernel with a double-double *state*: a, γ and r̂ are stored as
  unevaluated sums hi + lo and updated with Knuth's TwoSum, increments in float64.  Per-step
  rounding is then relative to the increment, not to the state, which removes the dominant
  error of long runs (1e8 steps).  No library offers double-double arithmetic inside numba
  kernels, so TwoSum is written out here.

Observables (gap, γ, s, loss) are evaluated from the state in mpmath at 40 digits, so the
recorded decimal strings carry every digit the state has.

numba rather than SymPy-generated C built at install time: CI installs from pyproject on a
bare machine with no guaranteed C compiler, and numba ships LLVM in its wheel.  It is
imported lazily, so ``import bnproof`` stays fast and the NumPy path works without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from bnproof.engines.runner import Trajectory, log_checkpoints
from bnproof.symbolic import deviation as dv

__all__ = ["Problem", "State", "VARIANTS", "problem_from_data", "initial_state", "observe", "advance",
           "run_deviation", "kernel_source", "numba_available", "compiled_kernel", "load_generated", "KERNEL_PRELUDE", "warm_up"]

VARIANTS = ("numpy", "numba", "numba-dd")
_OBS_DPS = 40  # digits of the mpmath evaluation of observables


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


@dataclass
class State:
    """Mutable engine state (the kernels update the arrays in place).

    ``f`` = [a, γ, a_lo, γ_lo] (γ in the frame where a ≥ 0 once a and γ both turned
    negative), ``rh``/``rh_lo`` = r̂ (hi, lo), ``ints`` = [e, parity]: z = parity·(a y + 2^e r̂)
    and the model's γ is parity·γ -- GD is equivariant under (z, γ) -> (-z, -γ).
    """

    f: np.ndarray
    rh: np.ndarray
    rh_lo: np.ndarray
    ints: np.ndarray = field(default_factory=lambda: np.array([0, 1], dtype=np.int64))

    def copy(self) -> "State":
        return State(self.f.copy(), self.rh.copy(), self.rh_lo.copy(), self.ints.copy())


def problem_from_data(X: np.ndarray, y: np.ndarray, eta: str, loss: str, center: bool = False) -> Problem:
    """G = X Xᵀ (centred: Q X Xᵀ Q) computed at 40 digits, then rounded once to float64."""
    Xm = _mp_rows(X, center)
    n = len(Xm)
    G = np.array([[float(mpmath.fdot(Xm[i], Xm[j])) for j in range(n)] for i in range(n)])
    y = np.asarray(y, dtype=np.float64)
    if center and y.sum() != 0:
        raise ValueError("the deviation engine with centred BN needs balanced labels (Σ y_i = 0)")
    return Problem(G=G, y=y, eta=float(eta), loss=loss, eta_str=str(eta), center=bool(center))


def _mp_rows(X: np.ndarray, center: bool) -> list[list]:
    with mpmath.workdps(_OBS_DPS):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in np.asarray(X, dtype=np.float64)]
        if center:
            n, d = len(rows), len(rows[0])
            mean = [mpmath.fsum(r[k] for r in rows) / n for k in range(d)]
            rows = [[r[k] - mean[k] for k in range(d)] for r in rows]
        return rows


def initial_state(X: np.ndarray, y: np.ndarray, w0: np.ndarray, gamma0: float = 1.0,
                  center: bool = False) -> State:
    """State for z0 = X w0 (at 40 digits): a = ⟨y, z0⟩/n, r = z0 - a y, scaled so max|r̂| ∈ [1/2, 1)."""
    with mpmath.workdps(_OBS_DPS):
        Xm = _mp_rows(X, center)
        wm = [mpmath.mpf(float(v)) for v in w0]
        z = [mpmath.fdot(row, wm) for row in Xm]
        ys = [int(v) for v in y]
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


def _obs_fns(loss: str) -> tuple[Callable, Callable]:
    """δ(y, r, q, a+s, s) and ℓ(γ m)(γ, δ, φ, E) from the SymPy program, unscaled (σ = 1), for mpmath."""
    if loss not in _OBS_CACHE:
        prog = dv.deviation_program(loss)
        delta = sp.lambdify((dv.yj, dv.rh, dv.qh, dv.apl, dv.s), prog.delta.subs(dv.sigma, 1), modules="mpmath")
        lt = sp.lambdify((dv.gamma, dv.dh, dv.phih, dv.E), prog.loss_term.subs(dv.sigma, 1), modules="mpmath")
        _OBS_CACHE[loss] = (delta, lt)
    return _OBS_CACHE[loss]


def observe(prob: Problem, st: State) -> dict[str, mpmath.mpf]:
    """gap = max_i |sign(γ)·m_i - 1|, γ, s = ‖w‖_Σ, loss, evaluated at 40 digits from (hi + lo)."""
    with mpmath.workdps(_OBS_DPS):
        e, parity = int(st.ints[0]), int(st.ints[1])
        a = mpmath.mpf(float(st.f[0])) + mpmath.mpf(float(st.f[2]))
        g = mpmath.mpf(float(st.f[1])) + mpmath.mpf(float(st.f[3]))
        two_e = mpmath.ldexp(mpmath.mpf(1), e)
        r = [(mpmath.mpf(float(h)) + mpmath.mpf(float(lo))) * two_e for h, lo in zip(st.rh, st.rh_lo)]
        ys = [int(v) for v in prob.y]
        n = len(r)
        q = mpmath.fsum(v * v for v in r) / n
        s = mpmath.sqrt(a * a + q)
        apl = a + s if a >= 0 else q / (s - a)
        f_delta, lf = _obs_fns(prob.loss)
        delta = [f_delta(yi, ri, q, apl, s) for yi, ri in zip(ys, r)]
        gap = max(abs(d) for d in delta) if g >= 0 else max(abs(2 + d) for d in delta)
        loss = mpmath.fsum(lf(g, d, mpmath.expm1(-g * d), mpmath.exp(-g)) for d in delta) / n
        return {"gap": gap, "gamma": parity * g, "s": s, "loss": loss}


# --- generated kernels ---------------------------------------------------------------------


class _KernelPrinter(PythonCodePrinter):
    """Python printer with per-sample symbols indexed (y -> y[i], ...)."""

    def __init__(self, index: str):
        super().__init__({"fully_qualified_modules": True})
        self._index = index

    def _print_Symbol(self, expr):
        if expr.name in ("y", "rh", "dh", "psih"):
            return f"{expr.name}[{self._index}]"
        return expr.name


# Imports and helpers every generated numba module starts with (no braces: the templates are
# filled with str.format).
KERNEL_PRELUDE = '''import math
import numpy as np
from numba import njit


@njit(cache=True)
def _exprel(x):
    # expm1(x)/x, = 1 at x = 0 (also when σx̂ underflows)
    if x == 0.0:
        return 1.0
    return math.expm1(x) / x
'''

_TEMPLATE = '''
# generated by bnproof.deviation from bnproof.symbolic.deviation (loss: {loss}); do not edit
''' + KERNEL_PRELUDE + '''

@njit(cache=True)
def _dd_add(hi, lo, x):
    # (hi + lo) + x with Knuth's TwoSum, renormalised with Fast2Sum
    s = hi + x
    bb = s - hi
    err = (hi - (s - bb)) + (x - bb)
    lo = lo + err
    t = s + lo
    return t, lo - (t - s)


@njit(cache=True)
def advance_VARIANT(G, y, f, rh, rhlo, ints, eta, nsteps, fold, center):
    n = y.shape[0]
    a = f[0]
    gamma = f[1]
    alo = f[2]
    glo = f[3]
    e = ints[0]
    parity = ints[1]
    dh = np.empty(n)
    psih = np.empty(n)
    h = np.empty(n)
    dz = np.empty(n)
    for it in range(nsteps):
        sigma = math.ldexp(1.0, e)
        qh = 0.0
        for i in range(n):
            qh += rh[i] * rh[i]
        qh /= n
        q = sigma * sigma * qh  # may underflow: only ever added to O(1) numbers
        s = math.sqrt(a * a + q)
        if a >= 0.0:
            apl = a + s
        else:
            apl = q / (s - a)  # exact: (s + a)(s - a) = q, no cancellation
        E = math.exp(-gamma)
        lam0 = {lam0}
        si = 1.0 / s
{pre}
        Ph = 0.0
        for i in range(n):
            dh[i] = {delta}
            xh = -gamma * dh[i]
            phih = xh * _exprel(sigma * xh)
            psih[i] = {psi}
            Ph += {p_term}
        Ph /= n
{pre_h}
        for i in range(n):
            h[i] = {h}
        c = eta * gamma * lam0 / n
        ydz = 0.0
        for i in range(n):
            acc = 0.0
            for k in range(n):
                acc += G[i, k] * h[k]
            dz[i] = c * acc
            ydz += y[i] * dz[i]
        ydz /= n
        dgam = {dgamma}
        if DD:
            a, alo = _dd_add(a, alo, sigma * ydz)
            gamma, glo = _dd_add(gamma, glo, dgam)
            for i in range(n):
                rh[i], rhlo[i] = _dd_add(rh[i], rhlo[i], dz[i] - ydz * y[i])
        else:
            a += sigma * ydz
            gamma += dgam
            for i in range(n):
                rh[i] += dz[i] - ydz * y[i]
        if fold:
            # move r̂'s y-component (rounding drift) into a
            fs = 0.0
            flo = 0.0
            for i in range(n):
                fs, flo = _dd_add(fs, flo, y[i] * rh[i])
                if DD:
                    fs, flo = _dd_add(fs, flo, y[i] * rhlo[i])
            fr = (fs + flo) / n
            for i in range(n):
                if DD:
                    rh[i], rhlo[i] = _dd_add(rh[i], rhlo[i], -fr * y[i])
                else:
                    rh[i] -= fr * y[i]
            if DD:
                a, alo = _dd_add(a, alo, sigma * fr)
            else:
                a += sigma * fr
        if center:
            # centred BN: z = QXw ⊥ 1 exactly (and Σ y = 0), but the rounded G leaks into 1
            fs = 0.0
            flo = 0.0
            for i in range(n):
                fs, flo = _dd_add(fs, flo, rh[i])
                if DD:
                    fs, flo = _dd_add(fs, flo, rhlo[i])
            fr = (fs + flo) / n
            for i in range(n):
                if DD:
                    rh[i], rhlo[i] = _dd_add(rh[i], rhlo[i], -fr)
                else:
                    rh[i] -= fr
        if a < 0.0 and gamma < 0.0:
            # (z, γ) -> (-z, -γ) is an exact symmetry of GD; work where the limit is m = +1
            a = -a
            alo = -alo
            gamma = -gamma
            glo = -glo
            for i in range(n):
                rh[i] = -rh[i]
                rhlo[i] = -rhlo[i]
            parity = -parity
        mx = 0.0
        for i in range(n):
            mx = max(mx, abs(rh[i]))
        if mx > 0.0 and (mx > 4294967296.0 or mx < 2.3283064365386963e-10):
            k = math.frexp(mx)[1]  # exact power-of-two rescale
            sc = math.ldexp(1.0, -k)
            for i in range(n):
                rh[i] *= sc
                rhlo[i] *= sc
            e += k
    f[0] = a
    f[1] = gamma
    f[2] = alo
    f[3] = glo
    ints[0] = e
    ints[1] = parity
'''


def kernel_source(loss: str) -> str:
    """Python/numba source of the float64 and double-double kernels for ``loss``."""
    prog = dv.deviation_program(loss)
    p = _KernelPrinter("i").doprint
    head, body = _TEMPLATE.split("@njit(cache=True)\ndef advance_VARIANT", 1)
    body = "@njit(cache=True)\ndef advance_VARIANT" + body
    # two top-level functions (distinct names, so numba's on-disk cache keeps them apart);
    # DD is a literal, so the unused branches are dead code for LLVM
    src = head + body.replace("VARIANT", "f64").replace("if DD:", "if False:") + "\n\n" + \
        body.replace("VARIANT", "dd").replace("if DD:", "if True:")
    pre_d, delta = _hoist(prog.delta, "cd", p)
    pre_p, p_term = _hoist(prog.p_term, "cp", p)
    pre_h, h = _hoist(prog.h, "ch", p)
    ind = " " * 8
    return src.format(loss=loss, lam0=p(prog.lam0), delta=delta, psi=p(prog.psi), p_term=p_term, h=h,
                      dgamma=p(prog.dgamma), pre="\n".join(ind + x for x in pre_d + pre_p),
                      pre_h="\n".join(ind + x for x in pre_h))


_PER_SAMPLE = (dv.yj, dv.rh, dv.dh, dv.phih, dv.psih)
_SI = sp.Symbol("si", positive=True)  # 1/s, computed once per step


def _hoist(expr: sp.Expr, name: str, p: Callable) -> tuple[list[str], str]:
    """Loop-invariant hoisting, done by SymPy: expr = Σ_k c_k·(per-sample monomial)_k.

    With s -> 1/si the per-element work has no division; the coefficients c_k are printed
    once per step (e.g. h_j = c0·y_j + c1·y_j ψ̂_j + c2·r̂_j).  An exact rearrangement.
    """
    e = sp.expand(expr.subs(dv.s, 1 / _SI))
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(e):
        coef, mono = term.as_independent(*_PER_SAMPLE, as_Add=False)
        groups[mono] = groups.get(mono, 0) + coef
    lines, parts = [], []
    for k, (mono, coef) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        coef = sp.factor(coef)
        if coef.is_number:
            parts.append(f"({p(coef)})*{p(mono)}")
        else:
            lines.append(f"{name}{k} = {p(coef)}")
            parts.append(f"{name}{k}*{p(mono)}" if mono != 1 else f"{name}{k}")
    return lines, " + ".join(parts)


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _cache_dir() -> Path:
    base = os.environ.get("BNPROOF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "bnproof")
    path = Path(base) / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError:
        path = Path(tempfile.gettempdir()) / f"bnproof-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"
        path.mkdir(parents=True, exist_ok=True)
    return path


_COMPILED: dict[str, object] = {}


def compiled_kernel(loss: str):
    """The generated module for ``loss`` (``advance_f64``, ``advance_dd``), numba-compiled.

    The source is written to a cache directory under a name that hashes its content, so
    numba's on-disk cache (``cache=True``) is reused across processes: the first run
    compiles (a few seconds), later runs load machine code.
    """
    if loss not in _COMPILED:
        _COMPILED[loss] = load_generated(kernel_source(loss), f"deviation_{loss}")
    return _COMPILED[loss]


def load_generated(src: str, stem: str):
    """Import generated source from the kernel cache directory under ``stem`` + a hash of its content.

    A stable file name lets numba's on-disk cache (``cache=True``) be reused across processes.
    """
    digest = hashlib.sha256(src.encode()).hexdigest()[:16]
    path = _cache_dir() / f"{stem}_{digest}.py"
    if not path.exists() or path.read_text() != src:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(src)
        os.replace(tmp, path)  # atomic: concurrent processes never see a half-written file
    spec = importlib.util.spec_from_file_location(f"bnproof_{stem}_{digest}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # numba's cache loader re-imports the module by name
    spec.loader.exec_module(mod)
    return mod


# --- NumPy reference -------------------------------------------------------------------------


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
    a, gamma, e, parity = float(st.f[0]), float(st.f[1]), int(st.ints[0]), int(st.ints[1])
    rh = st.rh
    with np.errstate(under="ignore"):
        for _ in range(nsteps):
            sigma = math.ldexp(1.0, e)
            qh = float(rh @ rh) / n
            q = sigma * sigma * qh
            s = math.sqrt(a * a + q)
            apl = a + s if a >= 0 else q / (s - a)
            E = math.exp(-gamma)
            lam0 = float(f_lam0(gamma))
            kw = dict(y=y, rh=rh, a=a, s=s, sigma=sigma, qh=qh, apl=apl, gamma=gamma, E=E, lam0=lam0,
                      eta=eta, psih=0.0, Ph=0.0, phih=0.0)
            dh = f_delta(**kw)
            xh = -gamma * dh
            x = sigma * xh
            safe = np.where(x == 0, 1.0, x)
            kw["phih"] = xh * np.where(x == 0, 1.0, np.expm1(safe) / safe)  # x̂·expm1(σx̂)/(σx̂)
            kw["psih"] = f_psi(**kw)
            kw["Ph"] = float(np.mean(f_p(**kw)))
            dz = (eta * gamma * lam0 / n) * (G @ f_h(**kw))
            ydz = float(y @ dz) / n
            dgam = float(f_dg(**kw))
            a += sigma * ydz
            gamma += dgam
            rh += dz - ydz * y
            if fold:
                fr = math.fsum(y * rh) / n
                rh -= fr * y
                a += sigma * fr
            if prob.center:
                rh -= math.fsum(rh) / n
            if a < 0 and gamma < 0:
                a, gamma, parity = -a, -gamma, -parity
                rh *= -1
            mx = float(np.max(np.abs(rh)))
            if mx > 0 and (mx > 2.0**32 or mx < 2.0**-32):
                k = math.frexp(mx)[1]
                rh *= math.ldexp(1.0, -k)
                e += k
    st.f[0], st.f[1] = a, gamma
    st.ints[0], st.ints[1] = e, parity


def advance(prob: Problem, st: State, nsteps: int, *, variant: str = "numba", fold: bool = True) -> None:
    """Advance ``st`` in place by ``nsteps`` GD steps with one implementation."""
    if nsteps <= 0:
        return
    if variant != "numba-dd":
        st.rh_lo[:] = 0.0  # a float64 state has no low parts
        st.f[2:] = 0.0
    if variant == "numpy":
        _advance_numpy(prob, st, nsteps, fold)
        return
    mod = compiled_kernel(prob.loss)
    fn = mod.advance_dd if variant == "numba-dd" else mod.advance_f64
    fn(prob.G, prob.y, st.f, st.rh, st.rh_lo, st.ints, prob.eta, int(nsteps), bool(fold), prob.center)


def warm_up(prob: Problem, variant: str = "numba") -> None:
    """Compile (first run) or load (later runs) the kernel of ``variant`` with a 0-step call."""
    if variant == "numpy":
        return
    mod = compiled_kernel(prob.loss)
    fn = mod.advance_dd if variant == "numba-dd" else mod.advance_f64
    n = prob.n
    fn(prob.G, prob.y, np.array([1.0, 1.0, 0.0, 0.0]), np.zeros(n), np.zeros(n), np.array([0, 1], dtype=np.int64),
       prob.eta, 0, True, prob.center)


_DIGITS = {"numpy": 17, "numba": 17, "numba-dd": 32}


def run_deviation(prob: Problem, st: State, steps: int, *, variant: str = "numba",
                  checkpoints: Sequence[int] | None = None, fold: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run ``steps`` GD steps from ``st`` (copied), recording observables at checkpoints.

    Returns a :class:`~bnproof.dynamics.Trajectory` (context name ``deviation-<variant>``),
    whose ``final_state`` is the engine :class:`State`.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown deviation variant {variant!r}; choose one of {VARIANTS}")
    if variant != "numpy":
        warm_up(prob, variant)  # compile (or load from numba's cache) outside the timed loop
    cps = sorted(set(checkpoints) if checkpoints is not None else set(log_checkpoints(steps)))
    st = st.copy()
    digits = _DIGITS[variant]
    traj = Trajectory(ctx_name=f"deviation-{variant}", dps=digits - 1)
    chunk = max(1, steps // 200) if progress is not None else steps
    kernel_s = 0.0

    def record(t: int) -> None:
        traj.t.append(t)
        with mpmath.workdps(_OBS_DPS):
            for key, val in observe(prob, st).items():
                traj.values.setdefault(key, []).append(mpmath.nstr(val, digits, min_fixed=0, max_fixed=0))
                traj.log10.setdefault(key, []).append(-math.inf if val == 0 else float(mpmath.log10(abs(val))))

    t = 0
    if cps and cps[0] == 0:
        record(0)
    for target in [c for c in cps if 0 < c <= steps]:
        while t < target:
            k = min(target - t, chunk - (t % chunk) if chunk else target - t)
            t0 = time.perf_counter()
            advance(prob, st, k, variant=variant, fold=fold)
            kernel_s += time.perf_counter() - t0
            t += k
            if not (np.all(np.isfinite(st.f)) and np.all(np.isfinite(st.rh))):
                # far outside the theorem's regime (e.g. a step size so large that γ or ‖w‖ blow up)
                raise FloatingPointError(f"deviation engine: non-finite state by t = {t}")
            if progress is not None:
                progress(t, steps)
        record(t)
    if t < steps:
        t0 = time.perf_counter()
        advance(prob, st, steps - t, variant=variant, fold=fold)
        kernel_s += time.perf_counter() - t0
    traj.final_state = st
    traj.elapsed_s = kernel_s
    traj.steps_per_s = steps / kernel_s if kernel_s > 0 else math.inf
    return traj
