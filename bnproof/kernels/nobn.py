r"""Kernels for plain GD on the linear model without BN (the Soudry et al. 2018 baseline).

The per-sample formulas of :class:`~bnproof.symbolic.linear_nobn.NoBNProgram` are printed by
:class:`bnproof.kernels.codegen.ContextPrinter` (rationals exact in the context) into one of the two
loop shapes of :mod:`bnproof.kernels.codegen` -- whole-array NumPy for ``float64``, comprehensions over
scalars for ``mpmath`` and ``flint`` -- and compiled with :func:`bnproof.kernels.codegen.compile_source`.

The state is the pair (z, c) with z = Xw and w = w_0 + Xᵀc (proved in
:mod:`bnproof.symbolic.linear_nobn`); one GD step on w is

    g = ∂L/∂z = -(1/n) D_y r,   z <- z - η G g,   c <- c - η g.

The direction observables are hand-written linear algebra over (z, c), using the identities
‖w‖² = ‖w_0‖² + cᵀz_0 + cᵀz and ⟨w, v⟩ = ⟨w_0, v⟩ + cᵀ(Xv):

    angle(w, v) = atan2( sqrt(‖w‖²‖v‖² - ⟨w,v⟩²), ⟨w,v⟩ ),
    margin gap  = γ_ref - min_i y_i z_i / ‖w‖.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import flint
import mpmath
import numpy as np

from bnproof.core.precision import Context
from bnproof.kernels.codegen import ContextPrinter, assemble, compile_source, hoisted
from bnproof.symbolic import linear_nobn as ln

__all__ = ["NoBNKernel", "Reference", "kernel_source", "compile_nobn"]

_SCALAR_NAMES = {ln.z: "z_", ln.y: "y_", ln.q: "q_", ln.r: "r_", ln.n: "n", ln.eta: "eta"}
_VECTOR_NAMES = {ln.z: "z", ln.y: "Y", ln.q: "q", ln.r: "r", ln.n: "n", ln.eta: "eta"}
_ELEMENT = (ln.z, ln.y, ln.q, ln.r)


def kernel_source(program: ln.NoBNProgram, vectorized: bool) -> str:
    """Python source of ``margins``, ``gradient``, ``loss``, ``step`` and the observables."""
    p = ContextPrinter(_VECTOR_NAMES if vectorized else _SCALAR_NAMES).doprint
    pre_g, grad_z = hoisted(program.grad_z, p, "c_g", _ELEMENT)
    margin, weight, loss_term = p(program.margin), p(program.weight), p(program.loss_term)
    if vectorized:
        body = f"""
        def margins(z):
            return {margin}

        def gradient(z):
            q = margins(z)
            r = {weight}
            {pre_g}
            return {grad_z}

        def loss(z):
            q = margins(z)
            return vsum({loss_term}) / n

        def dot(a, b):
            return vsum(a * b)

        def step(z, c):
            g = gradient(z)
            return gd_update(z, eta, G, g), c - eta * g
        """
    else:
        body = f"""
        def margins(z):
            return [{margin} for z_, y_ in zip(aslist(z), Y)]

        def gradient(z):
            r = [{weight} for q_ in margins(z)]
            {pre_g}
            return [{grad_z} for y_, r_ in zip(Y, r)]

        def loss(z):
            return vsum([{loss_term} for q_ in margins(z)]) / n

        def dot(a, b):
            return vsum([a_ * b_ for a_, b_ in zip(aslist(a), aslist(b))])

        def step(z, c):
            g = gradient(z)
            return gd_update(z, eta, G, g), mid([c_ - eta * g_ for c_, g_ in zip(c, g)])
        """
    rest = """
        def norm2(z, c):
            # ‖w‖² for w = w0 + Xᵀc (identity nobn_norm)
            return w0_sq + dot(c, z0) + dot(c, z)

        def angle_to(z, c, ref):
            # ref = (Xv, ⟨w0, v⟩, ‖v‖²); ⟨w, v⟩ by identity nobn_inner
            xv, a0, v_sq = ref
            p = a0 + dot(c, xv)
            cross = norm2(z, c) * v_sq - p * p
            return atan2(sqrt(cross if cross > zero else zero), p)

        def margin_gap(z, c, gamma_ref):
            return gamma_ref - vmin(margins(z)) / sqrt(norm2(z, c))
        """
    return assemble(body, rest)


def _extras(ctx: Context) -> dict[str, Any]:
    """atan2 and min for each context (the shared namespace has neither)."""
    if ctx.name == "float64":
        return {"atan2": math.atan2, "vmin": np.min}
    if ctx.name == "mpmath":
        return {"atan2": mpmath.atan2, "vmin": min}
    return {"atan2": flint.arb.atan2, "vmin": lambda xs: min(xs, key=lambda a: a.mid())}


@dataclass(frozen=True)
class Reference:
    """A fixed direction v, pre-reduced for ``angle_to``: (Xv, ⟨w0, v⟩, ‖v‖²) in the context."""

    name: str
    unit: np.ndarray  # the float64 unit vector it was built from
    packed: tuple


@dataclass(frozen=True)
class NoBNKernel:
    """Compiled kernels for one (program, context, data); call them inside ``ctx.scope()``."""

    ctx: Context
    program: ln.NoBNProgram
    source: str
    X: list  # rows of X as context numbers
    w0: Any
    step: Callable[[Any, Any], tuple[Any, Any]]
    gradient: Callable[[Any], Any]
    loss: Callable[[Any], Any]
    margins: Callable[[Any], Any]
    norm2: Callable[[Any, Any], Any]
    angle_to: Callable[[Any, Any, tuple], Any]
    margin_gap: Callable[[Any, Any, Any], Any]
    z0: Any

    def initial_state(self) -> tuple[Any, Any]:
        """(z0, c = 0): GD starts at w0."""
        ctx = self.ctx
        return ctx.state_vector(ctx.aslist(self.z0)), ctx.vector([0] * len(self.X))

    def load_state(self, z: Sequence[Any], c: Sequence[Any]) -> tuple[Any, Any]:
        """A state of another context, converted exactly (float64 values are exact binaries)."""
        ctx = self.ctx
        return ctx.state_vector([ctx.num(v) for v in z]), ctx.vector([ctx.num(v) for v in c])

    def reference(self, name: str, v: np.ndarray) -> Reference:
        ctx = self.ctx
        unit = np.asarray(v, float) / np.linalg.norm(v)
        vc = ctx.vector(unit)
        xv = ctx.vector([ctx.sum([a * b for a, b in zip(row, vc)]) for row in self.X])
        return Reference(name, unit, (xv, ctx.sum([a * b for a, b in zip(self.w0, vc)]),
                                      ctx.sum([a * a for a in vc])))

    def angle(self, z: Any, c: Any, ref: Reference) -> Any:
        """Angle (radians) between w = w0 + Xᵀc and the reference direction."""
        return self.angle_to(z, c, ref.packed)

    def weights(self, c: Any) -> list:
        """w = w0 + Xᵀc in the context."""
        ctx = self.ctx
        cs = ctx.aslist(c)
        return [self.w0[k] + ctx.sum([cs[i] * self.X[i][k] for i in range(len(self.X))])
                for k in range(len(self.w0))]


def compile_nobn(program: ln.NoBNProgram, ctx: Context, *, X: np.ndarray, y: Sequence[int],
                 w0: np.ndarray, eta: Any) -> NoBNKernel:
    """Compile ``program`` for ``ctx`` with G = XXᵀ, the labels, w0 and η bound in.

    Call inside ``ctx.scope()``: the Gram matrix and z0 = Xw0 are formed in the context from
    the exact binary values of ``X`` and ``w0``.  ``eta`` is a decimal string or context number.
    """
    rows = [ctx.vector(row) for row in np.asarray(X, float)]
    w0c = ctx.vector(np.asarray(w0, float))
    G = ctx.matrix([[ctx.sum([a * b for a, b in zip(xi, xj)]) for xj in rows] for xi in rows])
    z0 = ctx.vector([ctx.sum([a * b for a, b in zip(xi, w0c)]) for xi in rows])
    labels = [int(v) for v in y]
    src = kernel_source(program, ctx.vectorized)
    ns = compile_source(src, ctx, f"linear-nobn {program.loss}/{ctx.name}", **_extras(ctx),
                        G=G, Y=ctx.vector(labels) if ctx.vectorized else labels,
                        eta=ctx.num(eta), n=ctx.num(len(labels)), zero=ctx.num(0), z0=z0,
                        w0_sq=ctx.sum([a * a for a in w0c]))
    return NoBNKernel(ctx=ctx, program=program, source=src, X=rows, w0=w0c, step=ns["step"],
                      gradient=ns["gradient"], loss=ns["loss"], margins=ns["margins"], norm2=ns["norm2"],
                      angle_to=ns["angle_to"], margin_gap=ns["margin_gap"], z0=z0)
