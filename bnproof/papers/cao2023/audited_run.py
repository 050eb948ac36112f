"""One audited GD run on a BN model of Cao et al. (2023): the linear model or the linear CNN.

Both models' claims earn their digits the same way; this module is that way, written once.
A model (:class:`GDModel`: :class:`~bnproof.papers.cao2023.linear_model.LinearGD`,
:class:`~bnproof.papers.cao2023.cnn_model.CNNGD`) supplies its two simulations and the read-out
of its final state; :func:`audited_run` chooses the engine and audits the run:

* ``multiprecision`` -- the exact recursion in z = Xw at --dps digits (``--param arith``), audited
  by rerunning the whole trajectory at ``audit_dps`` digits (:func:`audit_context`: a float64 run
  is audited against python-flint midpoints);
* ``deviation`` -- the compiled cancellation-free float64 deviation form, audited twice: (1) a
  rerun of the whole horizon by the model's reference variant (double-double state for the linear
  model, the NumPy reference for the CNN), (2) a cross-validation against the multiprecision engine
  over the first ``xval_steps`` steps.  numba is used when importable; when it is unusable here
  the engine runs its NumPy reference and the record says why.  A float64 overflow (far from the
  theorem's regime) falls back to the multiprecision engine;
* ``auto`` -- ``deviation`` unless --param arith asks for an arithmetic, or the model has no
  deviation form for these data (centred BN with unbalanced labels).

The agreeing digits of the record are the minimum over every audit and checkpoint; a gap that
underflows the working precision makes a check inconclusive (:func:`lost_precision`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.precision import Context, FlintContext, get_context
from bnproof.engines import deviation as dev
from bnproof.engines.audit import Audit, agreeing_digits, precision_audit
from bnproof.engines.runner import Progress, Trajectory, log_checkpoints
from bnproof.papers.cao2023.common import horizon, loss_and_eta, w0_note

__all__ = ["RunOptions", "ReferenceAudit", "GDModel", "AuditedRun", "run_options", "choose_engine", "audited_run",
           "audit_context", "is_deviation", "precision_record", "params_record", "lost_precision", "late_gap",
           "nonincreasing", "fit_of", "stalls", "first_underflow", "audit_digits"]

@dataclass(frozen=True)
class RunOptions:
    """The validated common options of a run."""

    loss: str
    eta: str  # a decimal string: the multiprecision engines parse it exactly
    dps: int
    steps: int


def run_options(claim: Claim, config: RunConfig) -> RunOptions:
    """--loss, --eta, --dps (≥ 15) and --steps (≥ 10; ``quick_steps`` with --quick), validated."""
    loss, eta = loss_and_eta(claim, config)
    dps = int(claim.option(config, "dps"))
    if dps < 15:
        raise BadInput(f"--dps must be at least 15, got {dps}")
    return RunOptions(loss, eta, dps, horizon(claim, config, 10))


@dataclass(frozen=True)
class ReferenceAudit:
    """The deviation engine's whole-horizon audit: which variant reruns it and how the record names it."""

    variant: str  # deviation-engine variant of the rerun
    key: str  # precision-record key of its summary
    label: str  # progress label
    audit_dps: int | None  # digits of the rerun (None: those of the main run)
    method: str  # precision.method of a deviation-engine record


class GDModel(Protocol):
    """What the audited run needs from a model: two simulations and the read-out of a final state."""

    keys: ClassVar[tuple[str, ...]]  # observables the audits compare, "gap" first
    reference: ClassVar[ReferenceAudit]

    def deviation_unavailable(self) -> str | None:
        """Why the deviation engine cannot run these data (None: it can)."""

    def simulate(self, ctx: Context, steps: int, checkpoints: list[int],
                 progress: Progress | None) -> tuple[Trajectory, Any]:
        """The multiprecision engine: (trajectory, compiled kernel)."""

    def simulate_deviation(self, steps: int, checkpoints: list[int], variant: str,
                           progress: Progress | None) -> Trajectory:
        """The deviation engine (the trajectory's ctx_name ends with the variant that ran)."""

    def read_out(self, ctx: Context, traj: Trajectory, kernel: Any) -> dict:
        """Margins, direction, ‖w‖_Σ of a multiprecision run's final state."""

    def read_out_deviation(self, traj: Trajectory) -> dict:
        """The same for a deviation-engine run."""


