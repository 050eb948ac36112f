r"""``lyu2022.edge-of-stability``: GD + weight decay on a scale-invariant loss enters the Edge of
Stability, where η̃_t·λ₁(∇²L(θ_t)) hovers at 2."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.models.scale_invariant import gd, make_model, top_eigenvalue
from bnproof.papers.lyu2022.common import (
    CITATION,
    GD_PARAMS,
    GDSettings,
    check_horizon,
    fp_remedy,
    gd_settings,
    noise_level,
    sample_series,
    sig,
    tex_number,
    window_means,
)
from bnproof.papers.lyu2022.runs import entry_prediction, t1_eos_run, t1_sharpness

__all__ = ["EOS_SHARP_EVERY", "TAU_MIN_POST", "EoSRun", "eos_run", "EoSStats", "eos_stats", "EoSMeasurement",
           "gap_shrinks", "measure_eos", "decide_eos", "check_eos"]

EOS_SHARP_EVERY = 7  # odd: a period-2 oscillation is not aliased to one phase
ENTRY_LEVEL = 1.9  # η̃λ₁ at which the run counts as entered
SWEEP_FACTORS = (10.0, 1 / 3.3)  # weight decay multiplied by these for the ηλ sweep (--quick: the first that applies)
SETTLE_TAU = 0.2  # τ after entry before the level is measured
TAU_MIN_POST = 0.1  # shortest τ measured after settling: ≥ 1000 steps (≈ 140 samples) at ηλ = 1e-4
MODEL_DESCRIPTIONS = {"t1": "t1 sphere toy (D=3, α=0.5), w0 = (cos 0.3, sin 0.3, 1e-3)",
                      "t2": "t2 BN regression (n=8, d=12), random unit w0",
                      "t3": "t3 BN MLP (n=6, 4 inputs, 4 units), random unit w0"}


@dataclass
class EoSRun:
    t: np.ndarray  # sample steps
    eff: np.ndarray  # η̃_t λ₁(θ_t) = η λ₁(∇²L(w_t)) at the samples
    underflow: bool
    pred_entry: float | None  # phase-2 prediction (T1 only: elsewhere phase 1 has no closed form)
    steps: int
    model: str


def _eos_model(kind: str, seed: int):
    """T2 (n = 8, d = 12) or T3 (n = 6, 4 inputs, 4 units: over-parameterised, so Γ exists), ‖w0‖ = 1."""
    rng = np.random.default_rng(seed)
    model = make_model(kind, rng, n=8, d=12) if kind == "t2" else make_model(kind, rng, n=6, d=4, width=4)
    w0 = rng.standard_normal(model.dim)
    return model, w0 / np.linalg.norm(w0)


def _t1_run(s: GDSettings, noise: float, seed: int, after: float, progress, label: str) -> EoSRun:
    """The sphere toy from φ₀ = 0.3 near Γ: predicted phase 2 (+10 %) and ``after`` steps beyond."""
    pred = entry_prediction(s.lr, t1_sharpness(0.3), s.intrinsic, 2.0) if s.intrinsic > 0 else math.inf
    steps = int((pred if math.isfinite(pred) else 0) * 1.1 + after)
    run = t1_eos_run(s, steps=steps, radius=1.0, phi0=0.3, normal=1e-3, noise=noise, seed=seed,
                     every=EOS_SHARP_EVERY, sharp_every=EOS_SHARP_EVERY, progress=progress, label=label)
    return EoSRun(run.t_sharp, run.eff(s.lr), run.underflow, pred if math.isfinite(pred) else None, steps, "t1")


def _bn_run(kind: str, s: GDSettings, noise: float, seed: int, after: float, progress, label: str) -> EoSRun:
    """T2/T3 from a random unit w0: 1.5× the phase-2 guess and ``after`` steps; η·λ₁(∇²L(w_t)) sampled."""
    model, w0 = _eos_model(kind, seed)
    guess = entry_prediction(s.lr, top_eigenvalue(model, w0), s.intrinsic, 2.0) if s.intrinsic > 0 else 0.0
    steps = int(1.5 * max(guess, 0.0) + after)
    check_horizon(steps)
    bar = None if progress is None else (lambda t, T: progress(label, t, T))
    r = gd(model, w0, lr=s.lr, weight_decay=s.weight_decay, steps=steps, convention=s.convention, noise=noise,
           seed=seed, every=EOS_SHARP_EVERY, progress=bar,
           observe=lambda t, w, g: {"eff": s.lr * top_eigenvalue(model, w), "gzero": not g.any()})
    return EoSRun(np.array(r.t), np.array(r.obs["eff"]), bool(any(r.obs["gzero"])), None, steps, kind)


def eos_run(kind: str, s: GDSettings, noise: float, seed: int, tau_after: float, progress=None,
            label: str = "") -> EoSRun:
    """GD+WD far below EoS (‖w0‖ = 1) through entry and ``tau_after`` units of τ beyond it.

    T1 starts at φ₀ = 0.3 near Γ; T2/T3 start at a random unit vector (phase 1 first reaches Γ).
    The measured quantity is η·λ₁(∇²L(w_t)), which equals η̃_t·λ₁(θ_t) exactly for one group
    (hess_scaling) and is the joint EoS quantity for several groups (T3).
    """
    after = tau_after / s.intrinsic if s.intrinsic > 0 else 20_000
    if kind == "t1":
        return _t1_run(s, noise, seed, after, progress, label)
    return _bn_run(kind, s, noise, seed, after, progress, label)


@dataclass(frozen=True)
class EoSStats:
    """η̃λ₁ after entry: overall and over ≈ 100-step windows (None where there is nothing after entry)."""

    t: np.ndarray
    eff: np.ndarray
    max_eff: float
    entry: int | None = None
    settle: int | None = None
    mean: float | None = None
    std: float | None = None
    win_min: float | None = None
    win_max: float | None = None
    win_std: float | None = None
    n: int = 0


def eos_stats(run: EoSRun, intrinsic: float, entry_level: float) -> EoSStats:
    """Entry = first sample ≥ ``entry_level``; statistics from 0.2/(ηλ) steps after entry."""
    eff, t = run.eff, run.t
    hit = np.nonzero(eff >= entry_level)[0]
    if not len(hit):
        return EoSStats(t, eff, float(eff.max()))
    entry = int(t[hit[0]])
    settle = entry + int(SETTLE_TAU / intrinsic) if intrinsic > 0 else entry
    post = eff[t >= settle]
    wins = window_means(post, max(2, int(round(100 / EOS_SHARP_EVERY))))  # ≈ 100-step windows
    stat = (lambda f, a: float(f(a)) if len(a) else None)  # noqa: E731
    return EoSStats(t, eff, float(eff.max()), entry, settle, stat(np.mean, post), stat(np.std, post),
                    stat(np.min, wins), stat(np.max, wins), stat(np.std, wins), int(len(post)))


@dataclass(frozen=True)
class EoSMeasurement:
    """The main run and, when it entered the EoS, the ηλ sweep (main included, by decreasing ηλ)."""

    run: EoSRun
    stats: EoSStats
    sweep: list[tuple[float, EoSStats]] = field(default_factory=list)
    intrinsic: float = 0.0  # ηλ of the main run (τ per step)

    def gaps(self, level: float = 2.0) -> list[tuple[float, float]]:
        """|⟨η̃λ₁⟩ − level| by ηλ (decreasing ηλ)."""
        return [(il, abs(v.mean - level)) for il, v in self.sweep]

    @property
    def tau_measured(self) -> float:
        """τ covered by the main run's samples after settling (0 if it never entered)."""
        return self.stats.n * EOS_SHARP_EVERY * self.intrinsic


