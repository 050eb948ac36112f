r"""Plain GD on the linear model without BN, f(w; x) = ⟨w, x⟩ (the baseline of Cao et al. 2023), audited.

Pipeline: ``symbolic.linear_nobn`` (derivation) -> ``kernels.nobn`` (kernels) -> ``engines.runner.run``
(float64 main run by default) -> precision audits against python-flint on two segments of the
run (:func:`audited_nobn_run`).  The observables are the angles between w_t and reference
directions, the normalised-margin gap to the SVM margin, and the loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bnproof.core.data import Dataset
from bnproof.core.precision import Context, get_context
from bnproof.engines.audit import Audit, precision_audit
from bnproof.engines.runner import Trajectory, log_checkpoints, run
from bnproof.kernels.nobn import NoBNKernel, compile_nobn
from bnproof.papers.cao2023.audited_run import audit_context
from bnproof.symbolic import linear_nobn

__all__ = ["NoBNRun", "simulate_nobn", "audited_nobn_run", "nobn_precision"]

Label = Callable[[str, int, int], None] | None


def simulate_nobn(data: Dataset, *, loss: str, eta: str, steps: int, ctx: Context, refs: dict[str, np.ndarray],
                  gamma_ref: float, checkpoints: list[int], start: tuple | None = None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Trajectory, NoBNKernel]:
    """Plain GD on w (as the exact (z, c) recursion) from w0, or from ``start`` (a state of any context).

    Observables: the angle between w_t and each reference direction (``refs``: name -> vector),
    the normalised-margin gap ``gamma_ref - min_i y_i⟨w_t, x_i⟩/‖w_t‖``, and the loss.
    """
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        kernel = compile_nobn(linear_nobn.step_program(loss), ctx, X=data.X, y=data.y, w0=w0, eta=eta)
        packed = {name: kernel.reference(name, v) for name, v in refs.items()}
        g_ref = ctx.num(gamma_ref)
        state = kernel.initial_state() if start is None else kernel.load_state(*start)

    def observe(z, c):
        out = {name: kernel.angle(z, c, ref) for name, ref in packed.items()}
        out["margin_gap"] = kernel.margin_gap(z, c, g_ref)
        out["loss"] = kernel.loss(z)
        return out

    # float64 overflow (too large a step) must show up as non-finite values, not as warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        traj = run(ctx, kernel.step, state, steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


def _state_values(kernel: NoBNKernel, state: tuple) -> tuple[list, list]:
    z, c = state
    return list(kernel.ctx.aslist(z)), list(kernel.ctx.aslist(c))


def _concat(a: Trajectory, b: Trajectory, offset: int) -> Trajectory:
    """Trajectory ``a`` followed by ``b`` (whose times count from ``offset``)."""
    out = Trajectory(ctx_name=a.ctx_name, dps=a.dps, t=a.t + [t + offset for t in b.t],
                     values={k: a.values[k] + b.values[k] for k in a.values},
                     log10={k: a.log10[k] + b.log10[k] for k in a.log10},
                     final_state=b.final_state, elapsed_s=a.elapsed_s + b.elapsed_s)
    out.steps_per_s = (offset + (b.t[-1] if b.t else 0)) / out.elapsed_s if out.elapsed_s > 0 else math.inf
    return out


def _head(tr: Trajectory, last: int) -> Trajectory:
    """The checkpoints of ``tr`` with t ≤ ``last``."""
    m = sum(1 for t in tr.t if t <= last)
    return Trajectory(ctx_name=tr.ctx_name, dps=tr.dps, t=tr.t[:m],
                      values={k: v[:m] for k, v in tr.values.items()},
                      log10={k: v[:m] for k, v in tr.log10.items()})


@dataclass(frozen=True)
class NoBNRun:
    """One run of plain GD with its precision audits."""

    data: Dataset
    loss: str
    eta: str
    trajectory: Trajectory
    audits: tuple[tuple[str, Audit], ...]  # (segment description, audit)
    weights: list[float]  # w_T in input space
    direction: list[str]  # unit w_T / ‖w_T‖
    audit_steps: int

    @property
    def diverged(self) -> bool:
        return not all(math.isfinite(v) for col in self.trajectory.log10.values() for v in col)

    def digits(self, key: str) -> float | None:
        """Agreeing digits of one observable: the minimum over all audited segments."""
        if not self.audits:
            return None
        return min(a.agreeing_digits[key] for _, a in self.audits)


@dataclass(frozen=True)
class _Segments:
    """How a horizon is cut for the audits: the audited length, the split point, the checkpoints."""

    steps: int
    length: int  # audit_steps, capped at the horizon
    split: int | None  # start of the late audited segment (None: the run is audited whole)
    cps: list[int]


def _segments(steps: int, audit_steps: int, per_decade: int) -> _Segments:
    L = min(audit_steps, steps)
    split = steps - L if steps > 2 * L else None
    cps = set(log_checkpoints(steps, per_decade)) | {L}
    if split:
        cps.add(split)
    return _Segments(steps, L, split, sorted(cps))


def _bar(progress: Label, label: str, what: str, offset: int, total: int):
    if progress is None:
        return None
    return lambda t, _total: progress(f"{label} {what}", t + offset, total)


@dataclass(frozen=True)
class _Late:
    """The late segment of the main run and the state it started from (the late audit restarts there)."""

    trajectory: Trajectory  # times count from the split
    start: tuple[list, list]


def _main_run(data: Dataset, seg: _Segments, ctx: Context, common: dict, progress: Label,
              label: str) -> tuple[Trajectory, NoBNKernel, _Late | None]:
    """The main run, in two pieces when there is a late segment."""
    what = f"({ctx.name}{'' if ctx.name == 'float64' else f', {ctx.dps} dps'})"
    if not seg.split:
        traj, kernel = simulate_nobn(data, steps=seg.steps, ctx=ctx, checkpoints=seg.cps,
                                     progress=_bar(progress, label, what, 0, seg.steps), **common)
        return traj, kernel, None
    split = seg.split
    tr1, kernel = simulate_nobn(data, steps=split, ctx=ctx, checkpoints=[t for t in seg.cps if t <= split],
                                progress=_bar(progress, label, what, 0, seg.steps), **common)
    start = _state_values(kernel, tr1.final_state)
    tr2, _ = simulate_nobn(data, steps=seg.length, ctx=ctx, checkpoints=[t - split for t in seg.cps if t > split],
                           start=start, progress=_bar(progress, label, what, split, seg.steps), **common)
    return _concat(tr1, tr2, split), kernel, _Late(tr2, start)


def _audit_segments(data: Dataset, seg: _Segments, traj: Trajectory, late: _Late | None, actx: Context,
                    common: dict, keys: list[str], progress: Label, label: str) -> list[tuple[str, Audit]]:
    """The prefix rerun from w0 and, with a late segment, its rerun from the main run's state there."""
    what, L = f"audit ({actx.name}, {actx.dps} dps)", seg.length
    head = _head(traj, L)
    rerun, _ = simulate_nobn(data, steps=L, ctx=actx, checkpoints=head.t, progress=_bar(progress, label, what, 0, L),
                             **common)
    audits = [(f"t ∈ [0, {L}] rerun from w0" if seg.split else f"whole run t ∈ [0, {seg.steps}]",
               precision_audit(head, rerun, keys))]
    if late is not None:
        redo, _ = simulate_nobn(data, steps=L, ctx=actx, checkpoints=late.trajectory.t, start=late.start,
                                progress=_bar(progress, label, what, 0, L), **common)
        audits.append((f"t ∈ [{seg.split}, {seg.steps}] rerun from the main run's state at t = {seg.split}",
                       precision_audit(late.trajectory, redo, keys)))
    return audits


