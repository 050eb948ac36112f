r"""Cao, Zou, Li, Gu (COLT 2023): the two-layer single-filter linear CNN with BN.

Model (reference notes §1.3, [recon] as a whole): patches x_i = (x_i^(1), …, x_i^(P)) in R^d,
one shared filter w, BN statistics pooled over the batch and the patches,

    f(w, γ; x_i) = γ · c Σ_p ⟨w, x_i^(p)⟩ / ‖w‖_Σ,   Σ = (1/(nP)) Σ_{i,p} x_i^(p) x_i^(p)ᵀ,

with c = 1/P (``pooling=average``, default) or c = 1 (``pooling=sum``).

Claims checked here:

* ``cao2023.cnn.patchwise-uniform`` -- GD on (w, γ) drives every normalised *patch* margin
  sign(γ)·m_ip = sign(γ)·y_i⟨w, x_i^(p)⟩/‖w‖_Σ to 1 (patch-wise uniform margin; the concept is in
  the abstract [paper], the formula is [recon]).  The record also reports the *sample* gap
  max_i |sign(γ)·(1/P)Σ_p m_ip - 1|, which closes much earlier: patch-wise ≠ sample-wise.
* ``cao2023.cnn.rate`` -- at rate exp(-Ω(log² t)) ([recon] for the CNN).  Our linearisation
  [derived] (``bnproof.symbolic.bn_cnn.prove_linearisation``) gives

      Δδ ≈ -η γ c r(γ̃)/(n s²) · Q K (ρ B + I) δ,   γ̃ = γcP, ρ = -γ̃ r'(γ̃)/r(γ̃),

  (K = D_y G D_y on the nP patches, B the block-averaging projector, Q = I - 11ᵀ/(nP)).  The
  within-sample patch modes only feel the "I" part, so the patch gap decays like
  exp(-c∞ log²(η(cP)²t)) with c∞ = λ_min(Schur complement of K on ker B)/(2nPs²(cP)²): the
  paper's exponent 2 is *tight* for the CNN, unlike the linear model's log³.

Pipeline: ``symbolic.bn_cnn`` -> ``templates.bn_cnn`` (kernels) -> ``dynamics.run`` + audit ->
``rates`` -> record.

Engines (``--param engine``, as for the linear claims in :mod:`bnproof.papers.cao2023`):
``multiprecision`` is that pipeline; ``deviation`` is :mod:`bnproof.deviation_cnn`, GD on the
cancellation-free deviation form (``symbolic.deviation.cnn_grad_template``), compiled float64,
audited against its NumPy reference over the whole horizon and cross-validated against the
multiprecision engine on the first ``xval_steps`` steps; ``auto`` (default) picks ``deviation``
unless ``--param arith`` asks for an arithmetic.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.data import Dataset, validate
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES, Context, get_context
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.engines.audit import Audit, agreeing_digits, precision_audit
from bnproof.engines.runner import Trajectory, log_checkpoints, run
from bnproof.kernels.bn_cnn import CNNKernel, compile_cnn_kernel
from bnproof.papers.cao2023 import (
    CITATION,
    ENGINES,
    MIN_DIGITS,
    _audit_context,
    _late,
    _precision_record,
    _stalls,
    fits_by,
    loss_and_eta,
    lost_precision,
)
from bnproof.symbolic import bn_cnn, bn_linear

__all__ = ["CNNRun", "gaussian_patch_instance", "stacked", "patchwise_solution", "simulate", "simulate_deviation",
           "slow_eigenvalue", "asymptotic_rate", "linearised_intensity"]

#: gap at the start of the late window above which the linearisation (and so a rate) is not
#: yet meaningful: the rate check is then inconclusive, never refuted.
ASYMPTOTIC_GAP = 1e-2

_MODEL_PARAMS = (
    Param("n", 4, "samples in the generated instance (ignored with --data)", int),
    Param("P", 3, "patches per sample in the generated instance (ignored with --data)", int),
    Param("d", 48, "patch dimension of the generated instance (ignored with --data); nP ≤ d makes a "
                   "patch-wise uniform solution exist generically", int),
    Param("w0_scale", 1.0, "‖w0‖ of the generated instance", float, lo=0, lo_open=True),
    Param("pooling", "average", "second layer: average (f = γ·mean_p⟨w,x⁽ᵖ⁾⟩/‖w‖_Σ) or sum pooling; "
                                "the paper's convention is unconfirmed [recon]", str, bn_cnn.POOLINGS),
    Param("arith", "flint", "arithmetic context of the multiprecision engine (the main run with "
          "engine=multiprecision, else the cross-check); giving it makes engine=auto choose multiprecision",
          str, CONTEXT_NAMES),
    Param("audit_dps", 0, "digits of the precision-audit rerun (0: 2·dps + 10)", int, lo=0),
    Param("audit", True, "run the precision audit (a record without it cannot be verified)", bool),
    Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1),
    Param("enforce_assumptions", True,
          "return `inapplicable` when no patch-wise uniform solution exists (false: run anyway)", bool),
)
# Engine choice: the same parameters (names, defaults, semantics) as the linear claims' _ENGINE_PARAMS.
_ENGINE_PARAMS = (
    Param("engine", "auto",
          "GD engine: `deviation` (cancellation-free float64 deviation form, compiled; audited against its NumPy "
          "reference and cross-validated against the multiprecision engine), `multiprecision` (the nP-dim "
          "recursion at --dps), `auto` (deviation unless --param arith is given)", str, ENGINES),
    Param("xval_steps", 10_000,
          "deviation engine: steps of the multiprecision cross-validation run (capped at --steps)", int),
)
_DEFAULTS = {"dps": 80, "steps": 50_000, "eta": "0.1", "loss": "exp", "quick_steps": 5_000}


# --- data and assumptions ------------------------------------------------------------------


def gaussian_patch_instance(seed: int, n: int, P: int, d: int, w0_scale: float = 1.0) -> Dataset:
    """x_i^(p) ~ N(0, I_d) i.i.d., random ±1 labels, w0 ~ N(0, I_d) scaled to norm ``w0_scale``."""
    if n < 2 or P < 1 or d < 1:
        raise BadInput(f"--param n must be >= 2, P >= 1 and d >= 1, got n={n}, P={P}, d={d}")
    if not (math.isfinite(w0_scale) and w0_scale > 0):
        raise BadInput(f"--param w0_scale must be a positive number, got {w0_scale}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, P, d))
    y = rng.choice(np.array([-1, 1]), size=n)
    w0 = rng.standard_normal(d)
    w0 *= w0_scale / np.linalg.norm(w0)
    return validate(X, y, w0, source=f"generated patches(seed={seed}, n={n}, P={P}, d={d}, w0_scale={w0_scale})")


def stacked(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(X_s, ỹ): the nP×d stacked patches (sample-major) and the labels repeated per patch."""
    return data.X.reshape(data.n * data.P, data.d), np.repeat(data.y.astype(float), data.P)


