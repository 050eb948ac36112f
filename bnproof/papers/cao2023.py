r"""Cao, Zou, Li, Gu (COLT 2023): the implicit bias of BN in linear models.

Claims checked here (reference notes: ``shared/reference/cao2023_implicit_bias.md``):

* ``cao2023.linear.uniform-margin`` -- GD on (w, γ) of the BN linear model drives every
  normalised margin sign(γ)·m_i to 1 (uniform margin; paper abstract [paper]).
* ``cao2023.linear.rate`` -- at rate exp(-Ω(log² t)) ([paper] for the rate; the exact left-hand
  side, constants and step-size conditions are [recon]).  Our linearisation predicts
  exp(-(c/3)·log³(ηt)) [derived]; the record reports the fitted exponent k.

The pipeline is the package's: ``symbolic.bn_linear`` (derivation) -> ``codegen`` (kernels)
-> ``dynamics`` (high-precision GD + precision audit) -> ``rates`` (fits) -> record.

Engines (``--param engine``, issue 8): ``multiprecision`` is that pipeline; ``deviation`` is
:mod:`bnproof.deviation`, GD on the cancellation-free deviation form derived in
``symbolic.deviation``, compiled float64, audited against its double-double variant over the
whole horizon and cross-validated against the multiprecision engine on a prefix; ``auto``
(default) picks ``deviation`` unless ``--param arith`` asks for an arithmetic.  With
``--param flow_t_max`` the rate check also integrates the gradient flow (:mod:`bnproof.flow`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.data import Dataset, gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES, Context, FlintContext, get_context
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.engines.audit import Audit, agreeing_digits, precision_audit
from bnproof.engines.runner import Trajectory, log_checkpoints, run
from bnproof.kernels.codegen import compile_kernel
from bnproof.models.bn_linear import (
    gap_lower_bound,
    linearized_rate,
    uniform_margin_exists,
)
from bnproof.symbolic import bn_linear

__all__ = ["CITATION", "ENGINES", "BNLinearRun", "simulate", "simulate_deviation", "uniform_margin_exists", "gap_lower_bound",
           "linearized_rate"]

CITATION = ("Cao, Zou, Li, Gu. The Implicit Bias of Batch Normalization in Linear Models and "
            "Two-layer Linear CNNs. COLT 2023, PMLR 195:5699-5753; arXiv 2306.11680")

_MODEL_PARAMS = (
    Param("n", 8, "samples in the generated instance (ignored with --data)", int),
    Param("d", 24, "dimension of the generated instance (ignored with --data)", int),
    Param("w0_scale", 1.5, "‖w0‖ of the generated instance; sets the rate constant c ∝ 1/‖Pw‖²", float, lo=0, lo_open=True),
    Param("center", False, "mean-centre inside BN (the paper's convention is unconfirmed [recon])", bool),
    Param("arith", "flint", "arithmetic context of the main run", str, CONTEXT_NAMES),
    Param("audit_dps", 0, "digits of the precision-audit rerun (0: about twice --dps)", int, lo=0),
    Param("audit", True, "run the precision audit (a record without it cannot be verified)", bool),
    Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1),
    Param("enforce_assumptions", True,
          "return `inapplicable` when the theorem's assumptions fail (false: run anyway)", bool),
)
ENGINES = ("auto", "deviation", "multiprecision")
# Engine choice (issue 8): only the two linear-model claims declare these; a claim built from
# _MODEL_PARAMS alone (the BN side of cao2023.contrast) keeps the multiprecision engine.
_ENGINE_PARAMS = (
    Param("engine", "auto",
          "GD engine: `deviation` (cancellation-free float64 deviation form, compiled; audited against the "
          "double-double variant and cross-validated against the multiprecision engine), `multiprecision` "
          "(the n-dim recursion at --dps), `auto` (deviation unless --param arith is given)", str, ENGINES),
    Param("xval_steps", 10_000,
          "deviation engine: steps of the multiprecision cross-validation run (capped at --steps)", int),
)
_DEFAULTS = {"dps": 80, "steps": 100_000, "eta": "0.1", "loss": "exp", "quick_steps": 10_000}


@dataclass(frozen=True)
class BNLinearRun:
    """One audited run of GD on the BN linear model, with everything a check needs."""

    data: Dataset
    loss: str
    eta: str
    center: bool
    trajectory: Trajectory
    audit: Audit | None
    margins: list[str]  # sign(γ)·m_i at the horizon
    gamma: str
    direction: list[str]  # unit vector of the row-space part of w_T
    expected_direction: list[str]  # unit ŵ = Xᵀ G⁺ y
    s_final: float
    engine: dict | None = None  # deviation engine: its audits and cross-validation (None: multiprecision)


def _gram_and_z0(ctx: Context, data: Dataset, center: bool, w0: np.ndarray):
    X = [ctx.vector(row) for row in data.X]
    if center:
        n = data.n
        mean = [ctx.sum([X[i][k] for i in range(n)]) / n for k in range(data.d)]
        X = [[row[k] - mean[k] for k in range(data.d)] for row in X]
    w = ctx.vector(w0)
    G = ctx.matrix([[ctx.sum([a * b for a, b in zip(xi, xj)]) for xj in X] for xi in X])
    z0 = ctx.state_vector([ctx.sum([a * b for a, b in zip(xi, w)]) for xi in X])
    return G, z0, X


def simulate(data: Dataset, *, loss: str, eta: str, steps: int, ctx: Context, center: bool = False,
             checkpoints: list[int] | None = None, progress=None) -> tuple[Trajectory, Any]:
    """GD on (w, γ), γ0 = 1, via the exact n-dimensional recursion in z = Xw.

    Returns the trajectory (observables ``gap``, ``gamma``, ``s``, ``loss`` at checkpoints)
    and the compiled kernel.
    """
    program = bn_linear.step_program(loss)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        G, z0, _ = _gram_and_z0(ctx, data, center, w0)
        kernel = compile_kernel(program, ctx, G=G, y=data.y, eta=ctx.num(eta))
        gamma0 = ctx.num(1)

    def observe(z, gamma):
        s, _ = kernel.margins(z, gamma)
        return {"gap": kernel.gap(z, gamma), "gamma": gamma, "s": s, "loss": kernel.loss(z, gamma)}

    traj = run(ctx, kernel.step, (z0, gamma0), steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


def _audit_context(ctx: Context, audit_dps: int) -> Context:
    # float64 has one precision: audit it against ball-free flint midpoints instead
    return FlintContext(dps=audit_dps) if ctx.name == "float64" else ctx.with_dps(audit_dps)


def _direction(ctx: Context, data: Dataset, center: bool, z: Any) -> list[str]:
    """Unit vector of Xᵀ G⁻¹ v (the row-space part of w when v = Xw)."""
    with ctx.scope():
        G, _, X = _gram_and_z0(ctx, data, center, np.zeros(data.d))
        if center:
            # G_c = Q G Q is singular along 1; v ⊥ 1, so solve (G_c + 11ᵀ) c = v instead:
            # then 1ᵀc = 0 and G_c c = v.
            G = ctx.matrix([[G[i, j] + 1 for j in range(data.n)] for i in range(data.n)])
        c = ctx.solve(G, ctx.vector(list(z)) if not ctx.vectorized else z)
        w = [ctx.sum([c[i] * X[i][k] for i in range(data.n)]) for k in range(data.d)]
        norm = ctx.sum([v * v for v in w]) ** 0.5 if ctx.vectorized else _sqrt(ctx, ctx.sum([v * v for v in w]))
        return [ctx.to_str(v / norm, 20) for v in w]


def _sqrt(ctx: Context, x: Any) -> Any:
    return ctx.namespace()["sqrt"](x)


def loss_and_eta(claim: Claim, config: RunConfig) -> tuple[str, str]:
    """The claim's --loss and --eta, validated (one-line BadInput otherwise); η kept as a decimal string."""
    loss = claim.option(config, "loss")
    if loss not in bn_linear.LOSSES:
        raise BadInput(f"--loss must be one of {', '.join(bn_linear.LOSSES)}, got {loss!r}")
    eta = str(claim.option(config, "eta"))
    try:
        if not float(eta) > 0:
            raise ValueError
    except ValueError:
        raise BadInput(f"--eta must be a positive number, got {eta!r}") from None
    return loss, eta


