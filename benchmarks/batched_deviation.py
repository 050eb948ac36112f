"""Does a deviation kernel that advances many instances at once pay off for the Cao sweep?

`python benchmarks/batched_deviation.py [--instances 64] [--steps 100000] [--n 8] [--json]`

Three measurements, on `cao2023.linear.rate`'s generated instances (n = 8, d = 24, seeds 0..B-1):

1. **One instance per call** -- the engine's compiled kernel (``advance_f64`` of
   :mod:`bnproof.kernels.deviation`), called once per instance for the whole horizon.
2. **Batched** -- the same SymPy deviation program printed into a kernel whose state is
   structure-of-arrays, shape (n, B): every per-step loop runs over the B instances innermost,
   so LLVM can vectorise across instances (n = 8 is too short a loop to vectorise well within
   one instance).  The printed formulas are the engine's (``hoist`` of the same program); the
   template below is the batched twin of the linear step (f64 state, fold on, uncentred).
   Checked: the batched final states equal the one-instance ones bit for bit (same operations
   in the same order per instance), so the speed-up is not bought with different arithmetic.
3. **Where a sweep task's time goes** -- one warm `cao2023.linear.rate` task (default and
   --quick), split into the deviation kernel, the observables at the checkpoints, the
   multiprecision cross-validation, the read-out and the rest.  The kernel's share bounds what
   any kernel speed-up can buy a sweep (Amdahl): speed-up of the task ≤ 1 / (1 - share).

The batched kernel is a measurement, not an engine path: it is built into the engine only if
(3) says the kernel is a large part of a task (see the report this prints).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict

import numpy as np

from bnproof.core.data import gaussian_instance
from bnproof.engines import deviation as dev
from bnproof.kernels.deviation import _DD_ADD, IndexedPrinter, hoist  # the engine's own double-double add
from bnproof.kernels.numba import KERNEL_PRELUDE, load_generated
from bnproof.symbolic import deviation as dv

__all__ = ["batched", "batched_kernel", "batched_source", "main", "one_per_call", "pack", "task_profile"]

# --- the batched kernel ---------------------------------------------------------------------------

_SCALARS = ("a", "gamma", "sigma", "qh", "s", "si", "apl", "E", "lam0", "Ph")  # per instance: arrays (B,)
_NAMES = {"y": "y[i, b]", "rh": "rh[i, b]", "dh": "dh[i, b]", "psih": "psih[i, b]",
          **{name: f"{name}[b]" for name in _SCALARS}}
_COEF = re.compile(r"\b(c[dph]\d+)\b")

# The linear step of bnproof.kernels.deviation (f64 variant, fold on, no centring), with the
# instance index b innermost.  Only the loop structure differs; every formula is printed.
_BATCHED_STEP = '''
@njit(cache=True)
def advance_batch(G, y, a, gamma, rh, e, parity, eta, nsteps):
    # G: (n, n, B); y, rh: (n, B); a, gamma: (B,); e, parity: (B,) int64
    n = y.shape[0]
    B = y.shape[1]
    sigma = np.empty(B)
    qh = np.empty(B)
    s = np.empty(B)
    si = np.empty(B)
    apl = np.empty(B)
    E = np.empty(B)
    lam0 = np.empty(B)
    Ph = np.empty(B)
    c = np.empty(B)
    ydz = np.empty(B)
    acc = np.empty(B)
    fs = np.empty(B)
    flo = np.empty(B)
{alloc}
    dh = np.empty((n, B))
    psih = np.empty((n, B))
    h = np.empty((n, B))
    dz = np.empty((n, B))
    for it in range(nsteps):
        for b in range(B):
            sigma[b] = math.ldexp(1.0, e[b])
            qh[b] = 0.0
        for i in range(n):
            for b in range(B):
                qh[b] += rh[i, b] * rh[i, b]
        for b in range(B):
            qh[b] /= n
            q = sigma[b] * sigma[b] * qh[b]
            s[b] = math.sqrt(a[b] * a[b] + q)
            if a[b] >= 0.0:
                apl[b] = a[b] + s[b]
            else:
                apl[b] = q / (s[b] - a[b])
            E[b] = math.exp(-gamma[b])
            lam0[b] = {lam0}
            si[b] = 1.0 / s[b]
{pre}
            Ph[b] = 0.0
        for i in range(n):
            for b in range(B):
                dh[i, b] = {delta}
                xh = -gamma[b] * dh[i, b]
                phih = xh * _exprel(sigma[b] * xh)
                psih[i, b] = {psi}
                Ph[b] += {p_term}
        for b in range(B):
            Ph[b] /= n
{pre_h}
            c[b] = eta * gamma[b] * lam0[b] / n
            ydz[b] = 0.0
        for i in range(n):
            for b in range(B):
                h[i, b] = {h}
        for i in range(n):
            for b in range(B):
                acc[b] = 0.0
            for k in range(n):
                for b in range(B):
                    acc[b] += G[i, k, b] * h[k, b]
            for b in range(B):
                dz[i, b] = c[b] * acc[b]
                ydz[b] += y[i, b] * dz[i, b]
        for b in range(B):
            ydz[b] /= n
            dgam = {dgamma}
            a[b] += sigma[b] * ydz[b]
            gamma[b] += dgam
            fs[b] = 0.0
            flo[b] = 0.0
        for i in range(n):
            for b in range(B):
                rh[i, b] += dz[i, b] - ydz[b] * y[i, b]
        for i in range(n):
            for b in range(B):
                fs[b], flo[b] = _dd_add(fs[b], flo[b], y[i, b] * rh[i, b])
        for b in range(B):
            fr = (fs[b] + flo[b]) / n
            for i in range(n):
                rh[i, b] -= fr * y[i, b]
            a[b] += sigma[b] * fr
            if a[b] < 0.0 and gamma[b] < 0.0:
                a[b] = -a[b]
                gamma[b] = -gamma[b]
                for i in range(n):
                    rh[i, b] = -rh[i, b]
                parity[b] = -parity[b]
            mx = 0.0
            for i in range(n):
                mx = max(mx, abs(rh[i, b]))
            if mx > 0.0 and (mx > 4294967296.0 or mx < 2.3283064365386963e-10):
                kk = math.frexp(mx)[1]
                sc = math.ldexp(1.0, -kk)
                for i in range(n):
                    rh[i, b] *= sc
                e[b] += kk
'''



def batched_source(loss: str) -> str:
    """numba source of ``advance_batch`` for ``loss``: the deviation program printed per (i, b)."""
    prog = dv.deviation_program(loss)
    p = IndexedPrinter(_NAMES).doprint
    pre_d, delta = hoist(prog.delta, "cd", p)
    pre_p, p_term = hoist(prog.p_term, "cp", p)
    pre_h, h = hoist(prog.h, "ch", p)
    coefs = sorted({m.group(1) for line in pre_d + pre_p + pre_h for m in _COEF.finditer(line)})

    def indexed(text: str) -> str:  # hoisted coefficients are per instance: cd0 -> cd0[b]
        return _COEF.sub(r"\1[b]", text)

    ind = " " * 12
    return "\n" + KERNEL_PRELUDE + _DD_ADD + _BATCHED_STEP.format(
        alloc="\n".join(f"    {c} = np.empty(B)" for c in coefs),
        lam0=p(prog.lam0), delta=indexed(delta), psi=p(prog.psi), p_term=indexed(p_term), h=indexed(h),
        dgamma=p(prog.dgamma), pre="\n".join(ind + indexed(x) for x in pre_d + pre_p),
        pre_h="\n".join(ind + indexed(x) for x in pre_h))


def batched_kernel(loss: str):
    """The compiled ``advance_batch`` (numba's disk cache, like the engine's kernels)."""
    return load_generated(batched_source(loss), f"deviation_batched_{loss}").advance_batch


# --- the two ways to advance B instances ----------------------------------------------------------


def instances(count: int, n: int, d: int, w0_scale: float = 1.5, eta: str = "0.1", loss: str = "exp"):
    """(problem, initial state) of the claim's generated instances for seeds 0..count-1."""
    out = []
    for seed in range(count):
        data = gaussian_instance(seed, n, d, w0_scale)
        out.append((dev.problem_from_data(data.X, data.y, eta, loss), dev.initial_state(data.X, data.y, data.w0)))
    return out


