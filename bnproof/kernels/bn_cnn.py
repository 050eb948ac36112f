"""Kernels for the two-layer single-filter linear CNN with BN (Cao et al. 2023, §1.3 [recon]).

The SymPy program of :mod:`bnproof.symbolic.bn_cnn` is printed by
:class:`bnproof.kernels.codegen.ContextPrinter` (rationals kept exact, loop invariants hoisted with
:func:`bnproof.kernels.codegen.hoisted`) into a step of the closed nP-dimensional recursion

    z <- z - η G ∂L/∂z,    γ <- γ - η ∂L/∂γ,    G_{(ip),(jq)} = ⟨x_i^(p), x_j^(q)⟩,

exact because ∇_w L = Σ_ip x_i^(p) ∂L/∂z_ip (proved in ``bnproof.symbolic.bn_cnn``).  The state
z is flattened sample-major: entry i·P + p is z_ip.  Per-sample quantities (sample margins,
weights r_i) are computed once per sample and repeated over its P patches.

Every generated gradient is cross-checked against a ≥ 50-digit finite difference in
``tests/papers/cao2023/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from bnproof.core.precision import Context
from bnproof.kernels.codegen import (
    GAP_SOURCE,
    MARGINS_SOURCE,
    STEP_SOURCE,
    ContextPrinter,
    assemble,
    compile_source,
    hoisted,
)
from bnproof.symbolic import bn_cnn as bc
from bnproof.symbolic import bn_linear as bl

__all__ = ["CNNKernel", "kernel_source", "compile_cnn_kernel"]

# P is printed as ``Pn`` (a context number, so 1/P stays exact); slicing uses the int ``PI``.
_SCALAR_NAMES = {bc.z: "z_", bc.y: "y_", bc.m: "m_", bc.r: "r_", bc.mu: "mu_", bc.msum: "ms_", bc.s: "s",
                 bc.A: "A", bl.gamma: "gamma", bc.n: "n", bc.P: "Pn", bc.eta: "eta"}
_VECTOR_NAMES = {bc.z: "z", bc.y: "Yp", bc.m: "m", bc.r: "rp", bc.mu: "mu", bc.msum: "ms", bc.s: "s",
                 bc.A: "A", bl.gamma: "gamma", bc.n: "n", bc.P: "Pn", bc.eta: "eta"}


def kernel_source(program: bc.CNNProgram, vectorized: bool) -> str:
    """Source of ``gradient``, ``loss``, ``step``, ``margins``, ``sample_margins``, ``gap``, ``sample_gap``."""
    p = ContextPrinter(_VECTOR_NAMES if vectorized else _SCALAR_NAMES).doprint
    pre_m, margin = hoisted(program.margin, p, "c_m", (bc.z, bc.y))
    pre_mu, sample = hoisted(program.sample_margin, p, "c_mu", (bc.msum,))
    pre_g, grad_z = hoisted(program.grad_z, p, "c_g", (bc.y, bc.r, bc.m))
    weight, loss_term, grad_gamma = p(program.weight), p(program.loss_term), p(program.grad_gamma)
    if vectorized:
        body = f"""
        def _margins(z):
            s = sqrt(vsum(z * z) / N)
            {pre_m}
            return s, {margin}

        def _samples(m):
            ms = blocksum(m)
            {pre_mu}
            return {sample}

        def gradient(z, gamma):
            s, m = _margins(z)
            mu = _samples(m)
            r = {weight}
            A = vsum(r * mu) / n
            rp = repeat(r)
            {pre_g}
            return {grad_z}, {grad_gamma}

        def loss(z, gamma):
            s, m = _margins(z)
            mu = _samples(m)
            return vsum({loss_term}) / n
        """
    else:
        body = f"""
        def _margins(z):
            z = aslist(z)
            s = sqrt(vsum([z_ * z_ for z_ in z]) / N)
            {pre_m}
            return s, [{margin} for z_, y_ in zip(z, Yp)]

        def _samples(m):
            {pre_mu}
            return [{sample} for ms_ in blocksum(m)]

        def gradient(z, gamma):
            s, m = _margins(z)
            mu = _samples(m)
            r = [{weight} for mu_ in mu]
            A = vsum([r_ * mu_ for r_, mu_ in zip(r, mu)]) / n
            {pre_g}
            return [{grad_z} for y_, r_, m_ in zip(Yp, repeat(r), m)], {grad_gamma}

        def loss(z, gamma):
            s, m = _margins(z)
            return vsum([{loss_term} for mu_ in _samples(m)]) / n
        """
    return assemble(body, STEP_SOURCE, MARGINS_SOURCE, _SAMPLE_MARGINS, GAP_SOURCE, _SAMPLE_GAP)


_SAMPLE_MARGINS = """
def sample_margins(z, gamma):
    # pool-normalised sample margins (1/P) Σ_p m_ip: equal to 1 at the patch-wise solution
    s, m = _margins(z)
    return [ms_ / Pn for ms_ in blocksum(m)]