def patchwise_solution(data: Dataset) -> tuple[bool, str, float]:
    """Does some w give y_i⟨w, x_i^(p)⟩ = 1 for every i, p?  Iff ỹ ∈ range(X_s).

    Returns (exists, reason, lower bound).  The bound b = dist(ỹ, range(X_s))/sqrt(nP) holds for
    *every* w: sign(γ)·m(w) lies in D_ỹ·range(X_s), so max_ip |sign(γ) m_ip - 1| ≥ ‖m - 1‖/sqrt(nP) ≥ b.
    """
    Xs, yp = stacked(data)
    sol, *_ = np.linalg.lstsq(Xs, yp, rcond=None)
    dist = float(np.linalg.norm(Xs @ sol - yp))
    resid = dist / float(np.linalg.norm(yp))
    if resid > 1e-8:
        return False, (f"no patch-wise uniform-margin solution: the stacked {Xs.shape[0]}×{Xs.shape[1]} system "
                       f"y_i⟨w, x_i^(p)⟩ = 1 is inconsistent (relative residual {resid:.2e}; nP > d?)"), \
            dist / math.sqrt(len(yp))
    return True, "a patch-wise uniform-margin solution exists (the stacked system is consistent)", 0.0


def _instance(claim: Claim, config: RunConfig) -> Dataset:
    if config.data is not None:
        if config.data.kind != "patches":
            raise BadInput(f"{claim.id} needs patch data X of shape n×P×d, got {config.data.X.shape}")
        return config.data
    return gaussian_patch_instance(config.seed, claim.param(config, "n"), claim.param(config, "P"),
                                   claim.param(config, "d"), claim.param(config, "w0_scale"))


# --- the run -------------------------------------------------------------------------------


def _patch_system(ctx: Context, data: Dataset, w0: np.ndarray):
    """(G, z0, X_s rows) in ``ctx``: the nP×nP patch Gram matrix and z0 = X_s w0."""
    Xs, _ = stacked(data)
    rows = [ctx.vector(row) for row in Xs]
    w = ctx.vector(w0)
    G = ctx.matrix([[ctx.sum([a * b for a, b in zip(xi, xj)]) for xj in rows] for xi in rows])
    z0 = ctx.state_vector([ctx.sum([a * b for a, b in zip(xi, w)]) for xi in rows])
    return G, z0, rows