def audited_run(claim: Claim, config: RunConfig, data: Dataset) -> BNLinearRun:
    """Main run plus precision audit, as configured by the claim's options and parameters."""
    loss, eta = loss_and_eta(claim, config)
    dps = int(claim.option(config, "dps"))
    if dps < 15:
        raise BadInput(f"--dps must be at least 15, got {dps}")
    steps = int(claim.defaults["quick_steps"] if config.quick and config.steps is None
                else claim.option(config, "steps"))
    if steps < 10:
        raise BadInput(f"--steps must be at least 10, got {steps}")
    center = claim.param(config, "center")
    ctx = get_context(claim.param(config, "arith"), dps)
    audit_dps = claim.param(config, "audit_dps") or 2 * dps + 10
    cps = log_checkpoints(steps, claim.param(config, "per_decade"))

    def progress(label):
        if config.progress is None:
            return None
        return lambda t, total: config.progress(label, t, total)

    fallback = None
    if _engine(claim, config) == "deviation":
        try:
            return _deviation_run(claim, config, data, loss=loss, eta=eta, steps=steps, center=center, ctx=ctx,
                                  cps=cps, progress=progress)
        except FloatingPointError as exc:  # float64 overflow far from the theorem's regime
            fallback = {"engine": "multiprecision", "fallback": f"{exc}; rerun with the multiprecision engine"}
    traj, kernel = simulate(data, loss=loss, eta=eta, steps=steps, ctx=ctx, center=center,
                            checkpoints=cps, progress=progress(f"{claim.id} ({ctx.name}, {ctx.dps} dps)"))
    audit = None
    if claim.param(config, "audit"):
        actx = _audit_context(ctx, audit_dps)
        rerun, _ = simulate(data, loss=loss, eta=eta, steps=steps, ctx=actx, center=center,
                            checkpoints=cps, progress=progress(f"{claim.id} audit ({actx.name}, {actx.dps} dps)"))
        audit = precision_audit(traj, rerun, ["gap", "gamma"])
    z, gamma = traj.final_state
    with ctx.scope():
        z = ctx.aslist(z)
        s, m = kernel.margins(z, gamma)
        sg = 1 if ctx.to_float(gamma) >= 0 else -1
        margins = [ctx.to_str(sg * mi, 25) for mi in m]
        s_final = ctx.to_float(s)
    sol_ok, _ = uniform_margin_exists(data, center)
    direction = _direction(ctx, data, center, [sg * v for v in z]) if sol_ok else []
    expected = _direction(ctx, data, center, list(data.y)) if sol_ok else []
    return BNLinearRun(data=data, loss=loss, eta=eta, center=center, trajectory=traj, audit=audit,
                       margins=margins, gamma=traj.last("gamma"), direction=direction,
                       expected_direction=expected, s_final=s_final, engine=fallback)


