r"""``lyu2022.scale-invariance``: the identities of a scale-invariant loss, exactly and numerically."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, HLine, Panel, panels
from bnproof.models.scale_invariant import (
    SphereToy,
    dense_hessian,
    make_model,
    third_derivative_along,
    top_eigenvalue,
)
from bnproof.papers.lyu2022.common import CITATION, LA19, positive_int, sig, tex_number
from bnproof.symbolic import lyu2022 as sym

__all__ = ["C_VALUES", "FLOAT_TOL", "FD_TOL", "numeric_identities", "identity_models", "IdentityResiduals",
           "measure_scale_invariance", "decide_scale_invariance", "check_scale_invariance"]

C_VALUES = (0.1, 3.0, 10.0)
FLOAT_TOL = 1e-10  # float64 identities (exact HVPs by the complex step)
FD_TOL = 1e-6  # identities that need a finite difference (third derivative of T2/T3)
LANCZOS_TOL = 1e-8  # Lanczos λ₁ against dense eigvalsh
MPMATH_FD_TOL = 1e-25  # SymPy gradient against a 50-digit central difference
T1_HESSIAN_TOL = 1e-12  # closed-form T1 Hessian against SymPy's


def numeric_identities(model, w: np.ndarray, c: float, hess_degree: float = -2.0) -> dict[str, float]:
    """Relative residuals of the identities at w (and cw) on a model (float64); ``hess_degree`` is the claimed
    homogeneity degree of ∇²L (∇²L(cw) = c^degree ∇²L(w); −2 for a scale-invariant L)."""
    g, gc = model.grad(w), model.grad(c * w)
    H, Hc = dense_hessian(model, w), dense_hessian(model, c * w)
    nw, ng, nH = np.linalg.norm(w), np.linalg.norm(g), np.linalg.norm(H)
    scale_g = max(ng, nH * nw * 1e-3, 1e-300)
    T = third_derivative_along(model, w, w)
    return {
        "euler": abs(float(w @ g)) / (nw * scale_g),
        "euler_per_group": max(abs(float(w[s] @ g[s])) / (np.linalg.norm(w[s]) * scale_g) for s in model.groups),
        "grad_scaling": float(np.linalg.norm(c * gc - g)) / scale_g,
        "hess_scaling": float(np.linalg.norm(c ** (-hess_degree) * Hc - H)) / nH,
        "hess_times_w": float(np.linalg.norm(H @ w + g)) / max(scale_g, nH * nw),
        "third_contract": float(np.linalg.norm(T + 2 * H)) / nH,
    }


def identity_models(seed: int, bn_eps: float) -> list:
    """T1 (D = 3 and D = 5), T2 (n = 6, d = 10) and T3 (8 points, 5 inputs, 4 units), with BN's ε = ``bn_eps``."""
    rng = np.random.default_rng(seed)
    return [SphereToy(3, 1, 0.5), SphereToy(5, 2, 0.8), make_model("t2", rng, bn_eps=bn_eps, n=6, d=10),
            make_model("t3", rng, bn_eps=bn_eps, n=8, d=5, width=4)]


def _label(model) -> str:
    return f"{model.name}(D={model.dim})"


def tolerance_for(identity: str, label: str) -> float:
    """The third derivative of T2/T3 is a finite difference of Hessians: its own, looser tolerance."""
    return FD_TOL if (identity == "third_contract" and not label.startswith("t1")) else FLOAT_TOL


@dataclass(frozen=True)
class IdentityResiduals:
    """What :func:`measure_scale_invariance` found."""

    proofs: tuple[sym.FamilyIdentity, ...]  # the SymPy proofs (with ε when bn_eps > 0)
    members: int  # family members proved
    samples: int  # random points per model
    fd_gap: float  # SymPy gradient vs mpmath central difference
    toy_hess_gap: float  # closed-form T1 Hessian vs SymPy
    models: list[str]
    worst: dict[str, dict[str, float]]  # model -> identity -> largest residual
    per_c: dict[float, dict[str, float]]  # c -> identity -> largest residual over models (the figure)
    lanczos: dict[str, float]  # model -> relative gap of Lanczos λ₁ to dense


