r"""Lyu, Li, Arora (NeurIPS 2022): scale invariance, weight decay and the norm dynamics.

Claims checked here (reference notes ``shared/reference/lyu2022_sharpness_reduction.md`` §2.1-2.4):

* ``lyu2022.scale-invariance`` -- the identities of a scale-invariant loss (⟨w,∇L⟩ = 0, the
  scalings of ∇L, ∇²L, ∇³L, ∇²L·w = −∇L, ∇³L[w] = −2∇²L), proved exactly by SymPy on a family
  of rational degree-0 functions and checked numerically on the toy models T1-T3;
* ``lyu2022.exp-lr-equivalence`` -- GD+WD gives the directions of plain GD with the schedule
  η(1 − ηλ)^(−2t−1) (Li & Arora 2019);
* ``lyu2022.norm-dynamics`` -- the exact norm recursion, the norm equilibrium and the entry
  time into the Edge of Stability.

The EoS and sharpness-flow claims are in :mod:`bnproof.papers.lyu2022_eos`.  Models, curvature
and the GD loop: :mod:`bnproof.scale_invariant`; the SymPy proofs: :mod:`bnproof.symbolic.lyu2022`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.symbolic.render import register_derivation

__all__ = ["CITATION", "gd_settings", "GDSettings", "render_derivation", "sample_series"]

CITATION = ("Lyu, Li, Arora. Understanding the Generalization Benefit of Normalization Layers: Sharpness "
            "Reduction. NeurIPS 2022 (arXiv 2206.07085)")
LA19 = "Li, Arora. An Exponential Learning Rate Schedule for Deep Learning. ICLR 2020 (arXiv 1910.07454)"

FLOAT_TOL = 1e-10  # float64 identities (exact HVPs by the complex step)
FD_TOL = 1e-6  # identities that need a finite difference (third derivative of T2/T3)


# --------------------------------------------------------------------------- shared parameter handling


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise BadInput(f"--param {name}: must be a finite number, got {value}")
    return value


class GDSettings:
    """Validated (lr, weight_decay, convention) and what they imply."""

    def __init__(self, lr: float, weight_decay: float, convention: str):
        from bnproof.models.scale_invariant import shrink_factor

        self.lr, self.weight_decay, self.convention = lr, weight_decay, convention
        self.q = shrink_factor(lr, weight_decay, convention)
        # the intrinsic LR: 1 − q (= ηλ in the paper's coupled convention)
        self.intrinsic = 1.0 - self.q

    def to_params(self) -> dict:
        return {"lr": self.lr, "weight_decay": self.weight_decay, "convention": self.convention,
                "intrinsic_lr": self.intrinsic}


def gd_settings(claim: Claim, config: RunConfig) -> GDSettings:
    """``lr`` > 0, ``weight_decay`` ≥ 0, finite, and a per-step shrink factor in (0, 1]; else BadInput."""
    lr = _finite("lr", claim.param(config, "lr"))
    wd = _finite("weight_decay", claim.param(config, "weight_decay"))
    if not lr > 0:
        raise BadInput(f"--param lr: must be > 0, got {lr}")
    if not wd >= 0:
        raise BadInput(f"--param weight_decay: must be >= 0, got {wd}")
    conv = claim.param(config, "convention")
    s = GDSettings(lr, wd, conv)
    if not 0 < s.q <= 1:
        raise BadInput(f"--param weight_decay: the per-step shrink factor {s.q:g} must lie in (0, 1] "
                       f"({'1 − ηλ' if conv == 'coupled' else '1 − λ'})")
    return s


def _positive_int(claim: Claim, config: RunConfig, name: str, lo: int = 1) -> int:
    v = claim.param(config, name)
    if v < lo:
        raise BadInput(f"--param {name}: must be >= {lo}, got {v}")
    return v


GD_PARAMS = (
    Param("lr", 0.1, "learning rate η", float),
    Param("weight_decay", 1e-3, "weight decay λ (0: no WD)", float),
    Param("convention", "coupled", "weight-decay convention: coupled w ← (1−ηλ)w − η∇L (the paper's), or decoupled "
          "w ← (1−λ)w − η∇L (SGDW)", str, ("coupled", "decoupled")),
)


def sample_series(values: list, n: int = 300) -> list:
    """At most ``n`` evenly spaced entries (figures stay small)."""
    if len(values) <= n:
        return list(values)
    idx = np.linspace(0, len(values) - 1, n).round().astype(int)
    return [values[i] for i in idx]


def _f(x: float | None, digits: int = 4) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


# --------------------------------------------------------------------------- claim 1: identities

C_VALUES = (0.1, 3.0, 10.0)


def numeric_identities(model, w: np.ndarray, c: float) -> dict[str, float]:
    """Relative residuals of the identities at w (and cw) on a model (float64)."""
    from bnproof.models.scale_invariant import dense_hessian, third_derivative_along

    g, gc = model.grad(w), model.grad(c * w)
    H, Hc = dense_hessian(model, w), dense_hessian(model, c * w)
    nw, ng, nH = np.linalg.norm(w), np.linalg.norm(g), np.linalg.norm(H)
    scale_g = max(ng, nH * nw * 1e-3, 1e-300)
    T = third_derivative_along(model, w, w)
    out = {
        "euler": abs(float(w @ g)) / (nw * scale_g),
        "euler_per_group": max(abs(float(w[s] @ g[s])) / (np.linalg.norm(w[s]) * scale_g) for s in model.groups),
        "grad_scaling": float(np.linalg.norm(c * gc - g)) / scale_g,
        "hess_scaling": float(np.linalg.norm(c * c * Hc - H)) / nH,
        "hess_times_w": float(np.linalg.norm(H @ w + g)) / max(scale_g, nH * nw),
        "third_contract": float(np.linalg.norm(T + 2 * H)) / nH,
    }
    return out


def _models(seed: int, bn_eps: float):
    from bnproof.models.scale_invariant import SphereToy, make_model

    rng = np.random.default_rng(seed)
    return [SphereToy(3, 1, 0.5), SphereToy(5, 2, 0.8), make_model("t2", rng, bn_eps=bn_eps, n=6, d=10),
            make_model("t3", rng, bn_eps=bn_eps, n=8, d=5, width=4)]


def _lanczos_gap(model, w) -> float:
    from bnproof.models.scale_invariant import top_eigenvalue

    dense, lanczos = top_eigenvalue(model, w, "dense"), top_eigenvalue(model, w, "lanczos")
    return abs(dense - lanczos) / max(abs(dense), 1e-300)


def check_scale_invariance(claim: Claim, config: RunConfig) -> Outcome:
    from bnproof.symbolic import lyu2022 as sym

    bn_eps = _finite("bn_eps", claim.param(config, "bn_eps"))
    if bn_eps < 0:
        raise BadInput(f"--param bn_eps: must be >= 0, got {bn_eps}")
    samples = _positive_int(claim, config, "samples")
    # one member suffices to exhibit the failure with ε (and the ε proofs are the slow ones)
    members = 1 if (config.quick or bn_eps > 0) else len(sym.DEFAULT_FAMILY)
    proofs = sym.prove(bn_eps > 0, members)
    sym_fail = [p for p in proofs if not p.holds]
    fd_gap = sym.check_gradient(0)
    toy_hess_gap = sym.check_sphere_toy_hessian()
    rng = np.random.default_rng(config.seed)
    models = _models(config.seed, bn_eps)
    worst: dict[str, dict[str, float]] = {}
    per_c: dict[float, dict[str, float]] = {c: {} for c in C_VALUES}
    lanczos = {}
    for model in models:
        label = f"{model.name}(D={model.dim})"
        worst[label] = {}
        for _ in range(samples):
            w = rng.standard_normal(model.dim)
            for c in C_VALUES:
                for k, v in numeric_identities(model, w, c).items():
                    worst[label][k] = max(worst[label].get(k, 0.0), v)
                    # the third derivative of T2/T3 is a finite difference: plotted apart (its own tolerance)
                    key = k + ("_fd" if k == "third_contract" and model.name != "t1" else "")
                    per_c[c][key] = max(per_c[c].get(key, 0.0), v)
        lanczos[label] = _lanczos_gap(model, rng.standard_normal(model.dim))

    def tol(ident: str, label: str) -> float:
        return FD_TOL if (ident == "third_contract" and not label.startswith("t1")) else FLOAT_TOL

    num_fail = sorted(((v, lab, k) for lab, d in worst.items() for k, v in d.items() if v > tol(k, lab)), reverse=True)
    lanczos_bad = {k: v for k, v in lanczos.items() if v > 1e-8}
    measured = {
        "symbolic": {p.name + ("" if members == 1 else f"[member {p.member}]"): ("0" if p.holds else p.residual)
                     for p in proofs},
        "symbolic_all_zero": not sym_fail,
        "gradient_vs_mpmath_fd": float(f"{fd_gap:.3g}"),
        "t1_hessian_closed_form_vs_sympy": float(f"{toy_hess_gap:.3g}"),
        "numeric_max_residual": {lab: {k: float(f"{v:.3g}") for k, v in d.items()} for lab, d in worst.items()},
        "lanczos_vs_dense": {k: float(f"{v:.3g}") for k, v in lanczos.items()},
    }
    expected = {"symbolic": "every residual cancels to exactly 0",
                "numeric_max_residual": f"≤ {FLOAT_TOL:g} (third_contract of T2/T3 by finite differences: ≤ {FD_TOL:g})"}
    tolerance = {"float64": FLOAT_TOL, "finite_difference": FD_TOL, "lanczos_vs_dense": 1e-8,
                 "gradient_vs_mpmath_fd": 1e-25}
    params = {"seed": config.seed, "bn_eps": bn_eps, "samples": samples, "c_values": list(C_VALUES),
              "family_members": members, "models": [f"{m.name}(D={m.dim})" for m in models],
              "hvp": "complex step h = 1e-30 (T1: closed-form Hessian)"}
    precision = {"numeric": "float64", "symbolic": "exact (SymPy polynomial arithmetic)", "fd_dps": 50}
    idents = ["euler", "grad_scaling", "hess_scaling", "hess_times_w", "third_contract", "third_contract_fd"]
    labels = {"third_contract": "third_contract (T1, complex step)",
              "third_contract_fd": "third_contract (T2/T3, finite differences)"}
    series = {"panels": [{
        "title": "numerical residuals (max over models and points)", "xlabel": "scale c", "ylabel": "relative residual",
        "xscale": "log", "yscale": "log", "x": list(C_VALUES),
        "curves": [{"label": labels.get(k, k), "y": [max(per_c[c][k], 1e-18) for c in C_VALUES]} for k in idents],
        "hlines": [{"y": FLOAT_TOL, "label": "float64 tolerance"}, {"y": FD_TOL, "label": "finite-difference tolerance"}]}]}
    if sym_fail or num_fail or fd_gap > 1e-25 or toy_hess_gap > 1e-12 or lanczos_bad:
        parts = []
        if sym_fail:
            p = sym_fail[0]
            parts.append(f"SymPy residual of {p.name} does not cancel: {p.residual[:160]}")
        if num_fail:
            v, lab, k = num_fail[0]
            parts.append(f"largest numerical residual {k} = {v:.3g} on {lab} (tolerance {tol(k, lab):g})")
        if fd_gap > 1e-25 or toy_hess_gap > 1e-12 or lanczos_bad:
            parts.append(f"derivative cross-checks failed (mpmath FD {fd_gap:.2g}, T1 Hessian {toy_hess_gap:.2g}, "
                         f"Lanczos {lanczos_bad})")
        why = "; ".join(parts)
        if bn_eps > 0:
            why = f"with BN ε = {bn_eps:g} the loss is not scale-invariant: " + why
        return Outcome(REFUTED, why, expected, measured, tolerance, params, precision, series)
    top = max(v for lab, d in worst.items() for k, v in d.items() if tol(k, lab) == FLOAT_TOL)
    reason = (f"all {len(proofs)} SymPy residuals cancel to 0 on {members} family member(s); on T1-T3 "
              f"({samples} points × c ∈ {{0.1, 3, 10}}) the float64 residuals are ≤ {top:.2g}; Lanczos matches "
              f"dense λ₁ to {max(lanczos.values()):.1g}")
    return Outcome(VERIFIED, reason, expected, measured, tolerance, params, precision, series)


register(Claim(
    id="lyu2022.scale-invariance",
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
        Param("samples", 3, "random points per model", int),
    ),
    notes=("Derived (reference notes §2.1 [derived]; items 1-4 are LA'19 Lemma 1 / ALL'19 [paper]). SymPy proofs on "
           "the family L = (a·w)²(b·w)²/r⁴ + (c·w)(d·w)/r² + ½(1+αw₀²/r²)w₂²/r²; numerics on T1 (D=3 and D=5), "
           "T2 (BN regression, n=6, d=10) and T3 (BN MLP, 4 units × 5 inputs). HVPs by the complex step; "
           "third derivative of T2/T3 by central differences of exact Hessians."),
))


# --------------------------------------------------------------------------- claim 2: exp-LR equivalence


def _model_and_start(kind: str, seed: int):
    from bnproof.models.scale_invariant import make_model, normalize_groups

    rng = np.random.default_rng(seed)
    if kind == "t1":
        from bnproof.models.scale_invariant import SphereToy

        model = SphereToy()
        return model, model.start(0.3, 0.2, 1.0)
    model = make_model(kind, rng, n=8, d=10 if kind == "t2" else 5, width=4)
    return model, normalize_groups(model, rng.standard_normal(model.dim))


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    u = u / np.linalg.norm(u)
    v = v / np.linalg.norm(v)
    return float(2 * math.asin(min(1.0, float(np.linalg.norm(u - v)) / 2)))


def check_exp_lr(claim: Claim, config: RunConfig) -> Outcome:
    from bnproof.models.scale_invariant import gd

    s = gd_settings(claim, config)
    steps = _positive_int(claim, config, "steps")
    if config.quick:
        steps = min(steps, 200)
    schedule = claim.param(config, "schedule")
    kind = claim.param(config, "model")
    tol = claim.param(config, "tol")
    model, w0 = _model_and_start(kind, config.seed)
    eta, lam = s.lr, s.weight_decay
    q_claim = 1.0 - eta * lam  # the paper's (coupled) factor: the claim's schedule uses it whatever is run
    shift = 1 if schedule == "paper" else 0
    record = lambda t, w, g: {"w": w.copy()}  # noqa: E731
    a = gd(model, w0, lr=eta, weight_decay=lam, steps=steps, convention=s.convention, observe=record)
    b = gd(model, w0, lr=eta, weight_decay=0.0, steps=steps, observe=record,
           schedule=lambda t: eta * q_claim ** (-2 * t - shift))
    angles = [_angle(x, y) for x, y in zip(a.obs["w"], b.obs["w"])]
    ratio_err = [abs(float(np.linalg.norm(y) / np.linalg.norm(x)) * q_claim ** t - 1.0)
                 for t, x, y in zip(a.t, a.obs["w"], b.obs["w"])]
    worst_angle, worst_ratio = max(angles), max(ratio_err)
    t_worst = a.t[int(np.argmax(angles))]
    measured = {"max_direction_angle": float(f"{worst_angle:.3g}"), "at_step": t_worst,
                "max_norm_ratio_error": float(f"{worst_ratio:.3g}"),
                "final_lr_of_plain_gd": float(f"{eta * q_claim ** (-2 * steps - shift):.6g}")}
    expected = {"max_direction_angle": 0.0, "norm_ratio": "‖w̃_t‖/‖w_t‖ = (1 − ηλ)^(−t)"}
    params = {"seed": config.seed, **s.to_params(), "steps": steps, "model": kind, "dim": model.dim,
              "schedule": schedule, "schedule_formula": "η(1−ηλ)^(−2t−1)" if shift else "η(1−ηλ)^(−2t) (mutated)"}
    tolerance = {"angle": tol, "norm_ratio": tol}
    x = sample_series(a.t)
    idx = {t: i for i, t in enumerate(a.t)}
    series = {"panels": [{"title": "GD+WD vs plain GD with the exponential schedule", "xlabel": "step t",
                          "ylabel": "angle (rad) / relative error (exact zeros not drawn)", "xscale": "linear", "yscale": "log",
                          "x": x,
                          "curves": [{"label": "∠(w_t, w̃_t)", "y": [angles[idx[t]] or None for t in x]},
                                     {"label": "|‖w̃‖/‖w‖·(1−ηλ)^t − 1|", "y": [ratio_err[idx[t]] or None for t in x]}],
                          "hlines": [{"y": tol, "label": "tolerance"}]}]}
    precision = {"arith": "float64", "note": "both runs in float64; the gap is accumulated rounding"}
    if worst_angle <= tol and worst_ratio <= tol:
        reason = (f"over {steps} steps on {kind} the directions of GD+WD (η = {eta:g}, λ = {lam:g}) and plain GD with "
                  f"LR η(1−ηλ)^(−2t−1) differ by ≤ {worst_angle:.2g} rad, norm ratio (1−ηλ)^(−t) to {worst_ratio:.2g}")
        return Outcome(VERIFIED, reason, expected, measured, tolerance, params, precision, series)
    why = (" (the run used the decoupled convention w ← (1−λ)w − η∇L, which the schedule does not describe)"
           if s.convention == "decoupled" else " (mutated schedule)" if shift == 0 else "")
    reason = (f"directions differ by {worst_angle:.3g} rad at step {t_worst} (tolerance {tol:g}); norm-ratio error "
              f"{worst_ratio:.3g}{why}")
    return Outcome(REFUTED, reason, expected, measured, tolerance, params, precision, series)


register(Claim(
    id="lyu2022.exp-lr-equivalence",
    paper="lyu2022",
    citation=f"{CITATION}; the equivalence is {LA19}",
    summary="GD+WD(η, λ) has the directions of plain GD with LR η(1−ηλ)^(−2t−1)",
    statement=(r"w_{t+1}=(1-\eta\lambda)w_t-\eta\nabla L(w_t),\ \tilde w_{t+1}=\tilde w_t-\eta(1-\eta\lambda)^{-2t-1}"
               r"\nabla L(\tilde w_t),\ \tilde w_0=w_0 \Rightarrow \tilde w_t=(1-\eta\lambda)^{-t}w_t"),
    confidence="derived",
    assumptions=("L scale-invariant", "full-batch GD, no momentum", "coupled weight decay w ← (1−ηλ)w − η∇L"),
    check=check_exp_lr,
    params=GD_PARAMS + (
        Param("steps", 1000, "GD steps (200 with --quick)", int),
        Param("model", "t3", "toy model: t1 sphere toy, t2 BN regression, t3 BN MLP", str, ("t1", "t2", "t3")),
        Param("schedule", "paper", "paper: η(1−ηλ)^(−2t−1); shifted: η(1−ηλ)^(−2t) (mutated claim, must be refuted)",
              str, ("paper", "shifted")),
        Param("tol", 1e-12, "tolerance on the direction angle and the norm ratio (float64)", float),
    ),
    notes=("The statement is LA'19's [paper]; the exact form (exponent −2t−1 with t counted from 0) is derived "
           "(reference notes §2.3). Negative controls: convention=decoupled (the schedule then describes the wrong "
           "run) and schedule=shifted are refuted."),
))


# --------------------------------------------------------------------------- claim 3: norm dynamics


def entry_prediction(eta_eff0: float, lam1: float, intrinsic: float, threshold: float) -> float:
    """Steps for η̃λ₁ to grow from η̃₀λ₁ to ``threshold`` at rate (1 − ηλ)^(−2) per step."""
    return math.log(threshold / (eta_eff0 * lam1)) / (-2.0 * math.log(1.0 - intrinsic))


MAX_STEPS = 5_000_000  # ≈ 2 min of the sphere toy; horizons scale like 1/(ηλ)


def check_horizon(steps: int) -> None:
    """A horizon of 1/(ηλ)-many steps must stay runnable: BadInput beyond ``MAX_STEPS``."""
    if steps > MAX_STEPS:
        raise BadInput(f"the horizon needs {steps:.3g} GD steps (it scales like 1/(ηλ)); more than {MAX_STEPS:.0e}: "
                       "raise --param lr or --param weight_decay")


@dataclass
class ToyRun:
    """A sphere-toy run: cheap observables every ``every`` steps, spherical sharpness every ``sharp_every``."""

    t: np.ndarray
    x: np.ndarray  # ‖w_t‖²
    G: np.ndarray  # ‖∇L(θ_t)‖² = ‖w_t‖²‖∇L(w_t)‖²
    phi: np.ndarray  # angle of the projection onto Γ, atan2(w₁, w₀)
    t_sharp: np.ndarray
    sharp: np.ndarray  # λ₁(∇²L(θ_t))
    x_sharp: np.ndarray  # ‖w‖² at the sharpness samples
    underflow: bool  # the gradient became exactly 0 (the normal component underflowed)

    def eff(self, lr: float) -> np.ndarray:
        """η̃_t λ₁(θ_t) at the sharpness samples."""
        return lr / self.x_sharp * self.sharp


def t1_eos_run(s: GDSettings, *, steps: int, radius: float, phi0: float, normal: float, noise: float, seed: int,
               every: int = 1, sharp_every: int = 10, progress=None, label: str = "") -> ToyRun:
    """GD+WD on the sphere toy T1 (D = 3, α = ½) from w0 = radius·(cos φ₀, sin φ₀, normal)."""
    from bnproof.models.scale_invariant import SphereToy, gd, spherical_sharpness

    check_horizon(steps)
    model = SphereToy()
    sharp_every = max(1, sharp_every // every) * every

    def obs(t, w, g):
        x = float(w @ w)
        return {"x": x, "G": float(g @ g) * x, "phi": math.atan2(w[1], w[0]), "gzero": not g.any(),
                "sharp": spherical_sharpness(model, w) if t % sharp_every == 0 else None}

    bar = None if progress is None else (lambda t, T: progress(label, t, T))
    r = gd(model, model.start(phi0, normal, radius), lr=s.lr, weight_decay=s.weight_decay, steps=steps,
           convention=s.convention, noise=noise, seed=seed, every=every, observe=obs, progress=bar)
    t = np.array(r.t)
    x = np.array(r.obs["x"])
    mask = np.array([v is not None for v in r.obs["sharp"]])
    return ToyRun(t, x, np.array(r.obs["G"]), np.array(r.obs["phi"]), t[mask],
                  np.array([v for v in r.obs["sharp"] if v is not None]), x[mask], bool(any(r.obs["gzero"])))


PHI0_NORM = 1.4  # rad: start angle on the sphere toy for the entry-time and equilibrium checks


def check_norm_dynamics(claim: Claim, config: RunConfig) -> Outcome:
    from bnproof.models.scale_invariant import gd

    s = gd_settings(claim, config)
    if s.weight_decay == 0:
        return Outcome(INAPPLICABLE, "assumption violated: weight_decay > 0 (with λ = 0 there is no equilibrium and "
                       "no entry into EoS: ‖w‖ only grows)", {}, {}, params={"seed": config.seed, **s.to_params()})
    noise = _finite("noise", claim.param(config, "noise"))
    threshold = claim.param(config, "threshold")
    if not (noise >= 0 and 0 < threshold):
        raise BadInput("--param noise must be >= 0 and --param threshold > 0")
    eta, lam = s.lr, s.weight_decay
    # (a) the exact recursion, paper's formula, on the BN MLP (no noise: it is exact arithmetic up to rounding)
    model, w0 = _model_and_start("t3", config.seed)
    rec_steps = 300 if config.quick else 2000
    r = gd(model, w0, lr=eta, weight_decay=lam, steps=rec_steps, convention=s.convention,
           observe=lambda t, w, g: {"x": float(w @ w), "g2": float(g @ g)})
    x, g2 = np.array(r.obs["x"]), np.array(r.obs["g2"])
    pred = (1 - eta * lam) ** 2 * x[:-1] + eta ** 2 * g2[:-1]
    rec_res = float(np.max(np.abs(x[1:] - pred) / x[1:]))
    # (b) entry time and (c) equilibrium on the sphere toy
    intrinsic = s.intrinsic
    # start near the flattest point of Γ (φ = π/2 is a fixed point of the sharpness flow), so that ‖w‖ is
    # quasi-static after entry: the equilibrium is a statement about a slowly varying gradient level
    lam1_0 = 1 + 0.5 * math.cos(PHI0_NORM) ** 2
    pred_entry = entry_prediction(eta / 1.0, lam1_0, eta * lam, threshold)  # paper's ηλ
    n_win = 1 if config.quick else 3
    win = max(1, int(round(1.0 / intrinsic)))  # equilibrium window: 1/(ηλ) steps (4 relaxation times)
    settle = int(round(0.5 / intrinsic))
    horizon = int(pred_entry * 1.05) + settle + n_win * win
    run = t1_eos_run(s, steps=horizon, radius=1.0, phi0=PHI0_NORM, normal=1e-3, noise=noise, seed=config.seed,
                     every=1, sharp_every=10, progress=config.progress, label=claim.id)
    eff = run.eff(eta)
    hit = np.nonzero(eff >= threshold)[0]
    entry = int(run.t_sharp[hit[0]]) if len(hit) else None
    entry_err = None if entry is None else abs(entry - pred_entry) / pred_entry
    eq_rel, eq_t = [], []
    if entry is not None:
        for i in range(entry + settle, len(run.t) - win + 1, win):
            lhs = float(np.mean(run.x[i:i + win] ** 2))
            rhs = eta * float(np.mean(run.G[i:i + win])) / (lam * (2 - eta * lam))
            eq_rel.append(lhs / rhs - 1 if rhs > 0 else math.inf)
            eq_t.append(int(run.t[i + win // 2]))
    eq_worst = max((abs(v) for v in eq_rel), default=None)
    underflow = run.underflow
    t = run.t_sharp
    every = 10
    rec_tol, entry_tol, eq_tol = 1e-12, 0.05, 0.10
    measured = {"recursion_max_rel_residual": float(f"{rec_res:.3g}"), "entry_step": entry,
                "entry_predicted": round(pred_entry, 1), "entry_rel_error": _f(entry_err),
                "equilibrium_max_rel_error": _f(eq_worst), "equilibrium_windows": len(eq_rel),
                "eta_eff_lambda1_final": _f(float(eff[-1])), "normal_component_underflowed": underflow}
    expected = {"recursion": "‖w_{t+1}‖² = (1−ηλ)²‖w_t‖² + η²‖∇L(w_t)‖²",
                "entry_predicted": f"ln({threshold:g}/(η̃₀λ₁))/(2ηλ) = {pred_entry:.1f}",
                "equilibrium": "⟨‖w‖⁴⟩ = η⟨‖∇L(θ)‖²⟩/(λ(2−ηλ))"}
    tolerance = {"recursion": rec_tol, "entry": entry_tol, "equilibrium": eq_tol}
    params = {"seed": config.seed, **s.to_params(), "recursion_model": f"t3(D={model.dim})", "recursion_steps": rec_steps,
              "toy": "t1 D=3 α=0.5", "w0": f"(cos {PHI0_NORM}, sin {PHI0_NORM}, 1e-3), ‖w0‖ ≈ 1", "threshold": threshold,
              "horizon": horizon, "sharpness_every": every, "equilibrium_window_steps": win, "settle_steps": settle,
              "fp_remedy": f"isotropic noise {noise:g}·‖w‖ per step" if noise > 0 else "none (underflow trap exposed)"}
    xt = sample_series(list(range(len(t))))
    series = {"panels": [
        {"title": "effective sharpness", "xlabel": "step t", "ylabel": "η̃·λ₁", "xscale": "linear", "yscale": "log",
         "x": [int(t[i]) for i in xt], "curves": [{"label": "η̃_t λ₁(θ_t)", "y": [float(eff[i]) for i in xt], "style": "-"}],
         "hlines": [{"y": 2.0, "label": "2"}, {"y": threshold, "label": f"entry threshold {threshold:g}"}]},
        {"title": "norm equilibrium (windowed)", "xlabel": "step t", "ylabel": "⟨‖w‖⁴⟩ / (η⟨G⟩/(λ(2−ηλ))) − 1",
         "xscale": "linear", "yscale": "linear", "x": eq_t, "curves": [{"label": "relative error", "y": [_f(v, 6) for v in eq_rel]}],
         "hlines": [{"y": eq_tol, "label": "+10%"}, {"y": -eq_tol, "label": "−10%"}]}]}
    precision = {"arith": "float64"}
    bad = []
    if rec_res > rec_tol:
        bad.append(f"the norm recursion fails: max relative residual {rec_res:.3g} > {rec_tol:g}"
                   + (" (decoupled WD: the shrink factor is 1 − λ, not 1 − ηλ)" if s.convention == "decoupled" else ""))
    if entry is None:
        bad.append(f"η̃λ₁ never reached {threshold:g} within {horizon} steps (predicted entry {pred_entry:.0f})")
    elif entry_err > entry_tol:
        bad.append(f"entry at step {entry}, predicted {pred_entry:.0f} (error {entry_err:.1%} > {entry_tol:.0%})")
    if eq_worst is None and entry is not None:
        return Outcome(INCONCLUSIVE, "no complete equilibrium window after entry: raise the horizon", expected,
                       measured, tolerance, params, precision, series)
    if eq_worst is not None and eq_worst > eq_tol:
        bad.append(f"norm equilibrium off by up to {eq_worst:.1%} (> {eq_tol:.0%}) over {len(eq_rel)} windows"
                   if math.isfinite(eq_worst) else "no gradient left after entry (G = 0): no norm equilibrium")
    if underflow and bad:
        return Outcome(INCONCLUSIVE, "the normal component underflowed to 0 (float64 trap; set --param noise > 0): "
                       + "; ".join(bad), expected, measured, tolerance, params, precision, series)
    if bad:
        return Outcome(REFUTED, "; ".join(bad), expected, measured, tolerance, params, precision, series)
    reason = (f"norm recursion exact to {rec_res:.2g}; EoS entry (η̃λ₁ ≥ {threshold:g}) at step {entry} vs predicted "
              f"{pred_entry:.0f} ({entry_err:.1%}); equilibrium ⟨‖w‖⁴⟩ within {eq_worst:.1%} of η⟨G⟩/(λ(2−ηλ)) "
              f"over {len(eq_rel)} windows")
    return Outcome(VERIFIED, reason, expected, measured, tolerance, params, precision, series)


register(Claim(
    id="lyu2022.norm-dynamics",
    paper="lyu2022",
    citation=CITATION,
    summary="GD+WD: exact ‖w‖² recursion, equilibrium ‖w*‖⁴ = ηG/(λ(2−ηλ)), EoS entry after ln(2/(η̃₀λ₁))/(2ηλ) steps",
    statement=(r"\|w_{t+1}\|^2=(1-\eta\lambda)^2\|w_t\|^2+\eta^2\|\nabla L(\theta_t)\|^2/\|w_t\|^2,\quad "
               r"\|w^*\|^4=\frac{\eta G}{\lambda(2-\eta\lambda)},\quad t_{\rm entry}\approx\frac{\ln(2/(\tilde\eta_0\lambda_1))}"
               r"{2\eta\lambda}"),
    confidence="derived",
    assumptions=("L scale-invariant", "coupled weight decay", "weight_decay > 0",
                 "for the entry time: the start is near Γ (negligible gradient) and below EoS"),
    check=check_norm_dynamics,
    params=GD_PARAMS + (
        Param("noise", 1e-12, "floating-point remedy: isotropic noise of relative size noise·‖w‖ per step on the "
              "sphere toy (0: none — the normal component underflows)", float),
        Param("threshold", 1.9, "η̃λ₁ level that marks the entry into EoS", float),
    ),
    notes=("Derived (reference notes §2.4); of the same kind as Wan et al. 2020 and LLA'20 [paper]. Recursion on the "
           "BN MLP T3 (2000 steps); entry time and equilibrium on the sphere toy T1 from ‖w0‖ = 1 (entry ≈ 1.3·10⁴ "
           "steps at ηλ = 1e-4) over 3/(ηλ) further steps; equilibrium compared on windows of 1/(4ηλ) steps. "
           "Negative control: convention=decoupled is refuted (the recursion's factor is then 1−λ)."),
))


# --------------------------------------------------------------------------- derivations


def render_derivation() -> tuple[dict[str, str], list[str]]:
    """``derivations/lyu2022.md``: the SymPy proofs (deterministic text)."""
    from bnproof.symbolic import lyu2022 as sym

    proofs = sym.prove(False)
    neg = sym.prove(True, 1)
    fd = sym.check_gradient(0)
    lines = [
        "<!-- generated by `bnproof derive`; do not edit by hand -->",
        "",
        "# Lyu, Li, Arora (NeurIPS 2022): scale-invariance identities, derived",
        "",
        "Test family (rational, homogeneous of degree 0 on R³∖{0}; $r^2 = w_0^2+w_1^2+w_2^2$; the last term is the",
        "sphere toy T1 of `bnproof.scale_invariant`):",
        "",
        r"$$L_{a,b,c,d,\alpha}(w) = \frac{(a\cdot w)^2(b\cdot w)^2}{r^4} + \frac{(c\cdot w)(d\cdot w)}{r^2}"
        r" + \tfrac12\Big(1+\alpha\frac{w_0^2}{r^2}\Big)\frac{w_2^2}{r^2}$$",
        "",
        "Members proved:",
        "",
    ]
    for i, (a, b, c, d, al) in enumerate(sym.DEFAULT_FAMILY):
        lines.append(f"- member {i}: a = {a}, b = {b}, c = {c}, d = {d}, α = {al}")
    lines += [
        "",
        "Method: each member is written $P/s^2$ with $s = r^2$; every derivative stays of the form $P/s^m$, so each",
        "identity's residual is a polynomial numerator, and **holds** means it is the zero polynomial (exact",
        "`sympy.Poly` arithmetic over ℚ, scalar symbols only). The SymPy gradient of member 0 agrees with a",
        f"50-digit mpmath central difference to {fd:.0e} (relative).",
        "",
        "| identity | statement | member | residual |",
        "|---|---|---|---|",
    ]
    for p in proofs:
        lines.append(f"| `{p.name}` | ${p.latex}$ | {p.member} | {'0 (holds)' if p.holds else '**not 0**'} |")
    lines += [
        "",
        "## Negative control: BN's ε",
        "",
        r"With $r^2 \to r^2 + \varepsilon$ (ε inside the BN standard deviation) member 0 is no longer scale-invariant and",
        "every identity fails; the first residual numerator of each (denominator a power of $r^2+\\varepsilon$):",
        "",
        "| identity | holds | residual numerator (over a power of $r^2+\\varepsilon$) |",
        "|---|---|---|",
    ]
    for p in neg:
        lines.append(f"| `{p.name}` | {'yes' if p.holds else 'no'} | ${p.residual.replace('|', '')}$ |")
    lines += [
        "",
        "## Consequences used by the checks",
        "",
        r"- `wd_norm` is the exact norm recursion of GD with coupled weight decay (`lyu2022.norm-dynamics`).",
        r"- `grad_scaling` with $c = (1-\eta\lambda)^{t}$ gives the exponential-LR equivalence (`lyu2022.exp-lr-equivalence`):"
        r" $\tilde w_t = (1-\eta\lambda)^{-t} w_t$ follows plain GD with LR $\eta(1-\eta\lambda)^{-2t-1}$.",
        r"- `hess_scaling` makes $\tilde\eta\,\lambda_1(\nabla^2 L(\theta)) = \eta\,\lambda_1(\nabla^2L(w))$ with"
        r" $\tilde\eta = \eta/\|w\|^2$, $\theta = w/\|w\|$: the Edge-of-Stability level of `lyu2022.edge-of-stability`.",
        r"- `third_contract` (and `hess_times_w` at a critical point: $\nabla^2L(\theta)\theta = 0$) are what make the"
        r" radial direction curvature-free, so the sharpness is measured on the sphere.",
        "",
    ]
    failed = [f"{p.name}[{p.member}]" for p in proofs if not p.holds]
    return {"lyu2022.md": "\n".join(lines)}, failed


register_derivation("lyu2022", render_derivation)