def _engine(claim: Claim, config: RunConfig) -> str:
    """The engine a run uses: ``auto`` is the deviation engine unless ``--param arith`` asks for an arithmetic."""
    if not any(p.name == "engine" for p in claim.params):
        return "multiprecision"
    engine = claim.param(config, "engine")
    if engine == "auto":
        unbalanced = claim.param(config, "center") and float(np.sum(_instance(claim, config).y)) != 0
        return "multiprecision" if "arith" in config.params or unbalanced else "deviation"
    return engine


def simulate_deviation(data: Dataset, *, loss: str, eta: str, steps: int, center: bool = False,
                       checkpoints: list[int] | None = None, variant: str = "numba",
                       progress=None) -> Trajectory:
    """GD on (w, γ), γ0 = 1, with the deviation engine (:mod:`bnproof.deviation`); same observables."""
    from bnproof.engines import deviation as dev

    prob = dev.problem_from_data(data.X, data.y, eta, loss, center)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    st = dev.initial_state(data.X, data.y, w0, 1.0, center)
    return dev.run_deviation(prob, st, steps, variant=variant, checkpoints=checkpoints, progress=progress)


def _deviation_run(claim: Claim, config: RunConfig, data: Dataset, *, loss: str, eta: str, steps: int,
                   center: bool, ctx: Context, cps: list[int], progress) -> BNLinearRun:
    """Main run with the compiled deviation engine, audited twice.

    (1) the double-double-state variant over the whole horizon (rounding of the float64 state);
    (2) the multiprecision engine (``ctx``: --param arith at --dps) at the shared checkpoints
    t ≤ xval_steps (the deviation formulas themselves).  The record's agreeing digits are the
    minimum over both audits and all checkpoints.
    """
    from bnproof.engines import (
        deviation as dev,  # lazily: keeps numba and the kernels out of `import bnproof`
    )

    if center and float(np.sum(data.y)) != 0:
        raise BadInput("--param engine=deviation with center=true needs balanced labels (Σ y_i = 0); "
                       "use engine=multiprecision")
    xval_steps = claim.param(config, "xval_steps")
    if xval_steps < 1:
        raise BadInput(f"--param xval_steps must be a positive integer, got {xval_steps}")
    variant = "numba" if dev.numba_available() else "numpy"
    info: dict = {"engine": "deviation"}
    try:
        traj = simulate_deviation(data, loss=loss, eta=eta, steps=steps, center=center, checkpoints=cps,
                                  variant=variant, progress=progress(f"{claim.id} (deviation engine, {variant})"))
    except Exception as exc:  # noqa: BLE001 - filtered just below
        numba_failure = isinstance(exc, (ImportError, OSError)) or type(exc).__module__.startswith("numba")
        if variant == "numpy" or not numba_failure:
            raise
        # numba installed but unusable here (no cache directory, LLVM failure): the NumPy reference
        info["numba_error"] = " ".join(str(exc).split())[:200]
        variant = "numpy"
        traj = simulate_deviation(data, loss=loss, eta=eta, steps=steps, center=center, checkpoints=cps,
                                  variant=variant, progress=progress(f"{claim.id} (deviation engine, numpy)"))
    info["variant"] = variant
    audit = None
    if claim.param(config, "audit"):
        t0 = time.perf_counter()
        keys = ("gap", "gamma")
        per: dict[str, list[float]] = {k: [] for k in keys}
        if variant == "numba":
            dd = simulate_deviation(data, loss=loss, eta=eta, steps=steps, center=center, checkpoints=cps,
                                    variant="numba-dd", progress=progress(f"{claim.id} audit (double-double)"))
            dd_digits = {k: agreeing_digits(traj.values[k], dd.values[k], cap=traj.dps) for k in keys}
            info["dd_audit"] = {"variant": "numba-dd", "steps": steps,
                                "agreeing_digits": {k: round(min(v), 2) for k, v in dd_digits.items()}}
            for k in keys:
                per[k] += dd_digits[k]
        xcps = [t for t in cps if t <= min(steps, xval_steps)]
        mp, _ = simulate(data, loss=loss, eta=eta, steps=xcps[-1], ctx=ctx, center=center, checkpoints=xcps,
                         progress=progress(f"{claim.id} cross-validation ({ctx.name}, {ctx.dps} dps)"))
        x_digits = {k: agreeing_digits(traj.values[k][:len(xcps)], mp.values[k], cap=traj.dps) for k in keys}
        for k in keys:
            per[k] += x_digits[k]
        info["cross_validation"] = {
            "engine": f"multiprecision ({ctx.name}, {ctx.dps} dps)", "steps": xcps[-1],
            "checkpoints": len(xcps), "agreeing_digits": {k: round(min(v), 2) for k, v in x_digits.items()},
            "agreeing_digits_at_last": {k: round(v[-1], 2) for k, v in x_digits.items()},
            "steps_per_s": round(mp.steps_per_s, 1)}
        info["xval_trajectory"] = mp
        audit = Audit(dps=traj.dps, audit_dps=32 if variant == "numba" else ctx.dps,
                      agreeing_digits={k: min(v) for k, v in per.items()}, per_checkpoint=per,
                      audit_elapsed_s=time.perf_counter() - t0)
    st = traj.final_state
    with mpmath.workdps(40):
        e, parity = int(st.ints[0]), int(st.ints[1])
        a = mpmath.mpf(float(st.f[0])) + mpmath.mpf(float(st.f[2]))
        two_e = mpmath.ldexp(mpmath.mpf(1), e)
        ys = [int(v) for v in data.y]
        z = [parity * (a * yi + (mpmath.mpf(float(h)) + mpmath.mpf(float(lo))) * two_e)
             for yi, h, lo in zip(ys, st.rh, st.rh_lo)]
        s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / len(z))
        sg = 1 if mpmath.mpf(traj.last("gamma")) >= 0 else -1
        margins = [mpmath.nstr(sg * yi * zi / s, 25) for yi, zi in zip(ys, z)]
        sol_ok, _ = uniform_margin_exists(data, center)
        mctx = get_context("mpmath", 40)
        direction = _direction(mctx, data, center, [sg * v for v in z]) if sol_ok else []
        expected = _direction(mctx, data, center, list(data.y)) if sol_ok else []
        s_final = float(s)
    return BNLinearRun(data=data, loss=loss, eta=eta, center=center, trajectory=traj, audit=audit,
                       margins=margins, gamma=traj.last("gamma"), direction=direction,
                       expected_direction=expected, s_final=s_final, engine=info)