def _numeric_residuals(models: list, samples: int, rng: np.random.Generator, hess_degree: float = -2.0):
    """Largest residual per model and identity, per c, and the Lanczos gap, over ``samples`` random points."""
    worst: dict[str, dict[str, float]] = {}
    per_c: dict[float, dict[str, float]] = {c: {} for c in C_VALUES}
    lanczos = {}
    for model in models:
        label = _label(model)
        worst[label] = {}
        for _ in range(samples):
            w = rng.standard_normal(model.dim)
            for c in C_VALUES:
                for k, v in numeric_identities(model, w, c, hess_degree).items():
                    worst[label][k] = max(worst[label].get(k, 0.0), v)
                    # the third derivative of T2/T3 is a finite difference: plotted apart (its own tolerance)
                    key = k + ("_fd" if k == "third_contract" and model.name != "t1" else "")
                    per_c[c][key] = max(per_c[c].get(key, 0.0), v)
        w = rng.standard_normal(model.dim)
        dense, lanc = top_eigenvalue(model, w, "dense"), top_eigenvalue(model, w, "lanczos")
        lanczos[label] = abs(dense - lanc) / max(abs(dense), 1e-300)
    return worst, per_c, lanczos


def measure_scale_invariance(bn_eps: float, samples: int, members: int, seed: int,
                             hess_degree: float = -2.0) -> IdentityResiduals:
    """SymPy proofs on ``members`` family members, the derivative cross-checks, float64 residuals on T1-T3."""
    proofs = sym.prove(bn_eps > 0, members)
    fd_gap, toy_hess_gap = sym.check_gradient(0), sym.check_sphere_toy_hessian()
    rng = np.random.default_rng(seed)
    models = identity_models(seed, bn_eps)
    worst, per_c, lanczos = _numeric_residuals(models, samples, rng, hess_degree)
    return IdentityResiduals(proofs, members, samples, fd_gap, toy_hess_gap, [_label(m) for m in models],
                             worst, per_c, lanczos)


def decide_scale_invariance(m: IdentityResiduals, bn_eps: float) -> tuple[str, str]:
    """Verified iff every SymPy residual is 0, every float64 residual within its tolerance and the
    derivative cross-checks agree; else refuted with the first failure of each kind."""
    sym_fail = [p for p in m.proofs if not p.holds]
    num_fail = sorted(((v, lab, k) for lab, d in m.worst.items() for k, v in d.items() if v > tolerance_for(k, lab)),
                      reverse=True)
    lanczos_bad = {k: v for k, v in m.lanczos.items() if v > LANCZOS_TOL}
    cross_bad = m.fd_gap > MPMATH_FD_TOL or m.toy_hess_gap > T1_HESSIAN_TOL or lanczos_bad
    if not (sym_fail or num_fail or cross_bad):
        top = max(v for lab, d in m.worst.items() for k, v in d.items() if tolerance_for(k, lab) == FLOAT_TOL)
        return VERIFIED, (f"all {len(m.proofs)} SymPy residuals cancel to 0 on {m.members} family member(s); on "
                          f"T1-T3 ({m.samples} points × c ∈ {{0.1, 3, 10}}) the float64 residuals are ≤ {top:.2g}; "
                          f"Lanczos matches dense λ₁ to {max(m.lanczos.values()):.1g}")
    parts = []
    if sym_fail:
        parts.append(f"SymPy residual of {sym_fail[0].name} does not cancel: {sym_fail[0].residual[:160]}")
    if num_fail:
        v, lab, k = num_fail[0]
        parts.append(f"largest numerical residual {k} = {v:.3g} on {lab} (tolerance {tolerance_for(k, lab):g})")
    if cross_bad:
        parts.append(f"derivative cross-checks failed (mpmath FD {m.fd_gap:.2g}, T1 Hessian {m.toy_hess_gap:.2g}, "
                     f"Lanczos {lanczos_bad})")
    why = "; ".join(parts)
    if bn_eps > 0:
        why = f"with BN ε = {bn_eps:g} the loss is not scale-invariant: " + why
    return REFUTED, why


def _measured(m: IdentityResiduals) -> dict:
    return {
        "symbolic": {p.name + ("" if m.members == 1 else f"[member {p.member}]"): p.residual for p in m.proofs},
        "symbolic_all_zero": all(p.holds for p in m.proofs),
        "gradient_vs_mpmath_fd": sig(m.fd_gap, 3),
        "t1_hessian_closed_form_vs_sympy": sig(m.toy_hess_gap, 3),
        "numeric_max_residual": {lab: {k: sig(v, 3) for k, v in d.items()} for lab, d in m.worst.items()},
        "lanczos_vs_dense": {k: sig(v, 3) for k, v in m.lanczos.items()},
    }


_FLOOR = 1e-18  # exact zeros drawn here: a log axis has no 0
_FLOAT_CURVES = {"euler": r"$|\langle w, \nabla L\rangle|$", "grad_scaling": r"$\nabla L(cw) = \nabla L/c$",
                 "hess_scaling": r"$\nabla^2 L(cw) = c^{k}\,\nabla^2 L$", "hess_times_w": r"$\nabla^2 L\,w = -\nabla L$",
                 "third_contract": r"$\nabla^3 L[w] = -2\nabla^2 L$ (T1)"}