def gap_shrinks(gaps: list[tuple[float, float]]) -> bool | None:
    """True iff the gap never grows as ηλ falls (``gaps`` by decreasing ηλ); None with fewer than two ηλ."""
    if len(gaps) < 2:
        return None
    return all(b[1] <= a[1] for a, b in pairwise(gaps))


def measure_eos(kind: str, s: GDSettings, noise: float, seed: int, tau_after: float, sweep: bool,
                progress=None, label: str = "") -> EoSMeasurement:
    """The main run; if it entered, the same at 10× and 1/3.3× the weight decay (≤ 3 units of τ); with
    ``sweep`` false (``--quick``) only at the first of these that gives a valid shrink factor."""
    run = eos_run(kind, s, noise, seed, tau_after, progress, label)
    st = eos_stats(run, s.intrinsic, ENTRY_LEVEL)
    if s.weight_decay == 0 or st.entry is None:
        return EoSMeasurement(run, st, intrinsic=s.intrinsic)
    runs = []
    valid = [f for f in SWEEP_FACTORS if 0 < GDSettings(s.lr, s.weight_decay * f, s.convention).q <= 1]
    for factor in valid if sweep else valid[:1]:
        s2 = GDSettings(s.lr, s.weight_decay * factor, s.convention)
        r2 = eos_run(kind, s2, noise, seed, min(tau_after, 3.0), progress, f"{label} ηλ×{factor:.3g}")
        st2 = eos_stats(r2, s2.intrinsic, ENTRY_LEVEL)
        if st2.entry is not None and st2.n:
            runs.append((s2.intrinsic, st2))
    if st.n:
        runs.append((s.intrinsic, st))
    runs.sort(key=lambda p: -p[0])
    return EoSMeasurement(run, st, runs, s.intrinsic)


