r"""GD on the BN linear CNN of Cao, Zou, Li, Gu (COLT 2023) from patch data, with either engine.

The two-layer single-filter linear CNN with BN (:mod:`bnproof.symbolic.bn_cnn`) closes on the
nP patch pre-activations z_ip = ⟨w, x_i^(p)⟩, flattened sample-major (entry i·P + p), with the
patch Gram matrix G_(ip),(jq) = ⟨x_i^(p), x_j^(q)⟩.  Two ways to run GD on (w, γ) from γ0 = 1,
with the same observables at the checkpoints (``gap`` = max_ip |sign(γ) m_ip - 1|,
``sample_gap`` = max_i |sign(γ)(1/P)Σ_p m_ip - 1|, ``gamma``, ``s`` = ‖w‖_Σ, ``loss``):

* :func:`simulate` -- the exact nP-dimensional recursion on a precision context, with the
  kernel of :mod:`bnproof.kernels.bn_cnn` and :func:`bnproof.engines.runner.run`;
* :func:`simulate_deviation` -- the late-time engine of :mod:`bnproof.engines.deviation_cnn`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bnproof.core.data import Dataset
from bnproof.core.precision import Context
from bnproof.engines import deviation_cnn as dc
from bnproof.engines.runner import Progress, Trajectory, run
from bnproof.kernels.bn_cnn import CNNKernel, compile_cnn_kernel
from bnproof.models.bn_linear import stacked
from bnproof.symbolic import bn_cnn

__all__ = ["patch_system", "simulate", "simulate_deviation"]


def patch_system(ctx: Context, data: Dataset, w0: np.ndarray) -> tuple[Any, Any, list]:
    """(G, z0, X_s rows) in ``ctx``: the nP×nP patch Gram matrix and z0 = X_s w0 (X_s: patches stacked sample-major)."""
    Xs, _ = stacked(data)
    rows = [ctx.vector(row) for row in Xs]
    w = ctx.vector(w0)
    G = ctx.matrix([[ctx.sum([a * b for a, b in zip(xi, xj)]) for xj in rows] for xi in rows])
    z0 = ctx.state_vector([ctx.sum([a * b for a, b in zip(xi, w)]) for xi in rows])
    return G, z0, rows


def simulate(data: Dataset, *, loss: str, eta: str, steps: int, ctx: Context, pooling: str = "average",
             checkpoints: Sequence[int] | None = None, progress: Progress | None = None) -> tuple[Trajectory, CNNKernel]:
    """GD on (w, γ), γ0 = 1, via the exact nP-dimensional recursion in z_ip = ⟨w, x_i^(p)⟩.

    Observables at checkpoints: ``gap`` (patch gap), ``sample_gap``, ``gamma``, ``s`` = ‖w‖_Σ, ``loss``.
    """
    program = bn_cnn.step_program(loss, pooling)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        G, z0, _ = patch_system(ctx, data, w0)
        kernel = compile_cnn_kernel(program, ctx, G=G, y=data.y, P=data.P, eta=ctx.num(eta))
        gamma0 = ctx.num(1)

    def observe(z, gamma):
        s, _ = kernel.margins(z, gamma)
        return {"gap": kernel.gap(z, gamma), "sample_gap": kernel.sample_gap(z, gamma), "gamma": gamma,
                "s": s, "loss": kernel.loss(z, gamma)}

    traj = run(ctx, kernel.step, (z0, gamma0), steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


def simulate_deviation(data: Dataset, *, loss: str, eta: str, steps: int, pooling: str = "average",
                       checkpoints: Sequence[int] | None = None, variant: str = "numba",
                       progress: Progress | None = None) -> Trajectory:
    """GD on (w, γ), γ0 = 1, with the CNN deviation engine; the observables of :func:`simulate`.

    ``numba`` falls back to ``numpy`` when numba is unusable (``ctx_name`` says which ran,
    ``fallback`` why).
    """
    prob = dc.problem_from_patches(data.X, data.y, eta, loss, pooling)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    st = dc.initial_state(data.X, data.y, w0, 1.0)
    return dc.run_deviation_cnn(prob, st, steps, variant=variant, checkpoints=checkpoints, progress=progress)