def simulate(data: Dataset, *, loss: str, eta: str, steps: int, ctx: Context, pooling: str = "average",
             checkpoints: list[int] | None = None, progress=None) -> tuple[Trajectory, CNNKernel]:
    """GD on (w, γ), γ0 = 1, via the exact nP-dimensional recursion in z_ip = ⟨w, x_i^(p)⟩.

    Observables at checkpoints: ``gap`` (patch gap), ``sample_gap``, ``gamma``, ``s`` = ‖w‖_Σ, ``loss``.
    """
    program = bn_cnn.step_program(loss, pooling)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        G, z0, _ = _patch_system(ctx, data, w0)
        kernel = compile_cnn_kernel(program, ctx, G=G, y=data.y, P=data.P, eta=ctx.num(eta))
        gamma0 = ctx.num(1)

    def observe(z, gamma):
        s, _ = kernel.margins(z, gamma)
        return {"gap": kernel.gap(z, gamma), "sample_gap": kernel.sample_gap(z, gamma), "gamma": gamma,
                "s": s, "loss": kernel.loss(z, gamma)}

    traj = run(ctx, kernel.step, (z0, gamma0), steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


@dataclass(frozen=True)
class CNNRun:
    """One audited run of GD on the BN CNN, with everything a check needs."""

    data: Dataset
    loss: str
    eta: str
    pooling: str
    trajectory: Trajectory
    audit: Audit | None
    patch_margins: list[list[str]]  # sign(γ)·m_ip at the horizon, n rows of P
    sample_margins: list[str]  # sign(γ)·(1/P)Σ_p m_ip at the horizon
    direction: list[str]  # unit vector of the row-space part of sign(γ)·w_T ([] if G is singular)
    expected_direction: list[str]  # unit ŵ = X_sᵀ G⁻¹ ỹ
    s_final: float
    engine: dict | None = None  # deviation engine: its audits and cross-validation (None: multiprecision)


def _options(claim: Claim, config: RunConfig) -> dict[str, Any]:
    loss, eta = loss_and_eta(claim, config)
    dps = int(claim.option(config, "dps"))
    if dps < 15:
        raise BadInput(f"--dps must be at least 15, got {dps}")
    steps = int(claim.defaults["quick_steps"] if config.quick and config.steps is None
                else claim.option(config, "steps"))
    if steps < 10:
        raise BadInput(f"--steps must be at least 10, got {steps}")
    return {"loss": loss, "eta": eta, "dps": dps, "steps": steps, "pooling": claim.param(config, "pooling")}


def _direction(ctx: Context, data: Dataset, v: list) -> list[str]:
    """Unit vector of X_sᵀ G⁻¹ v (the row-space part of w when v = X_s w)."""
    with ctx.scope():
        G, _, rows = _patch_system(ctx, data, np.zeros(data.d))
        c = ctx.solve(G, v)
        w = [ctx.sum([c[i] * rows[i][k] for i in range(len(rows))]) for k in range(data.d)]
        norm = ctx.namespace()["sqrt"](ctx.sum([x * x for x in w]))
        return [ctx.to_str(x / norm, 25) for x in w]


def audited_run(claim: Claim, config: RunConfig, data: Dataset) -> CNNRun:
    opts = _options(claim, config)
    ctx = get_context(claim.param(config, "arith"), opts["dps"])
    audit_dps = claim.param(config, "audit_dps") or 2 * opts["dps"] + 10
    cps = log_checkpoints(opts["steps"], claim.param(config, "per_decade"))

    def progress(label):
        return None if config.progress is None else (lambda t, total: config.progress(label, t, total))

    fallback = None
    if _engine(claim, config) == "deviation":
        try:
            return _deviation_run(claim, config, data, opts, ctx, cps, progress)
        except FloatingPointError as exc:  # float64 overflow far from the theorem's regime
            fallback = {"engine": "multiprecision", "fallback": f"{exc}; rerun with the multiprecision engine"}
    common = dict(loss=opts["loss"], eta=opts["eta"], steps=opts["steps"], pooling=opts["pooling"], checkpoints=cps)
    traj, kernel = simulate(data, ctx=ctx, progress=progress(f"{claim.id} ({ctx.name}, {ctx.dps} dps)"), **common)
    audit = None
    if claim.param(config, "audit"):
        actx = _audit_context(ctx, audit_dps)
        rerun, _ = simulate(data, ctx=actx, progress=progress(f"{claim.id} audit ({actx.name}, {actx.dps} dps)"),
                            **common)
        audit = precision_audit(traj, rerun, ["gap", "sample_gap", "gamma"])
    z, gamma = traj.final_state
    with ctx.scope():
        zn = ctx.aslist(z)  # native for the kernels (a NumPy array in float64)
        zl = list(zn)
        s, m = kernel.margins(zn, gamma)
        sg = 1 if ctx.to_float(gamma) >= 0 else -1
        flat = [ctx.to_str(sg * v, 25) for v in m]
        patch = [flat[i * data.P:(i + 1) * data.P] for i in range(data.n)]
        sample = [ctx.to_str(sg * v, 25) for v in kernel.sample_margins(zn, gamma)]
        s_final = ctx.to_float(s)
    Xs, yp = stacked(data)
    invertible = np.linalg.matrix_rank(Xs @ Xs.T) == len(yp) and patchwise_solution(data)[0]
    direction = _direction(ctx, data, [sg * v for v in zl]) if invertible else []
    expected = _direction(ctx, data, list(yp)) if invertible else []
    return CNNRun(data=data, loss=opts["loss"], eta=opts["eta"], pooling=opts["pooling"], trajectory=traj,
                  audit=audit, patch_margins=patch, sample_margins=sample, direction=direction,
                  expected_direction=expected, s_final=s_final, engine=fallback)


def _engine(claim: Claim, config: RunConfig) -> str:
    """``auto`` is the deviation engine unless ``--param arith`` asks for an arithmetic."""
    if not any(p.name == "engine" for p in claim.params):
        return "multiprecision"
    engine = claim.param(config, "engine")
    if engine == "auto":
        return "multiprecision" if "arith" in config.params else "deviation"
    return engine


def simulate_deviation(data: Dataset, *, loss: str, eta: str, steps: int, pooling: str = "average",
                       checkpoints: list[int] | None = None, variant: str = "numba", progress=None) -> Trajectory:
    """GD on (w, γ), γ0 = 1, with :mod:`bnproof.deviation_cnn`; the observables of :func:`simulate`.

    ``numba`` falls back to ``numpy`` when numba is unusable (the trajectory's ctx_name says which ran).
    """
    from bnproof.engines import (
        deviation_cnn as dc,  # lazily: keeps numba and the kernels out of `import bnproof`
    )

    prob = dc.problem_from_patches(data.X, data.y, eta, loss, pooling)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    st = dc.initial_state(data.X, data.y, w0, 1.0)
    return dc.run_deviation_cnn(prob, st, steps, variant=variant, checkpoints=checkpoints, progress=progress)


_DEV_KEYS = ("gap", "sample_gap", "gamma")


def _deviation_run(claim: Claim, config: RunConfig, data: Dataset, opts: dict, ctx: Context, cps: list[int],
                   progress) -> CNNRun:
    """Main run with the compiled CNN deviation engine, audited twice.

    (1) its NumPy reference over the whole horizon (same formulas, other rounding: the float64
    state's rounding error; there is no double-double CNN variant); (2) the multiprecision engine
    (``ctx``: --param arith at --dps) at the shared checkpoints t ≤ xval_steps (the deviation
    formulas themselves).  The record's agreeing digits are the minimum over both and all checkpoints.
    """
    xval_steps = claim.param(config, "xval_steps")
    if xval_steps < 1:
        raise BadInput(f"--param xval_steps must be a positive integer, got {xval_steps}")
    common = dict(loss=opts["loss"], eta=opts["eta"], pooling=opts["pooling"])
    steps = opts["steps"]
    traj = simulate_deviation(data, steps=steps, checkpoints=cps, variant="numba",
                              progress=progress(f"{claim.id} (deviation engine)"), **common)
    variant = traj.ctx_name.rsplit("-", 1)[-1]
    info: dict = {"engine": "deviation", "variant": variant}
    audit = None
    if claim.param(config, "audit"):
        t0 = time.perf_counter()
        per: dict[str, list[float]] = {k: [] for k in _DEV_KEYS}
        if variant == "numba":
            ref = simulate_deviation(data, steps=steps, checkpoints=cps, variant="numpy",
                                     progress=progress(f"{claim.id} audit (deviation engine, numpy)"), **common)
            ref_digits = {k: agreeing_digits(traj.values[k], ref.values[k], cap=traj.dps) for k in _DEV_KEYS}
            info["reference_audit"] = {"variant": "numpy", "steps": steps,
                                       "agreeing_digits": {k: round(min(v), 2) for k, v in ref_digits.items()}}
            for k in _DEV_KEYS:
                per[k] += ref_digits[k]
        xcps = [t for t in cps if t <= min(steps, xval_steps)]
        mp, _ = simulate(data, steps=xcps[-1], ctx=ctx, checkpoints=xcps,
                         progress=progress(f"{claim.id} cross-validation ({ctx.name}, {ctx.dps} dps)"), **common)
        x_digits = {k: agreeing_digits(traj.values[k][:len(xcps)], mp.values[k], cap=traj.dps) for k in _DEV_KEYS}
        for k in _DEV_KEYS:
            per[k] += x_digits[k]
        info["cross_validation"] = {
            "engine": f"multiprecision ({ctx.name}, {ctx.dps} dps)", "steps": xcps[-1],
            "checkpoints": len(xcps), "agreeing_digits": {k: round(min(v), 2) for k, v in x_digits.items()},
            "agreeing_digits_at_last": {k: round(v[-1], 2) for k, v in x_digits.items()},
            "steps_per_s": round(mp.steps_per_s, 1)}
        info["xval_trajectory"] = mp
        audit = Audit(dps=traj.dps, audit_dps=traj.dps if variant == "numba" else ctx.dps,
                      agreeing_digits={k: min(v) for k, v in per.items()}, per_checkpoint=per,
                      audit_elapsed_s=time.perf_counter() - t0)
    st = traj.final_state
    with mpmath.workdps(40):
        # z = parity·(a ỹ + 2^e r̂), exactly the float64 state, evaluated at 40 digits
        e, parity = int(st.ints[0]), int(st.ints[1])
        a = mpmath.mpf(float(st.f[0]))
        two_e = mpmath.ldexp(mpmath.mpf(1), e)
        _, yp = stacked(data)
        z = [parity * (a * int(yi) + mpmath.mpf(float(h)) * two_e) for yi, h in zip(yp, st.rh)]
        s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / len(z))
        sg = 1 if mpmath.mpf(traj.last("gamma")) >= 0 else -1
        flat = [sg * int(yi) * zi / s for yi, zi in zip(yp, z)]
        P = data.P
        patch = [[mpmath.nstr(v, 25) for v in flat[i * P:(i + 1) * P]] for i in range(data.n)]
        sample = [mpmath.nstr(mpmath.fsum(flat[i * P:(i + 1) * P]) / P, 25) for i in range(data.n)]
        Xs, _ = stacked(data)
        invertible = np.linalg.matrix_rank(Xs @ Xs.T) == len(yp) and patchwise_solution(data)[0]
        mctx = get_context("mpmath", 40)
        direction = _direction(mctx, data, [sg * v for v in z]) if invertible else []
        expected = _direction(mctx, data, list(yp)) if invertible else []
        s_final = float(s)
    return CNNRun(data=data, loss=opts["loss"], eta=opts["eta"], pooling=opts["pooling"], trajectory=traj,
                  audit=audit, patch_margins=patch, sample_margins=sample, direction=direction,
                  expected_direction=expected, s_final=s_final, engine=info)


