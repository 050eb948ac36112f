r"""The BN linear model: uniform margin (``cao2023.linear.uniform-margin``) at rate
exp(-Ω(log² t)) (``cao2023.linear.rate``).

Model (reference notes §1.1): f(w, γ; x) = γ⟨w, x⟩/‖w‖_Σ, Σ = (1/n)Σ_i x_i x_iᵀ, full-batch GD on
(w, γ) with one step size η, γ0 = 1; normalised margins m_i = y_i⟨w, x_i⟩/‖w‖_Σ and the gap
max_i |sign(γ)·m_i - 1|.  Both checks read one audited run (:func:`~.linear_model.linear_run`):
the deviation engine by default, the multiprecision engine with ``--param engine=multiprecision``
or ``--param arith=...``.  With ``--param flow_t_max`` the rate check also integrates the gradient
flow (:mod:`bnproof.engines.flow`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.data import Dataset, gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import (
    INAPPLICABLE,
    INCONCLUSIVE,
    REFUTED,
    VERIFIED,
    Outcome,
    TimeSeries,
)
from bnproof.engines import deviation as dev
from bnproof.engines import flow as fl
from bnproof.models.bn_linear import (
    gap_lower_bound,
    linearized_rate,
    uniform_margin_exists,
)
from bnproof.papers.cao2023.audited_run import (
    audit_digits,
    fit_of,
    late_gap,
    lost_precision,
    nonincreasing,
    params_record,
    precision_record,
    stalls,
)
from bnproof.papers.cao2023.common import (
    CITATION,
    LINEAR_DEFAULTS,
    LINEAR_PARAMS,
    MIN_DIGITS,
    ci95,
    engine_params,
)
from bnproof.papers.cao2023.linear_model import BNLinearRun, linear_run

__all__ = ["UNIFORM_MARGIN", "RATE", "check_uniform_margin", "check_rate", "measure_uniform_margin",
           "decide_uniform_margin", "measure_rate", "decide_rate", "linear_instance", "flow_summary"]

BOUND_CERTIFIES = 1e-8  # a gap lower bound above this (float64 least squares) refutes uniform margins

_ENGINE_PARAMS = engine_params("the double-double variant", "n-dim")
_ASSUMPTIONS = (
    "labels y_i ∈ {±1}",
    "a uniform-margin solution exists: some w has y_i⟨w, x_i⟩ = 1 for all i (e.g. n ≤ d, independent rows)",
    "full-batch GD on (w, γ) with one step size η, γ0 = 1, w0 with ‖w0‖_Σ > 0",
)


def linear_instance(claim: Claim, config: RunConfig) -> Dataset:
    """--data, or the Gaussian instance of ``n``, ``d``, ``w0_scale`` and the seed."""
    if config.data is not None:
        return config.data
    n, d = claim.param(config, "n"), claim.param(config, "d")
    if n < 2 or d < 1:
        raise BadInput(f"--param n must be >= 2 and d >= 1, got n={n}, d={d}")
    return gaussian_instance(config.seed, n, d, claim.param(config, "w0_scale"))


def _precheck(claim: Claim, config: RunConfig) -> tuple[Dataset, Outcome | None]:
    """The data, and the ``inapplicable`` outcome when no uniform margin exists (unless not enforced)."""
    data = linear_instance(claim, config)
    center = claim.param(config, "center")
    ok, why = uniform_margin_exists(data, center)
    if not ok and claim.param(config, "enforce_assumptions"):
        return data, Outcome(INAPPLICABLE, f"assumption violated: {why}", expected={}, measured={},
                             params={"seed": config.seed, "n": data.n, "d": data.d, "data": data.source,
                                     "center": center})
    return data, None


def _params(claim: Claim, config: RunConfig, res: BNLinearRun) -> dict:
    return params_record(claim, config, res, {"n": res.data.n, "d": res.data.d, "data": res.data.source,
                                              "center": res.center})


def _series(res: BNLinearRun) -> dict:
    tr = res.trajectory
    return TimeSeries(t=tr.t, columns={"gap": tr.values["gap"], "gamma": tr.values["gamma"]},
                      log10={"gap": [v if math.isfinite(v) else None for v in tr.log10["gap"]]},
                      y="gap", title="margin gap").to_dict()


def _lost_outcome(claim: Claim, config: RunConfig, res: BNLinearRun) -> Outcome | None:
    lost = lost_precision(res)
    if lost is None:
        return None
    return Outcome(INCONCLUSIVE, lost[0], expected={}, measured=lost[1], params=_params(claim, config, res),
                   precision=precision_record(res), series=_series(res))


# --- cao2023.linear.uniform-margin ------------------------------------------------------------


@dataclass(frozen=True)
class UniformMargin:
    """What ``cao2023.linear.uniform-margin`` measured: the decision inputs and the record's ``measured``."""

    digits: float | None  # agreeing digits of the gap (None: audit disabled)
    gap: float
    t_end: int
    final_log10: float
    monotone: bool  # ln gap non-increasing over the late window
    bound: float  # certified lower bound on every w's gap
    stalled: bool  # no fall by 2x over the last decade, and no net fall at all
    decade_start_gap: float
    measured: dict