def decide_eos(m: EoSMeasurement, s: GDSettings, level: float, tol: float) -> tuple[str, str]:
    """Inapplicable without weight decay or without entry; inconclusive after underflow, with less than
    ``TAU_MIN_POST`` of τ measured after settling, or with the gap measured at fewer than two ηλ; verified
    iff |mean − level| ≤ tol, every window mean within 2·tol of the level AND the gap |mean − level|
    never grows as ηλ falls; else refuted."""
    st, pred = m.stats, m.run.pred_entry
    if s.weight_decay == 0 or st.entry is None:
        why = ("weight_decay = 0: ‖w‖ never shrinks, so η̃ never grows to the EoS"
               if s.weight_decay == 0 else f"no entry into EoS within {m.run.steps} steps")
        return INAPPLICABLE, f"assumption violated: {why} (max η̃λ₁ = {st.max_eff:.3g} < 1.9)"
    if m.run.underflow:
        return INCONCLUSIVE, ("the normal component underflowed to exactly 0 (float64 trap): GD sits on Γ and "
                              f"η̃ grows without bound (max η̃λ₁ = {st.max_eff:.3g}); set --param noise > 0")
    if m.tau_measured < TAU_MIN_POST or st.win_min is None:
        return INCONCLUSIVE, (f"too short: τ = {m.tau_measured:.3g} measured after settling ({SETTLE_TAU:g} after "
                              f"entry); the level needs τ ≥ {TAU_MIN_POST:g} (--param tau ≥ "
                              f"{SETTLE_TAU + TAU_MIN_POST + 0.05:g})")
    gaps = m.gaps(level)
    shrinks = gap_shrinks(gaps)
    if shrinks is None:
        return INCONCLUSIVE, ("the gap trend needs the level at two values of ηλ; only ηλ = "
                              + ", ".join(f"{il:.3g}" for il, _ in gaps) + " entered the EoS")
    bad = []
    if abs(st.mean - level) > tol:
        bad.append(f"mean {st.mean:.4f} not within {tol:g} of the claimed level {level:g}")
    if not (st.win_min >= level - 2 * tol and st.win_max <= level + 2 * tol):
        bad.append(f"window means leave {level:g} ± {2 * tol:g}")
    if not shrinks:
        bad.append(f"the gap to {level:g} grows as ηλ falls")
    detail = (f"{m.run.model}: windowed mean of η̃λ₁ after entry (step {st.entry}"
              + ("" if pred is None else f", predicted {pred:.0f}") + f") = {st.mean:.4f} "
              f"(spread σ = {st.std:.3f}; 100-step window means in [{st.win_min:.3f}, {st.win_max:.3f}]); "
              f"gap to {level:g} by ηλ: " + ", ".join(f"{il:.2g}: {g:.1e}" for il, g in gaps))
    if bad:
        return REFUTED, f"claimed level {level:g} ± {tol:g}, approached as ηλ → 0, not met: " + "; ".join(bad) + \
            " — " + detail
    return VERIFIED, detail