def _instance(claim: Claim, config: RunConfig) -> Dataset:
    if config.data is not None:
        return config.data
    n, d = claim.param(config, "n"), claim.param(config, "d")
    if n < 2 or d < 1:
        raise BadInput(f"--param n must be >= 2 and d >= 1, got n={n}, d={d}")
    return gaussian_instance(config.seed, n, d, claim.param(config, "w0_scale"))


def _params_record(claim: Claim, config: RunConfig, res: BNLinearRun) -> dict:
    tr = res.trajectory
    return {
        "seed": config.seed, "dps": int(claim.option(config, "dps")) if _is_deviation(res) else tr.dps,
        "steps": tr.t[-1], "eta": res.eta, "loss": res.loss,
        "engine_used": "deviation" if _is_deviation(res) else "multiprecision",
        "n": res.data.n, "d": res.data.d, "data": res.data.source, "center": res.center,
        "arith": tr.ctx_name, "gamma0": "1",
        "w0": "from --data" if config.data is not None and config.data.w0 is not None else
              ("ones(d) (no w0 in --data)" if config.data is not None else "generated from the seed"),
        **{p.name: claim.param(config, p.name) for p in claim.params
           if p.name not in ("n", "d", "center", "arith")},
    }


def _is_deviation(res: BNLinearRun) -> bool:
    return (getattr(res, "engine", None) or {}).get("engine") == "deviation"


