"""The two runners of discrete dynamics, and the trajectory they record.

Both iterate GD and record observables at checkpoints spaced evenly in log t
(:func:`log_checkpoints`: rates of the form exp(-c·log^k t) are read on a log-time axis).
Neither knows the model: the caller supplies the step and says what to observe.

* :func:`run` iterates a pure step ``state -> state`` inside a precision context (float64,
  mpmath, python-flint), e.g. a kernel of :mod:`bnproof.kernels.codegen`; observables are
  formatted by the context.
* :func:`run_chunked` drives an engine that advances its state *in place* by k steps at once
  (the compiled late-time engines of :mod:`bnproof.engines.deviation` and
  :mod:`bnproof.engines.deviation_cnn`, 10⁶-10⁸ steps): it advances in chunks up to each
  checkpoint, observes there, reports progress, and times only the stepping.  Observables
  are mpmath numbers, recorded as decimal strings.

The audit that backs the recorded digits is :mod:`bnproof.engines.audit`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import mpmath

from bnproof.core.precision import Context

__all__ = ["CALL_SECONDS", "Progress", "Trajectory", "log_checkpoints", "run", "run_chunked"]

CALL_SECONDS = 0.25  # wall time one ``advance`` call may take: an interrupt is answered within a second

Progress = Callable[[int, int], None]


def log_checkpoints(steps: int, per_decade: int = 24) -> list[int]:
    """0, 1 and integer times spaced evenly in log t up to ``steps`` (included)."""
    if steps < 1:
        return [0]
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
    """Observables at checkpoints, as decimal strings (exact record) and log10 floats.

    ``ctx_name`` names the arithmetic or engine variant that ran; ``fallback`` says why a
    compiled engine was replaced by its NumPy reference (None: it ran as asked).
    """

    ctx_name: str
    dps: int
    t: list[int] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    log10: dict[str, list[float]] = field(default_factory=dict)
    final_state: Any = None
    elapsed_s: float = 0.0
    steps_per_s: float = 0.0
    fallback: str | None = None

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


def run_chunked(
    advance: Callable[[int], None],
    observe: Callable[[], dict[str, Any]],
    steps: int,
    *,
    ctx_name: str,
    digits: int,
    checkpoints: Sequence[int] | None = None,
    progress: Progress | None = None,
    after_chunk: Callable[[int], None] | None = None,
    work_dps: int = 40,
) -> Trajectory:
    """Call ``advance(k)`` (k steps, in place) until ``steps``, observing at the checkpoints.

    Between checkpoints the steps go in chunks of ``steps``/200 when ``progress`` is given
    (``progress(t, steps)`` after each), else in one call.  ``after_chunk(t)`` runs after each
    chunk (an engine's sanity check; it raises to stop the run).  ``observe()`` returns mpmath
    numbers, recorded at ``work_dps`` as strings of ``digits`` significant digits
    (``Trajectory.dps`` = digits - 1) and as log10 floats.  Only ``advance`` is timed.

    A compiled ``advance`` cannot be interrupted, so each call is further split into calls of
    about ``CALL_SECONDS`` (the step count adapts to the measured speed); the engine's steps
    are the same whatever the split, so the recorded values do not depend on it.
    """
    cps = sorted(set(checkpoints) if checkpoints is not None else set(log_checkpoints(steps)))
    traj = Trajectory(ctx_name=ctx_name, dps=digits - 1)
    chunk = max(1, steps // 200) if progress is not None else steps
    kernel_s = 0.0

    def record(t: int) -> None:
        traj.t.append(t)
        with mpmath.workdps(work_dps):
            for key, val in observe().items():
                traj.values.setdefault(key, []).append(mpmath.nstr(val, digits, min_fixed=0, max_fixed=0))
                traj.log10.setdefault(key, []).append(-math.inf if val == 0 else float(mpmath.log10(abs(val))))

    per_call = 1024  # steps per advance call (ms for a compiled engine); adapted to CALL_SECONDS after each call

    def timed(k: int) -> None:
        nonlocal kernel_s, per_call
        while k > 0:
            m = min(k, per_call)
            t0 = time.perf_counter()
            advance(m)
            dt = time.perf_counter() - t0
            kernel_s += dt
            k -= m
            if m == per_call:  # a full call measures the speed: grow at most 8× per call
                per_call = max(1, min(8 * per_call, int(per_call * CALL_SECONDS / max(dt, 1e-9))))

    t = 0
    if cps and cps[0] == 0:
        record(0)
    for target in [c for c in cps if 0 < c <= steps]:
        while t < target:
            k = min(target - t, chunk - (t % chunk) if chunk else target - t)
            timed(k)
            t += k
            if after_chunk is not None:
                after_chunk(t)
            if progress is not None:
                progress(t, steps)
        record(t)
    if t < steps:
        timed(steps - t)
    traj.elapsed_s = kernel_s
    traj.steps_per_s = steps / kernel_s if kernel_s > 0 else math.inf
    return traj