def _eos_panel(title: str, st: EoSStats, n: int, level: float, tol: float, growth: Curve | None = None,
               legend: bool = True) -> Panel:
    """η̃λ₁ against t; after settling (the verdict's window) its mean against the claimed level ± tol.

    Only the first panel (``legend``) labels its elements: the others repeat them.
    """
    x = sample_series(list(range(len(st.t))), n)
    curves = [Curve(r"$\tilde\eta_t\,\lambda_1(\theta_t)$" if legend else "", [float(st.eff[i]) for i in x], style="-")]
    curves += [growth] if growth is not None else []
    bands, spans = (), ()
    if st.settle is not None and st.mean is not None:
        edges = [float(st.settle), float(st.t[-1])]
        curves.append(Curve("mean after settling" if legend else "", [st.mean] * 2, x=edges, style="C1-"))
        bands = (Band(f"claimed level ± tol ({tol:g})" if legend else "", [level - tol] * 2, [level + tol] * 2, x=edges,
                      kind="bound"),)
        spans = (Span(edges[0], edges[1], "measured window" if legend else ""),)
    return Panel(title, "step $t$", r"$\tilde\eta_t\,\lambda_1(\theta_t)$", [int(st.t[i]) for i in x], curves,
                 yscale="linear", hlines=(HLine(level, f"claimed level {level:g}" if legend else "", kind="theory"),),
                 bands=bands, spans=spans)


def _figure(m: EoSMeasurement, s: GDSettings, level: float, tol: float) -> dict:
    """η̃λ₁ against t per ηλ (the main run first, with the predicted growth to 2 on T1), then the gap
    |⟨η̃λ₁⟩ − level| against ηλ, which the verdict needs never to grow as ηλ falls."""
    growth = None
    if m.run.pred_entry is not None and m.run.model == "t1":
        eff0, ts = s.lr * t1_sharpness(0.3), np.linspace(0.0, m.run.pred_entry, 24)
        growth = Curve(r"predicted $\tilde\eta_0\lambda_1(1-\eta\lambda)^{-2t}$",
                       [float(eff0 * (2.0 / eff0) ** (t / m.run.pred_entry)) for t in ts],
                       x=[float(t) for t in ts], kind="theory")
    main = _eos_panel(r"$\eta\lambda$ = " + tex_number(s.intrinsic), m.stats, 400, level, tol, growth)
    if not m.sweep:
        return panels(main)
    others = [_eos_panel(r"$\eta\lambda$ = " + tex_number(il), v, 300, level, tol, legend=False)
              for il, v in m.sweep if v is not m.stats]
    gaps = m.gaps(level)
    gap = Panel(rf"gap to {level:g} against $\eta\lambda$ (must not grow as $\eta\lambda \to 0$)",
                r"$\eta\lambda$", rf"$|\langle\tilde\eta\lambda_1\rangle - {level:g}|$", [il for il, _ in gaps],
                [Curve("measured (mean after settling)", [g for _, g in gaps])], xscale="log", yscale="log",
                hlines=(HLine(tol, f"tolerance {tol:g}", kind="bound"),))
    return panels(main, *others, gap)