def _precision_record(res: BNLinearRun) -> dict:
    out = {"dps": res.trajectory.dps, "context": res.trajectory.ctx_name,
           "steps_per_s": round(res.trajectory.steps_per_s, 1)}
    if res.audit is None:
        out.update(audit_dps=None, agreeing_digits=None, note="audit disabled: cannot verify")
    else:
        out.update(res.audit.to_dict())
    info = getattr(res, "engine", None) or {}
    if info.get("fallback"):
        out["engine_fallback"] = info["fallback"]
    if _is_deviation(res):
        out["engine"] = "deviation"
        out["variant"] = info["variant"]
        if "numba_error" in info:
            out["numba_error"] = info["numba_error"]
        if res.audit is not None:
            out["method"] = ("deviation engine (float64, cancellation-free form); agreeing digits = minimum over "
                             "checkpoints of (1) the double-double-state rerun over the whole horizon and "
                             "(2) the multiprecision engine at the shared checkpoints t <= cross_validation.steps")
            for key in ("dd_audit", "cross_validation"):
                if key in info:
                    out[key] = info[key]
    return out


def _series(res: BNLinearRun) -> dict:
    tr = res.trajectory
    return {
        "t": tr.t,
        "columns": {"gap": tr.values["gap"], "gamma": tr.values["gamma"]},
        "log10": {"gap": [v if math.isfinite(v) else None for v in tr.log10["gap"]]},
        "plot": {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "margin gap"},
    }