# --- the linearisation [derived] -----------------------------------------------------------


def _patch_K(data: Dataset) -> np.ndarray:
    Xs, yp = stacked(data)
    return (yp[:, None] * (Xs @ Xs.T)) * yp[None, :]


def _block_projector(n: int, P: int) -> np.ndarray:
    return np.kron(np.eye(n), np.full((P, P), 1.0 / P))


def slow_eigenvalue(data: Dataset, rho: float) -> float:
    """λ_min of Q K (ρB + I) on 1^⊥ (real: similar to Q D^{1/2} K D^{1/2} Q since Q and B commute)."""
    N = data.n * data.P
    half = np.eye(N) + (math.sqrt(rho + 1.0) - 1.0) * _block_projector(data.n, data.P)
    basis = np.linalg.svd(np.eye(N) - np.full((N, N), 1.0 / N))[0][:, : N - 1]
    return float(np.linalg.eigvalsh(basis.T @ half @ _patch_K(data) @ half @ basis).min())


def _pool_c(pooling: str, P: int) -> float:
    return float(bn_cnn.pool_factor(pooling, sp.Integer(P)))


def asymptotic_rate(data: Dataset, pooling: str, s_final: float) -> float | None:
    """c∞ in ln gap ≈ -c∞ log²(η(cP)² t): λ_min(K_NN - K_NR K_RR⁻¹ K_RN)/(2nPs²(cP)²) ([derived]).

    N = ker B (within-sample patch deviations), R = range B ∩ 1^⊥; the limit ρ → ∞ of the slow
    eigenvalues of Q K (ρB + I).  None when P = 1 (no within-sample modes: the linear model).
    """
    n, P = data.n, data.P
    if P < 2:
        return None
    N = n * P
    B = _block_projector(n, P)
    R = np.linalg.svd(B - np.full((N, N), 1.0 / N))[0][:, : n - 1]
    Nb = np.linalg.svd(np.eye(N) - B)[0][:, : N - n]
    K = _patch_K(data)
    KRR, KRN, KNN = R.T @ K @ R, R.T @ K @ Nb, Nb.T @ K @ Nb
    lam = float(np.linalg.eigvalsh(KNN - KRN.T @ np.linalg.solve(KRR, KRN)).min())
    cP = _pool_c(pooling, P) * P
    return lam / (2 * n * P * s_final**2 * cP**2)