def pack(items) -> tuple:
    """Structure-of-arrays copies of the instances' (G, y, a, γ, r̂, e, parity)."""
    G = np.ascontiguousarray(np.stack([p.G for p, _ in items], axis=-1))
    y = np.ascontiguousarray(np.stack([p.y for p, _ in items], axis=-1))
    rh = np.ascontiguousarray(np.stack([st.rh for _, st in items], axis=-1))
    a = np.array([st.f[0] for _, st in items])
    gamma = np.array([st.f[1] for _, st in items])
    e = np.array([st.ints[0] for _, st in items], dtype=np.int64)
    parity = np.array([st.ints[1] for _, st in items], dtype=np.int64)
    return G, y, a, gamma, rh, e, parity


def one_per_call(items, steps: int) -> tuple[float, list]:
    """Seconds to advance every instance by ``steps`` with one kernel call per instance; final states."""
    states = [st.copy() for _, st in items]
    dev.advance(items[0][0], states[0].copy(), 1)  # load/compile outside the timing
    t0 = time.perf_counter()
    for (prob, _), st in zip(items, states):
        dev.advance(prob, st, steps)
    return time.perf_counter() - t0, states


def batched(items, steps: int) -> tuple[float, tuple]:
    """Seconds to advance every instance by ``steps`` in one batched call; final packed state."""
    kernel = batched_kernel(items[0][0].loss)
    G, y, a, gamma, rh, e, parity = pack(items)
    kernel(G, y, a.copy(), gamma.copy(), rh.copy(), e.copy(), parity.copy(), items[0][0].eta, 1)  # compile/load
    t0 = time.perf_counter()
    kernel(G, y, a, gamma, rh, e, parity, items[0][0].eta, steps)
    return time.perf_counter() - t0, (a, gamma, rh, e, parity)


