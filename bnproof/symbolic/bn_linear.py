r"""The BN linear model of Cao, Zou, Li, Gu (COLT 2023), derived with scalar symbols.

Model (reference notes §1.1, [recon] for the convention, a named parameter here):

.. math::
    f(w, \gamma; x) = \gamma \frac{\langle w, x\rangle}{\|w\|_\Sigma}, \qquad
    \Sigma = \tfrac1n \textstyle\sum_i x_i x_i^\top, \qquad
    L(w, \gamma) = \tfrac1n \textstyle\sum_i \ell(y_i f(w,\gamma; x_i)).

With ``center=True`` the data are mean-centred inside BN: x_i -> x_i - \bar x, so
z = Q X w with Q = I - 11^T/n and Σ is the centred covariance.

Everything depends on w only through z = X w (or Q X w), so the gradient is
∇_w L = X^T ∂L/∂z and GD closes on the n-vector z with the Gram matrix G = X X^T
(or Q X X^T Q): one step costs O(n^2) whatever d is.

SymPy's matrix calculus differentiates quotients like ⟨w,x⟩/sqrt(wᵀΣw) wrongly
(sympy/sympy#27406, #24725, #30527), so every derivation below is done component by
component on scalar symbols, with a *generic* loss ``ell`` (an undefined function), and
each structured formula that the code generator compiles is proved equal to the
component-wise derivative exactly (the difference reduces to 0, see ``_vanishes``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from bnproof.symbolic.identity import Identity

__all__ = [
    "LOSSES",
    "Identity",
    "StepProgram",
    "step_program",
    "loss_expr",
    "weight_expr",
    "grad_z_template",
    "prove_z_gradient",
    "prove_w_identities",
    "prove_uniform_solution",
    "matrix_calculus_control",
    "all_identities",
]

LOSSES = ("exp", "logistic")

# Scalar symbols of the structured per-sample program (see StepProgram).
z, y, s, A, gamma, n, m, r, u, eta = sp.symbols("z y s A gamma n m r u eta", real=True)
ell = sp.Function("ell")


def loss_expr(loss: str, arg: sp.Expr = u) -> sp.Expr:
    """ℓ(u): exponential e^{-u} or logistic log(1 + e^{-u})."""
    if loss == "exp":
        return sp.exp(-arg)
    if loss == "logistic":
        return sp.log(1 + sp.exp(-arg))
    raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")


def weight_expr(loss: str, arg: sp.Expr = u) -> sp.Expr:
    """r(u) = -ℓ'(u), derived by SymPy and simplified (exp: e^{-u}; logistic: 1/(1+e^{u}))."""
    w = sp.simplify(-sp.diff(loss_expr(loss, u), u))
    return w.subs(u, arg)


@dataclass(frozen=True)
class StepProgram:
    r"""The structured per-sample formulas compiled by :mod:`bnproof.kernels.codegen`.

    Scalars: ``z`` (one coordinate of z = Xw), ``y`` (its label), ``s`` = ‖w‖_Σ =
    sqrt(mean z²), ``m`` the normalised margin, ``r`` = -ℓ'(γ m), ``A`` = mean(r m).
    """

    loss: str
    margin: sp.Expr  # m(y, z, s)
    weight: sp.Expr  # r(gamma, m)
    loss_term: sp.Expr  # ℓ(gamma m)
    grad_z: sp.Expr  # ∂L/∂z_j (y, r, m, A, s, gamma, n)
    grad_gamma: sp.Expr  # ∂L/∂γ (A)
    identities: tuple[Identity, ...] = field(default=())


def grad_z_template(r_j, m_j, y_j, A_, s_, n_):
    """The structured gradient the kernels compile: ∂L/∂z_j = -(γ/(n s)) y_j (r_j - A m_j),
    r = -ℓ'(γ m), A = mean(r m) (proved equal to the component-wise derivative by prove_z_gradient)."""
    return -(gamma / (n_ * s_)) * y_j * (r_j - A_ * m_j)


def step_program(loss: str) -> StepProgram:
    """The structured gradient of L(z, γ) for one loss, in scalar symbols."""
    return StepProgram(
        loss=loss,
        margin=y * z / s,
        weight=weight_expr(loss, gamma * m),
        loss_term=loss_expr(loss, gamma * m),
        grad_z=grad_z_template(r, m, y, A, s, n),
        grad_gamma=-A,
    )


