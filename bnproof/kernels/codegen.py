"""SymPy expressions -> GD kernels for a precision context.

The per-sample formulas of a :class:`~bnproof.symbolic.bn_linear.StepProgram` are printed
by SymPy's ``LambdaPrinter`` into Python source for one of two loop shapes -- whole-array
NumPy expressions for ``float64``, list comprehensions over scalars for ``mpmath`` and
``flint`` -- and compiled with ``exec`` in the context's namespace (``exp``, ``sqrt`` ...
bound to the context's functions).  Rationals are printed as exact context numbers, never
as Python floats, so nothing drops to 53 bits inside a 50-digit kernel.

The generated step is the closed n-dimensional recursion of the BN linear model

    z <- z - η G ∂L/∂z,     γ <- γ - η ∂L/∂γ,      (G = X X^T, or Q X X^T Q centred)

which is exact because ∇_w L = X^T ∂L/∂z (proved in ``bnproof.symbolic``).  Every generated
gradient is cross-checked against a high-precision finite difference in the tests
(``tests/kernels/test_codegen.py``).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp
from sympy.printing.lambdarepr import LambdaPrinter

from bnproof.core.precision import Context
from bnproof.symbolic import bn_linear as bl

__all__ = ["Kernel", "compile_kernel", "kernel_source", "ContextPrinter", "hoisted", "compile_source", "assemble",
           "STEP_SOURCE", "MARGINS_SOURCE", "GAP_SOURCE"]


class ContextPrinter(LambdaPrinter):
    """LambdaPrinter that renames symbols and keeps rationals exact in the context."""

    def __init__(self, names: dict[sp.Symbol, str]):
        super().__init__({"fully_qualified_modules": False, "inline": True})
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr, expr.name)

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"(one*{expr.p}/{expr.q})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return "(one/2)"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(expr.p)

    def _print_Float(self, expr: sp.Float) -> str:  # pragma: no cover - programs hold no floats
        raise TypeError("generated kernels must not contain float literals")


_SCALAR_NAMES = {bl.z: "z_", bl.y: "y_", bl.m: "m_", bl.r: "r_", bl.s: "s", bl.A: "A",
                 bl.gamma: "gamma", bl.n: "n", bl.eta: "eta"}
_VECTOR_NAMES = {bl.z: "z", bl.y: "Y", bl.m: "m", bl.r: "r", bl.s: "s", bl.A: "A",
                 bl.gamma: "gamma", bl.n: "n", bl.eta: "eta"}


_ELEMENT = (bl.z, bl.y, bl.m, bl.r)

# Source blocks every BN kernel ends with (the CNN's adds its sample-level observables):
# one GD step on (z, γ), the margins, and the gap max_i |sign(γ) m_i - 1|.
STEP_SOURCE = """
def step(z, gamma):
    gz, gg = gradient(z, gamma)
    return gd_update(z, eta, G, gz), mid(gamma - eta * gg)
"""
MARGINS_SOURCE = """
def margins(z, gamma):
    return _margins(z)
"""
GAP_SOURCE = """
def gap(z, gamma):
    s, m = _margins(z)
    sg = sign(gamma) or 1
    return vmax([fabs(sg * m_ - one) for m_ in m])