def _weights(loss: str):
    """r(u) = -ℓ'(u) and r'(u) as NumPy functions, from the SymPy loss."""
    w = bn_linear.weight_expr(loss, bn_linear.u)
    return (sp.lambdify(bn_linear.u, w, "numpy"), sp.lambdify(bn_linear.u, sp.diff(w, bn_linear.u), "numpy"))


def linearised_intensity(data: Dataset, pooling: str, loss: str, eta: float,
                         gamma: np.ndarray, s: np.ndarray) -> np.ndarray:
    """h(t) = η|γ| c r(γ̃) λ_min(ρ)/(n s²): predicted -d ln gap/dt of the slowest mode ([derived])."""
    c = _pool_c(pooling, data.P)
    r, dr = _weights(loss)
    out = []
    for g, sv in zip(np.abs(gamma), s):
        gt = g * c * data.P
        rho = -gt * dr(gt) / r(gt)
        out.append(eta * g * c * r(gt) * slow_eigenvalue(data, rho) / (data.n * sv**2))
    return np.array(out, dtype=float)


# --- records -------------------------------------------------------------------------------


def _params_record(claim: Claim, config: RunConfig, res: CNNRun) -> dict:
    tr = res.trajectory
    return {
        "seed": config.seed, "dps": int(claim.option(config, "dps")) if _is_deviation(res) else tr.dps,
        "steps": tr.t[-1], "eta": res.eta, "loss": res.loss,
        "engine_used": "deviation" if _is_deviation(res) else "multiprecision",
        "n": res.data.n, "P": res.data.P, "d": res.data.d, "data": res.data.source, "pooling": res.pooling,
        "arith": tr.ctx_name, "gamma0": "1",
        "w0": "from --data" if config.data is not None and config.data.w0 is not None else
              ("ones(d) (no w0 in --data)" if config.data is not None else "generated from the seed"),
        **{p.name: claim.param(config, p.name) for p in claim.params
           if p.name not in ("n", "P", "d", "pooling", "arith")},
    }


def _is_deviation(res: CNNRun) -> bool:
    return (res.engine or {}).get("engine") == "deviation"


def _cnn_precision_record(res: CNNRun) -> dict:
    """cao2023's precision record (engine, variant, cross_validation), with the CNN's own audit (1)."""
    out = _precision_record(res)
    info = res.engine or {}
    if _is_deviation(res) and res.audit is not None:
        out["method"] = ("deviation engine (float64, cancellation-free form); agreeing digits = minimum over "
                         "checkpoints of (1) its NumPy reference rerun over the whole horizon and "
                         "(2) the multiprecision engine at the shared checkpoints t <= cross_validation.steps")
        if "reference_audit" in info:
            out["reference_audit"] = info["reference_audit"]
    return out