def _measured(m: EoSMeasurement, level: float) -> dict:
    st, pred = m.stats, m.run.pred_entry
    return {
        "eos_level": sig(st.mean, 6), "eos_spread_std": sig(st.std), "window_mean_min": sig(st.win_min, 5),
        "window_mean_max": sig(st.win_max, 5), "window_mean_std": sig(st.win_std), "samples": st.n,
        "entry_step": st.entry, "entry_predicted": None if pred is None else round(pred, 1),
        "gap_by_intrinsic_lr": {f"{il:.3g}": sig(g, 3) for il, g in m.gaps(level)},
        "gap_shrinks_as_eta_lambda_falls": gap_shrinks(m.gaps(level)),
        "eta_lambda1_raw": "η·λ₁(∇²L(w_t)) equals η̃_t·λ₁(θ_t) exactly (hess_scaling identity)",
    }


def check_eos(claim: Claim, config: RunConfig) -> Outcome:
    r"""After entry into the Edge of Stability, η̃_t·λ₁(∇²L(θ_t)) ≈ 2 (η̃_t = η/‖w_t‖², θ_t = w_t/‖w_t‖;
    equal to η·λ₁(∇²L(w_t)) by the Hessian scaling identity), with a gap to 2 that shrinks as ηλ → 0.

    Source: the entry into the EoS is stated in the abstract [paper]; the quantitative form η̃λ₁ ≈ 2
    is reference notes §2.6 [derived]/[recon]; check N6 of notes §4.

    Measured: GD+WD on ``model`` (the sphere toy T1 from ‖w0‖ = 1 by default; T2/T3 from a random
    unit w0) through entry and ``tau`` units of τ = ηλ·t beyond (1 with ``--quick``), η̃λ₁ every 7
    steps; its mean and ≈ 100-step window means from 0.2/(ηλ) steps after entry; the same at 10× and
    1/3.3× the weight decay (``--quick``: at 10× only), giving the gap to the level against ηλ.

    Decision: see :func:`decide_eos` (mean within ``tol`` of ``claimed_level``, window means within
    2·``tol``, and the gap never growing as ηλ falls; too short a measurement is inconclusive).

    Negative controls (``Claim.controls``): ``--param claimed_level=1`` is refuted;
    ``--param weight_decay=0`` is inapplicable (η̃ never grows: no entry); ``--param tau=0.05`` is
    inconclusive (too short); ``--param noise=0`` is inconclusive (the underflow trap).
    """
    s = gd_settings(claim, config)
    noise = noise_level(claim, config)
    level, tol, tau_after = claim.param(config, "claimed_level"), claim.param(config, "tol"), claim.param(config, "tau")
    if config.quick and "tau" not in config.params:  # an explicit --param tau wins over --quick
        tau_after = min(tau_after, 1.0)
    kind = claim.param(config, "model")
    m = measure_eos(kind, s, noise, config.seed, tau_after, not config.quick, config.progress, claim.id)
    verdict, reason = decide_eos(m, s, level, tol)
    params = {"seed": config.seed, **s.to_params(), "model": MODEL_DESCRIPTIONS[kind],
              "tau_after_entry": tau_after, "sharpness_every": EOS_SHARP_EVERY, "window_steps": 100,
              "settle_after_entry": "0.2/(ηλ) steps", "claimed_level": level,
              "fp_remedy": fp_remedy(noise, "start far below EoS (‖w0‖ = 1)"), "steps": m.run.steps}
    if verdict == INAPPLICABLE:
        return Outcome(verdict, reason, {"eos_level": level},
                       {"eos_level": None, "max_eta_eff_lambda1": sig(m.stats.max_eff)}, {"eos_level": tol}, params,
                       {"arith": "float64"}, _figure(m, s, level, tol))
    expected = {"eos_level": level, "gap_by_intrinsic_lr": "decreasing as ηλ → 0"}
    tolerance = {"eos_level": tol, "window_means": f"within {2 * tol:g} of the claimed level"}
    precision = {"arith": "float64", "sharpness": ("dense eigvalsh of the closed-form 3×3 Hessian at θ" if kind == "t1"
                                                  else "dense eigvalsh of the complex-step Hessian")}
    return Outcome(verdict, reason, expected, _measured(m, level), tolerance, params, precision, _figure(m, s, level, tol))


