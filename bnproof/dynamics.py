"""Runners for discrete dynamics on any precision context, with a precision audit.

``run`` iterates a pure step function ``state -> state`` and records observables at
log-spaced checkpoints.  It knows nothing of the model: a paper module hands it a compiled
kernel (``bnproof.codegen``) and says what to observe.

``precision_audit`` is how late-time numbers earn their digits.  Ball arithmetic cannot
certify a long trajectory (radii grow geometrically, flintlib/arb issue 208), so the whole
run is repeated at about twice the working precision and the observables are compared
checkpoint by checkpoint: the smallest number of agreeing significant digits is what the
record reports.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import mpmath

from .arith import Context

__all__ = ["Trajectory", "log_checkpoints", "run", "agreeing_digits", "precision_audit", "Audit"]

Progress = Callable[[int, int], None]


def log_checkpoints(steps: int, per_decade: int = 24) -> list[int]:
    """0, 1 and integer times spaced evenly in log t up to ``steps`` (included)."""
    if steps < 1:
        return [0]
    top = math.log10(steps)
    pts = {0, 1, steps}
    k = 0
    while True:
        v = int(round(10 ** (k / per_decade)))
        if v >= steps:
            break
        pts.add(v)
        k += 1
    return sorted(pts)


@dataclass
class Trajectory:
    """Observables at checkpoints, as decimal strings (exact record) and log10 floats."""

    ctx_name: str
    dps: int
    t: list[int] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    log10: dict[str, list[float]] = field(default_factory=dict)
    final_state: Any = None
    elapsed_s: float = 0.0
    steps_per_s: float = 0.0

    def column(self, name: str) -> list[str]:
        return self.values[name]

    def last(self, name: str) -> str:
        return self.values[name][-1]


def run(
    ctx: Context,
    step: Callable[..., tuple],
    state: tuple,
    steps: int,
    observe: Callable[..., dict[str, Any]],
    *,
    checkpoints: Sequence[int] | None = None,
    progress: Progress | None = None,
    digits: int | None = None,
) -> Trajectory:
    """Iterate ``state = step(*state)`` ``steps`` times inside ``ctx.scope()``.

    ``observe(*state)`` returns context numbers, recorded at every checkpoint as decimal
    strings with ``digits`` significant digits (default: the context's precision).
    """
    cps = list(checkpoints) if checkpoints is not None else log_checkpoints(steps)
    traj = Trajectory(ctx_name=ctx.name, dps=ctx.dps)
    every = max(1, steps // 200)
    t0 = time.perf_counter()
    with ctx.scope():
        def record(t: int) -> None:
            traj.t.append(t)
            for key, val in observe(*state).items():
                traj.values.setdefault(key, []).append(ctx.to_str(val, digits))
                traj.log10.setdefault(key, []).append(ctx.log10abs(val))

        nxt = iter(cps)
        target = next(nxt, None)
        if target == 0:
            record(0)
            target = next(nxt, None)
        for t in range(1, steps + 1):
            state = step(*state)
            if t == target:
                record(t)
                target = next(nxt, None)
            if progress is not None and t % every == 0:
                progress(t, steps)
    traj.final_state = state
    traj.elapsed_s = time.perf_counter() - t0
    traj.steps_per_s = steps / traj.elapsed_s if traj.elapsed_s > 0 else math.inf
    return traj


def agreeing_digits(a: Sequence[str], b: Sequence[str], cap: int) -> list[float]:
    """Significant decimal digits on which two series of decimal strings agree (≤ cap)."""
    out = []
    with mpmath.workdps(cap + 20):
        for sa, sb in zip(a, b):
            x, y = mpmath.mpf(sa), mpmath.mpf(sb)
            if x == y:
                out.append(float(cap))
                continue
            scale = max(abs(x), abs(y))
            rel = abs(x - y) / scale
            out.append(float(min(cap, -mpmath.log10(rel))))
    return out


@dataclass(frozen=True)
class Audit:
    dps: int
    audit_dps: int
    agreeing_digits: dict[str, float]  # minimum over checkpoints, per observable
    per_checkpoint: dict[str, list[float]]
    audit_elapsed_s: float

    def to_dict(self) -> dict:
        return {
            "dps": self.dps,
            "audit_dps": self.audit_dps,
            "agreeing_digits": {k: round(v, 2) for k, v in self.agreeing_digits.items()},
            "method": "rerun of the whole trajectory at audit_dps; minimum over checkpoints of "
                      "significant digits on which the two runs agree",
            "audit_elapsed_s": round(self.audit_elapsed_s, 3),
        }


def precision_audit(main: Trajectory, rerun: Trajectory, keys: Sequence[str]) -> Audit:
    """Compare a trajectory with the same run at higher precision, observable by observable."""
    if main.t != rerun.t:
        raise ValueError("audit run has different checkpoints")
    per = {k: agreeing_digits(main.values[k], rerun.values[k], cap=main.dps) for k in keys}
    return Audit(main.dps, rerun.dps, {k: min(v) for k, v in per.items()}, per, rerun.elapsed_s)