def _series(res: CNNRun) -> dict:
    tr = res.trajectory

    def finite(col):
        return [v if math.isfinite(v) else None for v in tr.log10[col]]

    return {
        "t": tr.t,
        "columns": {"gap": tr.values["gap"], "sample_gap": tr.values["sample_gap"], "gamma": tr.values["gamma"]},
        "log10": {"gap": finite("gap"), "sample_gap": finite("sample_gap")},
        "plot": {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "patch margin gap"},
    }


def _audit_digits(res: CNNRun) -> float | None:
    return None if res.audit is None else res.audit.agreeing_digits["gap"]


def _early(claim: Claim, config: RunConfig) -> tuple[Dataset, tuple[bool, str, float], Outcome | None]:
    data = _instance(claim, config)
    sol = patchwise_solution(data)
    if not sol[0] and claim.param(config, "enforce_assumptions"):
        return data, sol, Outcome(
            INAPPLICABLE, f"assumption violated: {sol[1]}", expected={},
            measured={"gap_lower_bound": f"{sol[2]:.6g}"},
            params={"seed": config.seed, "n": data.n, "P": data.P, "d": data.d, "data": data.source,
                    "pooling": claim.param(config, "pooling")})
    return data, sol, None


def _lost_outcome(claim: Claim, config: RunConfig, res: CNNRun) -> Outcome | None:
    lost = lost_precision(res)
    if lost is None:
        return None
    return Outcome(INCONCLUSIVE, lost[0], expected={}, measured=lost[1], params=_params_record(claim, config, res),
                   precision=_cnn_precision_record(res), series=_series(res))


def _no_solution_refutation(sol: tuple[bool, str, float], tr: Trajectory) -> tuple[str, str] | None:
    """With no patch-wise solution (enforce_assumptions=false) the gap can never vanish: refuted.

    The certificate is the lower bound of :func:`patchwise_solution`; the measured gap must
    respect it (a sanity check of the run) and stall (the dynamics agree).
    """
    if sol[0]:
        return None
    t = np.array(tr.t[1:], dtype=float)
    lg = np.array(tr.log10["gap"][1:]) * math.log(10)
    low = min(float(v) for v in tr.values["gap"])
    if low >= sol[2] * (1 - 1e-9) and _stalls(t, lg):
        return REFUTED, (f"no w has every patch margin equal to 1: every w has patch gap ≥ {sol[2]:.4g} "
                         f"(distance of ỹ from range(X_s)); the measured gap stalls at {float(tr.last('gap')):.4g}")
    return None


