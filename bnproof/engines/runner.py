"""The runner for discrete dynamics on any precision context.

``run`` iterates a pure step function ``state -> state`` and records observables at
log-spaced checkpoints.  It knows nothing of the model: a paper hands it a compiled kernel
(:mod:`bnproof.kernels.codegen`) and says what to observe.  The audit that backs its numbers
is :mod:`bnproof.engines.audit`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from bnproof.core.precision import Context

__all__ = ["Trajectory", "log_checkpoints", "run"]

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
