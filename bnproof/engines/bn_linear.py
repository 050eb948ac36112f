r"""GD on the BN linear model of Cao, Zou, Li, Gu (COLT 2023) from a data set, with either engine.

The model is f(x) = γ·⟨w, x⟩/‖w‖_Σ (BN without ε, uncentred or centred), trained by full-batch
GD on (w, γ) from γ0 = 1.  Two ways to run it, with the same observables at the checkpoints
(``gap`` = max_i |sign(γ)·m_i - 1|, ``gamma``, ``s`` = ‖w‖_Σ, ``loss``):

* :func:`simulate` -- the exact n-dimensional recursion z <- z - η G ∂L/∂z (G = X Xᵀ,
  or Q X Xᵀ Q centred) on a precision context, with the kernel of
  :mod:`bnproof.kernels.codegen` and :func:`bnproof.engines.runner.run`; it needs as many
  digits as the gap has leading nines (80-250 late in training);
* :func:`simulate_deviation` -- the cancellation-free late-time engine of
  :mod:`bnproof.engines.deviation` (float64 or double-double state, 10⁶-10⁸ steps).

Used by the claims of :mod:`bnproof.papers` on this model, the benchmark and the tests, so that
all of them run the same recursion from the same data.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bnproof.core.data import Dataset
from bnproof.core.precision import Context
from bnproof.engines import deviation as dev
from bnproof.engines.runner import Progress, Trajectory, run
from bnproof.kernels.codegen import Kernel, compile_kernel
from bnproof.symbolic import bn_linear

__all__ = ["gram_and_z0", "simulate", "simulate_deviation"]


def gram_and_z0(ctx: Context, data: Dataset, center: bool, w0: np.ndarray) -> tuple[Any, Any, list]:
    """(G, z0, rows of X) in ``ctx`` (inside ``ctx.scope()``): G = X Xᵀ and z0 = X w0, centred X if asked."""
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
             checkpoints: Sequence[int] | None = None, progress: Progress | None = None) -> tuple[Trajectory, Kernel]:
    """GD on (w, γ), γ0 = 1, via the exact n-dimensional recursion in z = Xw.

    Returns the trajectory (observables ``gap``, ``gamma``, ``s``, ``loss`` at checkpoints)
    and the compiled kernel.  ``w0`` defaults to the all-ones vector when the data has none.
    """
    program = bn_linear.step_program(loss)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        G, z0, _ = gram_and_z0(ctx, data, center, w0)
        kernel = compile_kernel(program, ctx, G=G, y=data.y, eta=ctx.num(eta))
        gamma0 = ctx.num(1)

    def observe(z, gamma):
        s, _ = kernel.margins(z, gamma)
        return {"gap": kernel.gap(z, gamma), "gamma": gamma, "s": s, "loss": kernel.loss(z, gamma)}

    traj = run(ctx, kernel.step, (z0, gamma0), steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


def simulate_deviation(data: Dataset, *, loss: str, eta: str, steps: int, center: bool = False,
                       checkpoints: Sequence[int] | None = None, variant: str = "numba",
                       progress: Progress | None = None) -> Trajectory:
    """GD on (w, γ), γ0 = 1, with the deviation engine; the observables of :func:`simulate`.

    The compiled variants fall back to ``numpy`` when numba is unusable (``ctx_name`` says
    which ran, ``fallback`` why).
    """
    prob = dev.problem_from_data(data.X, data.y, eta, loss, center)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    st = dev.initial_state(data.X, data.y, w0, 1.0, center)
    return dev.run_deviation(prob, st, steps, variant=variant, checkpoints=checkpoints, progress=progress)
