"""Engine throughput: the generated n-dimensional recursion against plain baselines.

Measured on one BN-linear-model instance (n samples, d dimensions), steps per second of
full GD on (w, γ).  ``plain mpmath`` is :func:`bnproof.baselines.plain_mpmath_gd`, the
naive d-dimensional update; every other row is the engine (``bnproof.codegen`` kernels on
the exact z-recursion) in one arithmetic context.
"""

from __future__ import annotations

import time

from .arith import get_context
from .baselines import plain_mpmath_gd
from .data import gaussian_instance

__all__ = ["engine_table", "time_engine", "time_plain_mpmath"]


def time_engine(ctx_name: str, *, n: int, d: int, dps: int, seconds: float, seed: int = 0) -> float:
    """Steps/s of the compiled z-recursion in one context (time-boxed, at least 200 steps)."""
    from .papers.cao2023 import simulate

    data = gaussian_instance(seed, n, d, 1.5)
    ctx = get_context(ctx_name, dps)
    steps = 200
    while True:
        traj, _ = simulate(data, loss="exp", eta="0.1", steps=steps, ctx=ctx, checkpoints=[steps])
        if traj.elapsed_s >= seconds / 3 or steps >= 10**7:
            return traj.steps_per_s
        steps = int(steps * max(2.0, min(10.0, seconds / 3 / max(traj.elapsed_s, 1e-6))))


def time_plain_mpmath(*, n: int, d: int, dps: int, seconds: float, seed: int = 0) -> float:
    data = gaussian_instance(seed, n, d, 1.5)
    steps = 2
    while True:
        t0 = time.perf_counter()
        plain_mpmath_gd(data.X, data.y, data.w0, eta="0.1", steps=steps, dps=dps)
        el = time.perf_counter() - t0
        if el >= seconds / 3 or steps >= 10**5:
            return steps / el
        steps *= 2


def engine_table(*, n: int = 16, d: int = 64, dps: int = 50, seconds: float = 3.0) -> list[dict]:
    """Rows: engine, steps/s, speed-up over the plain mpmath d-dimensional update."""
    base = time_plain_mpmath(n=n, d=d, dps=dps, seconds=seconds)
    rows = [{"engine": f"plain mpmath, d-dim update ({dps} dps)", "steps_per_s": base}]
    for name in ("mpmath", "flint", "float64"):
        label = {"mpmath": f"engine z-recursion, mpmath ({dps} dps)",
                 "flint": f"engine z-recursion, python-flint midpoints ({dps} dps)",
                 "float64": "engine z-recursion, float64 (numpy)"}[name]
        rows.append({"engine": label, "steps_per_s": time_engine(name, n=n, d=d, dps=dps, seconds=seconds)})
    for row in rows:
        row.update(n=n, d=d, dps=dps, speedup=row["steps_per_s"] / base)
    return rows