def measure_uniform_margin(res: BNLinearRun) -> UniformMargin:
    """The gap at the horizon, its late monotonicity, the certificate bound, γ and loss side statements."""
    tr = res.trajectory
    t, lg, _ = late_gap(tr)
    final_log10 = tr.log10["gap"][-1]
    monotone = nonincreasing(lg)
    bound = gap_lower_bound(res.data, res.center)
    lg_dec = np.asarray(tr.log10["gap"])[np.asarray(tr.t) >= tr.t[-1] / 10]
    measured = {
        "gap": tr.last("gap"),
        "gap_lower_bound": bound,
        "margins": res.margins,
        "direction": res.direction,
        "log10_gap": round(final_log10, 3),
        "gamma": res.gamma,
        "gap_nonincreasing_late": monotone,
        # side statements (reference notes §3 T1a, check D): γ_t - log(ηt) -> const, L_t·ηt -> 1
        "gamma_minus_log_eta_t": f"{float(tr.last('gamma')) - math.log(float(res.eta) * tr.t[-1]):.6f}",
        "loss_times_eta_t": f"{float(tr.last('loss')) * float(res.eta) * tr.t[-1]:.6f}",
    }
    return UniformMargin(audit_digits(res), float(tr.last("gap")), tr.t[-1], final_log10, monotone, bound,
                         stalls(t, lg) and lg_dec[-1] >= lg_dec[0], 10 ** lg_dec[0], measured)


def decide_uniform_margin(m: UniformMargin, gap_tol: float) -> tuple[str, str]:
    """Audit first; then a certificate refutes; a converged monotone gap verifies; a stalled gap
    refutes; anything else (slow but falling: the theorem is asymptotic) is inconclusive."""
    digits = m.digits
    if digits is None or digits < MIN_DIGITS:
        return INCONCLUSIVE, (f"precision exhausted: the precision audit shows {digits:.1f} agreeing digits of "
                              f"the gap (< {MIN_DIGITS}); raise --dps" if digits is not None
                              else "precision audit disabled")
    if m.bound > BOUND_CERTIFIES:
        # a certificate, not a trend: no w whatever has a gap below the bound
        return REFUTED, (f"the margins cannot become uniform: every w has gap ≥ dist(y, range X)/√n = "
                         f"{m.bound:.3e} (measured gap {m.gap:.3e} at t = {m.t_end})")
    if m.final_log10 <= math.log10(gap_tol) and m.monotone:
        return VERIFIED, (f"gap fell to {m.gap:.3e} after {m.t_end} steps and "
                          f"decreased monotonically over the late window; audit: {digits:.1f} digits agree")
    if m.stalled:
        return REFUTED, (f"gap does not decrease over the last decade of t ({m.decade_start_gap:.3e} → "
                         f"{m.gap:.3e}) although a uniform-margin solution exists")
    return INCONCLUSIVE, f"gap still {m.gap:.3e} > {gap_tol:g} (monotone late: {m.monotone}); run longer"


