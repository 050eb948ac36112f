r"""``lyu2022.norm-dynamics``: the exact norm recursion of GD + weight decay, its equilibrium, and
the entry time into the Edge of Stability."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.models.scale_invariant import gd
from bnproof.papers.lyu2022.common import (
    CITATION,
    GD_PARAMS,
    GDSettings,
    gd_settings,
    sample_series,
    sig,
)
from bnproof.papers.lyu2022.runs import (
    ToyRun,
    entry_prediction,
    model_and_start,
    t1_eos_run,
    t1_sharpness,
)

__all__ = ["PHI0_NORM", "recursion_residual", "equilibrium_errors", "NormDynamics", "measure_norm_dynamics",
           "decide_norm_dynamics", "check_norm_dynamics"]

PHI0_NORM = 1.4  # rad: start angle on the sphere toy for the entry-time and equilibrium checks
SHARP_EVERY = 10  # steps between spherical-sharpness samples
REC_TOL, ENTRY_TOL, EQ_TOL = 1e-12, 0.05, 0.10


def recursion_residual(s: GDSettings, seed: int, steps: int) -> tuple[float, int]:
    """Largest relative residual of ‖w_{t+1}‖² = (1−ηλ)²‖w_t‖² + η²‖∇L(w_t)‖² on the BN MLP T3, and its D.

    No noise: the recursion is exact arithmetic up to rounding.
    """
    eta, lam = s.lr, s.weight_decay
    model, w0 = model_and_start("t3", seed)
    r = gd(model, w0, lr=eta, weight_decay=lam, steps=steps, convention=s.convention,
           observe=lambda t, w, g: {"x": float(w @ w), "g2": float(g @ g)})
    x, g2 = np.array(r.obs["x"]), np.array(r.obs["g2"])
    pred = (1 - eta * lam) ** 2 * x[:-1] + eta ** 2 * g2[:-1]
    return float(np.max(np.abs(x[1:] - pred) / x[1:])), model.dim


def equilibrium_errors(run: ToyRun, start: int, win: int, eta: float, lam: float) -> tuple[list[float], list[int]]:
    """⟨‖w‖⁴⟩ / (η⟨G⟩/(λ(2 − ηλ))) − 1 on consecutive windows of ``win`` steps from step ``start``."""
    eq_rel, eq_t = [], []
    for i in range(start, len(run.t) - win + 1, win):
        lhs = float(np.mean(run.x[i:i + win] ** 2))
        rhs = eta * float(np.mean(run.G[i:i + win])) / (lam * (2 - eta * lam))
        eq_rel.append(lhs / rhs - 1 if rhs > 0 else math.inf)
        eq_t.append(int(run.t[i + win // 2]))
    return eq_rel, eq_t


@dataclass(frozen=True)
class NormDynamics:
    """What :func:`measure_norm_dynamics` found."""

    rec_res: float  # (a) largest relative residual of the norm recursion
    rec_dim: int
    rec_steps: int
    pred_entry: float  # (b) predicted entry step
    entry: int | None  # first sampled step with η̃λ₁ ≥ threshold
    horizon: int
    win: int  # (c) equilibrium window (steps)
    settle: int  # steps skipped after entry
    eq_rel: list[float]
    eq_t: list[int]
    t_sharp: np.ndarray
    eff: np.ndarray  # η̃_t λ₁(θ_t) at the sharpness samples
    underflow: bool

    @property
    def entry_err(self) -> float | None:
        return None if self.entry is None else abs(self.entry - self.pred_entry) / self.pred_entry

    @property
    def eq_worst(self) -> float | None:
        return max((abs(v) for v in self.eq_rel), default=None)


def measure_norm_dynamics(s: GDSettings, noise: float, threshold: float, seed: int, quick: bool,
                          progress=None, label: str = "", entry_exponent: float = 2.0) -> NormDynamics:
    """(a) the recursion on T3; (b) entry and (c) equilibrium on the sphere toy from ‖w0‖ = 1, φ₀ = 1.4."""
    eta, lam = s.lr, s.weight_decay
    rec_steps = 300 if quick else 2000
    rec_res, rec_dim = recursion_residual(s, seed, rec_steps)
    # start near the flattest point of Γ (φ = π/2 is a fixed point of the sharpness flow), so that ‖w‖ is
    # quasi-static after entry: the equilibrium is a statement about a slowly varying gradient level
    # paper's ηλ; η̃ claimed to grow like (1 − ηλ)^(−entry_exponent) per step (2: the derived rate)
    pred_entry = entry_prediction(eta / 1.0, t1_sharpness(PHI0_NORM), eta * lam, threshold) * 2.0 / entry_exponent
    win = max(1, int(round(1.0 / s.intrinsic)))  # equilibrium window: 1/(ηλ) steps (4 relaxation times)
    settle = int(round(0.5 / s.intrinsic))
    horizon = int(pred_entry * 1.05) + settle + (1 if quick else 3) * win
    run = t1_eos_run(s, steps=horizon, radius=1.0, phi0=PHI0_NORM, normal=1e-3, noise=noise, seed=seed,
                     every=1, sharp_every=SHARP_EVERY, progress=progress, label=label)
    eff = run.eff(eta)
    hit = np.nonzero(eff >= threshold)[0]
    entry = int(run.t_sharp[hit[0]]) if len(hit) else None
    eq_rel, eq_t = ([], []) if entry is None else equilibrium_errors(run, entry + settle, win, eta, lam)
    return NormDynamics(rec_res, rec_dim, rec_steps, pred_entry, entry, horizon, win, settle, eq_rel, eq_t,
                        run.t_sharp, eff, run.underflow)


def decide_norm_dynamics(m: NormDynamics, convention: str, threshold: float) -> tuple[str, str]:
    """Verified iff recursion ≤ 1e-12, entry within 5 % and every equilibrium window within 10 %.

    No complete window after entry: inconclusive.  A failure after the normal component underflowed
    (the float64 trap): inconclusive.  Any other failure: refuted.
    """
    bad = []
    if m.rec_res > REC_TOL:
        bad.append(f"the norm recursion fails: max relative residual {m.rec_res:.3g} > {REC_TOL:g}"
                   + (" (decoupled WD: the shrink factor is 1 − λ, not 1 − ηλ)" if convention == "decoupled" else ""))
    if m.entry is None:
        bad.append(f"η̃λ₁ never reached {threshold:g} within {m.horizon} steps (predicted entry {m.pred_entry:.0f})")
    elif m.entry_err > ENTRY_TOL:
        bad.append(f"entry at step {m.entry}, predicted {m.pred_entry:.0f} (error {m.entry_err:.1%} > {ENTRY_TOL:.0%})")
    eq_worst = m.eq_worst
    if eq_worst is None and m.entry is not None:
        return INCONCLUSIVE, "no complete equilibrium window after entry: raise the horizon"
    if eq_worst is not None and eq_worst > EQ_TOL:
        bad.append(f"norm equilibrium off by up to {eq_worst:.1%} (> {EQ_TOL:.0%}) over {len(m.eq_rel)} windows"
                   if math.isfinite(eq_worst) else "no gradient left after entry (G = 0): no norm equilibrium")
    if m.underflow and bad:
        return INCONCLUSIVE, ("the normal component underflowed to 0 (float64 trap; set --param noise > 0): "
                              + "; ".join(bad))
    if bad:
        return REFUTED, "; ".join(bad)
    return VERIFIED, (f"norm recursion exact to {m.rec_res:.2g}; EoS entry (η̃λ₁ ≥ {threshold:g}) at step {m.entry} "
                      f"vs predicted {m.pred_entry:.0f} ({m.entry_err:.1%}); equilibrium ⟨‖w‖⁴⟩ within {eq_worst:.1%} "
                      f"of η⟨G⟩/(λ(2−ηλ)) over {len(m.eq_rel)} windows")


def _figure(m: NormDynamics, threshold: float, eff0: float, exponent: float) -> dict:
    """(b) η̃λ₁ against t with the predicted exponential growth from η̃₀λ₁ and the entry window
    (prediction ± 5 %); (c) the equilibrium error per window inside the ±10 % band."""
    xt = sample_series(list(range(len(m.t_sharp))))
    grow, rate = np.linspace(0.0, m.pred_entry, 24), "" if exponent == 1 else f"{exponent:g}"
    sharp = Panel(rf"EoS entry at $t = {m.entry}$ (predicted {m.pred_entry:.0f})" if m.entry is not None else
                  f"no EoS entry (predicted at {m.pred_entry:.0f})", "step $t$", r"$\tilde\eta_t\,\lambda_1(\theta_t)$",
                  [int(m.t_sharp[i]) for i in xt],
                  [Curve(r"$\tilde\eta_t\,\lambda_1(\theta_t)$", [float(m.eff[i]) for i in xt], style="-"),
                   Curve(rf"prediction $\tilde\eta_0\lambda_1\,(1-\eta\lambda)^{{-{rate}t}}$",
                         [float(eff0 * (threshold / eff0) ** (t / m.pred_entry)) for t in grow],
                         x=[float(t) for t in grow], kind="theory")],
                  yscale="log", hlines=(HLine(2.0, "2 (edge of stability)", kind="reference"),
                                        HLine(threshold, f"entry threshold {threshold:g}", kind="bound")),
                  spans=(Span((1 - ENTRY_TOL) * m.pred_entry, (1 + ENTRY_TOL) * m.pred_entry,
                              f"predicted entry ± {ENTRY_TOL:.0%}"),))
    half = m.win / 2
    edges = [m.eq_t[0] - half, m.eq_t[-1] + half] if m.eq_t else []
    equilibrium = Panel(f"norm equilibrium (recursion exact to {m.rec_res:.1g})", "step $t$ (window centres)",
                        r"$\langle\|w\|^4\rangle\,/\,\frac{\eta\langle G\rangle}{\lambda(2-\eta\lambda)} - 1$",
                        m.eq_t, [Curve(f"mean over {m.win}-step windows", [sig(v, 6) for v in m.eq_rel], style="C0o")],
                        hlines=(HLine(0.0, r"$\|w^*\|^4 = \eta G/(\lambda(2-\eta\lambda))$", kind="theory"),),
                        bands=(Band(f"tolerance ± {EQ_TOL:.0%}", [-EQ_TOL] * 2, [EQ_TOL] * 2, x=edges, kind="bound"),)
                        if edges else ())
    return panels(sharp, equilibrium)


def _measured(m: NormDynamics) -> dict:
    return {"recursion_max_rel_residual": sig(m.rec_res, 3), "entry_step": m.entry,
            "entry_predicted": round(m.pred_entry, 1), "entry_rel_error": sig(m.entry_err),
            "equilibrium_max_rel_error": sig(m.eq_worst), "equilibrium_windows": len(m.eq_rel),
            "eta_eff_lambda1_final": sig(float(m.eff[-1])), "normal_component_underflowed": m.underflow}


def check_norm_dynamics(claim: Claim, config: RunConfig) -> Outcome:
    r"""GD + coupled weight decay on a scale-invariant L: ‖w_{t+1}‖² = (1 − ηλ)²‖w_t‖² + η²‖∇L(θ_t)‖²/‖w_t‖²
    exactly; the norm settles at ‖w*‖⁴ = ηG/(λ(2 − ηλ)) (G = ‖∇L(θ)‖²); from near Γ below the EoS,
    η̃λ₁ (η̃ = η/‖w‖²) reaches 2 after ≈ ln(2/(η̃₀λ₁))/(2ηλ) steps.

    Source: reference notes §2.4 [derived] (of the kind of Wan et al. 2020 and LLA'20 [paper]);
    checks N4, N5 and N10 of notes §4.

    Measured: (a) the recursion's largest relative residual on the BN MLP T3 (2000 steps; 300 with
    ``--quick``); (b) the first sampled step with η̃λ₁ ≥ ``threshold`` on the sphere toy from ‖w0‖ = 1,
    φ₀ = 1.4, against ln(threshold/(η̃₀λ₁))/(−2 ln(1 − ηλ)); (c) ⟨‖w‖⁴⟩ against η⟨G⟩/(λ(2 − ηλ)) on
    windows of 1/(ηλ) steps, from 0.5/(ηλ) steps after entry (3 windows; 1 with ``--quick``).

    Decision: see :func:`decide_norm_dynamics` (recursion ≤ 1e-12, entry within 5 %, equilibrium
    within 10 %).

    Negative controls (``Claim.controls``): ``--param entry_exponent=1`` (η̃ claimed to grow like
    (1 − ηλ)^(−1) per step: the predicted entry doubles) is refuted; ``--param convention=decoupled`` is
    refuted (the recursion's factor is then 1 − λ); ``--param weight_decay=0`` is inapplicable (no
    equilibrium, no entry); ``--param noise=0`` is inconclusive (the underflow trap, named).
    """
    s = gd_settings(claim, config)
    if s.weight_decay == 0:
        return Outcome(INAPPLICABLE, "assumption violated: weight_decay > 0 (with λ = 0 there is no equilibrium and "
                       "no entry into EoS: ‖w‖ only grows)", {}, {}, params={"seed": config.seed, **s.to_params()})
    noise, threshold = claim.param(config, "noise"), claim.param(config, "threshold")
    entry_exponent = claim.param(config, "entry_exponent")
    if not (noise >= 0 and 0 < threshold):
        raise BadInput("--param noise must be >= 0 and --param threshold > 0")
    m = measure_norm_dynamics(s, noise, threshold, config.seed, config.quick, config.progress, claim.id,
                              entry_exponent)
    verdict, reason = decide_norm_dynamics(m, s.convention, threshold)
    expected = {"recursion": "‖w_{t+1}‖² = (1−ηλ)²‖w_t‖² + η²‖∇L(w_t)‖²",
                "entry_predicted": f"ln({threshold:g}/(η̃₀λ₁))/({entry_exponent:g}ηλ) = {m.pred_entry:.1f}",
                "equilibrium": "⟨‖w‖⁴⟩ = η⟨‖∇L(θ)‖²⟩/(λ(2−ηλ))"}
    tolerance = {"recursion": REC_TOL, "entry": ENTRY_TOL, "equilibrium": EQ_TOL}
    params = {"seed": config.seed, **s.to_params(), "recursion_model": f"t3(D={m.rec_dim})",
              "recursion_steps": m.rec_steps, "toy": "t1 D=3 α=0.5",
              "w0": f"(cos {PHI0_NORM}, sin {PHI0_NORM}, 1e-3), ‖w0‖ ≈ 1", "threshold": threshold,
              "horizon": m.horizon, "sharpness_every": SHARP_EVERY, "equilibrium_window_steps": m.win,
              "settle_steps": m.settle,
              "fp_remedy": f"isotropic noise {noise:g}·‖w‖ per step" if noise > 0 else "none (underflow trap exposed)"}
    return Outcome(verdict, reason, expected, _measured(m), tolerance, params, {"arith": "float64"},
                   _figure(m, threshold, s.lr * t1_sharpness(PHI0_NORM), entry_exponent))


register(Claim(
    id="lyu2022.norm-dynamics", typical_s=0.72,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "recursion_max_rel_residual", "entry_step", "entry_predicted", "entry_rel_error", "equilibrium_max_rel_error",
        "equilibrium_windows", "eta_eff_lambda1_final", "normal_component_underflowed"
    ),
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
        Param("entry_exponent", 2.0, "η̃ claimed to grow like (1 − ηλ)^(−k) per step before entry (k = 2, derived; "
              "e.g. 1: the statement flipped, refuted)", float, lo=0, lo_open=True, hi=10),
    ),
    notes=("Derived (reference notes §2.4); of the same kind as Wan et al. 2020 and LLA'20 [paper]. Recursion on the "
           "BN MLP T3 (2000 steps); entry time and equilibrium on the sphere toy T1 from ‖w0‖ = 1 (entry ≈ 1.3·10⁴ "
           "steps at ηλ = 1e-4) over 3/(ηλ) further steps; equilibrium compared on windows of 1/(4ηλ) steps. "
           "Negative control: convention=decoupled is refuted (the recursion's factor is then 1−λ)."),
    source="reference notes §2.4 [derived]; same kind as Wan et al. 2020 and LLA'20 [paper]",
    controls=(
        Control("entry-exponent-one", STATEMENT_FLIP, "η̃ growing like (1 − ηλ)^(−1): predicted entry twice as late",
                params={"entry_exponent": 1}),
        Control("decoupled-weight-decay", ASSUMPTION_DROPPED, "w ← (1 − λ)w − η∇L: the recursion's factor is 1 − λ",
                params={"convention": "decoupled"}),
        Control("no-weight-decay", ASSUMPTION_DROPPED, "λ = 0: no equilibrium, no entry", params={"weight_decay": 0},
                expect=(INAPPLICABLE,)),
    ),
))