register(Claim(
    id="lyu2022.edge-of-stability", typical_s=2.8,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "eos_level", "eos_spread_std", "window_mean_min", "window_mean_max", "window_mean_std", "samples",
        "entry_step", "entry_predicted", "gap_by_intrinsic_lr", "gap_shrinks_as_eta_lambda_falls", "eta_lambda1_raw",
        "max_eta_eff_lambda1"
    ),
    paper="lyu2022",
    citation=CITATION,
    summary="GD+WD on a scale-invariant loss enters the Edge of Stability: η̃_t·λ₁(∇²L(θ_t)) ≈ 2 after entry",
    statement=(r"\tilde\eta_t\,\lambda_1(\nabla^2L(\theta_t)) \approx 2 \ \text{for } t \ge t_{\rm entry},\quad "
               r"\tilde\eta_t=\eta/\|w_t\|^2,\ \theta_t=w_t/\|w_t\|"),
    confidence="recon",
    assumptions=("L scale-invariant with a minimiser manifold Γ (Morse-Bott), λ₁ simple on Γ",
                 "weight_decay > 0, ηλ small", "start near Γ, below EoS"),
    check=check_eos,
    params=GD_PARAMS + (
        Param("noise", 1e-12, "floating-point remedy: isotropic noise of relative size noise·‖w‖ per step (0: none — "
              "the normal component underflows; the check then reports the trap)", float),
        Param("tau", 5.0, "horizon after entry, in units of τ = ηλ·t (1 with --quick unless given)", float, lo=0,
              lo_open=True, hi=100),
        Param("claimed_level", 2.0, "the level η̃λ₁ is claimed to hover at (e.g. 1: a mutated claim, refuted)", float,
              lo=0, lo_open=True, hi=10),
        Param("tol", 0.1, "tolerance on the windowed mean (window means: 2·tol); ≤ 0.25 keeps '≈ 2' apart from the "
              "stable side η̃λ₁ < 1.5", float, lo=0, lo_open=True, hi=0.25, tolerance=True),
        Param("model", "t1", "toy model: t1 sphere toy, t2 BN regression, t3 BN MLP (over-parameterised)", str,
              ("t1", "t2", "t3")),
    ),
    notes=("The abstract states the entry into EoS [paper]; the quantitative form η̃λ₁ ≈ 2 is [derived]/[recon] "
           "(reference notes §2.6). Sphere toy T1 from ‖w0‖ = 1; ηλ = 1e-4 by default (entry ≈ 1.3·10⁴ steps) and "
           "5/(ηλ) steps after entry; the sweep repeats it at 10× and 1/3.3× the weight decay (3/(ηλ) steps) to show "
           "the gap to 2 shrinking. model=t2/t3 (BN regression n=8, d=12; BN MLP n=6, 4 inputs, 4 units) start from a "
           "random unit w0 and measure η·λ₁(∇²L(w_t)) (= η̃λ₁(θ) for one group; the joint quantity for T3's 4 "
           "groups), ≈ 30-40 s each on defaults. The decision needs the level within tol AND the gap to it "
           "shrinking with ηλ (--quick: the main run and one at 10× the weight decay)."),
    source="abstract (entry into the EoS) [paper]; the level η̃λ₁ ≈ 2: reference notes §2.6 [derived]/[recon]",
    controls=(
        Control("level-one", STATEMENT_FLIP, "the level mutated to 1", params={"claimed_level": 1}),
        Control("no-weight-decay", ASSUMPTION_DROPPED, "λ = 0: ‖w‖ never shrinks, no entry",
                params={"weight_decay": 0}, expect=(INAPPLICABLE,)),
        Control("short-tau", STARVED, "τ = 0.05 after entry ends before the level settles", params={"tau": 0.05}),
    ),
))
