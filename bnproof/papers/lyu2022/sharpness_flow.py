r"""``lyu2022.sharpness-flow``: at the Edge of Stability the normalised weights follow the
sharpness-reduction flow, and the spherical sharpness falls.

The corrected flow [derived].  At the EoS η̃ = η/‖w‖² ≈ 2/λ₁ is not constant: the norm shrinks
with λ₁, so ‖w‖² ≈ ηλ₁/2.  The norm recursion ‖w_{t+1}‖² = (1 − ηλ)²‖w_t‖² + η²‖∇L(w_t)‖² then
gives, for the angular clock T = Σ_t η²‖∇L(w_t)‖²/‖w_t‖² (the summed squared angular step),
dT/dτ = 2 + d log λ₁/dτ with τ = ηλ·t; and in that clock the drift along Γ is
dθ/dT = −¼∇_Γ log λ₁.  Eliminating T:

    dθ/dτ = −c ∇_Γ log λ₁,   c = 2/(4 + ‖∇_Γ log λ₁‖²),

which is the reference notes' c = 1/2 only where ∇_Γ log λ₁ is small (the notes treat η̃ as
constant).  On the sphere toy T1 (Γ: θ = (cos φ, sin φ, 0), λ₁ = 1 + α cos²φ) the flow is the
scalar ODE dφ/dτ = c(φ)·g(φ), g = α sin 2φ/(1 + α cos²φ) = −d log λ₁/dφ, solved by
:func:`reading_flow`; on the default toy (α = ½) the best constant is ≈ 0.485, on the steep toy
α = 3 ≈ 0.40, where c = 1/2 runs ≈ 20 % too fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp

from bnproof.analysis.slopes import time_scale, time_scale_with_lag
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.papers.lyu2022.common import (
    CITATION,
    GD_PARAMS,
    GDSettings,
    fp_remedy,
    gd_settings,
    noise_level,
    sample_series,
    sig,
    window_means,
)
from bnproof.papers.lyu2022.runs import (
    ALPHA,
    ToyRun,
    entry_prediction,
    t1_eos_run,
    t1_sharpness,
)

__all__ = ["READINGS", "flow_rhs", "flow_coefficient", "flow_solution", "reading_flow", "clock_flow",
           "fit_flow_constant", "start_radius", "flow_horizon", "FlowTrack", "flow_track", "FlowMeasurement",
           "measure_flow", "decide_flow", "check_flow", "TAU_MIN", "FlowSetup", "speed_multiplier"]

FLOW_EVERY = 7  # steps between samples (odd: the period-2 oscillation is not aliased)
START_LEVEL = 1.85  # η̃₀λ₁ of the near-EoS start
ENTRY_LEVEL = 1.95  # η̃λ₁ from which τ is counted
MONO_TOL = 1e-3  # allowed rise of λ₁ between window means (oscillation noise)
TAU_MIN = 0.5  # shortest tracked τ that resolves the speed multiplier to ±0.02 (φ moves ≈ 0.1 rad per unit τ)
CLOCK_C = 0.25  # dθ/dT = −¼ ∇_Γ log λ₁ in the angular clock T
LAG_MAX = 0.5  # bound on the fitted lag of GD behind the flow (flow time); the entry transient gives ≈ 0.013
READINGS = ("derived", "half")  # c = 2/(4 + ‖∇_Γ log λ₁‖²) [derived], or the notes' constant 1/2


def flow_rhs(phi: float, alpha: float = ALPHA) -> float:
    """dφ/dτ for c = 1: −d/dφ log(1 + α cos²φ) = α sin 2φ / (1 + α cos²φ)."""
    return alpha * math.sin(2 * phi) / (1 + alpha * math.cos(phi) ** 2)


def flow_coefficient(phi: float, alpha: float = ALPHA, reading: str = "derived") -> float:
    """c at angle φ: 2/(4 + g(φ)²) (``derived``) or ½ (``half``, the notes' constant)."""
    if reading == "half":
        return 0.5
    return 2.0 / (4.0 + flow_rhs(phi, alpha) ** 2)


def _solve(rate: Callable[[float], float], phi0: float, u_max: float, u_min: float = 0.0) -> Callable:
    """The dense solution u ↦ φ(u) of dφ/du = rate(φ), φ(0) = φ₀, on [u_min, u_max] (clipped outside)."""
    def run(end: float):
        return solve_ivp(lambda _t, y: [rate(y[0])], [0.0, end], [phi0], dense_output=True, rtol=1e-11, atol=1e-13).sol

    fwd = run(u_max)
    if u_min >= 0:
        return lambda u: fwd(np.clip(u, 0.0, u_max))[0]
    bwd = run(u_min)
    return lambda u: np.where(np.asarray(u) >= 0, fwd(np.clip(u, 0.0, u_max))[0], bwd(np.clip(u, u_min, 0.0))[0])


def flow_solution(phi0: float, tau_max: float, alpha: float = ALPHA):
    """The c = 1 flow from φ₀ as a dense solution u ↦ φ(u); the flow with constant c is φ(c·τ)."""
    return _solve(lambda p: flow_rhs(p, alpha), phi0, tau_max)


def reading_flow(phi0: float, tau_max: float, alpha: float = ALPHA, reading: str = "derived"):
    """The flow dφ/dτ = c(φ)·g(φ) of ``reading`` through φ₀ at τ = 0 (dense, on [−LAG_MAX, tau_max])."""
    return _solve(lambda p: flow_coefficient(p, alpha, reading) * flow_rhs(p, alpha), phi0, tau_max, -LAG_MAX)


def clock_flow(phi0: float, t_max: float, alpha: float = ALPHA):
    """The flow in the angular clock T: dφ/dT = ¼ g(φ) through φ₀ at T = 0 (dense, on [−LAG_MAX, t_max])."""
    return _solve(lambda p: CLOCK_C * flow_rhs(p, alpha), phi0, t_max, -LAG_MAX)


def fit_flow_constant(tau: np.ndarray, phi: np.ndarray, c_max: float = 3.0,
                      alpha: float = ALPHA) -> tuple[float, float, Callable]:
    """Least-squares c in φ_GD(τ) ≈ φ_flow(c·τ) (bounded scalar search); returns (c, RMS, flow)."""
    flow = flow_solution(float(phi[0]), c_max * float(tau[-1]) + 1e-9, alpha)
    return (*time_scale(tau, phi, flow, c_max), flow)


def speed_multiplier(u: np.ndarray, phi: np.ndarray, flow: Callable) -> tuple[float, float, float]:
    """Least-squares (k, s) in φ_GD(u) ≈ φ_flow(k·u + s), |s| ≤ LAG_MAX; returns (k, s, RMS).

    k = 1: GD moves at the flow's speed.  The lag s absorbs the entry transient (the norm relaxes to
    its EoS level over ≈ 0.1-0.3 units of τ, a fixed delay of ≈ 0.013): without it a one-parameter
    fit of k is biased by ≈ 0.02/τ_end (0.97 at τ_end = 0.6).
    """
    return time_scale_with_lag(u, phi, flow, c_max=3.0, lag_max=LAG_MAX)


def start_radius(s: GDSettings, phi0: float, alpha: float = ALPHA) -> float:
    """‖w0‖ of the near-EoS start: η̃₀λ₁ = η/‖w0‖²·λ₁(φ₀) = 1.85."""
    return math.sqrt(s.lr * t1_sharpness(phi0, alpha) / START_LEVEL)


def flow_horizon(s: GDSettings, tau: float, phi0: float, radius: float, alpha: float = ALPHA) -> int:
    """Steps for τ units of (1 − q)·t after entry, plus the predicted phase 2 (+5 %) from ‖w0‖ = ``radius``."""
    steps = int(tau / s.intrinsic) if s.intrinsic > 0 else 60_000
    if s.intrinsic > 0:
        steps += int(1.05 * max(0.0, entry_prediction(s.lr / radius ** 2, t1_sharpness(phi0, alpha), s.intrinsic,
                                                      ENTRY_LEVEL)))
    return steps


@dataclass(frozen=True)
class FlowSetup:
    """What a flow check runs: GD settings, the toy's steepness α, the start angle, the horizon in τ, the
    reading of the flow constant, the float64 remedy and the seed."""

    s: GDSettings
    tau: float
    phi0: float
    alpha: float = ALPHA
    reading: str = "derived"
    noise: float = 1e-12
    seed: int = 0


def _flow_run(fs: FlowSetup, s: GDSettings, progress=None, label="", radius: float | None = None) -> tuple[ToyRun, int]:
    """T1 (steepness ``fs.alpha``) from w0 = radius·(cos φ₀, sin φ₀, 1e-3) (default radius: the near-EoS start)
    with settings ``s`` for :func:`flow_horizon` steps."""
    r0 = start_radius(s, fs.phi0, fs.alpha) if radius is None else radius
    steps = flow_horizon(s, fs.tau, fs.phi0, r0, fs.alpha)
    run = t1_eos_run(s, steps=steps, radius=r0, phi0=fs.phi0, normal=1e-3, noise=fs.noise, seed=fs.seed,
                     every=FLOW_EVERY, sharp_every=FLOW_EVERY, progress=progress, label=label, alpha=fs.alpha)
    return run, steps


@dataclass(frozen=True)
class FlowTrack:
    """The angle along Γ from the entry step on, against τ = (1 − q)·(t − entry) and the angular clock T."""

    entry: int
    tau: np.ndarray
    phi: np.ndarray
    clock: np.ndarray  # T = Σ η²‖∇L(w_t)‖²/‖w_t‖² from the entry (sampled every FLOW_EVERY steps)


def flow_track(run: ToyRun, s: GDSettings) -> FlowTrack | None:
    """The run from its first sample with η̃λ₁ ≥ 1.95 (None if it never gets there)."""
    hit = np.nonzero(run.eff(s.lr) >= ENTRY_LEVEL)[0]
    if not len(hit):
        return None
    te = int(run.t_sharp[hit[0]])
    m = run.t >= te
    # per-step angular step² = η̃²‖∇L(θ)‖² = η²‖∇L(w)‖²/‖w‖²; samples every FLOW_EVERY steps (odd: both phases)
    step2 = (s.lr / run.x[m]) ** 2 * run.G[m] * FLOW_EVERY
    clock = np.concatenate([[0.0], np.cumsum(step2[:-1])])
    return FlowTrack(te, (run.t[m] - te) * s.intrinsic, run.phi[m], clock)


@dataclass(frozen=True)
class FlowMeasurement:
    """The runs, the flow of the reading fitted to the main run, and the sharpness window means after entry."""

    runs: dict[str, tuple[GDSettings, ToyRun]]  # main; equal ηλ (η/10, 10λ); smaller ηλ (λ/3.3)
    tracks: dict[str, FlowTrack]  # the runs that entered the EoS
    steps: int  # of the main run
    k_tau: float  # speed multiplier of GD against the reading's flow in τ (1: the flow's speed)
    lag: float  # fitted lag s of φ_GD(τ) ≈ φ_flow(k·τ + s) (the entry transient)
    rms_fit: float  # tracking RMS at (k_tau, lag)
    rms_claim: float  # tracking RMS of the reading's flow at k = 1
    flow: Callable  # the reading's flow in τ from the main run's entry angle
    k_clock: float  # speed multiplier against dφ/dT = ¼g in the angular clock T
    rms_clock: float
    c_const: float  # best constant c (the old fit, reported)
    fits: dict[str, tuple[float, float]]  # run -> (k_tau, RMS)
    path_gap: float | None  # largest |φ_equal − φ_main| at common τ
    window_size: int  # sharpness samples per window (≈ 0.1/(ηλ) steps)
    windows: np.ndarray  # λ₁(θ_t) window means after entry
    rise: float  # largest increase between consecutive window means


def _runs(fs: FlowSetup, quick: bool, progress, label: str):
    """The main run and, without ``--quick``, (η/10, 10λ) from the same w0 and (η, λ/3.3)."""
    s = fs.s
    main, steps = _flow_run(fs, s, progress, label)
    runs = {"main": (s, main)}
    # equal ηλ, different (η, λ): η/10 and λ·10 from the *same* w0, so η̃₀ is 10x smaller and the run first
    # needs a phase 2 (norm shrinking) to reach EoS; its τ counts from its own entry.  (Starting it at
    # ‖w0‖/√10 instead would make the two runs equal by the exact symmetry w ↦ w/√k, (η, λ) ↦ (η/k, kλ).)
    s_eq = GDSettings(s.lr / 10, s.weight_decay * 10, s.convention)
    if 0 < s_eq.q <= 1 and not quick:
        runs["equal"] = (s_eq, _flow_run(fs, s_eq, progress, f"{label} η/10",
                                         radius=start_radius(s, fs.phi0, fs.alpha))[0])
    s_small = GDSettings(s.lr, s.weight_decay / 3.3, s.convention)
    if not quick:
        runs["smaller"] = (s_small, _flow_run(fs, s_small, progress, f"{label} λ/3.3")[0])
    return runs, steps


def _fit(fs: FlowSetup, tr: FlowTrack) -> tuple[float, float, float, Callable]:
    """(k, lag, RMS, flow) of a track against the reading's flow through its entry angle."""
    flow = reading_flow(float(tr.phi[0]), 3.0 * float(tr.tau[-1]) + 1.0, fs.alpha, fs.reading)
    return (*speed_multiplier(tr.tau, tr.phi, flow), flow)


def measure_flow(fs: FlowSetup, quick: bool, progress=None, label: str = "") -> FlowMeasurement | str:
    """Fit the speed multipliers on every run that entered the EoS; a one-line reason (str) instead when the
    main run never entered or tracks less than ``TAU_MIN`` of τ (too short to resolve the speed)."""
    runs, steps = _runs(fs, quick, progress, label)
    found = {k: flow_track(r, si) for k, (si, r) in runs.items()}
    tracks = {k: tr for k, tr in found.items() if tr is not None}
    if "main" not in tracks:
        return "GD did not reach η̃λ₁ ≥ 1.95 (no EoS regime to compare with the flow)"
    tr = tracks["main"]
    if tr.tau[-1] < TAU_MIN:
        return (f"too short: the run tracks τ ∈ [0, {tr.tau[-1]:.3g}] after its EoS entry; resolving the flow's speed "
                f"to ±0.02 needs τ ≥ {TAU_MIN:g} (raise --param tau)")
    k_tau, lag, rms_fit, flow = _fit(fs, tr)
    rms_claim = math.sqrt(float(np.mean((tr.phi - flow(tr.tau)) ** 2)))
    k_clock, _, rms_clock = speed_multiplier(tr.clock, tr.phi, clock_flow(float(tr.phi[0]), 3.0 * float(tr.clock[-1]) + 1.0,
                                                                          fs.alpha))
    c_const = fit_flow_constant(tr.tau, tr.phi, alpha=fs.alpha)[0]
    fits = {k: (k_tau, rms_fit) if k == "main" else _fit(fs, t)[::2] for k, t in tracks.items()}
    eq = tracks.get("equal")
    path_gap = None if eq is None else float(np.max(np.abs(np.interp(tr.tau, eq.tau, eq.phi) - tr.phi)))
    # monotone fall of λ₁(θ_t): window means over 0.1/(ηλ) steps must not rise by more than the oscillation noise
    main = runs["main"][1]
    size = max(2, int(round(0.1 / fs.s.intrinsic / FLOW_EVERY)))
    wins = window_means(main.sharp[main.t_sharp >= tr.entry], size)
    rise = float(np.max(np.diff(wins))) if len(wins) > 1 else 0.0
    return FlowMeasurement(runs, tracks, steps, k_tau, lag, rms_fit, rms_claim, flow, k_clock, rms_clock, c_const, fits,
                           path_gap, size, wins, rise)


def _reading_text(reading: str) -> str:
    return "c = 2/(4 + ‖∇_Γ log λ₁‖²)" if reading == "derived" else "c = 1/2"


def decide_flow(m: FlowMeasurement, s: GDSettings, reading: str, speed_tol: float, rms_tol: float) -> tuple[str, str]:
    """Inconclusive if any run underflowed; verified iff the speed multipliers against the reading's flow in τ
    and against dθ/dT = −¼∇_Γ log λ₁ in the angular clock are within 1 ± ``speed_tol``, the tracking RMS
    ≤ ``rms_tol``, the λ₁ window means never rise by more than 1e-3 and the equal-ηλ runs stay within
    5√(ηλ); else refuted."""
    under = [k for k, (_, r) in m.runs.items() if r.underflow]
    if under:
        return INCONCLUSIVE, ("the normal component underflowed to exactly 0 in " + ", ".join(under)
                              + " (float64 trap); set --param noise > 0")
    gap_tol = 5 * math.sqrt(s.intrinsic)
    bad = []
    if abs(m.k_tau - 1) > speed_tol:
        bad.append(f"GD moves at {m.k_tau:.4f}× the speed of the flow with {_reading_text(reading)} "
                   f"(allowed 1 ± {speed_tol:g})")
    if abs(m.k_clock - 1) > speed_tol:
        bad.append(f"in the angular clock T GD moves at {m.k_clock:.4f}× dθ/dT = −¼∇_Γ log λ₁ (allowed 1 ± {speed_tol:g})")
    if m.rms_fit > rms_tol:
        bad.append(f"tracking error {m.rms_fit:.3g} rad > {rms_tol:g}")
    if m.rise > MONO_TOL:
        bad.append(f"λ₁(θ_t) window means rise by up to {m.rise:.3g} (> {MONO_TOL:g})")
    if m.path_gap is not None and m.path_gap > gap_tol:
        bad.append(f"equal-ηλ runs separate by {m.path_gap:.3g} rad (> {gap_tol:.3g})")
    tr = m.tracks["main"]
    summary = (f"speed multiplier {m.k_tau:.4f} against {_reading_text(reading)} in τ (by run: "
               + ", ".join(f"{v[0]:.4f}" for v in m.fits.values())
               + f"; lag {m.lag:.3f}), {m.k_clock:.4f} against ¼ in the clock T; best constant c = {m.c_const:.4f}; tracking RMS "
               f"{m.rms_fit:.2g} rad ({m.rms_claim:.2g} at speed 1) over τ ∈ [0, {tr.tau[-1]:.2f}]; φ {tr.phi[0]:.3f} → "
               f"{tr.phi[-1]:.3f}; λ₁ window means {m.windows[0]:.4f} → {m.windows[-1]:.4f} (max rise {m.rise:.1g})"
               + ("" if m.path_gap is None else f"; equal-ηλ path gap {m.path_gap:.2g} rad"))
    if bad:
        return REFUTED, "; ".join(bad) + " — " + summary
    return VERIFIED, summary


def _measured(m: FlowMeasurement) -> dict:
    tr = m.tracks["main"]
    run_names = {k: f"{k} (η={si.lr:g}, λ={si.weight_decay:.3g})" for k, (si, _) in m.runs.items()}
    return {
        "speed_multiplier": round(m.k_tau, 5), "speed_multiplier_clock_T": round(m.k_clock, 5),
        "lag_tau": round(m.lag, 5),
        "c": round(m.c_const, 5), "tracking_rms": sig(m.rms_fit, 4), "tracking_rms_at_speed_1": sig(m.rms_claim, 4),
        "tracking_rms_clock_T": sig(m.rms_clock, 4),
        "speed_multiplier_by_run": {run_names[k]: round(v[0], 5) for k, v in m.fits.items()},
        "tracking_rms_by_run": {k: sig(v[1], 3) for k, v in m.fits.items()},
        "equal_eta_lambda_path_gap": sig(m.path_gap, 3),
        "phi_start": round(float(tr.phi[0]), 5), "phi_end": round(float(tr.phi[-1]), 5),
        "clock_T_end": sig(float(tr.clock[-1]), 5),
        "sharpness_window_start": round(float(m.windows[0]), 5), "sharpness_window_end": round(float(m.windows[-1]), 5),
        "sharpness_max_window_rise": sig(m.rise, 3), "entry_step": tr.entry,
    }


def _reading_tex(reading: str) -> str:
    return r"$c = 2/(4 + \|\nabla_\Gamma \log\lambda_1\|^2)$" if reading == "derived" else r"$c = 1/2$"


def _angle_panel(m: FlowMeasurement, fs: FlowSetup, gap_tol: float) -> Panel:
    """φ against τ: GD (and its equal-ηλ twin), the reading's flow at speed 1 and its fitted time scale."""
    tr, s = m.tracks["main"], m.runs["main"][0]
    idx = sample_series(list(range(len(tr.tau))), 300)
    tau = [float(tr.tau[i]) for i in idx]
    curves = [Curve(rf"GD ($\eta = {s.lr:g}$, $\lambda = {s.weight_decay:g}$)", [float(tr.phi[i]) for i in idx],
                    style="-"),
              Curve(f"flow, {_reading_tex(fs.reading)}", [float(m.flow(t)) for t in tau], kind="theory"),
              Curve(rf"fit $\varphi_{{\rm flow}}(k\tau + s)$, $k = {m.k_tau:.4f}$",
                    [float(m.flow(m.k_tau * t + m.lag)) for t in tau], kind="fit")]
    title = r"angle along $\Gamma$: GD against the flow"
    if "equal" in m.tracks:
        eq, s_eq = m.tracks["equal"], m.runs["equal"][0]
        j = sample_series(list(range(len(eq.tau))), 150)
        curves.append(Curve(rf"GD ($\eta = {s_eq.lr:g}$, $\lambda = {s_eq.weight_decay:g}$): equal $\eta\lambda$",
                            [float(eq.phi[i]) for i in j], x=[float(eq.tau[i]) for i in j], style="x"))
        title += f" (equal-ηλ gap {m.path_gap:.2g} ≤ {gap_tol:.2g} rad)"
    return Panel(title, r"$\tau = \eta\lambda\, t$ (from entry)", r"$\varphi$ (rad)", tau, curves)


def _residual_panel(m: FlowMeasurement, rms_tol: float) -> Panel:
    """φ_GD − φ_flow at the fitted time scale (the verdict's RMS) and at speed 1, with ± the RMS tolerance."""
    tr = m.tracks["main"]
    idx = sample_series(list(range(len(tr.tau))), 300)
    tau = [float(tr.tau[i]) for i in idx]
    fitted = [float(tr.phi[i] - m.flow(m.k_tau * tr.tau[i] + m.lag)) for i in idx]
    speed_one = [float(tr.phi[i] - m.flow(tr.tau[i])) for i in idx]
    return Panel(f"tracking error (RMS {m.rms_fit:.2g} rad, allowed {rms_tol:g})",
                 r"$\tau = \eta\lambda\, t$ (from entry)", r"$\varphi_{\rm GD} - \varphi_{\rm flow}$ (rad)", tau,
                 [Curve(r"against the fit $\varphi_{\rm flow}(k\tau + s)$", fitted, style="-"),
                  Curve(r"against the flow at speed 1", speed_one, style="C1-")],
                 hlines=(HLine(0.0, "", kind="theory"),),
                 bands=(Band(f"± RMS tolerance {rms_tol:g}", [-rms_tol] * 2, [rms_tol] * 2, x=[tau[0], tau[-1]],
                             kind="bound"),))


def _speed_panel(m: FlowMeasurement, speed_tol: float) -> Panel:
    """The fitted speed multipliers (per run in τ, and in the angular clock T) against 1 ± speed_tol."""
    names = {"main": "main", "equal": r"$\eta/10, 10\lambda$", "smaller": r"$\lambda/3.3$"}
    ks = [v[0] for v in m.fits.values()]
    x = list(range(1, len(ks) + 2))
    label = "; ".join(f"{i} {names.get(k, k)}" for i, k in enumerate(m.fits, 1)) + f"; {len(ks) + 1} clock $T$"
    return Panel("speed multipliers $k$ (flow: $k = 1$)", label, "$k$", x,
                 [Curve(r"in $\tau$, per run", ks, x=x[:-1], style="C0o"),
                  Curve(r"in the clock $T$ ($d\theta/dT = -\frac{1}{4}\nabla_\Gamma\log\lambda_1$)", [m.k_clock],
                        x=[x[-1]], style="C1s")],
                 hlines=(HLine(1.0, "flow speed $k = 1$", kind="theory"),),
                 bands=(Band(f"tolerance 1 ± {speed_tol:g}", [1 - speed_tol] * 2, [1 + speed_tol] * 2,
                             x=[0.6, x[-1] + 0.4], kind="bound"),))


def _sharpness_panel(m: FlowMeasurement, fs: FlowSetup) -> Panel:
    """λ₁(θ_t) against τ, its window means (which must not rise), and λ₁ along the reading's flow."""
    s, main = m.runs["main"]
    te = m.tracks["main"].entry
    sh = main.sharp[main.t_sharp >= te]
    tau_sh = (main.t_sharp[main.t_sharp >= te] - te) * s.intrinsic
    k = sample_series(list(range(len(tau_sh))), 300)
    wt = (np.arange(len(m.windows)) + 0.5) * m.window_size * FLOW_EVERY * s.intrinsic
    rise = f"largest window rise {m.rise:.1g}" if m.rise > 0 else "window means never rise"
    return Panel(f"spherical sharpness ({rise}; allowed {MONO_TOL:g})",
                 r"$\tau = \eta\lambda\, t$ (from entry)", r"$\lambda_1(\nabla^2 L(\theta_t))$",
                 [float(tau_sh[i]) for i in k], [
                     Curve(r"$\lambda_1(\theta_t)$", [float(sh[i]) for i in k], style="-"),
                     Curve(r"window means ($0.1/(\eta\lambda)$ steps)", [float(v) for v in m.windows],
                           x=[float(v) for v in wt], style="C1o"),
                     Curve(rf"flow: $1 + {fs.alpha:g}\cos^2\varphi_{{\rm flow}}(\tau)$",
                           [float(t1_sharpness(m.flow(tau_sh[i]), fs.alpha)) for i in k], kind="theory")])


def _figure(m: FlowMeasurement, fs: FlowSetup, speed_tol: float, rms_tol: float) -> dict:
    """The angle against the flow, the tracking error, the speed multipliers and the sharpness."""
    gap_tol = 5 * math.sqrt(fs.s.intrinsic)
    return panels(_angle_panel(m, fs, gap_tol), _residual_panel(m, rms_tol), _speed_panel(m, speed_tol),
                  _sharpness_panel(m, fs))


def _no_weight_decay(fs: FlowSetup, speed_tol: float, params: dict, precision: dict, progress, label: str) -> Outcome:
    """The negative control λ = 0: inapplicable, with the (absent) drift along Γ measured."""
    run, steps = _flow_run(fs, fs.s, progress, label)
    drift = float(np.max(np.abs(run.phi - run.phi[0])))
    max_eff = float(run.eff(fs.s.lr).max())
    return Outcome(INAPPLICABLE, f"assumption violated: weight_decay > 0 (with λ = 0, τ = ηλt ≡ 0 and GD never "
                   f"enters EoS: max η̃λ₁ = {max_eff:.3g} < 2; φ drifted only {drift:.2g} rad along Γ in {steps} "
                   f"steps — no sharpness reduction)", {"speed_multiplier": 1.0},
                   {"speed_multiplier": None, "c": None, "tracking_rms": None,
                    "drift_along_gamma": sig(drift, 3), "max_eta_eff_lambda1": sig(max_eff)},
                   {"speed_multiplier": speed_tol}, {**params, "steps": steps}, precision)


def _setup(claim: Claim, config: RunConfig) -> FlowSetup:
    tau = claim.param(config, "tau")
    if config.quick and "tau" not in config.params:  # an explicit --param tau wins over --quick
        tau = min(tau, 2.0)
    return FlowSetup(gd_settings(claim, config), tau, claim.param(config, "phi0"), claim.param(config, "alpha"),
                     claim.param(config, "flow_constant"), noise_level(claim, config), config.seed)


def check_flow(claim: Claim, config: RunConfig) -> Outcome:
    r"""In the EoS regime θ follows dθ/dτ = −c·∇_Γ log λ₁(∇²L(θ)), τ = ηλ·t, c = 2/(4 + ‖∇_Γ log λ₁‖²)
    (equivalently dθ/dT = −¼∇_Γ log λ₁ in the angular clock T = Σ η²‖∇L‖²/‖w‖²); the spherical sharpness
    λ₁(θ_t) falls, and equal ηλ gives the same path in τ.

    Source: the flow is stated in the abstract [paper]; its form with log λ₁ and τ = ηλ·t is reference
    notes §2.7, whose c = 1/2 treats η̃ as constant; the constant c = 2/(4 + ‖∇_Γ log λ₁‖²) (η̃ ≈ 2/λ₁ grows
    as λ₁ falls) is [derived] in the module docstring; checks N7, N8, N9 and N11 of notes §4.

    Measured: on the sphere toy T1 (λ₁|Γ = 1 + α cos²φ, α = ``alpha``) from φ₀ = ``phi0`` and a near-EoS start
    (η̃₀λ₁ = 1.85), the angle φ_GD from the entry (η̃λ₁ ≥ 1.95) for ``tau`` units of τ (2 with ``--quick``);
    the least-squares speed multipliers k (with a lag s for the entry transient) of φ_GD(τ) ≈ φ_flow(k·τ + s)
    (the ``flow_constant`` reading) and of φ_GD(T) ≈ φ_¼(k·T + s), the RMS; λ₁ window means over 0.1/(ηλ) steps; without ``--quick`` also (η/10, 10λ)
    from the same w0 (equal ηλ: the path gap) and (η, λ/3.3).

    Decision: see :func:`decide_flow` (both k within 1 ± ``speed_tol``, RMS ≤ ``rms_tol``, window means
    non-increasing up to 1e-3, equal-ηλ gap ≤ 5√(ηλ)); less than τ = 0.5 tracked: inconclusive.

    Negative controls (``Claim.controls``): ``--param flow_constant=half --param alpha=3`` (the notes' c = 1/2
    on the steep toy) is refuted; ``--param weight_decay=0`` is inapplicable (τ ≡ 0, no EoS; the drift
    along Γ is reported, ≈ 1e-6 rad); ``--param tau=0.05`` is inconclusive (too short); ``--param noise=0``
    is inconclusive if the normal component underflows.
    """
    fs = _setup(claim, config)
    speed_tol, rms_tol = claim.param(config, "speed_tol"), claim.param(config, "rms_tol")
    params = {"seed": config.seed, **fs.s.to_params(), "alpha": fs.alpha,
              "model": f"t1 (D=3, α={fs.alpha:g}), Γ: θ₂ = 0, λ₁|Γ = 1 + {fs.alpha:g}cos²φ", "phi0": fs.phi0,
              "tau": fs.tau, "time": "τ = (1 − q)·t from the entry step (q: per-step shrink; = ηλ coupled)",
              "fp_remedy": fp_remedy(fs.noise, "near-EoS start η̃₀λ₁ = 1.85"), "flow_constant": fs.reading,
              "sample_every": FLOW_EVERY}
    precision = {"arith": "float64", "flow_ode": "scipy solve_ivp RK45, rtol 1e-11"}
    if fs.s.weight_decay == 0:
        return _no_weight_decay(fs, speed_tol, params, precision, config.progress, claim.id)
    m = measure_flow(fs, config.quick, config.progress, claim.id)
    expected = {"speed_multiplier": 1.0, "speed_multiplier_clock_T": 1.0, "tracking_rms": f"≤ {rms_tol:g} rad",
                "sharpness": "non-increasing (window means)", "flow": _reading_text(fs.reading)}
    if isinstance(m, str):
        return Outcome(INCONCLUSIVE, m, expected, {"speed_multiplier": None, "c": None, "tracking_rms": None},
                       {"speed_multiplier": speed_tol},
                       {**params, "steps": flow_horizon(fs.s, fs.tau, fs.phi0, start_radius(fs.s, fs.phi0, fs.alpha),
                                                        fs.alpha)}, precision)
    verdict, reason = decide_flow(m, fs.s, fs.reading, speed_tol, rms_tol)
    gap_tol = 5 * math.sqrt(fs.s.intrinsic)
    expected["equal_eta_lambda_path_gap"] = f"≤ 5√(ηλ) = {gap_tol:.3g} rad"
    tolerance = {"speed_multiplier": speed_tol, "tracking_rms": rms_tol, "sharpness_window_rise": MONO_TOL,
                 "equal_eta_lambda_path_gap": gap_tol}
    return Outcome(verdict, reason, expected, _measured(m), tolerance, {**params, "steps": m.steps}, precision,
                   _figure(m, fs, speed_tol, rms_tol))


register(Claim(
    id="lyu2022.sharpness-flow", typical_s=3.8,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "speed_multiplier", "speed_multiplier_clock_T", "lag_tau", "c", "tracking_rms", "tracking_rms_at_speed_1",
        "tracking_rms_clock_T", "speed_multiplier_by_run", "tracking_rms_by_run", "equal_eta_lambda_path_gap",
        "phi_start", "phi_end", "clock_T_end", "sharpness_window_start", "sharpness_window_end",
        "sharpness_max_window_rise", "entry_step", "drift_along_gamma", "max_eta_eff_lambda1"
    ),
    paper="lyu2022",
    citation=CITATION,
    summary="at EoS, θ follows dθ/dτ = −c∇_Γ log λ₁, τ = ηλt, c = 2/(4 + ‖∇_Γ log λ₁‖²) [derived]; λ₁ falls",
    statement=(r"\frac{d\theta}{d\tau}=-c\,\nabla_\Gamma\log\lambda_1(\nabla^2L(\theta)),\quad \tau=\eta\lambda t,"
               r"\quad c=\frac{2}{4+\|\nabla_\Gamma\log\lambda_1\|^2};\qquad"
               r"\frac{d\theta}{dT}=-\tfrac14\nabla_\Gamma\log\lambda_1,\quad T=\sum_t\eta^2\|\nabla L(w_t)\|^2/\|w_t\|^2"),
    confidence="derived",
    assumptions=("L scale-invariant, minimiser manifold Γ smooth, λ₁ simple on Γ", "weight_decay > 0, ηλ small",
                 "GD in the EoS regime (η̃λ₁ ≈ 2) near Γ"),
    check=check_flow,
    params=GD_PARAMS + (
        Param("noise", 1e-12, "floating-point remedy: isotropic noise of relative size noise·‖w‖ per step", float),
        Param("tau", 6.0, "horizon in τ = ηλ·t (2 with --quick unless given)", float, lo=0, lo_open=True, hi=100),
        Param("phi0", 0.3, "start angle on Γ (0 is the sharpest point, π/2 the flattest)", float, lo=0,
              lo_open=True, hi=math.pi / 2, hi_open=True),
        Param("alpha", ALPHA, "steepness α of the toy, λ₁|Γ = 1 + α cos²φ (3: the steep toy)", float, lo=0,
              lo_open=True, hi=10),
        Param("flow_constant", "derived", "the reading of c: derived = 2/(4 + ‖∇_Γ log λ₁‖²), half = the notes' "
              "constant 1/2 (refuted on the steep toy)", str, READINGS),
        Param("speed_tol", 0.02, "tolerance on the speed multipliers (1 ± speed_tol); ≤ 0.1 keeps c = 1/2 on "
              "the steep toy (multiplier ≈ 0.74-0.79) refutable", float, lo=0, lo_open=True, hi=0.1, tolerance=True),
        Param("rms_tol", 0.05, "tolerance on the tracking RMS (rad)", float, lo=0, lo_open=True, hi=0.1,
              tolerance=True),
    ),
    notes=("The abstract states the flow [paper]; its form with log λ₁ and τ = ηλt is reference notes §2.7, whose "
           "c = 1/2 treats η̃ as constant; with η̃ ≈ 2/λ₁ growing as λ₁ falls, c = 2/(4 + ‖∇_Γ log λ₁‖²) [derived] "
           "(dθ/dT = −¼∇_Γ log λ₁ in the angular clock T). Sphere toy T1 from a near-EoS start (η̃₀λ₁ = 1.85) "
           "for τ ∈ [0, 6]; runs (η, λ), (η/10, 10λ) (equal ηλ) and (η, λ/3.3). The fit is the least-squares speed "
           "multiplier k of φ_GD(τ) ≈ φ_flow(kτ), which must be 1 ± 0.02."),
    source="abstract (the flow) [paper]; form and τ = ηλ·t: reference notes §2.7; c = 2/(4 + ‖∇_Γ log λ₁‖²) and "
           "the clock-T form: [derived] (corrects the notes' c = 1/2)",
    controls=(
        Control("half-constant-steep-toy", STATEMENT_FLIP, "the notes' c = 1/2 on the steep toy α = 3 runs ≈ 20 % "
                "too fast", params={"flow_constant": "half", "alpha": 3}),
        Control("no-weight-decay", ASSUMPTION_DROPPED, "λ = 0: τ ≡ 0, no EoS", params={"weight_decay": 0},
                expect=(INAPPLICABLE,)),
        Control("short-tau", STARVED, "τ = 0.05 after entry cannot resolve the speed", params={"tau": 0.05}),
    ),
))