def audited_nobn_run(data: Dataset, *, loss: str, eta: str, steps: int, arith: str, dps: int, audit: bool,
                     audit_dps: int, audit_steps: int, per_decade: int, refs: dict[str, np.ndarray],
                     gamma_ref: float, progress: Label = None, label: str = "no-BN") -> NoBNRun:
    """Main run in ``arith`` (float64 by default) plus two audits against python-flint.

    A flint rerun of the whole horizon would cost minutes, so the audit is in two segments,
    each compared checkpoint by checkpoint with ``precision_audit``:

    * prefix: the first ``audit_steps`` steps from w0, rerun at ``audit_dps`` digits;
    * late segment: the last ``audit_steps`` steps, rerun at ``audit_dps`` digits from the main
      run's own state at t = T - audit_steps (so it measures the round-off committed late,
      where the gradients are tiny).

    The middle is not rerun; the record says so.  A horizon ≤ 2·audit_steps is audited whole.
    """
    ctx = get_context(arith, dps)
    seg = _segments(steps, audit_steps, per_decade)
    common = dict(loss=loss, eta=eta, refs=refs, gamma_ref=gamma_ref)
    traj, kernel, late = _main_run(data, seg, ctx, common, progress, label)
    audits = []
    if audit:
        audits = _audit_segments(data, seg, traj, late, audit_context(ctx, audit_dps), common,
                                 list(refs) + ["margin_gap"], progress, label)
    with ctx.scope():
        w = kernel.weights(traj.final_state[1])
        wf = np.array([ctx.to_float(v) for v in w])
        norm = float(np.linalg.norm(wf))
        direction = [f"{v / norm:.17g}" for v in wf] if norm > 0 and np.isfinite(norm) else []
    return NoBNRun(data=data, loss=loss, eta=eta, trajectory=traj, audits=tuple(audits),
                   weights=[float(v) for v in wf], direction=direction, audit_steps=seg.length)


def nobn_precision(res: NoBNRun, keys: list[str]) -> dict:
    """The record's ``precision`` of a no-BN run: its audits per segment, and why the middle needs none."""
    tr = res.trajectory
    out: dict[str, Any] = {"dps": tr.dps, "context": tr.ctx_name, "steps_per_s": round(tr.steps_per_s, 1)}
    if not res.audits:
        out.update(audit_dps=None, agreeing_digits=None, note="audit disabled: cannot verify")
        return out
    out.update(
        audit_dps=res.audits[0][1].audit_dps,
        agreeing_digits={k: round(res.digits(k), 2) for k in keys},
        audits=[{"segment": seg, **a.to_dict()} for seg, a in res.audits],
        method=("float64 is adequate for an angle that decays like 1/log t (no cancellation floor at "
                "1e-3 rad); it is audited against python-flint midpoints on a prefix of the run and on "
                "the late segment restarted from the float64 state, checkpoint by checkpoint"),
    )
    if len(res.audits) > 1:
        first_end = res.audit_steps
        late_start = tr.t[-1] - res.audit_steps
        out["unaudited"] = (f"t ∈ ({first_end}, {late_start}) is not rerun. GD on this convex loss is "
                            f"non-expansive in w once η·(local smoothness) ≤ 2, which holds late as the loss "
                            f"vanishes, so round-off is not amplified: it adds up to at most ~t·1e-16 relative "
                            f"(≈ {late_start * 1.1e-16:.0e} at the horizon), far below the angle")
    return out