def check_uniform_margin(claim: Claim, config: RunConfig) -> Outcome:
    r"""max_i |sign(γ_t)·y_i⟨w_t, x_i⟩/‖w_t‖_Σ - 1| → 0: GD on the BN linear model reaches a uniform
    margin.

    Source: the paper's abstract [paper]; the theorem's number and exact statement are not
    available (reference notes §3 T1 [recon]); the BN convention is a parameter (``center``).
    Measured: the gap at the horizon (audited run, high precision), its monotonicity over the late
    half of log t, the margins, the row-space direction of w against ŵ = XᵀG⁺y, and the
    certificate dist(y, range X)/√n that bounds every w's gap from below.
    Decision: inconclusive unless the audit shows ≥ MIN_DIGITS agreeing digits; refuted when the
    certificate exceeds 1e-8; verified when the gap is ≤ ``gap_tol`` and non-increasing late;
    refuted when the gap has stalled over the last decade of t; otherwise inconclusive ("run longer").
    Negative controls: no uniform-margin solution (``--param n=12 --param d=6``) -> inapplicable,
    and refuted by the certificate with ``--param enforce_assumptions=false``; centred BN with
    unbalanced labels (``--param center=true``) -> inapplicable; ``--param audit=false`` ->
    inconclusive; a slow run (``--eta 0.001 --steps 3000``) -> inconclusive, never refuted.
    """
    data, early = _precheck(claim, config)
    if early:
        return early
    res = linear_run(claim, config, data)
    lost = _lost_outcome(claim, config, res)
    if lost is not None:
        return lost
    gap_tol = claim.param(config, "gap_tol")
    m = measure_uniform_margin(res)
    verdict, reason = decide_uniform_margin(m, gap_tol)
    expected = {"gap": "→ 0 (every sign(γ)·m_i → 1)", "margins": "all equal to 1",
                "direction": res.expected_direction}
    tolerance = {"gap": f"{gap_tol:g} at the horizon", "audit_min_digits": MIN_DIGITS}
    return Outcome(verdict, reason, expected, m.measured, tolerance, _params(claim, config, res),
                   precision_record(res), _series(res))


UNIFORM_MARGIN = register(Claim(
    id="cao2023.linear.uniform-margin",
    source="abstract [paper]; theorem statement: reference notes §3 T1 [recon]",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear model: GD drives every normalised margin sign(γ)·m_i to 1 (uniform margin)",
    statement=(r"\max_i \big|\operatorname{sign}(\gamma_t)\, y_i \langle w_t, x_i\rangle / \|w_t\|_\Sigma - 1\big|"
               r" \to 0 \quad (t\to\infty)"),
    confidence="paper",
    assumptions=_ASSUMPTIONS,
    check=check_uniform_margin,
    params=LINEAR_PARAMS + _ENGINE_PARAMS + (
        Param("gap_tol", 1e-12, "gap below which the horizon counts as converged", float, lo=0, lo_open=True),),
    defaults=LINEAR_DEFAULTS,
    takes_data=True,
    notes=("Convergence to a uniform margin is stated in the abstract [paper]; the BN convention "
           "(uncentred, no ε), the loss and γ0 = 1 are [recon] and exposed as parameters."),
))


# --- cao2023.linear.rate ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """What ``cao2023.linear.rate`` measured: the ratio profile, the fitted exponent, the record."""

    digits: float | None
    profile: dict  # rates.ratio_profile of -ln gap / ln^k t over the late window
    k_fit: float
    k_err: float
    window: tuple[int, int]
    c_lin: float  # λ_min(QKQ|1⊥)/(n s²): the linearisation's rate constant [derived]
    measured: dict


def measure_rate(res: BNLinearRun, k_claim: float, frac: float, flow_t_max: float = 0.0) -> Rate:
    """Over the late window: the ratio profile, the fits (k in log(ηt)), the linearised mechanism ĉ;
    with ``flow_t_max`` also the gradient flow (:func:`flow_summary`)."""
    tr = res.trajectory
    eta = float(res.eta)
    t, lg, gam = late_gap(tr, frac)
    profile = rates.ratio_profile(t, lg, k_claim)
    fits = rates.fit_all(t, lg)
    shifted = rates.fit_exp_polylog(t, lg, shift=eta)
    local = rates.local_exponent(t, lg, shift=eta)
    c_lin = linearized_rate(res.data, res.center, res.s_final)
    # mechanism check: d ln gap/dt = -c·η e^{-γ} γ(γ+1) with c from the linearisation
    c_hat = rates.integrated_rate(t, lg, eta * np.exp(-gam) * gam * (gam + 1))
    k_fit, k_err = shifted.params["k"], shifted.stderr["k"]
    trend = "not decreasing" if profile["nondecreasing"] else "decreasing"
    measured = {
        "gap": tr.last("gap"),
        "ratio": f"{profile['first']:.4g} → {profile['last']:.4g} (min {profile['min']:.4g}), {trend}",
        "k": round(k_fit, 4),
        "c_hat": round(c_hat, 5),
        "k_stderr": round(k_err, 4), "c": round(shifted.params["c"], 5), "fit_variable": "log(eta*t)",
        "k_ci95": ci95(k_fit, k_err),
        "k_unshifted": round(fit_of(fits, "exp-polylog").params["k"], 4),
        "k_local": round(local["k"], 4),
        "best_family": fits[0].family,
        "ratio_min": f"{profile['min']:.6g}", "ratio_first": f"{profile['first']:.6g}",
        "ratio_last": f"{profile['last']:.6g}", "ratio_nondecreasing": profile["nondecreasing"],
        "log10_gap": round(tr.log10["gap"][-1], 3),
        "window": [int(t[0]), int(t[-1])],
        "c_hat_rel_diff": round(abs(c_hat - c_lin) / c_lin, 4) if c_lin > 1e-12 else None,
        "fits": [f.to_dict() for f in fits],
    }
    tight = "looks tight" if abs(k_fit - k_claim) <= 3 * k_err + 0.25 else (
        f"is not tight: the gap decays like exp(-c·log^{k_fit:.2f}(ηt))" if k_fit > k_claim else
        f"is violated by the fitted exponent {k_fit:.2f}")
    measured["bound_tightness"] = f"the paper's exp(-Ω(log^{k_claim:g} t)) {tight}"
    if flow_t_max:
        measured["flow"] = flow_summary(res.data, res, flow_t_max, frac)
    return Rate(audit_digits(res), profile, k_fit, k_err, (int(t[0]), int(t[-1])), c_lin, measured)