def same_states(states: list, packed: tuple) -> bool:
    """Whether the batched final states equal the one-instance ones bit for bit."""
    a, gamma, rh, e, parity = packed
    return all(st.f[0] == a[b] and st.f[1] == gamma[b] and np.array_equal(st.rh, rh[:, b])
               and st.ints[0] == e[b] and st.ints[1] == parity[b] for b, st in enumerate(states))


# --- where one sweep task's time goes ---------------------------------------------------------------


def task_profile(claim_id: str = "cao2023.linear.rate", tasks: int = 6, quick: bool = False) -> dict:
    """Milliseconds per warm task of ``claim_id`` (seeds 1..tasks after a warm-up on seed 0), by part."""
    from bnproof.claims import get_claim, run_claim
    from bnproof.core.params import RunConfig
    from bnproof.papers.cao2023 import linear_model as lm

    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(lm.LinearGD, name) for name in ("simulate", "simulate_deviation", "read_out_deviation")}

    def timed(name: str, label: str):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            out = originals[name](*args, **kwargs)
            spent[label] += time.perf_counter() - t0
            if name == "simulate_deviation":
                spent["deviation kernel"] += out.elapsed_s  # run_chunked times only the kernel calls
            return out
        return wrapper

    labels = {"simulate": "multiprecision cross-validation", "simulate_deviation": "deviation runs (f64 + dd)",
              "read_out_deviation": "read-out (margins, direction)"}
    claim = get_claim(claim_id)
    try:
        for name, label in labels.items():
            setattr(lm.LinearGD, name, timed(name, label))
        run_claim(claim, RunConfig(seed=0, quick=quick))
        spent.clear()
        t0 = time.perf_counter()
        for seed in range(1, tasks + 1):
            run_claim(claim, RunConfig(seed=seed, quick=quick))
        total = time.perf_counter() - t0
    finally:
        for name, fn in originals.items():
            setattr(lm.LinearGD, name, fn)
    per = {k: 1000 * v / tasks for k, v in spent.items()}
    per["observables at checkpoints"] = per.pop("deviation runs (f64 + dd)") - per["deviation kernel"]
    per["rest (fits, record)"] = 1000 * total / tasks - sum(per.values())
    return {"claim": claim_id, "quick": quick, "task_ms": round(1000 * total / tasks, 1),
            "parts_ms": {k: round(v, 1) for k, v in per.items()},
            "kernel_share": round(per["deviation kernel"] / (1000 * total / tasks), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--d", type=int, default=24)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    items = instances(args.instances, args.n, args.d)
    t_one, states = one_per_call(items, args.steps)
    t_batch, packed = batched(items, args.steps)
    profiles = [task_profile(quick=False), task_profile(quick=True)]
    speedup = t_one / t_batch
    share = profiles[0]["kernel_share"]
    result = {
        "instances": args.instances, "steps": args.steps, "n": args.n, "d": args.d,
        "one_per_call_s": round(t_one, 3), "batched_s": round(t_batch, 3),
        "kernel_speedup": round(speedup, 2), "bitwise_equal": same_states(states, packed),
        "task_profiles": profiles,
        # Amdahl: a task speeds up by 1/((1 - share) + share/speedup) at most
        "task_speedup_bound": round(1 / ((1 - share) + share / speedup), 3),
        "load_average": os.getloadavg(),
    }
    result["pays_off"] = result["task_speedup_bound"] >= 1.2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.instances} instances × {args.steps} steps (n = {args.n}): one per call {t_one:.3f} s, "
              f"batched {t_batch:.3f} s -> kernel speed-up {speedup:.2f}× (bitwise equal: {result['bitwise_equal']})")
        for prof in profiles:
            print(f"warm task of {prof['claim']} (quick={prof['quick']}): {prof['task_ms']} ms, "
                  f"kernel share {100 * prof['kernel_share']:.1f} %")
            for part, ms in prof["parts_ms"].items():
                print(f"    {part:34s} {ms:8.1f} ms")
        print(f"task speed-up the batched kernel could buy (Amdahl, defaults): ≤ {result['task_speedup_bound']}× "
              f"-> {'pays off' if result['pays_off'] else 'does not pay off'} (threshold 1.2×); "
              f"load average {result['load_average'][0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