@dataclass(frozen=True)
class AuditedRun:
    """A run with its audits: ``engine`` holds the deviation engine's audits (None: multiprecision)."""

    trajectory: Trajectory
    audit: Audit | None
    engine: dict | None
    read_out: dict


def _progress(config: RunConfig, label: str) -> Progress | None:
    if config.progress is None:
        return None
    return lambda t, total: config.progress(label, t, total)


def audit_context(ctx: Context, audit_dps: int) -> Context:
    """The context of the precision-audit rerun of a run in ``ctx``."""
    # float64 has one precision: audit it against ball-free flint midpoints instead
    return FlintContext(dps=audit_dps) if ctx.name == "float64" else ctx.with_dps(audit_dps)


def choose_engine(claim: Claim, config: RunConfig, model: GDModel) -> str:
    """``--param engine``; ``auto`` is the deviation engine unless ``--param arith`` asks for an
    arithmetic or the model has no deviation form for these data.  Claims without the parameter
    run the multiprecision engine."""
    if not any(p.name == "engine" for p in claim.params):
        return "multiprecision"
    engine = claim.param(config, "engine")
    if engine == "auto":
        return "multiprecision" if "arith" in config.params or model.deviation_unavailable() else "deviation"
    return engine


def audited_run(claim: Claim, config: RunConfig, model: GDModel, opts: RunOptions) -> AuditedRun:
    """The main run of ``model`` plus its precision audits, as the claim's options and parameters say."""
    ctx = get_context(claim.param(config, "arith"), opts.dps)
    audit_dps = claim.param(config, "audit_dps") or 2 * opts.dps + 10
    cps = log_checkpoints(opts.steps, claim.param(config, "per_decade"))
    fallback = None
    if choose_engine(claim, config, model) == "deviation":
        try:
            return _deviation_run(claim, config, model, opts.steps, ctx, cps)
        except FloatingPointError as exc:  # float64 overflow far from the theorem's regime
            fallback = {"engine": "multiprecision", "fallback": f"{exc}; rerun with the multiprecision engine"}
    traj, kernel = model.simulate(ctx, opts.steps, cps, _progress(config, f"{claim.id} ({ctx.name}, {ctx.dps} dps)"))
    audit = None
    if claim.param(config, "audit"):
        actx = audit_context(ctx, audit_dps)
        rerun, _ = model.simulate(actx, opts.steps, cps,
                                  _progress(config, f"{claim.id} audit ({actx.name}, {actx.dps} dps)"))
        audit = precision_audit(traj, rerun, list(model.keys))
    return AuditedRun(traj, audit, fallback, model.read_out(ctx, traj, kernel))


def _deviation_run(claim: Claim, config: RunConfig, model: GDModel, steps: int, ctx: Context,
                   cps: list[int]) -> AuditedRun:
    """Main run with the compiled deviation engine, audited by the reference rerun and the cross-validation."""
    why = model.deviation_unavailable()
    if why:
        raise BadInput(why)
    xval_steps = claim.param(config, "xval_steps")
    if xval_steps < 1:
        raise BadInput(f"--param xval_steps must be a positive integer, got {xval_steps}")
    traj, info = _run_deviation_engine(claim, config, model, steps, cps)
    audit = None
    if claim.param(config, "audit"):
        audit = _audit_deviation(claim, config, model, ctx, traj, info, steps, cps, min(steps, xval_steps))
    return AuditedRun(traj, audit, info, model.read_out_deviation(traj))


def _run_deviation_engine(claim: Claim, config: RunConfig, model: GDModel, steps: int,
                          cps: list[int]) -> tuple[Trajectory, dict]:
    """The deviation engine's main run: compiled when numba is importable.  When numba is
    unusable here (no cache directory, LLVM failure) the engine runs its NumPy reference and
    says why (``Trajectory.fallback``); the record keeps the reason as ``numba_error``."""
    variant = "numba" if dev.numba_available() else "numpy"
    traj = model.simulate_deviation(steps, cps, variant, _progress(config, f"{claim.id} (deviation engine, {variant})"))
    info: dict = {"engine": "deviation"}
    if traj.fallback:
        info["numba_error"] = traj.fallback
    info["variant"] = traj.ctx_name.rsplit("-", 1)[-1]  # the variant that ran
    return traj, info


