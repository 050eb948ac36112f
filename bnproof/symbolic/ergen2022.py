r"""Derivations for Ergen et al. (ICLR 2022): the reduction to whitened data, the convex program,
the recovery map, the closed form and the GD preconditioning identity.

SymPy with scalar symbols only (no matrix calculus); every identity is either an exact SymPy
simplification to zero or, where the network's gradient is involved, a high-precision mpmath
central difference (:func:`bnproof.core.differences.central_gradient` at 50 digits, step 1e-20)
on a fixed small instance.  :func:`render_ergen2022` writes ``derivations/ergen2022.md``
(deterministic: identities are reported as pass/fail against a stated bound, never with
run-dependent digits).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from bnproof.core.differences import central_gradient
from bnproof.models import ergen_net as en
from bnproof.symbolic.identity import HEADER, Identity

__all__ = ["Identity", "amgm_rescaling", "isometric_shift", "shift_one_cost", "soft_threshold_value",
           "preconditioned_step", "hand_gradient_vs_mpmath", "chain_rule_vs_mpmath", "all_identities",
           "render_ergen2022"]

_FD_DPS, _FD_STEP = 50, "1e-20"  # the mpmath differences: digits and step



def _zero(expr) -> bool:
    return sp.simplify(sp.expand(expr)) == 0


# --------------------------------------------------------------------------- symbolic identities


def amgm_rescaling() -> Identity:
    """min_{t>0} (β/2)(t²‖z‖² + v²/t²) = β‖z‖|v| at t⁴ = v²/‖z‖²: weight decay becomes a group norm."""
    b, z, v, t = sp.symbols("beta z v t", positive=True)
    f = b / 2 * (t ** 2 * z ** 2 + v ** 2 / t ** 2)
    crit = sp.solve(sp.diff(f, t), t)
    ok = len(crit) == 1 and _zero(f.subs(t, crit[0]) - b * z * v) and bool(sp.diff(f, t, 2).subs(t, crit[0]) > 0)
    return Identity("amgm_rescaling", r"\min_{t>0}\tfrac\beta2(t^2\|z\|^2+v^2/t^2)=\beta\|z\||v|",
                    holds=ok, method="SymPy: stationary point, value, second derivative")


def isometric_shift() -> Identity:
    """‖Ũz‖² = ‖a‖² + c²nα² (Uᵀ1 = 0, UᵀU = I): equal to ‖z‖² for every z iff c = 1/√n."""
    n, c, a1, a2, al = sp.symbols("n c a1 a2 alpha", positive=True)
    norm_out = a1 ** 2 + a2 ** 2 + c ** 2 * n * al ** 2  # ‖U a + cα1‖² with orthonormal, centred U
    sols = sp.solve(sp.Eq(norm_out, a1 ** 2 + a2 ** 2 + al ** 2), c)
    ok = sols == [1 / sp.sqrt(n)]
    return Identity("isometric_shift", r"\|\tilde U z\|^2=\|z\|^2\ \forall z \iff c = 1/\sqrt n",
                    holds=ok, method="SymPy: solve for c")


def shift_one_cost() -> Identity:
    """With c = 1 the cost of a BN output b is ‖P_c b‖² + mean(b)² (not ‖b‖²): the closed form's premise fails."""
    n = 3
    a = sp.symbols("a1 a2", real=True)
    al = sp.Symbol("alpha", real=True)
    # an explicit orthonormal centred basis of R^3 ⟂ 1
    U = sp.Matrix([[1, 1], [-1, 1], [0, -2]]) * sp.diag(1 / sp.sqrt(2), 1 / sp.sqrt(6))
    b = U * sp.Matrix(a) + al * sp.ones(n, 1)
    mean = sum(b) / n
    Pb = b - mean * sp.ones(n, 1)
    cost = a[0] ** 2 + a[1] ** 2 + al ** 2
    ok = _zero(cost - ((Pb.T * Pb)[0] + mean ** 2)) and not _zero(cost - (b.T * b)[0])
    return Identity("shift_one_cost", r"c=1:\ \|z\|^2=\|P_cb\|^2+\bar b^2\neq\|b\|^2",
                    holds=ok, method="SymPy on an explicit centred orthonormal basis (n = 3)")