"""
_SAMPLE_GAP = """
def sample_gap(z, gamma):
    sg = sign(gamma) or 1
    return vmax([fabs(sg * b_ - one) for b_ in sample_margins(z, gamma)])
"""


@dataclass(frozen=True)
class CNNKernel:
    """Compiled kernels for one (program, context, data): pure functions of (z, γ)."""

    ctx: Context
    program: bc.CNNProgram
    source: str
    n: int
    P: int
    step: Callable[[Any, Any], tuple[Any, Any]]
    gradient: Callable[[Any, Any], tuple[Any, Any]]
    loss: Callable[[Any, Any], Any]
    margins: Callable[[Any, Any], tuple[Any, Any]]
    sample_margins: Callable[[Any, Any], Any]
    gap: Callable[[Any, Any], Any]
    sample_gap: Callable[[Any, Any], Any]


def compile_cnn_kernel(program: bc.CNNProgram, ctx: Context, *, G: Any, y: Any, P: int, eta: Any) -> CNNKernel:
    """Compile ``program`` for ``ctx`` with the patch Gram matrix (nP×nP), labels (n) and P bound in.

    ``G`` and ``eta`` must be numbers of ``ctx`` (built inside ``ctx.scope()``); call the
    kernels inside ``ctx.scope()``.  The state z is in the context's native vector form.
    """
    labels = [int(v) for v in y]
    n, P = len(labels), int(P)
    if n < 1 or P < 1:
        raise ValueError(f"need n >= 1 and P >= 1, got n={n}, P={P}")
    Yp = [v for v in labels for _ in range(P)]
    src = kernel_source(program, ctx.vectorized)
    if ctx.vectorized:
        def blocksum(m):
            return np.asarray(m).reshape(n, P).sum(axis=1)

        def repeat(r):
            return np.repeat(r, P)

        yp = ctx.vector(Yp)
    else:
        vsum = ctx.namespace()["vsum"]

        def blocksum(m):
            return [vsum(m[i * P:(i + 1) * P]) for i in range(n)]

        def repeat(r):
            return [v for v in r for _ in range(P)]

        yp = Yp
    with ctx.scope():
        Pn = ctx.num(P)
    ns = compile_source(src, ctx, f"bn-cnn {program.loss}/{program.pooling}/{ctx.name}",
                        G=G, Yp=yp, eta=eta, n=n, N=n * P, PI=P, Pn=Pn, blocksum=blocksum, repeat=repeat)
    return CNNKernel(ctx=ctx, program=program, source=src, n=n, P=P, step=ns["step"], gradient=ns["gradient"],
                     loss=ns["loss"], margins=ns["margins"], sample_margins=ns["sample_margins"],
                     gap=ns["gap"], sample_gap=ns["sample_gap"])