def _late(tr: Trajectory, frac: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Late-window checkpoints: t, ln(gap), γ (floats; ln gap from the high-precision value)."""
    t = np.array(tr.t, dtype=float)
    lg = np.array(tr.log10["gap"], dtype=float) * math.log(10)
    gamma = np.array([float(g) for g in tr.values["gamma"]])
    keep = t >= 2
    t, lg, gamma = t[keep], lg[keep], gamma[keep]
    mask = rates.late_window(t, frac)
    return t[mask], lg[mask], gamma[mask]


def _underflow(tr: Trajectory) -> int | None:
    """First checkpoint at which the gap is exactly 0 in the working precision."""
    return next((t for t, v in zip(tr.t, tr.log10["gap"]) if not math.isfinite(v)), None)


def _audit_digits(res: BNLinearRun) -> float | None:
    return None if res.audit is None else res.audit.agreeing_digits["gap"]


MIN_DIGITS = 6.0  # agreeing digits of the gap the audit must show before a verdict is drawn


def _precheck(claim: Claim, config: RunConfig) -> tuple[Dataset, Outcome | None]:
    data = _instance(claim, config)
    center = claim.param(config, "center")
    ok, why = uniform_margin_exists(data, center)
    if not ok and claim.param(config, "enforce_assumptions"):
        return data, Outcome(INAPPLICABLE, f"assumption violated: {why}", expected={}, measured={},
                             params={"seed": config.seed, "n": data.n, "d": data.d, "data": data.source,
                                     "center": center})
    return data, None


def lost_precision(res: Any) -> tuple[str, dict] | None:
    """(reason, measured) when the gap underflows the working precision of the main run or of the
    multiprecision cross-validation run (``res.engine["xval_trajectory"]``), else None.

    Shared by the linear and the CNN claims: an underflowed gap is ``inconclusive`` with the --dps to use.
    """
    for tr, what, remedy in ((res.trajectory, "the gap", "fewer --steps"),
                             ((res.engine or {}).get("xval_trajectory"),
                              "the gap of the multiprecision cross-validation run", "a smaller --param xval_steps")):
        lost = None if tr is None else _underflow(tr)
        if lost is not None:
            need = int(-min(v for v in tr.log10["gap"] if math.isfinite(v))) + 20
            return (f"{what} fell below the working precision ({tr.dps} digits) at t = {lost}; "
                    f"rerun with --dps {max(need, 2 * tr.dps)} or {remedy}",
                    {"gap": res.trajectory.last("gap"), "t_lost": lost})
    return None


def _lost_outcome(claim: Claim, config: RunConfig, res: BNLinearRun) -> Outcome | None:
    lost = lost_precision(res)
    if lost is None:
        return None
    return Outcome(INCONCLUSIVE, lost[0], expected={}, measured=lost[1], params=_params_record(claim, config, res),
                   precision=_precision_record(res), series=_series(res))


BOUND_CERTIFIES = 1e-8  # a gap lower bound above this (float64 least squares) refutes uniform margins


def _stalls(t: np.ndarray, log_gap: np.ndarray) -> bool:
    """The gap fails to fall by a factor 2 over the last decade of t."""
    last = t >= t[-1] / 10
    return bool(log_gap[last][0] - log_gap[last][-1] < math.log(2))


def check_uniform_margin(claim: Claim, config: RunConfig) -> Outcome:
    data, early = _precheck(claim, config)
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
    bound = gap_lower_bound(data, claim.param(config, "center"))
    last_decade = np.asarray(tr.t) >= tr.t[-1] / 10
    lg_dec = np.asarray(tr.log10["gap"])[last_decade]
    measured = {
        "gap": tr.last("gap"),
        "gap_lower_bound": bound,
        "margins": res.margins,
        "direction": res.direction,
        "log10_gap": round(final_log10, 3),
        "gamma": res.gamma,
        "gap_nonincreasing_late": monotone,
        "gamma_minus_log_eta_t": f"{float(tr.last('gamma')) - math.log(float(res.eta) * tr.t[-1]):.6f}",
        "loss_times_eta_t": f"{float(tr.last('loss')) * float(res.eta) * tr.t[-1]:.6f}",
    }
    expected = {"gap": "→ 0 (every sign(γ)·m_i → 1)", "margins": "all equal to 1",
                "direction": res.expected_direction}
    tolerance = {"gap": f"{gap_tol:g} at the horizon", "audit_min_digits": MIN_DIGITS}
    if digits is None or digits < MIN_DIGITS:
        verdict, reason = INCONCLUSIVE, (f"precision exhausted: the precision audit shows {digits:.1f} "
                                          f"agreeing digits of the gap (< {MIN_DIGITS}); raise --dps" if digits is not None
                                          else "precision audit disabled")
    elif bound > BOUND_CERTIFIES:
        # a certificate, not a trend: no w whatever has a gap below the bound
        verdict, reason = REFUTED, (f"the margins cannot become uniform: every w has gap ≥ dist(y, range X)/√n = "
                                    f"{bound:.3e} (measured gap {float(tr.last('gap')):.3e} at t = {tr.t[-1]})")
    elif final_log10 <= math.log10(gap_tol) and monotone:
        verdict, reason = VERIFIED, (f"gap fell to {float(tr.last('gap')):.3e} after {tr.t[-1]} steps and "
                                     f"decreased monotonically over the late window; audit: {digits:.1f} digits agree")
    elif _stalls(t, lg) and lg_dec[-1] >= lg_dec[0]:
        # slow but decreasing is "run longer", never a refutation: the theorem is asymptotic
        verdict, reason = REFUTED, (f"gap does not decrease over the last decade of t ({10 ** lg_dec[0]:.3e} → "
                                    f"{float(tr.last('gap')):.3e}) although a uniform-margin solution exists")
    else:
        verdict, reason = INCONCLUSIVE, (f"gap still {float(tr.last('gap')):.3e} > {gap_tol:g} "
                                         f"(monotone late: {monotone}); run longer")
    return Outcome(verdict, reason, expected, measured, tolerance, _params_record(claim, config, res),
                   _precision_record(res), _series(res))


def check_rate(claim: Claim, config: RunConfig) -> Outcome:
    data, early = _precheck(claim, config)
    if early:
        return early
    k_claim = claim.param(config, "k")
    frac = claim.param(config, "window")
    flow_t_max = claim.param(config, "flow_t_max")
    if flow_t_max and not 10 <= flow_t_max <= 1e300:
        raise BadInput(f"--param flow_t_max must be 0 (off) or between 10 and 1e300, got {flow_t_max:g}")
    res = audited_run(claim, config, data)
    tr = res.trajectory
    eta = float(res.eta)
    digits = _audit_digits(res)
    lost = _lost_outcome(claim, config, res)
    if lost is not None:
        return lost
    t, lg, gam = _late(tr, frac)
    profile = rates.ratio_profile(t, lg, k_claim)
    fits = rates.fit_all(t, lg)
    shifted = rates.fit_exp_polylog(t, lg, shift=eta)
    local = rates.local_exponent(t, lg, shift=eta)
    c_lin = linearized_rate(data, res.center, res.s_final)
    # mechanism check: d ln gap/dt = -c·η e^{-γ} γ(γ+1) with c from the linearisation
    c_hat = rates.integrated_rate(t, lg, eta * np.exp(-gam) * gam * (gam + 1))
    k_fit, k_err = shifted.params["k"], shifted.stderr["k"]
    trend = "not decreasing" if profile["nondecreasing"] else "decreasing"
    measured = {
        "gap": tr.last("gap"),
        "ratio": f"{profile['first']:.4g} → {profile['last']:.4g} (min {profile['min']:.4g}), {trend}",
        "k": round(k_fit, 4),
        "c_hat": round(c_hat, 5),
        "k_stderr": round(k_err, 4), "c": round(shifted.params["c"], 5), "fit_variable": "log(eta*t)",
        "k_ci95": [round(k_fit - 1.96 * k_err, 4), round(k_fit + 1.96 * k_err, 4)],
        "k_unshifted": round(fits_by(fits, "exp-polylog").params["k"], 4),
        "k_local": round(local["k"], 4),
        "best_family": fits[0].family,
        "ratio_min": f"{profile['min']:.6g}", "ratio_first": f"{profile['first']:.6g}",
        "ratio_last": f"{profile['last']:.6g}", "ratio_nondecreasing": profile["nondecreasing"],
        "log10_gap": round(tr.log10["gap"][-1], 3),
        "window": [int(t[0]), int(t[-1])],
        "c_hat_rel_diff": round(abs(c_hat - c_lin) / c_lin, 4) if c_lin > 1e-12 else None,
        "fits": [f.to_dict() for f in fits],
    }
    tight = "looks tight" if abs(k_fit - k_claim) <= 3 * k_err + 0.25 else (
        f"is not tight: the gap decays like exp(-c·log^{k_fit:.2f}(ηt))" if k_fit > k_claim else
        f"is violated by the fitted exponent {k_fit:.2f}")
    measured["bound_tightness"] = f"the paper's exp(-Ω(log^{k_claim:g} t)) {tight}"
    if flow_t_max:
        measured["flow"] = _flow_summary(data, res, flow_t_max, frac)
    expected = {"gap": f"→ 0 at least as fast as exp(-c·log^{k_claim:g} t)",
                "ratio": f"-ln(gap)/ln(t)^{k_claim:g} ≥ c > 0, not decreasing",
                "k": f"≥ {k_claim:g} (paper); 3 asymptotically (our linearisation [derived])",
                "c_hat": f"{c_lin:.5f} = λ_min(QKQ|1⊥)/(n s²) [derived]"}
    tolerance = {"ratio_slope": "slope + 2·stderr >= 0 and last >= first·(1-1e-3)",
                 "audit_min_digits": MIN_DIGITS, "window": f"last {frac:g} of the log t range"}
    if digits is None or digits < MIN_DIGITS:
        verdict, reason = INCONCLUSIVE, ("precision audit disabled" if digits is None else
                                         f"precision exhausted: the precision audit shows only {digits:.1f} agreeing digits "
                                         f"of the gap (< {MIN_DIGITS}); float64 noise is not a rate; raise --dps")
    elif profile["min"] > 0 and profile["nondecreasing"]:
        verdict, reason = VERIFIED, (f"-ln(gap)/ln(t)^{k_claim:g} stays ≥ {profile['min']:.4g} and does not decrease "
                                     f"over t ∈ [{int(t[0])}, {int(t[-1])}]; fitted k = {k_fit:.3f} ± {k_err:.3f} in log(ηt); "
                                     f"audit: {digits:.1f} digits agree")
    else:
        verdict, reason = REFUTED, (f"-ln(gap)/ln(t)^{k_claim:g} decreases over t ∈ [{int(t[0])}, {int(t[-1])}] "
                                    f"(from {profile['first']:.4g} to {profile['last']:.4g}, slope {profile['slope']:.3g}); "
                                    f"fitted k = {k_fit:.3f} ± {k_err:.3f}")
    return Outcome(verdict, reason, expected, measured, tolerance, _params_record(claim, config, res),
                   _precision_record(res), _series(res))


def _flow_summary(data: Dataset, res: BNLinearRun, t_max: float, frac: float) -> dict:
    """Gradient flow to ``t_max`` (flow time t ↔ GD step t/η): fitted k and the GD/flow comparison.

    GD grows ‖w‖ while the flow conserves it, and the rate constant is c ∝ 1/s², so over the
    common range the ratio of log gaps should approach (s_flow/s_GD)² [derived].
    """
    from bnproof.engines import deviation as dev
    from bnproof.engines import flow as fl

    if res.center:
        return {"note": "flow mode is implemented for uncentred BN only"}
    eta = float(res.eta)
    tr = res.trajectory
    gd_t = [t for t in tr.t if 1 <= eta * t <= t_max]
    times = np.unique(np.concatenate([eta * np.array(gd_t, dtype=float), np.geomspace(1.0, t_max, 121)]))
    prob = dev.problem_from_data(data.X, data.y, res.eta, res.loss)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    out = fl.flow(prob.G, data.y, data.X @ w0, loss=res.loss, t_max=t_max, times=times, rtol=1e-9)
    mask = rates.late_window(out.t, frac)
    fit = rates.fit_exp_polylog(out.t[mask], out.log_gap[mask], shift=1.0)
    k, se = fit.params["k"], fit.stderr["k"]
    summary = {"t_max": t_max, "log10_gap": round(float(out.log10_gap[-1]), 3), "k": round(k, 4),
               "k_ci95": [round(k - 1.96 * se, 4), round(k + 1.96 * se, 4)], "fit_variable": "log t (flow time)",
               "method": f"solve_ivp {out.method}, rtol {out.rtol:g}, log-time deviation form"}
    if gd_t:
        i = int(np.searchsorted(out.t, eta * gd_t[-1] * (1 - 1e-12)))
        gd_log10 = tr.log10["gap"][tr.t.index(gd_t[-1])]
        summary["gd_vs_flow"] = {"gd_step": gd_t[-1], "flow_time": eta * gd_t[-1],
                                 "log_gap_ratio": round(gd_log10 / float(out.log10_gap[i]), 5),
                                 "predicted_(s_flow/s_gd)^2": round(float(out.s[i] / res.s_final) ** 2, 5)}
    return summary


def fits_by(fits: list[rates.Fit], family: str) -> rates.Fit:
    return next(f for f in fits if f.family == family)


_ASSUMPTIONS = (
    "labels y_i ∈ {±1}",
    "a uniform-margin solution exists: some w has y_i⟨w, x_i⟩ = 1 for all i (e.g. n ≤ d, independent rows)",
    "full-batch GD on (w, γ) with one step size η, γ0 = 1, w0 with ‖w0‖_Σ > 0",
)

UNIFORM_MARGIN = register(Claim(
    id="cao2023.linear.uniform-margin",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear model: GD drives every normalised margin sign(γ)·m_i to 1 (uniform margin)",
    statement=(r"\max_i \big|\operatorname{sign}(\gamma_t)\, y_i \langle w_t, x_i\rangle / \|w_t\|_\Sigma - 1\big|"
               r" \to 0 \quad (t\to\infty)"),
    confidence="paper",
    assumptions=_ASSUMPTIONS,
    check=check_uniform_margin,
    params=_MODEL_PARAMS + _ENGINE_PARAMS + (Param("gap_tol", 1e-12, "gap below which the horizon counts as converged", float, lo=0, lo_open=True),),
    defaults=_DEFAULTS,
    takes_data=True,
    notes=("Convergence to a uniform margin is stated in the abstract [paper]; the BN convention "
           "(uncentred, no ε), the loss and γ0 = 1 are [recon] and exposed as parameters."),
))

RATE = register(Claim(
    id="cao2023.linear.rate",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear model: the margin gap decays like exp(-Ω(log² t))",
    statement=r"\max_i |\operatorname{sign}(\gamma_t) m_i(w_t) - 1| \le \exp(-\Omega(\log^2 t))",
    confidence="paper",
    assumptions=_ASSUMPTIONS,
    check=check_rate,
    params=_MODEL_PARAMS + _ENGINE_PARAMS + (
        Param("k", 2.0, "exponent of the claimed bound exp(-Ω(log^k t)) (the paper: 2)", float, lo=0, lo_open=True),
        Param("window", 0.4, "late window: the last fraction of the log t range", float, lo=0, hi=1, lo_open=True),
        Param("flow_t_max", 0.0, "also integrate the gradient flow (bnproof.flow) to this time, e.g. 1e30, fit k "
              "on it and compare it with GD over the common range (0: off)", float),
    ),
    defaults=_DEFAULTS,
    takes_data=True,
    notes=("Rate exp(-Ω(log² t)) is in the abstract [paper]; which quantity it bounds (margin gap or "
           "direction distance) and its constants are [recon]. The k = 3 prediction is our own "
           "linearisation [derived], not the paper's."),
))
