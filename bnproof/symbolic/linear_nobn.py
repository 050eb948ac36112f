r"""The linear model *without* BN, derived with scalar symbols: the baseline of Cao et al. 2023.

Model (reference notes §3, T2; Soudry, Hoffer, Nacson, Gunasekar, Srebro, JMLR 2018):

.. math::
    f(w; x) = \langle w, x\rangle, \qquad
    L(w) = \tfrac1n \textstyle\sum_i \ell(y_i \langle w, x_i\rangle), \qquad
    \ell \in \{e^{-u},\ \log(1 + e^{-u})\}.

With z = Xw and the unnormalised margins q_i = y_i z_i,

.. math::
    \frac{\partial L}{\partial z_j} = -\frac1n\, y_j\, r_j, \quad r_j = -\ell'(q_j), \qquad
    \nabla_w L = X^\top \frac{\partial L}{\partial z}.

So GD on w closes on the pair (z, c) with w = w_0 + Xᵀc:

.. math::
    g = \partial L/\partial z(z), \qquad z \leftarrow z - \eta\, G g, \qquad c \leftarrow c - \eta\, g,
    \qquad G = X X^\top,

an O(n²) step whatever d is, with no inverse of G needed (so n > d is fine).  The direction
observables need only (z, c) and three numbers fixed at the start:

.. math::
    \|w\|^2 = \|w_0\|^2 + c^\top z_0 + c^\top z, \qquad
    \langle w, v\rangle = \langle w_0, v\rangle + c^\top (X v) \quad (z_0 = X w_0).

Every structured formula the code generator compiles (``bnproof.kernels.nobn``) is proved
equal here to the component-wise derivative (generic loss ℓ, every label pattern), exactly,
as in :mod:`bnproof.symbolic.bn_linear` -- never with MatrixSymbol calculus.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from bnproof.symbolic.bn_linear import LOSSES, Identity, loss_expr, weight_expr

__all__ = [
    "LOSSES",
    "NoBNProgram",
    "step_program",
    "prove_z_gradient",
    "prove_loss_templates",
    "prove_w_identities",
    "wrong_gradient_control",
    "all_identities",
]

# Scalar symbols of the per-sample program: one coordinate z of z = Xw, its label y,
# its margin q = y z, its weight r = -ℓ'(q); n samples, step size η.
z, y, q, r, n, eta = sp.symbols("z y q r n eta", real=True)
ell = sp.Function("ell")
_u = sp.Symbol("u", real=True)


@dataclass(frozen=True)
class NoBNProgram:
    r"""Per-sample formulas compiled by :mod:`bnproof.kernels.nobn`.

    ``margin`` q(y, z); ``weight`` r(q) = -ℓ'(q); ``loss_term`` ℓ(q) in a form that is stable
    in floating point (log1p for the logistic loss); ``grad_z`` ∂L/∂z_j(y, r, n).
    """

    loss: str
    margin: sp.Expr
    weight: sp.Expr
    loss_term: sp.Expr
    grad_z: sp.Expr


def _template_grad_z(r_j, y_j, n_):
    # ∂L/∂z_j = (1/n) ℓ'(q_j) y_j = -(1/n) y_j r_j
    return -y_j * r_j / n_


def _stable_loss(loss: str, arg: sp.Expr) -> sp.Expr:
    # log(1 + e^{-q}) loses all relative digits once e^{-q} < ε; log1p keeps them.  (SymPy's
    # own log1p_opt rewrites it as -q + log1p(e^{q}), which cancels catastrophically.)
    if loss == "logistic":
        return log1p(sp.exp(-arg))
    return loss_expr(loss, arg)


def step_program(loss: str) -> NoBNProgram:
    """The structured gradient of L(z) for one loss, in scalar symbols."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    return NoBNProgram(loss=loss, margin=y * z, weight=weight_expr(loss, q),
                       loss_term=_stable_loss(loss, q), grad_z=_template_grad_z(r, y, n))


def _generic_weight(arg: sp.Expr) -> sp.Expr:
    # -ℓ'(arg) for the undefined loss ell, written the way sympy.diff writes it
    return -sp.Subs(sp.Derivative(ell(_u), _u), _u, arg).doit()


def _is_zero(expr: sp.Expr) -> bool:
    """Exact: opaque derivatives ℓ'(·) become fresh symbols, then the polynomial must expand to 0."""
    e = expr.xreplace({a: sp.Dummy() for a in expr.atoms(sp.Subs)})
    e = e.xreplace({a: sp.Dummy() for a in e.atoms(sp.Derivative)})
    return sp.expand(sp.numer(sp.together(e))) == 0


def prove_z_gradient(n_: int = 3) -> list[Identity]:
    """∂L/∂z_j = -(1/n) y_j r_j for a generic loss ℓ and every label pattern y ∈ {±1}^n."""
    zs = sp.symbols(f"z1:{n_ + 1}", real=True)
    ok = True
    for ys in itertools.product([1, -1], repeat=n_):
        L = sum(ell(yi * zi) for yi, zi in zip(ys, zs)) / n_
        for j in range(n_):
            tmpl = _template_grad_z(_generic_weight(ys[j] * zs[j]), ys[j], n_)
            ok &= _is_zero(sp.diff(L, zs[j]) - tmpl)
    return [Identity(
        "nobn_grad_z",
        r"\frac{\partial L}{\partial z_j} = -\tfrac1n\, y_j\, r_j,\quad r_j = -\ell'(y_j z_j)",
        bool(ok),
        f"sympy.diff on scalar symbols z_1..z_{n_}, generic ℓ, all {2**n_} label patterns; "
        "difference expanded to 0 exactly")]