def _diagnostic(fn, *args, **kwargs):
    """``fn(*args)``, or None where it is undefined (too few usable points, singular blocks)."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, np.linalg.LinAlgError):
        return None


# --- checks --------------------------------------------------------------------------------


def check_patchwise(claim: Claim, config: RunConfig) -> Outcome:
    data, sol, early = _early(claim, config)
    if early:
        return early
    res = audited_run(claim, config, data)
    tr = res.trajectory
    gap_tol = claim.param(config, "gap_tol")
    digits = _audit_digits(res)
    lost = _lost_outcome(claim, config, res)
    if lost is not None:
        return lost
    t, lg, _ = _late(tr)
    final_log10 = tr.log10["gap"][-1]
    monotone = bool(np.all(np.diff(lg) <= 1e-9 * np.maximum(1.0, np.abs(lg[1:]))))
    gap, sgap = float(tr.last("gap")), float(tr.last("sample_gap"))
    # patch-wise vs sample-wise: the first checkpoint where the sample gap is below 1e-3 and the
    # patch gap there (sample margins equalise long before patch margins do)
    idx = next((i for i, v in enumerate(tr.log10["sample_gap"]) if v < -3), None)
    measured = {
        "gap": tr.last("gap"),
        "sample_gap": tr.last("sample_gap"),
        "patch_margins": res.patch_margins,
        "sample_margins": res.sample_margins,
        "direction": res.direction,
        "log10_gap": round(final_log10, 3),
        "log10_sample_gap": round(tr.log10["sample_gap"][-1], 3),
        "gap_over_sample_gap": f"{gap / sgap:.4g}" if sgap > 0 else None,
        "patch_gap_when_sample_gap_first_below_1e-3":
            None if idx is None else {"t": tr.t[idx], "gap": f"{float(tr.values['gap'][idx]):.4g}"},
        "gamma": tr.last("gamma"),
        "gap_nonincreasing_late": monotone,
    }
    if not sol[0]:
        measured["gap_lower_bound"] = f"{sol[2]:.6g}"
    expected = {"gap": "→ 0 (every sign(γ)·m_ip → 1)", "patch_margins": "all equal to 1",
                "sample_gap": "→ 0 (implied: (1/P)Σ_p m_ip = 1)", "direction": res.expected_direction}
    tolerance = {"gap": f"{gap_tol:g} at the horizon", "audit_min_digits": MIN_DIGITS}
    refuted = _no_solution_refutation(sol, tr)
    last_decade = np.array(tr.t) >= tr.t[-1] / 10
    lg_dec = np.array(tr.log10["gap"])[last_decade]
    if digits is None or digits < MIN_DIGITS:
        verdict, reason = INCONCLUSIVE, (f"precision audit shows {digits:.1f} agreeing digits of the gap "
                                         f"(< {MIN_DIGITS}); raise --dps" if digits is not None
                                         else "precision audit disabled")
    elif refuted:
        verdict, reason = refuted
    elif final_log10 <= math.log10(gap_tol) and monotone:
        verdict, reason = VERIFIED, (f"patch gap fell to {gap:.3e} after {tr.t[-1]} steps and decreased monotonically "
                                     f"over the late window (sample gap {sgap:.3e}); audit: {digits:.1f} digits agree")
    elif _stalls(t, lg) and lg_dec[-1] >= lg_dec[0]:
        verdict, reason = REFUTED, (f"patch gap does not decrease over the last decade of t: {10 ** lg_dec[0]:.3e} → "
                                    f"{gap:.3e}, although a patch-wise uniform solution exists")
    else:
        c_inf = _diagnostic(asymptotic_rate, data, res.pooling, res.s_final)
        hint = "" if c_inf is None else f"; predicted late rate exp(-{c_inf:.3g}·log²(η(cP)²t)) [derived]"
        verdict, reason = INCONCLUSIVE, (f"patch gap still {gap:.3e} > {gap_tol:g} but decreasing "
                                         f"(monotone late: {monotone}); run longer{hint}")
    return Outcome(verdict, reason, expected, measured, tolerance, _params_record(claim, config, res),
                   _cnn_precision_record(res), _series(res))


def check_rate(claim: Claim, config: RunConfig) -> Outcome:
    data, sol, early = _early(claim, config)
    if early:
        return early
    k_claim = claim.param(config, "k")
    frac = claim.param(config, "window")
    if not 0 < frac <= 1:
        raise BadInput(f"--param window must be in (0, 1], got {frac}")
    res = audited_run(claim, config, data)
    tr = res.trajectory
    eta = float(res.eta)
    digits = _audit_digits(res)
    lost = _lost_outcome(claim, config, res)
    if lost is not None:
        return lost
    t, lg, gam = _late(tr, frac)
    cP = _pool_c(res.pooling, data.P) * data.P
    shift = eta * cP**2  # e^{γ̃} ≈ η(cP)²t at late times, γ̃ = γcP
    s_col = np.array([float(v) for v in tr.values["s"]])[np.isin(tr.t, t)]
    profile = rates.ratio_profile(t, lg, k_claim)
    # the fits are diagnostics, not the verdict: far from convergence (gap ≥ 1, stalled) they may
    # be undefined, and then the record says so instead of failing
    fits = _diagnostic(rates.fit_all, t, lg) or []
    shifted = _diagnostic(rates.fit_exp_polylog, t, lg, shift=shift)
    local = _diagnostic(rates.local_exponent, t, lg, shift=shift)
    k_fit, k_err = (shifted.params["k"], shifted.stderr["k"]) if shifted else (math.nan, math.nan)
    c_inf = _diagnostic(asymptotic_rate, data, res.pooling, res.s_final)
    mech = None
    if sol[0]:
        h = linearised_intensity(data, res.pooling, res.loss, eta, gam, s_col)
        mech = _diagnostic(rates.integrated_rate, t, lg, h)
    gap_start = math.exp(lg[0])
    trend = "not decreasing" if profile["nondecreasing"] else "decreasing"
    measured = {
        "gap": tr.last("gap"),
        "sample_gap": tr.last("sample_gap"),
        "ratio": f"{profile['first']:.4g} → {profile['last']:.4g} (min {profile['min']:.4g}), {trend}",
        "k": None if shifted is None else round(k_fit, 4),
        "mechanism": None if mech is None else round(mech, 5),
        "c_inf": None if c_inf is None else round(c_inf, 5),
        "c_2": round(-lg[-1] / math.log(shift * t[-1]) ** 2, 5),
        "k_stderr": None if shifted is None else round(k_err, 4),
        "c": None if shifted is None else round(shifted.params["c"], 5), "fit_variable": f"log({shift:g}*t)",
        "k_unshifted": round(fits_by(fits, "exp-polylog").params["k"], 4) if fits else None,
        "k_local": None if local is None else round(local["k"], 4),
        "best_family": fits[0].family if fits else None,
        "ratio_min": f"{profile['min']:.6g}", "ratio_first": f"{profile['first']:.6g}",
        "ratio_last": f"{profile['last']:.6g}", "ratio_nondecreasing": profile["nondecreasing"],
        "log10_gap": round(tr.log10["gap"][-1], 3),
        "gap_at_window_start": f"{gap_start:.4g}",
        "window": [int(t[0]), int(t[-1])],
        "fits": [f.to_dict() for f in fits],
    }
    expected = {"gap": f"→ 0 at least as fast as exp(-c·log^{k_claim:g} t)",
                "ratio": f"-ln(gap)/ln(t)^{k_claim:g} ≥ c > 0, not decreasing",
                "k": f"≥ {k_claim:g} (paper [recon]); exactly 2 asymptotically (our linearisation [derived])",
                "mechanism": "1: -Δ ln gap / ∫ η|γ|c r(γ̃) λ_min(QK(ρB+I))/(ns²) dt [derived]",
                "c_2": ("→ c_inf: -ln gap / log²(η(cP)²t) [derived]" if c_inf is not None else "")}
    tolerance = {"ratio_slope": "slope + 2·stderr >= 0 and last >= first·(1-1e-3)",
                 "audit_min_digits": MIN_DIGITS, "window": f"last {frac:g} of the log t range",
                 "asymptotic_regime": f"gap at the window start ≤ {ASYMPTOTIC_GAP:g}"}
    refuted = _no_solution_refutation(sol, tr)
    if digits is None or digits < MIN_DIGITS:
        verdict, reason = INCONCLUSIVE, ("precision audit disabled" if digits is None else
                                         f"precision audit shows only {digits:.1f} agreeing digits of the gap; raise --dps")
    elif refuted:
        verdict, reason = refuted
    elif gap_start > ASYMPTOTIC_GAP:
        verdict, reason = INCONCLUSIVE, (f"not yet in the asymptotic regime: the gap is {gap_start:.3g} at the start of "
                                         f"the late window (t = {int(t[0])}); run longer")
    elif profile["min"] > 0 and profile["nondecreasing"]:
        verdict, reason = VERIFIED, (f"-ln(gap)/ln(t)^{k_claim:g} stays ≥ {profile['min']:.4g} and does not decrease "
                                     f"over t ∈ [{int(t[0])}, {int(t[-1])}]; fitted k = {k_fit:.3f} ± {k_err:.3f} in "
                                     f"log({shift:g}·t); audit: {digits:.1f} digits agree")
    else:
        verdict, reason = REFUTED, (f"-ln(gap)/ln(t)^{k_claim:g} decreases over t ∈ [{int(t[0])}, {int(t[-1])}] "
                                    f"(from {profile['first']:.4g} to {profile['last']:.4g}, slope {profile['slope']:.3g}); "
                                    f"fitted k = {k_fit:.3f} ± {k_err:.3f}")
    return Outcome(verdict, reason, expected, measured, tolerance, _params_record(claim, config, res),
                   _cnn_precision_record(res), _series(res))


_ASSUMPTIONS = (
    "labels y_i ∈ {±1}; patch data X of shape n×P×d",
    "a patch-wise uniform-margin solution exists: some w has y_i⟨w, x_i^(p)⟩ = 1 for all i, p "
    "(generic when nP ≤ d)",
    "BN statistics pooled over the batch and the patches; full-batch GD on (w, γ) with one step size η, "
    "γ0 = 1, ‖w0‖_Σ > 0",
)
_MODEL_NOTE = ("The CNN definition (one shared filter, BN pooled over batch and patches, no centring/ε, "
               "average or sum pooling, γ0 = 1) is reconstructed [recon]; pooling is a parameter. ")

PATCHWISE = register(Claim(
    id="cao2023.cnn.patchwise-uniform",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear CNN: GD drives every normalised patch margin sign(γ)·m_ip to 1 (patch-wise uniform)",
    statement=(r"\max_{i,p} \big|\operatorname{sign}(\gamma_t)\, y_i \langle w_t, x_i^{(p)}\rangle / \|w_t\|_\Sigma - 1\big|"
               r" \to 0,\quad \Sigma = \tfrac{1}{nP}\textstyle\sum_{i,p} x_i^{(p)} x_i^{(p)\top}"),
    confidence="paper",
    assumptions=_ASSUMPTIONS,
    check=check_patchwise,
    params=_MODEL_PARAMS + _ENGINE_PARAMS + (
        Param("gap_tol", 1e-12, "patch gap below which the horizon counts as converged", float, lo=0, lo_open=True),),
    defaults=_DEFAULTS,
    takes_data=True,
    data_kind="patches",
    notes=(_MODEL_NOTE + "Convergence to a patch-wise uniform margin is stated in the abstract [paper]; the "
           "margin formula m_ip = y_i⟨w, x_i^(p)⟩/‖w‖_Σ is [recon]. Sum pooling converges far more slowly "
           "at the same η (it is average pooling with γ' = Pγ and P² times the step on γ')."),
))

RATE = register(Claim(
    id="cao2023.cnn.rate",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear CNN: the patch margin gap decays like exp(-Ω(log² t)) [recon]",
    statement=r"\max_{i,p} |\operatorname{sign}(\gamma_t) m_{ip}(w_t) - 1| \le \exp(-\Omega(\log^2 t))",
    confidence="recon",
    assumptions=_ASSUMPTIONS,
    check=check_rate,
    params=_MODEL_PARAMS + _ENGINE_PARAMS + (
        Param("k", 2.0, "exponent of the claimed bound exp(-Ω(log^k t)) (reconstructed: 2)", float, lo=0, lo_open=True),
        Param("window", 0.4, "late window: the last fraction of the log t range", float, lo=0, hi=1, lo_open=True),
    ),
    defaults=_DEFAULTS,
    takes_data=True,
    data_kind="patches",
    notes=(_MODEL_NOTE + "That the CNN enjoys the same exp(-Ω(log² t)) rate as the linear model is [recon], "
           "not confirmed from the paper. Our linearisation [derived] predicts exactly log² for the patch gap "
           "(the within-sample patch modes contract at rate ∝ γe^{-γ}, not γ²e^{-γ}); `mechanism` ≈ 1 checks it."),
))