def soft_threshold_value() -> Identity:
    """min_{s≥0} ½(s − t)² + βs = φ(t): s* = t − β, value βt − β²/2 for t > β; s* = 0, t²/2 otherwise."""
    s, t, b = sp.symbols("s t beta", positive=True)
    f = (s - t) ** 2 / 2 + b * s
    s_star = sp.solve(sp.diff(f, s), s)[0]
    high = _zero(s_star - (t - b)) and _zero(f.subs(s, s_star) - (b * t - b ** 2 / 2))
    low = _zero(f.subs(s, 0) - t ** 2 / 2) and _zero(sp.diff(f, s).subs(s, 0) - (b - t))  # ≥ 0 iff t ≤ β
    cont = _zero((b * t - b ** 2 / 2 - t ** 2 / 2).subs(t, b))
    return Identity("soft_threshold_value", r"\min_{s\ge0}\tfrac12(s-t)^2+\beta s=\varphi(t)",
                    holds=high and low and cont, method="SymPy: stationary point, boundary case, continuity at t = β")

def preconditioned_step() -> Identity:
    """ΣVᵀ(w − ηVΣg) = a − ηΣ²g for V orthogonal (2×2, angle θ), Σ = diag(σ₁, σ₂)."""
    th, s1, s2, eta, g1, g2, w1, w2 = sp.symbols("theta sigma1 sigma2 eta g1 g2 w1 w2", real=True)
    V = sp.Matrix([[sp.cos(th), -sp.sin(th)], [sp.sin(th), sp.cos(th)]])
    S = sp.diag(s1, s2)
    w, g = sp.Matrix([w1, w2]), sp.Matrix([g1, g2])
    a = S * V.T * w
    lhs = S * V.T * (w - eta * V * S * g)
    rhs = a - eta * S ** 2 * g
    ok = all(_zero(sp.trigsimp(e)) for e in (lhs - rhs))
    return Identity("preconditioned_step", r"\Sigma V^\top(w-\eta V\Sigma g)=a-\eta\Sigma^2 g",
                    holds=ok, method="SymPy with scalar symbols (V a rotation)")


# --------------------------------------------------------------------------- mpmath checks


def _instance():
    """A fixed small instance (n = 4, d = 2, m = 2, C = 1), rational entries."""
    X = [[1, 2], [-1, 0.5], [0.25, -1.5], [2, 1]]
    y = [0.5, -1, 0.75, 0.25]
    W = [[0.3, -0.8], [1.1, 0.4]]
    gamma, alpha, v = [0.9, -0.6], [0.2, 0.7], [1.3, -0.5]
    return X, y, W, gamma, alpha, v


def _mp_objective(mp, X, y, W, gamma, alpha, v, beta, c):
    n, d, m = len(X), len(X[0]), len(gamma)
    mean = [mp.fsum(X[i][k] for i in range(n)) / n for k in range(d)]
    F = [mp.mpf(0)] * n
    for j in range(m):
        h = [mp.fsum((X[i][k] - mean[k]) * W[k][j] for k in range(d)) for i in range(n)]
        s = mp.sqrt(mp.fsum(x * x for x in h))
        for i in range(n):
            b = gamma[j] * h[i] / s + alpha[j] * c
            F[i] += max(b, 0) * v[j]
    pen = mp.fsum(g * g for g in gamma) + mp.fsum(a * a for a in alpha) + mp.fsum(x * x for x in v)
    return mp.fsum((F[i] - y[i]) ** 2 for i in range(n)) / 2 + beta * pen / 2


def hand_gradient_vs_mpmath(c_numpy: float = 0.5) -> Identity:
    """The hand-derived gradient of :mod:`bnproof.models.ergen_net` against 50-digit central differences (step 1e-20).

    ``c_numpy`` ≠ 0.5 differentiates a different network (a mutation the tests use to show the check can fail).
    """
    X, y, W, gamma, alpha, v = _instance()
    beta, c = 0.1, 0.5
    theta = np.concatenate([np.array(W).ravel(), gamma, alpha, v])
    Xn = np.array(X, float)
    _, g = en.objective_and_grad(theta, Xn - Xn.mean(axis=0), np.array(y, float).reshape(-1, 1), 2, beta, c_numpy)

    Xm = [[mpmath.mpf(x) for x in row] for row in X]  # exact: every float is an mpf at any precision
    ym = [mpmath.mpf(t) for t in y]

    def L(th):
        Wm = [[th[0], th[1]], [th[2], th[3]]]
        return _mp_objective(mpmath.mp, Xm, ym, Wm, th[4:6], th[6:8], th[8:10], mpmath.mpf(beta), mpmath.mpf(c))

    fd = central_gradient(L, theta, h=mpmath.mpf(_FD_STEP), dps=_FD_DPS)
    err = max(abs(float(fd[i]) - g[i]) for i in range(len(g))) / max(1.0, float(np.abs(g).max()))
    return Identity("hand_gradient_vs_mpmath", r"\nabla_\theta L\ \text{(hand-derived, float64)} = "
                    r"\text{50-digit central difference}",
                    holds=err < 1e-12, method="mpmath, relative error < 1e-12")