def prove_loss_templates() -> list[Identity]:
    """The compiled loss term is ℓ and the compiled weight is -ℓ', for each concrete loss."""
    ok = True
    for loss in LOSSES:
        prog = step_program(loss)
        ok &= sp.simplify(sp.expand_func(prog.loss_term) - loss_expr(loss, q)) == 0
        ok &= sp.simplify(prog.weight + sp.diff(loss_expr(loss, q), q)) == 0
    return [Identity("nobn_loss_templates",
                     r"\ell_{\mathrm{compiled}}(q) = \ell(q),\quad r(q) = -\ell'(q)"
                     r"\quad(\exp,\ \mathrm{logistic\ via\ log1p})",
                     bool(ok), f"sympy.simplify for {', '.join(LOSSES)}")]


def prove_w_identities(n_: int = 2, d_: int = 3) -> list[Identity]:
    r"""Parameter-space identities with symbolic data x_ij, w_0, c and a reference vector v.

    * ∇_w L = Xᵀ ∂L/∂z (chain rule through z = Xw; generic ℓ, every label pattern)
    * w = w_0 + Xᵀc ⇒ z = z_0 + G c, so the (z, c) recursion is GD on w
    * ‖w_0 + Xᵀc‖² = ‖w_0‖² + cᵀz_0 + cᵀz and ⟨w_0 + Xᵀc, v⟩ = ⟨w_0, v⟩ + cᵀ(Xv)
    """
    X = sp.Matrix(n_, d_, lambda i, k: sp.Symbol(f"x{i + 1}{k + 1}", real=True))
    w = sp.Matrix(d_, 1, lambda k, _: sp.Symbol(f"w{k + 1}", real=True))
    w0 = sp.Matrix(d_, 1, lambda k, _: sp.Symbol(f"v0_{k + 1}", real=True))
    v = sp.Matrix(d_, 1, lambda k, _: sp.Symbol(f"v{k + 1}", real=True))
    c = sp.Matrix(n_, 1, lambda i, _: sp.Symbol(f"c{i + 1}", real=True))
    ok_chain = True
    for ys in itertools.product([1, -1], repeat=n_):
        zs = list(X * w)
        L = sum(ell(yi * zi) for yi, zi in zip(ys, zs)) / n_
        gz = sp.Matrix([_template_grad_z(_generic_weight(ys[j] * zs[j]), ys[j], n_) for j in range(n_)])
        gw = sp.Matrix([sp.diff(L, wk) for wk in w])
        ok_chain &= all(_is_zero(e) for e in gw - X.T * gz)
    wc = w0 + X.T * c
    z0, zc, G = X * w0, X * wc, X * X.T
    ok_closure = all(sp.expand(e) == 0 for e in zc - (z0 + G * c))
    ok_norm = sp.expand((wc.T * wc)[0, 0] - ((w0.T * w0)[0, 0] + (c.T * z0)[0, 0] + (c.T * zc)[0, 0])) == 0
    ok_dot = sp.expand((wc.T * v)[0, 0] - ((w0.T * v)[0, 0] + (c.T * (X * v))[0, 0])) == 0
    data = f"n={n_}, d={d_}, symbolic x_ij, w_0, c, v"
    return [
        Identity("nobn_chain_rule", r"\nabla_w L = X^\top \frac{\partial L}{\partial z},\quad z = Xw",
                 bool(ok_chain), f"sympy.diff in w_1..w_{d_}; {data}, generic ℓ, all label patterns"),
        Identity("nobn_closure", r"w = w_0 + X^\top c \;\Rightarrow\; z = z_0 + G c",
                 bool(ok_closure), f"polynomial expansion; {data}"),
        Identity("nobn_norm", r"\|w_0 + X^\top c\|^2 = \|w_0\|^2 + c^\top z_0 + c^\top z",
                 bool(ok_norm), f"polynomial expansion; {data}"),
        Identity("nobn_inner", r"\langle w_0 + X^\top c, v\rangle = \langle w_0, v\rangle + c^\top (X v)",
                 bool(ok_dot), f"polynomial expansion; {data}"),
    ]


def wrong_gradient_control(n_: int = 2) -> Identity:
    """Negative control: dropping the label factor y_j from ∂L/∂z_j must be rejected.

    ``holds`` is True when the wrong template is (correctly) refuted.
    """
    zs = sp.symbols(f"z1:{n_ + 1}", real=True)
    ys = (1,) * (n_ - 1) + (-1,)
    L = sum(ell(yi * zi) for yi, zi in zip(ys, zs)) / n_
    wrong = [-_generic_weight(ys[j] * zs[j]) / n_ for j in range(n_)]
    refuted = not all(_is_zero(sp.diff(L, zs[j]) - wrong[j]) for j in range(n_))
    return Identity("nobn_control_missing_label",
                    r"\frac{\partial L}{\partial z_j} \ne -\tfrac1n r_j \ \text{(label factor dropped)}",
                    refuted, f"exact expansion must reject the wrong template; n={n_}, labels {ys}")


def all_identities(fast: bool = False) -> list[Identity]:
    """Every identity the no-BN kernels rely on (``fast``: smallest sizes)."""
    return (prove_z_gradient(2 if fast else 3) + prove_loss_templates()
            + prove_w_identities(2, 2 if fast else 3) + [wrong_gradient_control()])