def _digits(a: Trajectory, b: Trajectory, keys: tuple[str, ...], count: int) -> dict[str, list[float]]:
    """Agreeing digits per observable at the first ``count`` checkpoints (``b``'s are a prefix of ``a``'s)."""
    return {k: agreeing_digits(a.values[k][:count], b.values[k], cap=a.dps) for k in keys}


XVAL_GAP_DIGITS = 30  # digits of the gap the cross-validation keeps at its horizon (its agreement is capped by them)


def xval_context(ctx: Context, traj: Trajectory, count: int) -> Context:
    """The cross-validation's arithmetic (unless --dps is given): ``ctx``, or ``ctx`` with more digits
    when the deviation run's gap at the first ``count`` checkpoints falls below
    10^-(dps - XVAL_GAP_DIGITS).  The multiprecision run
    computes the gap as 1 - m_i with m_i near 1, so in ``dps`` digits a gap of 1e-90 is exactly 0; the
    deviation run, which has no such cancellation, says beforehand how small it gets."""
    finite = [v for v in traj.log10["gap"][:count] if math.isfinite(v)]
    need = math.ceil(-min(finite)) + XVAL_GAP_DIGITS if finite else ctx.dps
    return ctx if need <= ctx.dps else ctx.with_dps(need)


def _audit_deviation(claim: Claim, config: RunConfig, model: GDModel, ctx: Context, traj: Trajectory, info: dict,
                     steps: int, cps: list[int], xval_horizon: int) -> Audit:
    """(1) the reference rerun over the whole horizon (compiled runs only); (2) the multiprecision
    engine (--param arith at --dps) at the shared checkpoints t ≤ ``xval_horizon``."""
    t0 = time.perf_counter()
    ref, keys = model.reference, model.keys
    per: dict[str, list[float]] = {k: [] for k in keys}
    compiled = info["variant"] == "numba"
    if compiled:
        rerun = model.simulate_deviation(steps, cps, ref.variant, _progress(config, f"{claim.id} {ref.label}"))
        ref_digits = _digits(traj, rerun, keys, len(traj.t))
        info[ref.key] = {"variant": ref.variant, "steps": steps,
                         "agreeing_digits": {k: round(min(v), 2) for k, v in ref_digits.items()}}
        for k in keys:
            per[k] += ref_digits[k]
    xcps = [t for t in cps if t <= xval_horizon]
    if config.dps is None:  # an explicit --dps is the user's: it is kept, and an underflow says which --dps to use
        ctx = xval_context(ctx, traj, len(xcps))
    mp, _ = model.simulate(ctx, xcps[-1], xcps,
                           _progress(config, f"{claim.id} cross-validation ({ctx.name}, {ctx.dps} dps)"))
    x_digits = _digits(traj, mp, keys, len(xcps))
    for k in keys:
        per[k] += x_digits[k]
    info["cross_validation"] = {
        "engine": f"multiprecision ({ctx.name}, {ctx.dps} dps)", "steps": xcps[-1],
        "checkpoints": len(xcps), "agreeing_digits": {k: round(min(v), 2) for k, v in x_digits.items()},
        "agreeing_digits_at_last": {k: round(v[-1], 2) for k, v in x_digits.items()},
        "steps_per_s": round(mp.steps_per_s, 1)}
    info["xval_trajectory"] = mp
    info["method"] = ref.method
    audit_dps = (ref.audit_dps or traj.dps) if compiled else ctx.dps
    return Audit(dps=traj.dps, audit_dps=audit_dps, agreeing_digits={k: min(v) for k, v in per.items()},
                 per_checkpoint=per, audit_elapsed_s=time.perf_counter() - t0)


# --- records -----------------------------------------------------------------------------------


def is_deviation(res: Any) -> bool:
    """Whether a run (anything with ``engine``) used the deviation engine."""
    return (getattr(res, "engine", None) or {}).get("engine") == "deviation"