def chain_rule_vs_mpmath(power: int = 1) -> Identity:
    """∇_w L = VΣ ∇_a L (the loss depends on w only through a = ΣVᵀw), by 50-digit differences in both spaces.

    ``power`` = 2 tests the wrong VΣ² (a mutation the tests use to show the check can fail).
    """
    X, y, W, gamma, alpha, v = _instance()
    beta, c = 0.1, 0.5
    with mpmath.workdps(_FD_DPS):
        mp = mpmath.mp
        n, d = len(X), 2
        Xm = mp.matrix([[mp.mpf(x) for x in row] for row in X])
        mean = [mp.fsum(Xm[i, k] for i in range(n)) / n for k in range(d)]
        Xc = mp.matrix(n, d)
        for i in range(n):
            for k in range(d):
                Xc[i, k] = Xm[i, k] - mean[k]
        U, S, Vt = mp.svd_r(Xc, full_matrices=False)
        ym = [mp.mpf(t) for t in y]
        gm, am, vm = [mp.mpf(t) for t in gamma], [mp.mpf(t) for t in alpha], [mp.mpf(t) for t in v]

        def L_w(Wm):
            return _mp_objective(mp, [[Xm[i, k] for k in range(d)] for i in range(n)], ym, Wm, gm, am, vm, beta, c)

        def L_a(Am):  # the same network on the whitened data U (centred, orthonormal columns)
            return _mp_objective(mp, [[U[i, k] for k in range(d)] for i in range(n)], ym, Am, gm, am, vm, beta, c)

        Wm = [[mp.mpf(W[k][j]) for j in range(2)] for k in range(d)]
        Am = [[S[k] * mp.fsum(Vt[k, l] * Wm[l][j] for l in range(d)) for j in range(2)] for k in range(d)]
        h = mp.mpf(_FD_STEP)
        gw = central_gradient(L_w, Wm, h=h, dps=_FD_DPS)
        ga = central_gradient(L_a, Am, h=h, dps=_FD_DPS)
        err = max(abs(gw[l][j] - mp.fsum(Vt[k, l] * S[k] ** power * ga[k][j] for k in range(d))) for l in range(d) for j in range(2))
    return Identity("chain_rule_vs_mpmath", r"\nabla_w L = V\Sigma\,\nabla_a L,\ a=\Sigma V^\top w",
                    holds=bool(err < mp.mpf("1e-30")), method="mpmath, 50 digits, absolute error < 1e-30")


def all_identities() -> list[Identity]:
    return [amgm_rescaling(), isometric_shift(), shift_one_cost(), soft_threshold_value(), preconditioned_step(),
            hand_gradient_vs_mpmath(), chain_rule_vs_mpmath()]


# --------------------------------------------------------------------------- rendering