_S = sp.Symbol("S", positive=True)


def _vanishes(expr: sp.Expr, q: sp.Expr) -> bool:
    """Exact proof that ``expr`` is identically 0, where ``q`` is the BN second moment.

    q is replaced by S² with S > 0 (so sqrt(q)^k becomes S^k), the opaque loss derivatives
    ℓ'(·) by fresh symbols, and the numerator is reduced modulo q - S² (a one-element
    Gröbner basis, so remainder 0 is exactly ideal membership).  Much faster than
    ``sympy.simplify`` on the raw radicals, and just as exact.
    """
    e = expr.subs(q, _S**2)
    e = e.xreplace({a: sp.Dummy() for a in e.atoms(sp.Subs)})
    num = sp.expand(sp.numer(sp.together(e)))
    if num == 0:
        return True
    f = sp.expand(q - _S**2)
    gens = sorted(num.free_symbols | f.free_symbols, key=str)
    return sp.expand(sp.reduced(num, [f], *gens)[1]) == 0


def _generic_weight(arg: sp.Expr) -> sp.Expr:
    # -ℓ'(arg) for the undefined loss ell, as SymPy writes it after diff
    return -sp.Subs(sp.Derivative(ell(u), u), u, arg).doit()


def prove_z_gradient(n_: int = 3) -> list[Identity]:
    """Prove ∂L/∂z_j and ∂L/∂γ equal the structured template, for a generic loss ℓ.

    Done for every label pattern y ∈ {±1}^n (exact: labels are substituted, not assumed).
    """
    zs = sp.symbols(f"z1:{n_ + 1}", real=True)
    ok_z = ok_g = True
    for ys in itertools.product([1, -1], repeat=n_):
        q = sum(zi**2 for zi in zs) / n_
        s_ = sp.sqrt(q)
        ms = [yi * zi / s_ for yi, zi in zip(ys, zs)]
        L = sum(ell(gamma * mi) for mi in ms) / n_
        rs = [_generic_weight(gamma * mi) for mi in ms]
        A_ = sum(ri * mi for ri, mi in zip(rs, ms)) / n_
        for j in range(n_):
            diff = sp.diff(L, zs[j]) - grad_z_template(rs[j], ms[j], ys[j], A_, s_, n_)
            ok_z &= _vanishes(diff, q)
        ok_g &= _vanishes(sp.diff(L, gamma) + A_, q)
    method = (f"sympy.diff on scalar symbols z_1..z_{n_}, generic ℓ, all {2**n_} label patterns; "
              "difference reduced to 0 exactly")
    return [
        Identity(
            "grad_z",
            r"\frac{\partial L}{\partial z_j} = -\frac{\gamma}{n s}\, y_j\,(r_j - A\, m_j),"
            r"\quad r_j = -\ell'(\gamma m_j),\ A = \tfrac1n\textstyle\sum_i r_i m_i",
            bool(ok_z), method,
        ),
        Identity("grad_gamma", r"\frac{\partial L}{\partial \gamma} = -A", bool(ok_g), method),
    ]


def _w_model(n_: int, d_: int, ys, center: bool):
    xs = sp.Matrix(n_, d_, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}", real=True))
    ws = sp.Matrix(d_, 1, lambda j, _: sp.Symbol(f"w{j + 1}", real=True))
    if center:
        xs = xs - sp.ones(n_, 1) * (sp.ones(1, n_) * xs) / n_
    zs = list(xs * ws)
    q = sp.expand(sum(zi**2 for zi in zs) / n_)
    s_ = sp.sqrt(q)
    ms = [yi * zi / s_ for yi, zi in zip(ys, zs)]
    L = sum(ell(gamma * mi) for mi in ms) / n_
    return xs, ws, q, s_, ms, L