def precision_record(res: Any) -> dict:
    """The record's ``precision``: working precision, audit, and the deviation engine's audits."""
    out = {"dps": res.trajectory.dps, "context": res.trajectory.ctx_name,
           "steps_per_s": round(res.trajectory.steps_per_s, 1)}
    if res.audit is None:
        out.update(audit_dps=None, agreeing_digits=None, note="audit disabled: cannot verify")
    else:
        out.update(res.audit.to_dict())
    info = getattr(res, "engine", None) or {}
    if info.get("fallback"):
        out["engine_fallback"] = info["fallback"]
    if is_deviation(res):
        out["engine"] = "deviation"
        out["variant"] = info["variant"]
        if "numba_error" in info:
            out["numba_error"] = info["numba_error"]
        if res.audit is not None:
            out["method"] = info["method"]
            for key in ("dd_audit", "cross_validation", "reference_audit"):
                if key in info:
                    out[key] = info[key]
    return out


def params_record(claim: Claim, config: RunConfig, res: Any, model_fields: dict) -> dict:
    """The record's ``params``: the run's options, the model's ``model_fields``, the other parameters."""
    tr = res.trajectory
    own = set(model_fields) | {"arith"}
    return {
        "seed": config.seed, "dps": int(claim.option(config, "dps")) if is_deviation(res) else tr.dps,
        "steps": tr.t[-1], "eta": res.eta, "loss": res.loss,
        "engine_used": "deviation" if is_deviation(res) else "multiprecision",
        **model_fields, "arith": tr.ctx_name, "gamma0": "1", "w0": w0_note(config),
        **{p.name: claim.param(config, p.name) for p in claim.params if p.name not in own},
    }


# --- reading the gap off a trajectory -------------------------------------------------------------


def late_gap(tr: Trajectory, frac: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Late-window checkpoints: t, ln(gap), γ (floats; ln gap from the high-precision value)."""
    t = np.array(tr.t, dtype=float)
    lg = np.array(tr.log10["gap"], dtype=float) * math.log(10)
    gamma = np.array([float(g) for g in tr.values["gamma"]])
    keep = t >= 2
    t, lg, gamma = t[keep], lg[keep], gamma[keep]
    mask = rates.late_window(t, frac)
    return t[mask], lg[mask], gamma[mask]


def nonincreasing(log_gap: np.ndarray) -> bool:
    """ln gap does not rise over the window (relative slack 1e-9 for the last digits)."""
    return bool(np.all(np.diff(log_gap) <= 1e-9 * np.maximum(1.0, np.abs(log_gap[1:]))))


def fit_of(fits: list[rates.Fit], family: str) -> rates.Fit:
    """The fit of one family among ``rates.fit_all``'s."""
    return next(f for f in fits if f.family == family)


def stalls(t: np.ndarray, log_gap: np.ndarray) -> bool:
    """The gap fails to fall by a factor 2 over the last decade of t."""
    last = t >= t[-1] / 10
    return bool(log_gap[last][0] - log_gap[last][-1] < math.log(2))


def first_underflow(tr: Trajectory) -> int | None:
    """First checkpoint at which the gap is exactly 0 in the working precision."""
    return next((t for t, v in zip(tr.t, tr.log10["gap"]) if not math.isfinite(v)), None)


def audit_digits(res: Any) -> float | None:
    """Agreeing digits of the gap (None: audit disabled)."""
    return None if res.audit is None else res.audit.agreeing_digits["gap"]


def lost_precision(res: Any) -> tuple[str, dict] | None:
    """(reason, measured) when the gap underflows the working precision of the main run or of the
    multiprecision cross-validation run (``res.engine["xval_trajectory"]``), else None.

    An underflowed gap is ``inconclusive``, with the --dps to use.
    """
    for tr, what, remedy in ((res.trajectory, "the gap", "fewer --steps"),
                             ((res.engine or {}).get("xval_trajectory"),
                              "the gap of the multiprecision cross-validation run", "a smaller --param xval_steps")):
        lost = None if tr is None else first_underflow(tr)
        if lost is not None:
            need = int(-min(v for v in tr.log10["gap"] if math.isfinite(v))) + 20
            return (f"{what} fell below the working precision ({tr.dps} digits) at t = {lost}; "
                    f"rerun with --dps {max(need, 2 * tr.dps)} or {remedy}",
                    {"gap": res.trajectory.last("gap"), "t_lost": lost})
    return None