def _figure(m: IdentityResiduals, hess_degree: float) -> dict:
    """Each identity's largest residual against c with its tolerance, and the cross-checks with theirs."""
    proved = sum(p.holds for p in m.proofs)
    x = list(C_VALUES)
    curves = [Curve(label.replace("{k}", f"{{{hess_degree:g}}}"), _floored([m.per_c[c].get(k, 0.0) for c in x]))
              for k, label in _FLOAT_CURVES.items()]
    exact = Panel(f"float64 residuals, complex-step HVPs (SymPy: {proved}/{len(m.proofs)} exactly 0)", "scale $c$",
                  "relative residual (max over models, points)", x, curves, xscale="log", yscale="log",
                  hlines=(HLine(FLOAT_TOL, f"tolerance {tex_number(FLOAT_TOL)}", kind="bound"),))
    fd = Panel(r"$\nabla^3 L[w] = -2\nabla^2 L$ on T2/T3 (finite differences)", "scale $c$", "relative residual", x,
               [Curve("T2, T3", _floored([m.per_c[c].get("third_contract_fd", 0.0) for c in x]), style="C5o-")],
               xscale="log", yscale="log", hlines=(HLine(FD_TOL, f"tolerance {tex_number(FD_TOL)}", kind="bound"),))
    checks = [("SymPy $\\nabla L$ vs 50-digit mpmath", m.fd_gap, MPMATH_FD_TOL, "C0o"),
              ("T1 closed-form Hessian vs SymPy", m.toy_hess_gap, T1_HESSIAN_TOL, "C1s")]
    checks += [("Lanczos vs dense $\\lambda_1$: " + ", ".join(m.lanczos) if i == 0 else "", v, LANCZOS_TOL, "C2D")
               for i, v in enumerate(m.lanczos.values())]
    gaps = _floored([v for _, v, _, _ in checks])
    cross = [Curve(label, [g], x=[i], style=style) for i, ((label, _, _, style), g) in enumerate(zip(checks, gaps), 1)]
    cross += [Curve("tolerance" if i == 1 else "", [tol, tol], x=[i - 0.35, i + 0.35], kind="bound")
              for i, (_, _, tol, _) in enumerate(checks, 1)]
    return panels(exact, fd, Panel("derivative cross-checks", "check", "relative gap", list(range(1, len(checks) + 1)),
                                   cross, yscale="log"))


def _floored(values: list[float]) -> list[float]:
    """``values`` with exact zeros (and negatives) replaced by a tenth of the smallest positive one."""
    positive = [v for v in values if v > 0]
    floor = min(positive) / 10 if positive else _FLOOR
    return [v if v > 0 else floor for v in values]


def check_scale_invariance(claim: Claim, config: RunConfig) -> Outcome:
    r"""L(cw) = L(w) for all c > 0 implies ⟨w, ∇L⟩ = 0, ∇L(cw) = ∇L/c, ∇²L(cw) = ∇²L/c², ∇²L·w = −∇L,
    ∇³L[w] = −2∇²L (with ∇³L(cw) = ∇³L/c³, ‖w − η∇L‖² = ‖w‖² + η²‖∇L‖² and the weight-decay norm
    recursion proved symbolically too).

    Source: reference notes §2.1 [derived], items 1-4 are LA'19 Lemma 1 / ALL'19 [paper]; checks S1
    and N1 of notes §4.

    Measured: (1) SymPy residual numerators of every identity on the rational degree-0 family of
    :mod:`bnproof.symbolic.lyu2022` (all members; one with ``--quick``); (2) the SymPy gradient
    against a 50-digit mpmath central difference and the closed-form T1 Hessian against SymPy's;
    (3) float64 relative residuals on T1 (D = 3, 5), T2 and T3 at ``samples`` random points × c ∈
    {0.1, 3, 10}, HVPs by the complex step; (4) Lanczos λ₁ against dense.

    Decision: verified iff every SymPy residual is the zero polynomial, every float64 residual is
    ≤ 1e-10 (the finite-difference third derivative of T2/T3: ≤ 1e-6) and the cross-checks agree
    (mpmath ≤ 1e-25, T1 Hessian ≤ 1e-12, Lanczos ≤ 1e-8); otherwise refuted.

    Negative controls (``Claim.controls``): ``--param hess_degree=-1`` (the statement flipped to
    ∇²L(cw) = ∇²L(w)/c) is refuted by the float64 residuals; ``--param bn_eps=1e-3`` (a loss that is
    not scale-invariant: ε inside BN's standard deviation, r² → r² + ε in the family, i.e. a
    weight-norm term) is refuted, with the non-cancelling residual in the reason.
    """
    bn_eps = claim.param(config, "bn_eps")
    if bn_eps < 0:
        raise BadInput(f"--param bn_eps: must be >= 0, got {bn_eps}")
    samples = positive_int(claim, config, "samples")
    hess_degree = claim.param(config, "hess_degree")
    # one member suffices to exhibit the failure with ε (and the ε proofs are the slow ones)
    members = 1 if (config.quick or bn_eps > 0) else len(sym.DEFAULT_FAMILY)
    m = measure_scale_invariance(bn_eps, samples, members, config.seed, hess_degree)
    verdict, reason = decide_scale_invariance(m, bn_eps)
    if hess_degree != -2 and verdict == REFUTED:
        reason = f"claimed ∇²L(cw) = c^{hess_degree:g}·∇²L(w): " + reason
    expected = {"symbolic": "every residual cancels to exactly 0",
                "numeric_max_residual": f"≤ {FLOAT_TOL:g} (third_contract of T2/T3 by finite differences: ≤ {FD_TOL:g})"}
    tolerance = {"float64": FLOAT_TOL, "finite_difference": FD_TOL, "lanczos_vs_dense": LANCZOS_TOL,
                 "gradient_vs_mpmath_fd": MPMATH_FD_TOL}
    params = {"seed": config.seed, "bn_eps": bn_eps, "hess_degree": hess_degree, "samples": samples, "c_values": list(C_VALUES),
              "family_members": members, "models": m.models, "hvp": "complex step h = 1e-30 (T1: closed-form Hessian)"}
    precision = {"numeric": "float64", "symbolic": "exact (SymPy polynomial arithmetic)", "fd_dps": 50}
    return Outcome(verdict, reason, expected, _measured(m), tolerance, params, precision, _figure(m, hess_degree))