"""


def assemble(*blocks: str) -> str:
    """One module from indented source blocks: each dedented, whitespace-only lines dropped
    (an empty ``{pre_...}`` placeholder leaves one)."""
    src = "".join(textwrap.dedent(block) for block in blocks)
    return "\n".join(line for line in src.splitlines() if line.strip() or not line) + "\n"


def hoisted(expr: sp.Expr, printer, name: str, element: tuple = _ELEMENT) -> tuple[str, str]:
    """Split ``expr`` into a loop-invariant factor (printed once, as ``name``) and a per-element part.

    Loop-invariant hoisting done symbolically (``as_independent``): e.g. ∂L/∂z_j =
    [-γ/(n s)] · [y_j (r_j - A m_j)], so the division by n·s happens once per step, not n times.
    """
    inv, elem = expr.as_independent(*element, as_Add=False)
    if inv == 1:
        return "", printer(elem)
    return f"{name} = {printer(inv)}", f"{name} * ({printer(elem)})"


def kernel_source(program: bl.StepProgram, vectorized: bool) -> str:
    """Python source of ``gradient``, ``loss``, ``step``, ``margins`` and ``gap`` for one loop shape."""
    p = ContextPrinter(_VECTOR_NAMES if vectorized else _SCALAR_NAMES).doprint
    pre_m, margin = hoisted(program.margin, p, "c_m")
    pre_g, grad_z = hoisted(program.grad_z, p, "c_g")
    weight, loss_term, grad_gamma = p(program.weight), p(program.loss_term), p(program.grad_gamma)
    if vectorized:
        body = f"""
        def _margins(z):
            s = sqrt(vsum(z * z) / n)
            {pre_m}
            return s, {margin}

        def gradient(z, gamma):
            s, m = _margins(z)
            r = {weight}
            A = vsum(r * m) / n
            {pre_g}
            return {grad_z}, {grad_gamma}

        def loss(z, gamma):
            s, m = _margins(z)
            return vsum({loss_term}) / n
        """
    else:
        body = f"""
        def _margins(z):
            z = aslist(z)
            s = sqrt(vsum([z_ * z_ for z_ in z]) / n)
            {pre_m}
            return s, [{margin} for z_, y_ in zip(z, Y)]

        def gradient(z, gamma):
            s, m = _margins(z)
            r = [{weight} for m_ in m]
            A = vsum([r_ * m_ for r_, m_ in zip(r, m)]) / n
            {pre_g}
            return [{grad_z} for y_, r_, m_ in zip(Y, r, m)], {grad_gamma}

        def loss(z, gamma):
            s, m = _margins(z)
            return vsum([{loss_term} for m_ in m]) / n
        """
    return assemble(body, STEP_SOURCE, MARGINS_SOURCE, GAP_SOURCE)


@dataclass(frozen=True)
class Kernel:
    """Compiled kernels for one (program, context, data): pure functions of (z, γ)."""

    ctx: Context
    program: bl.StepProgram
    source: str
    step: Callable[[Any, Any], tuple[Any, Any]]
    gradient: Callable[[Any, Any], tuple[Any, Any]]
    loss: Callable[[Any, Any], Any]
    margins: Callable[[Any, Any], tuple[Any, Any]]
    gap: Callable[[Any, Any], Any]


def compile_kernel(program: bl.StepProgram, ctx: Context, *, G: Any, y: Any, eta: Any) -> Kernel:
    """Compile ``program`` for ``ctx`` with the Gram matrix, labels and step size bound in.

    ``G``, ``y`` and ``eta`` must already be numbers of ``ctx`` (built inside ``ctx.scope()``).
    Call the kernels inside ``ctx.scope()`` as well: the context sets the working precision.
    The state ``z`` is in the context's native vector form (``ctx.state_vector``).
    """
    labels = list(y)
    src = kernel_source(program, ctx.vectorized)
    ns = compile_source(src, ctx, f"bn-linear {program.loss}/{ctx.name}",
                        G=G, Y=ctx.vector(labels) if ctx.vectorized else [int(v) for v in labels],
                        eta=eta, n=len(labels))
    return Kernel(ctx=ctx, program=program, source=src, step=ns["step"], gradient=ns["gradient"],
                  loss=ns["loss"], margins=ns["margins"], gap=ns["gap"])


def compile_source(src: str, ctx: Context, label: str, **bindings: Any) -> dict[str, Any]:
    """Compile generated source in the context's namespace plus ``bindings``; return the namespace.

    The namespace provides the context's functions (``exp``, ``expm1``, ``log``, ``log1p``,
    ``sqrt``, ``fabs``, ``vsum``, ``vmax``, ``sign``, ``one``) and its vector operations
    (``gd_update``, ``aslist``, ``mid``, ``matvec``).
    """
    ns = dict(ctx.namespace())
    ns.update(gd_update=ctx.gd_update, aslist=ctx.aslist, mid=ctx.mid, matvec=ctx.matvec)
    ns.update(bindings)
    exec(compile(src, f"<bnproof kernel {label}>", "exec"), ns)
    return ns