def prove_w_identities(n_: int = 2, d_: int = 2, center: bool = False) -> list[Identity]:
    r"""Identities in parameter space, component-wise in w_1..w_d with symbolic data x_ij.

    * ∇_w L = X^T ∂L/∂z (the chain rule through z = Xw, X centred when ``center``)
    * ⟨w, ∇_w L⟩ = 0 (scale invariance), hence ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇_w L‖²
    * (1/n) Σ_i m_i² = 1 for every w with ‖w‖_Σ > 0
    """
    ok_chain = ok_euler = ok_mean = True
    for ys in itertools.product([1, -1], repeat=n_):
        xs, ws, q, s_, ms, L = _w_model(n_, d_, ys, center)
        rs = [_generic_weight(gamma * mi) for mi in ms]
        A_ = sum(ri * mi for ri, mi in zip(rs, ms)) / n_
        gz = sp.Matrix([grad_z_template(rs[j], ms[j], ys[j], A_, s_, n_) for j in range(n_)])
        gw = sp.Matrix([sp.diff(L, wj) for wj in ws])
        ok_chain &= all(_vanishes(e, q) for e in gw - xs.T * gz)
        ok_euler &= _vanishes((ws.T * gw)[0, 0], q)
        ok_mean &= _vanishes(sum(mi**2 for mi in ms) / n_ - 1, q)
    data = f"n={n_}, d={d_}, symbolic x_ij{' (centred)' if center else ''}, generic ℓ, all label patterns"
    X = r"X_c" if center else "X"
    return [
        Identity("chain_rule", rf"\nabla_w L = {X}^\top \frac{{\partial L}}{{\partial z}},\quad z = {X} w",
                 bool(ok_chain), f"sympy.diff in w_1..w_{d_}; {data}"),
        Identity("scale_invariance", r"\langle w, \nabla_w L\rangle = 0", bool(ok_euler),
                 f"exact reduction; {data}"),
        Identity("mean_square_margin", r"\tfrac1n \textstyle\sum_i m_i(w)^2 = 1", bool(ok_mean),
                 f"exact reduction; {data}"),
    ]


def matrix_calculus_control(n_: int = 2, d_: int = 2) -> Identity:
    """Negative control: the gradient *without* the term through ‖w‖_Σ is not the gradient.

    That truncated form is what SymPy's MatrixSymbol calculus returns for
    ⟨w,x⟩/sqrt(wᵀΣw) (reference notes, tools §0.3); the exact reduction must reject it.
    ``holds`` is True when the wrong formula is (correctly) refuted.
    """
    ys = (1,) * n_
    xs, ws, q, s_, ms, L = _w_model(n_, d_, ys, center=False)
    rs = [_generic_weight(gamma * mi) for mi in ms]
    wrong = sp.Matrix([-(gamma / (n_ * s_)) * ys[j] * rs[j] for j in range(n_)])
    gw = sp.Matrix([sp.diff(L, wj) for wj in ws])
    refuted = not all(_vanishes(e, q) for e in gw - xs.T * wrong)
    return Identity("control_missing_quotient_term",
                    r"\nabla_w L \ne -\tfrac{\gamma}{n s} X^\top D_y r \ \text{(denominator term dropped)}",
                    refuted, f"exact reduction must reject the truncated gradient; n={n_}, d={d_}")


def prove_uniform_solution(n_: int = 2, d_: int = 3) -> list[Identity]:
    r"""ŵ = X^T (X X^T)^{-1} y has every normalised margin m_i(ŵ) = 1 (and ‖ŵ‖_Σ = 1)."""
    ok = True
    for ys in itertools.product([1, -1], repeat=n_):
        xs = sp.Matrix(n_, d_, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}", real=True))
        yv = sp.Matrix(ys)
        G = xs * xs.T
        w_hat = xs.T * G.adjugate() * yv / G.det()
        zs = [sp.simplify(e) for e in xs * w_hat]
        s_ = sp.sqrt(sum(zi**2 for zi in zs) / n_)
        ok &= all(sp.simplify(yi * zi / s_ - 1) == 0 for yi, zi in zip(ys, zs))
    return [
        Identity("uniform_solution", r"\hat w = X^\top (X X^\top)^{-1} y \;\Rightarrow\; m_i(\hat w) = 1\ \forall i,"
                 r"\ \|\hat w\|_\Sigma = 1", bool(ok),
                 f"sympy.simplify with symbolic x_ij, n={n_}, d={d_}, all label patterns (G invertible)"),
    ]


def all_identities(fast: bool = False) -> list[Identity]:
    """Every identity the Cao et al. linear-model checks rely on (``fast``: smallest sizes)."""
    out = prove_z_gradient(2 if fast else 3)
    out += prove_w_identities(2 if fast else 3, 2, center=False)
    out += [Identity(i.name + "_centered", i.latex, i.holds, i.method)
            for i in prove_w_identities(3, 2, center=True)]
    out += prove_uniform_solution(2, 3)
    out.append(matrix_calculus_control())
    return out