def _markdown(ids: list[Identity]) -> str:
    lines = [
        HEADER,
        "# Ergen et al. (ICLR 2022): convex programs of BN ReLU networks, derived",
        "",
        "Reference notes: `shared/reference/ergen2022_convex_bn.md` (the paper's full text was not available; "
        "constants and the BN shift convention are [recon], the mathematics below is [derived]).",
        "",
        "## Model",
        "",
        r"$$\mathrm{BN}_{\gamma,\alpha}(h)=\gamma\frac{P_ch}{\|P_ch\|_2}+\alpha c\mathbf 1,\qquad"
        r" P_c=I-\tfrac1n\mathbf 1\mathbf 1^\top,\qquad c\in\{1/\sqrt n\ (\texttt{isometric}),\ 1\ (\texttt{one})\}$$",
        "",
        r"$$p^*=\min_\theta\ \tfrac12\Big\|\sum_j(\mathrm{BN}_{\gamma_j,\alpha_j}(Xw_j))_+v_j-y\Big\|^2"
        r"+\tfrac\beta2\sum_j(\gamma_j^2+\alpha_j^2+v_j^2).$$",
        "",
        "## 1. Reduction to whitened data",
        "",
        r"Compact SVD $P_cX=U\Sigma V^\top$ ($U^\top\mathbf 1=0$). With $a=\Sigma V^\top w$, $P_cXw=Ua$, so a BN output is"
        r" $\tilde Uz$ with $\tilde U=[U,\ c\mathbf 1]$, $z=(\gamma a/\|a\|,\ \alpha)$, $\|z\|^2=\gamma^2+\alpha^2$:"
        r" the BN network is a bias-free ReLU network on $\tilde U$ with ordinary weight decay; $\Sigma$ and $V$ drop"
        r" out (whitening). Consequences: $p^*$ depends on $X$ only through the column space of $P_cX$"
        r" (`ergen2022.whitening-invariance`).",
        "",
        r"For the isometric shift $\|\tilde Uz\|=\|z\|$ (identity `isometric_shift`); for $c=1$ the cost of an output"
        r" $b$ is $\|P_cb\|^2+\bar b^2$ (identity `shift_one_cost`).",
        "",
        "## 2. The convex program",
        "",
        r"Rescaling each neuron ($z\to tz$, $v\to v/t$) turns weight decay into a group norm (identity `amgm_rescaling`)."
        r" With the activation patterns $D_i=\mathrm{diag}(\mathbf 1[\tilde Ug\ge0])$ (exactly the patterns of affine"
        r" hyperplanes $\mathbf 1[Xw+b\mathbf 1\ge0]$; at most $2\sum_{k\le r}\binom{n-1}{k}$):",
        "",
        r"$$p^*=\min_{q_i,q'_i}\ \tfrac12\Big\|\sum_iD_i\tilde U(q_i-q'_i)-y\Big\|^2+\beta\sum_i(\|q_i\|+\|q'_i\|)"
        r"\quad\text{s.t.}\quad(2D_i-I)\tilde Uq_i\ge0,\ (2D_i-I)\tilde Uq'_i\ge0.$$",
        "",
        r"Patterns are enumerated exactly (`bnproof.solvers.group_lasso.exact_patterns`: every cell of the central arrangement of the"
        r" rows of $\tilde U$ has an extreme ray where $r$ hyperplanes meet; stepping off each such ray in all $2^r$"
        r" sign directions meets every cell in general position).",
        "",
        "## 3. Recovery map",
        "",
        r"For a nonzero block $q$ with sign $s$: $z=q/\sqrt{\|q\|}$, $v=s\sqrt{\|q\|}$; split $z=(a,\alpha')$;"
        r" $\gamma=\|a\|$, $w=V\Sigma^{-1}a/\|a\|$ (then $P_cXw=U\hat a$), network shift $\alpha=\alpha'c_{\rm prog}/c$."
        r" The neuron's penalty $\tfrac\beta2(\gamma^2+\alpha^2+v^2)=\beta\|q\|$ when $c=c_{\rm prog}$, so the rebuilt"
        r" network attains the convex value; interior-point solutions are sparsified first (LP vertex of the optimal"
        r" face, then merging blocks with parallel outputs), giving $m^*\le n+1$ neurons.",
        "",
        "## 4. Closed form for n ≤ d (rank P_c X = n − 1, c = 1/√n)",
        "",
        r"$\tilde U$ is orthogonal, so an output $b\in\mathbb R^n$ is unconstrained and costs $\|b\|$; the problem splits"
        r" into $\min_{p\ge0}\tfrac12\|p-y_+\|^2+\beta\|p\|$ and the same for $y_-$, each solved along $y_\pm$ by"
        r" `soft_threshold_value`:",
        "",
        r"$$f^*=(1-\beta/\|y_+\|)_+y_+-(1-\beta/\|y_-\|)_+y_-,\qquad p^*=\varphi(\|y_+\|)+\varphi(\|y_-\|),\qquad"
        r"\varphi(t)=\begin{cases}\beta t-\beta^2/2&t>\beta\\ t^2/2&t\le\beta\end{cases}$$",
        "",
        r"two neurons at most; per class ($\sum_k\varphi(\|y_k\|)$, one neuron per class) for one-hot outputs.",
        "",
        "## 5. GD is preconditioned GD in whitened coordinates",
        "",
        r"The loss depends on $w$ only through $a=\Sigma V^\top w$, so $\nabla_wL=V\Sigma\nabla_aL$ (identity"
        r" `chain_rule_vs_mpmath`) and one GD step on $w$ is, exactly, $a\leftarrow a-\eta\Sigma^2\nabla_aL$ (identity"
        r" `preconditioned_step`): directions with large singular values are learned faster.",
        "",
        "## Identities checked",
        "",
        "| identity | statement | method | holds |",
        "|---|---|---|---|",
    ]
    for i in ids:
        stmt = i.latex.replace(r"\|", r"\Vert ")  # a literal | would split the Markdown table cell
        lines.append(f"| `{i.name}` | ${stmt}$ | {i.method} | {'yes' if i.holds else '**NO**'} |")
    lines.append("")
    return "\n".join(lines)


def render_ergen2022() -> tuple[dict[str, str], list[str]]:
    """``derivations/ergen2022.md`` and the names of the identities that failed to hold (none expected)."""
    ids = all_identities()
    return {"ergen2022.md": _markdown(ids)}, [i.name for i in ids if not i.holds]