def decide_rate(m: Rate, k_claim: float) -> tuple[str, str]:
    """Audit first; verified iff -ln(gap)/ln(t)^k stays > 0 and does not decrease, else refuted."""
    digits, profile, (t0, t1) = m.digits, m.profile, m.window
    if digits is None or digits < MIN_DIGITS:
        return INCONCLUSIVE, ("precision audit disabled" if digits is None else
                              f"precision exhausted: the precision audit shows only {digits:.1f} agreeing digits "
                              f"of the gap (< {MIN_DIGITS}); float64 noise is not a rate; raise --dps")
    if profile["min"] > 0 and profile["nondecreasing"]:
        return VERIFIED, (f"-ln(gap)/ln(t)^{k_claim:g} stays ≥ {profile['min']:.4g} and does not decrease "
                          f"over t ∈ [{t0}, {t1}]; fitted k = {m.k_fit:.3f} ± {m.k_err:.3f} in log(ηt); "
                          f"audit: {digits:.1f} digits agree")
    return REFUTED, (f"-ln(gap)/ln(t)^{k_claim:g} decreases over t ∈ [{t0}, {t1}] "
                     f"(from {profile['first']:.4g} to {profile['last']:.4g}, slope {profile['slope']:.3g}); "
                     f"fitted k = {m.k_fit:.3f} ± {m.k_err:.3f}")


def flow_summary(data: Dataset, res: BNLinearRun, t_max: float, frac: float) -> dict:
    """Gradient flow to ``t_max`` (flow time t ↔ GD step t/η): fitted k and the GD/flow comparison.

    GD grows ‖w‖ while the flow conserves it, and the rate constant is c ∝ 1/s², so over the
    common range the ratio of log gaps should approach (s_flow/s_GD)² [derived].
    """
    if res.center:
        return {"note": "flow mode is implemented for uncentred BN only"}
    eta = float(res.eta)
    tr = res.trajectory
    gd_t = [t for t in tr.t if 1 <= eta * t <= t_max]
    times = np.unique(np.concatenate([eta * np.array(gd_t, dtype=float), np.geomspace(1.0, t_max, 121)]))
    prob = dev.problem_from_data(data.X, data.y, res.eta, res.loss)
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    out = fl.flow(prob.G, data.y, data.X @ w0, loss=res.loss, t_max=t_max, times=times, rtol=1e-9)
    mask = rates.late_window(out.t, frac)
    fit = rates.fit_exp_polylog(out.t[mask], out.log_gap[mask], shift=1.0)
    k, se = fit.params["k"], fit.stderr["k"]
    summary = {"t_max": t_max, "log10_gap": round(float(out.log10_gap[-1]), 3), "k": round(k, 4),
               "k_ci95": ci95(k, se), "fit_variable": "log t (flow time)",
               "method": f"solve_ivp {out.method}, rtol {out.rtol:g}, log-time deviation form"}
    if gd_t:
        i = int(np.searchsorted(out.t, eta * gd_t[-1] * (1 - 1e-12)))
        gd_log10 = tr.log10["gap"][tr.t.index(gd_t[-1])]
        summary["gd_vs_flow"] = {"gd_step": gd_t[-1], "flow_time": eta * gd_t[-1],
                                 "log_gap_ratio": round(gd_log10 / float(out.log10_gap[i]), 5),
                                 "predicted_(s_flow/s_gd)^2": round(float(out.s[i] / res.s_final) ** 2, 5)}
    return summary