register(Claim(
    id="lyu2022.scale-invariance", typical_s=4.4,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "symbolic", "symbolic_all_zero", "gradient_vs_mpmath_fd", "t1_hessian_closed_form_vs_sympy",
        "numeric_max_residual", "lanczos_vs_dense"
    ),
    paper="lyu2022",
    citation=f"{CITATION}; identities as in {LA19}, Lemma 1",
    summary="scale-invariant L: ⟨w,∇L⟩=0, ∇L(cw)=∇L/c, ∇²L(cw)=∇²L/c², ∇²L·w=−∇L, ∇³L[w]=−2∇²L",
    statement=(r"L(cw)=L(w)\ \forall c>0 \Rightarrow \langle w,\nabla L\rangle=0,\ \nabla L(cw)=\tfrac1c\nabla L(w),\ "
               r"\nabla^2L(cw)=\tfrac1{c^2}\nabla^2L(w),\ \nabla^2L(w)w=-\nabla L(w),\ \nabla^3L(w)[w]=-2\nabla^2L(w)"),
    confidence="derived",
    assumptions=("L is scale-invariant (homogeneous of degree 0) on each weight group, away from w = 0",
                 "BN without ε in the standard deviation, full batch, no affine parameters on the normalised units"),
    check=check_scale_invariance,
    params=(
        Param("bn_eps", 0.0, "ε inside the BN standard deviation of T2/T3 and in the SymPy family (r² → r²+ε); "
              "> 0 breaks scale invariance (negative control: refuted, residual shown)", float),
        Param("samples", 3, "random points per model", int, lo=1, hi=1000),
        Param("hess_degree", -2.0, "the claimed homogeneity degree of ∇²L, ∇²L(cw) = c^degree·∇²L(w) (−2; e.g. −1: "
              "the statement flipped, refuted)", float, lo=-10, hi=10),
    ),
    notes=("Derived (reference notes §2.1 [derived]; items 1-4 are LA'19 Lemma 1 / ALL'19 [paper]). SymPy proofs on "
           "the family L = (a·w)²(b·w)²/r⁴ + (c·w)(d·w)/r² + ½(1+αw₀²/r²)w₂²/r²; numerics on T1 (D=3 and D=5), "
           "T2 (BN regression, n=6, d=10) and T3 (BN MLP, 4 units × 5 inputs). HVPs by the complex step; "
           "third derivative of T2/T3 by central differences of exact Hessians."),
    source="reference notes §2.1 [derived]; items 1-4: LA'19 Lemma 1 and ALL'19 [paper]",
    controls=(
        Control("hessian-degree-minus-one", STATEMENT_FLIP, "∇²L(cw) = ∇²L(w)/c instead of /c²",
                params={"hess_degree": -1}),
        Control("not-scale-invariant", ASSUMPTION_DROPPED, "ε inside BN's standard deviation: a loss with a "
                "weight-norm term, the identities fail", params={"bn_eps": 1e-3}),
    ),
))
