"""Engine throughput and accuracy: the generated recursions and the deviation engine against plain baselines.

Measured on one BN-linear-model instance (n samples, d dimensions), all engines in one run:

* steps per second of full GD on (w, γ) (time-boxed: at least ``seconds``/3 of work);
* ``gap_digits``: significant digits of the margin gap after ``gap_steps`` steps that agree
  with a python-flint reference at 2·dps + 10 digits (the same trajectory).

``plain mpmath`` is :func:`bnproof.engines.baseline.plain_mpmath_gd`, the naive d-dimensional
update; the ``n-dim recursion`` rows are :func:`bnproof.engines.bn_linear.simulate` (the
:mod:`bnproof.kernels.codegen` kernels on the exact z-recursion) in one arithmetic context; the
``deviation`` rows are :mod:`bnproof.engines.deviation` (cancellation-free form, float64) in
NumPy, numba, and numba with a double-double state.
"""

from __future__ import annotations

import math
import time

import mpmath

from bnproof.core.data import gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.precision import get_context
from bnproof.engines import deviation as dev
from bnproof.engines.audit import agreeing_digits
from bnproof.engines.baseline import plain_mpmath_gd
from bnproof.engines.bn_linear import simulate

__all__ = ["LIMITS", "check_sizes", "engine_table", "time_deviation", "time_engine", "time_plain_mpmath"]

#: Accepted ranges of the benchmark's sizes (inclusive): beyond them one plain-mpmath step or the
#: python-flint reference takes minutes, or the instance is degenerate (n < 2: BN undefined).
LIMITS = {"n": (2, 1024), "d": (1, 4096), "dps": (5, 2000), "gap_steps": (1, 10**6), "seconds": (0.01, 3600.0)}

_ETA = "0.1"


def _timed(run, seconds: float, start: int, cap: int) -> float:
    """Steps/s of ``run(steps) -> elapsed`` with the step count grown until ``seconds``/3 is spent."""
    steps = start
    while True:
        el = run(steps)
        if el >= seconds / 3 or steps >= cap:
            return steps / max(el, 1e-9)
        steps = int(steps * max(2.0, min(10.0, seconds / 3 / max(el, 1e-6))))


def time_engine(ctx_name: str, *, n: int, d: int, dps: int, seconds: float, seed: int = 0) -> float:
    """Steps/s of the compiled z-recursion in one context (time-boxed, at least 200 steps)."""
    data = gaussian_instance(seed, n, d, 1.5)
    ctx = get_context(ctx_name, dps)

    def run(steps):
        traj, _ = simulate(data, loss="exp", eta=_ETA, steps=steps, ctx=ctx, checkpoints=[steps])
        return traj.elapsed_s
    return _timed(run, seconds, 200, 10**7)


def time_plain_mpmath(*, n: int, d: int, dps: int, seconds: float, seed: int = 0) -> float:
    data = gaussian_instance(seed, n, d, 1.5)

    def run(steps):
        t0 = time.perf_counter()
        plain_mpmath_gd(data.X, data.y, data.w0, eta=_ETA, steps=steps, dps=dps)
        return time.perf_counter() - t0
    return _timed(run, seconds, 2, 10**5)


def time_deviation(variant: str, *, n: int, d: int, seconds: float, seed: int = 0) -> float:
    """Steps/s of the deviation engine (kernel time only; compilation is excluded by a warm-up)."""
    data = gaussian_instance(seed, n, d, 1.5)
    prob = dev.problem_from_data(data.X, data.y, _ETA, "exp")
    st = dev.initial_state(data.X, data.y, data.w0)

    def run(steps):
        return dev.run_deviation(prob, st, steps, variant=variant, checkpoints=[steps]).elapsed_s
    return _timed(run, seconds, 1000, 10**9)


def _plain_gap(data, steps: int, dps: int) -> str:
    w, gamma = plain_mpmath_gd(data.X, data.y, data.w0, eta=_ETA, steps=steps, dps=dps)
    with mpmath.workdps(dps):
        z = [mpmath.fsum(mpmath.mpf(float(x)) * wk for x, wk in zip(row, w)) for row in data.X]
        s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / len(z))
        sg = 1 if gamma >= 0 else -1
        gap = max(abs(sg * int(yi) * zi / s - 1) for yi, zi in zip(data.y, z))
        return mpmath.nstr(gap, dps)


def _gaps(data, steps: int, dps: int) -> dict[str, str]:
    """The gap after ``steps`` steps from every engine, keyed by engine kind."""
    out = {"plain": _plain_gap(data, steps, dps)}
    for name in ("flint", "mpmath", "float64"):
        traj, _ = simulate(data, loss="exp", eta=_ETA, steps=steps, ctx=get_context(name, dps), checkpoints=[steps])
        out[name] = traj.last("gap")
    prob = dev.problem_from_data(data.X, data.y, _ETA, "exp")
    st = dev.initial_state(data.X, data.y, data.w0)
    for variant in dev.VARIANTS:
        out[variant] = dev.run_deviation(prob, st, steps, variant=variant, checkpoints=[steps]).last("gap")
    ref, _ = simulate(data, loss="exp", eta=_ETA, steps=steps, ctx=get_context("flint", 2 * dps + 10),
                      checkpoints=[steps])
    out["reference"] = ref.last("gap")
    return out


def check_sizes(**values: float) -> None:
    """BadInput (one line, naming the range) unless every value is finite and inside :data:`LIMITS`."""
    for name, value in values.items():
        lo, hi = LIMITS[name]
        if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
            option = name.replace("_", "-")
            raise BadInput(f"bench --{option} must be in [{lo:g}, {hi:g}], got {value}")


def engine_table(*, n: int = 16, d: int = 64, dps: int = 50, seconds: float = 3.0,
                 gap_steps: int = 1000) -> list[dict]:
    """Rows: engine, steps/s, gap_digits, speed-up over the plain mpmath d-dimensional update."""
    check_sizes(n=n, d=d, dps=dps, seconds=seconds, gap_steps=gap_steps)
    data = gaussian_instance(0, n, d, 1.5)
    gaps = _gaps(data, gap_steps, dps)
    base = time_plain_mpmath(n=n, d=d, dps=dps, seconds=seconds)
    rows = [("plain", f"plain mpmath, d-dim update ({dps} dps)", base)]
    labels = {"flint": f"python-flint, n-dim recursion ({dps} dps)",
              "mpmath": f"mpmath, n-dim recursion ({dps} dps)",
              "float64": "float64 n-dim recursion (naive, numpy)"}
    for name, label in labels.items():
        rows.append((name, label, time_engine(name, n=n, d=d, dps=dps, seconds=seconds)))
    for variant, label in (("numpy", "deviation, NumPy (float64)"), ("numba", "deviation, compiled (numba, float64)"),
                           ("numba-dd", "deviation, compiled (numba, double-double state)")):
        rows.append((variant, label, time_deviation(variant, n=n, d=d, seconds=seconds)))
    ref = gaps["reference"]
    out = []
    for kind, label, sps in rows:
        digits = agreeing_digits([gaps[kind]], [ref], cap=2 * dps)[0]
        out.append({"engine": label, "steps_per_s": float(sps), "gap_digits": round(float(digits), 2),
                    "n": n, "d": d, "dps": dps, "gap_steps": gap_steps, "gap": gaps[kind],
                    "speedup": float(sps) / base})
    return out