def check_rate(claim: Claim, config: RunConfig) -> Outcome:
    r"""max_i |sign(γ_t)·m_i - 1| ≤ exp(-Ω(log^k t)) with k = 2: the uniform margin is reached
    super-polynomially fast.

    Source: the rate is in the paper's abstract [paper]; which quantity it bounds and its
    constants are not available (reference notes §3 T1 [recon]).  Our linearisation predicts
    exp(-(c/3)·log³(ηt)) (reference notes §3, [derived]); the record reports the fitted k.
    Measured over the last ``window`` of log t: the profile R(t) = -ln(gap)/ln(t)^k, fits of
    every rate family (k in log(ηt)), the local exponent, and ĉ = -Δln gap / ∫ηe^{-γ}γ(γ+1)dt
    against λ_min(QKQ|1⊥)/(ns²); with ``flow_t_max`` also the gradient flow (:func:`flow_summary`).
    Decision: inconclusive unless the audit shows ≥ MIN_DIGITS agreeing digits (float64 noise is
    not a rate); verified iff min R > 0 and R is not decreasing; otherwise refuted.
    Negative controls: the mutated exponent ``--param k=4`` -> refuted; the plain recursion in
    float64 (``--param arith=float64 --param audit_dps=60``) -> inconclusive; ``--dps 20`` (the gap
    underflows) -> inconclusive; ``--param n=12 --param d=6`` -> inapplicable.
    """
    data, early = _precheck(claim, config)
    if early:
        return early
    k_claim, frac = claim.param(config, "k"), claim.param(config, "window")
    flow_t_max = claim.param(config, "flow_t_max")
    if flow_t_max and not 10 <= flow_t_max <= 1e300:
        raise BadInput(f"--param flow_t_max must be 0 (off) or between 10 and 1e300, got {flow_t_max:g}")
    res = linear_run(claim, config, data)
    lost = _lost_outcome(claim, config, res)
    if lost is not None:
        return lost
    m = measure_rate(res, k_claim, frac, flow_t_max)
    verdict, reason = decide_rate(m, k_claim)
    expected = {"gap": f"→ 0 at least as fast as exp(-c·log^{k_claim:g} t)",
                "ratio": f"-ln(gap)/ln(t)^{k_claim:g} ≥ c > 0, not decreasing",
                "k": f"≥ {k_claim:g} (paper); 3 asymptotically (our linearisation [derived])",
                "c_hat": f"{m.c_lin:.5f} = λ_min(QKQ|1⊥)/(n s²) [derived]"}
    tolerance = {"ratio_slope": "slope + 2·stderr >= 0 and last >= first·(1-1e-3)",
                 "audit_min_digits": MIN_DIGITS, "window": f"last {frac:g} of the log t range"}
    return Outcome(verdict, reason, expected, m.measured, tolerance, _params(claim, config, res),
                   precision_record(res), _series(res))


RATE = register(Claim(
    id="cao2023.linear.rate",
    source="abstract [paper]; the bounded quantity and constants: reference notes §3 T1 [recon]",
    paper="cao2023",
    citation=CITATION,
    summary="BN linear model: the margin gap decays like exp(-Ω(log² t))",
    statement=r"\max_i |\operatorname{sign}(\gamma_t) m_i(w_t) - 1| \le \exp(-\Omega(\log^2 t))",
    confidence="paper",
    assumptions=_ASSUMPTIONS,
    check=check_rate,
    params=LINEAR_PARAMS + _ENGINE_PARAMS + (
        Param("k", 2.0, "exponent of the claimed bound exp(-Ω(log^k t)) (the paper: 2)", float, lo=0, lo_open=True),
        Param("window", 0.4, "late window: the last fraction of the log t range", float, lo=0, hi=1, lo_open=True),
        Param("flow_t_max", 0.0, "also integrate the gradient flow (bnproof.engines.flow) to this time, e.g. 1e30, fit k "
              "on it and compare it with GD over the common range (0: off)", float),
    ),
    defaults=LINEAR_DEFAULTS,
    takes_data=True,
    notes=("Rate exp(-Ω(log² t)) is in the abstract [paper]; which quantity it bounds (margin gap or "
           "direction distance) and its constants are [recon]. The k = 3 prediction is our own "
           "linearisation [derived], not the paper's."),
))
