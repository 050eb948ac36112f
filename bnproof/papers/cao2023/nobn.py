r"""The no-BN baseline ``cao2023.nobn.max-margin``: without BN, GD converges to the ℓ2 max margin like 1/log t.

The linear model *without* BN, f(w; x) = ⟨w, x⟩, trained by GD on the exponential or logistic
loss, converges in direction to the ℓ2 hard-margin SVM direction w_mm with an angle gap of
order 1/log t (Soudry, Hoffer, Nacson, Gunasekar, Srebro, JMLR 2018).  Cao et al. use it as the
baseline BN improves on [paper for the contrast; recon that they cite Soudry et al. for the rate].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, Panel, Span, TimeSeries
from bnproof.engines.runner import Trajectory
from bnproof.papers.cao2023.common import (
    CITATION,
    MIN_DIGITS,
    SOUDRY,
    check_window_params,
    horizon,
    loss_and_eta,
    nobn_audit_steps,
    w0_note,
)
from bnproof.papers.cao2023.direction_figure import as_log10, inverse_log_reference, last_decade_fit, values
from bnproof.papers.cao2023.limits import (
    Limits,
    inapplicable,
    limits,
    limits_instance,
    svm_record,
)
from bnproof.papers.cao2023.nobn_run import NoBNRun, audited_nobn_run, nobn_precision
from bnproof.papers.cao2023.profiles import (
    fit_summary,
    inverse_log_ok,
    inverse_log_profile,
    late_log,
    superpoly,
)

__all__ = ["MAX_MARGIN", "check_max_margin", "measure_max_margin", "decide_max_margin", "KKT_TOL"]

MIN_DECADES = 2.0  # the late window needs the last decade of t and the one before it
KKT_TOL = 1e-6  # largest KKT residual of the SVM that still counts as a certified solution


_W_MM, _W_HAT = r"w_{\mathrm{mm}}", r"\hat w"


def _time_series(tr: Trajectory, angle_keys: list[str], limit: str, **extra) -> TimeSeries:
    """The angles (radians) on the time axes; the margin gap, a different quantity, in a panel beside them."""
    cols = angle_keys + ["margin_gap"]
    claimed = _W_MM if limit == "max-margin" else _W_HAT
    labels = {"angle": f"$\\angle(w_t, {claimed})$ (claimed limit)", "angle_mm": f"$\\angle(w_t, {_W_MM})$",
              "angle_hat": f"$\\angle(w_t, {_W_HAT})$"}
    # the claimed limit is w_mm by default: do not draw the same curve twice
    shown = [k for k in angle_keys if not (k == "angle_mm" and tr.values["angle"] == tr.values["angle_mm"])]
    extra.setdefault("panels", [_margin_panel(tr)])
    return TimeSeries(t=tr.t, columns={k: tr.values[k] for k in cols},
                      log10={k: [v if math.isfinite(v) else None for v in tr.log10[k]] for k in cols},
                      y=shown, labels={k: labels[k] for k in shown}, title="GD without BN: direction",
                      ylabel=r"$\log_{10}$ angle (rad)", rate=False, **extra)


def _series(tr: Trajectory, angle_keys: list[str], limit: str) -> dict:
    return _time_series(tr, angle_keys, limit).to_dict()


def _margin_panel(tr: Trajectory) -> Panel:
    """γ_mm − min_i y_i⟨w_t, x_i⟩/‖w_t‖ against t, with the 1/log t reference through the horizon."""
    gap = values(tr.log10["margin_gap"])
    curves = [Curve(r"$\gamma_{\mathrm{mm}} - \mathrm{min}_i\, y_i\langle w_t, x_i\rangle/\|w_t\|$", gap)]
    if gap[-1] is not None and tr.t[-1] > 1:
        curves.append(inverse_log_reference(tr.t, tr.t[-1], gap[-1], colour="C0"))
    return Panel("margin gap to the SVM margin", "step $t$", "normalised-margin gap", [float(t) for t in tr.t],
                 curves, xscale="log", yscale="log")


def _figure(tr: Trajectory, angle_keys: list[str], limit: str, frac: float, p_tol: float) -> dict:
    """The angle with the 1/log t reference, the last-decade inverse-log fit and the windows the verdict
    reads; angle·ln t (bounded for a 1/log t decay) and the margin gap beside it."""
    t, lg = late_log(tr, "angle", frac)
    curves = [as_log10(inverse_log_reference(tr.t, tr.t[-1], float(tr.last("angle")),
                                             r"$\propto 1/\ln t$ (Soudry et al.)", colour="C0"))]
    fit = last_decade_fit(t, lg, 1 - p_tol)
    if fit is not None:
        curves.append(as_log10(fit))
    spans = [Span(float(t[0]), float(t[-1]), "late window (fits)"),
             Span(float(t[-1] / 10), float(t[-1]), "last decade (exponent $p$)")]
    product = Panel(r"angle $\times\, \ln t$ over the late window", "step $t$", r"$\angle(w_t, \cdot)\,\ln t$ (rad)",
                    [float(v) for v in t], [Curve("claimed limit", [float(math.exp(v) * math.log(x))
                                                                    for x, v in zip(t, lg)])], xscale="log")
    return _time_series(tr, angle_keys, limit, curves=curves, spans=spans,
                        panels=[product, _margin_panel(tr)]).to_dict()


@dataclass(frozen=True)
class MaxMargin:
    """What ``cao2023.nobn.max-margin`` measured over the late window."""

    digits: float | None  # agreeing digits of the angle, minimum over the audited segments
    profile: dict  # inverse_log_profile of the angle to the claimed limit
    sup: dict  # superpoly of the same angle
    best_family: str
    best_p: float  # inverse-log exponent of the best fit (when it is inverse-log)
    angle: float  # at the horizon
    t_end: int
    window: str
    measured: dict
    decades: float = math.inf  # decades of t the late window spans


def measure_max_margin(res: NoBNRun, lim: Limits, refs: dict, frac: float) -> MaxMargin:
    """Angle to the claimed limit (and to w_mm, ŵ), its inverse-log profile, fits and the margin gap."""
    tr = res.trajectory
    t, lg = late_log(tr, "angle", frac)
    fits = rates.fit_all(t, lg)
    prof = inverse_log_profile(t, lg)
    sup = superpoly(t, lg)
    measured = {
        "direction": res.direction,
        "angle_to_max_margin": tr.last("angle_mm"),
        "angle_to_limit": tr.last("angle"),
        "angle_to_uniform_margin": tr.last("angle_hat") if "angle_hat" in refs else None,
        "angle_times_log_t": f"{prof['first']:.4g} → {prof['last']:.4g} (max {prof['max']:.4g})",
        "p_last_decade": None if prof["p_last"] is None else round(prof["p_last"], 4),
        "p_previous_decade": None if prof["p_prev"] is None else round(prof["p_prev"], 4),
        **fit_summary(fits),
        "ratio_log2": f"{sup['first']:.4g} → {sup['last']:.4g}, "
                      f"{'not decreasing' if sup['nondecreasing'] else 'decreasing'}",
        "margin_gap": tr.last("margin_gap"),
        "margin_gap_times_log_t": f"{float(tr.last('margin_gap')) * math.log(tr.t[-1]):.4g}",
        "separation_uniform_vs_max": None if lim.separation is None else f"{lim.separation:.6g}",
        "window": [int(t[0]), int(t[-1])],
        "svm": svm_record(lim),
    }
    return MaxMargin(res.digits("angle"), prof, sup, fits[0].family, fits[0].params.get("p", math.nan),
                     float(tr.last("angle")), tr.t[-1], f"t ∈ [{int(t[0])}, {int(t[-1])}]", measured,
                     math.log10(t[-1] / t[0]))


def decide_max_margin(m: MaxMargin, claim_rate: str, p_tol: float, target_name: str) -> tuple[str, str]:
    """Audit first, then a window of two decades; the mutated ``exp-log2`` rate is judged by the
    super-polynomial profile; otherwise the local inverse-log exponent (≥ 1 - p_tol) decides, a
    still-rising exponent or a better non-inverse-log fit being inconclusive."""
    digits, prof, sup, win = m.digits, m.profile, m.sup, m.window
    if digits is None or digits < MIN_DIGITS:
        return INCONCLUSIVE, ("precision audit disabled" if digits is None else
                              f"precision audit shows only {digits:.1f} agreeing digits of the angle")
    if prof["p_prev"] is None or m.decades < MIN_DECADES:
        return INCONCLUSIVE, (f"the late window {win} spans {min(m.decades, 99):.2f} < {MIN_DECADES:g} decades of t "
                              "(the last-decade exponent and the decade before it): too short to judge "
                              "an asymptotic rate; raise --steps (≥ 10^4)")
    if claim_rate == "exp-log2":
        if sup["holds"]:
            return VERIFIED, f"-ln(angle)/ln²t stays ≥ {sup['min']:.4g} and does not decrease over {win}"
        return REFUTED, (f"the angle to the {target_name} does not decay like exp(-c·log² t): "
                         f"-ln(angle)/ln²t falls from {sup['first']:.4g} to {sup['last']:.4g} over "
                         f"{win}; best family {m.best_family}")
    if not inverse_log_ok(prof, p_tol) and prof["rising"]:
        return INCONCLUSIVE, (f"the angle to the {target_name} decays like (log t)^-{prof['p_last']:.3g} over "
                              f"the last decade (needs exponent ≥ {1 - p_tol:g}) but the exponent is still "
                              f"rising (from {prof['p_prev']:.3g} a decade earlier); run longer")
    if not inverse_log_ok(prof, p_tol):
        return REFUTED, (f"the angle to the {target_name} is not O(1/log t): it is {m.angle:.4g} rad at "
                         f"t = {m.t_end} and decays like (log t)^-{prof['p_last']:.3g} over the last decade "
                         f"(needs exponent ≥ {1 - p_tol:g}); angle·ln t {prof['first']:.3g} → {prof['last']:.3g}")
    if m.best_family != "inverse-log":
        return INCONCLUSIVE, (f"the angle decays like (log t)^-{prof['p_last']:.3g} over the last decade, but "
                              f"{m.best_family} fits it better than inverse-log over {win}: the 1/log t "
                              f"behaviour is in doubt (a transient? try a shorter --param window)")
    return VERIFIED, (f"the angle to the {target_name} falls to {m.angle:.4g} rad at t = {m.t_end}; "
                      f"angle·ln t {prof['first']:.3g} → {prof['last']:.3g} over {win}, local exponent "
                      f"{prof['p_last']:.3g} ≥ {1 - p_tol:g} over the last decade, and inverse-log is the "
                      f"best fit (p = {m.best_p:.3f}); audit: {digits:.1f} digits agree")


def _expected(target: np.ndarray, claim_rate: str, p_tol: float) -> dict:
    inverse = claim_rate == "inverse-log"
    return {
        "direction": [f"{v:.17g}" for v in target],
        "angle_to_limit": "→ 0",
        "angle_times_log_t": "bounded" if inverse else "→ 0",
        "p_last_decade": f"≥ {1 - p_tol:g} (→ 1 for a 1/log t decay)" if inverse else "grows without bound",
        "best_family": "inverse-log" if inverse else "exp-polylog",
        "ratio_log2": ("decreasing (not super-polynomial)" if inverse
                       else "-ln(angle)/ln²t ≥ c > 0, not decreasing (mutated claim exp(-c·log² t))"),
    }


def _run_options(claim: Claim, config: RunConfig) -> dict:
    """Horizon, audited segment length, arithmetic and digits of the no-BN run, validated."""
    steps = horizon(claim, config, 100, " for a rate over a late window")
    audit_steps = nobn_audit_steps(claim, config)
    arith, dps = claim.param(config, "arith"), int(claim.option(config, "dps"))
    if arith != "float64" and dps < 15:
        raise BadInput(f"--dps must be at least 15, got {dps}")
    audit_dps = claim.param(config, "audit_dps") or (30 if arith == "float64" else 2 * dps + 10)
    return {"steps": steps, "audit_steps": audit_steps, "arith": arith, "dps": dps, "audit_dps": audit_dps,
            "audit": claim.param(config, "audit"), "per_decade": claim.param(config, "per_decade")}


def check_max_margin(claim: Claim, config: RunConfig) -> Outcome:
    r"""∠(w_t, w_mm) = O(1/log t): without BN, GD on ⟨w, x⟩ converges in direction to the ℓ2 max-margin SVM.

    Source: Soudry et al. (JMLR 2018); that Cao et al. state this baseline is reference notes
    §3 T2 and check E [recon].
    Measured: the angle between w_t and the claimed limit (w_mm, KKT-certified SVM; or ŵ with
    ``limit=uniform-margin``) over the late ``window`` of log t: angle·ln t, the local inverse-log
    exponent over the last two decades, fits of every rate family, -ln(angle)/ln²t, and the
    normalised-margin gap to the SVM margin.  The float64 run is audited against python-flint on
    its first and last ``audit_steps`` steps.
    Decision: inconclusive when the audit shows < MIN_DIGITS, the window spans < 2 decades of t
    (the last decade and the one before it, e.g. ``--steps 1000``: t ∈ [46, 1000]), GD
    diverged or the SVM is not certified; verified iff the local exponent is ≥ 1 - p_tol and
    inverse-log fits best; refuted when the exponent is lower and not still rising.
    Negative controls (declared in ``controls``): ``--param limit=uniform-margin`` -> refuted;
    ``--param claim_rate=exp-log2`` (the super-polynomial rate) -> refuted; ``--steps 1000`` ->
    inconclusive; ``--eta 50`` (divergent) -> inconclusive;
    ``--param audit=false`` -> inconclusive; non-separable ``--data`` -> inapplicable.
    """
    loss, eta = loss_and_eta(claim, config)
    check_window_params(claim, config)
    limit, claim_rate = claim.param(config, "limit"), claim.param(config, "claim_rate")
    frac, p_tol = claim.param(config, "window"), claim.param(config, "p_tol")
    opts = _run_options(claim, config)
    data = limits_instance(claim, config)
    lim = limits(data)
    if lim.svm is None:  # nothing to converge to: the theorem does not apply (and cannot be run)
        return inapplicable(lim.separable_reason, config, data, lim)
    if limit == "uniform-margin" and lim.w_hat is None:
        return inapplicable(lim.uniform_reason, config, data, lim)
    target = lim.w_mm if limit == "max-margin" else lim.w_hat
    refs = {"angle": target, "angle_mm": lim.w_mm} | ({"angle_hat": lim.w_hat} if lim.w_hat is not None else {})
    res = audited_nobn_run(data, loss=loss, eta=eta, refs=refs, gamma_ref=lim.svm.margin, progress=config.progress,
                           label=claim.id, **opts)
    tr = res.trajectory
    params = {"seed": config.seed, "steps": tr.t[-1], "eta": eta, "loss": loss, "n": data.n, "d": data.d,
              "data": data.source, "w0": w0_note(config), "arith": tr.ctx_name, "dps": tr.dps,
              "limit": limit, "claim_rate": claim_rate, "window": frac, "p_tol": p_tol,
              "audit_steps": res.audit_steps, "per_decade": claim.param(config, "per_decade")}
    precision, series = nobn_precision(res, list(refs) + ["margin_gap"]), _series(tr, list(refs), limit)
    if res.diverged:
        return Outcome(INCONCLUSIVE, f"GD diverged (non-finite values) with η = {eta}; use a smaller --eta",
                       expected={}, measured={}, params=params, precision=precision, series=series)
    if lim.kkt_max > KKT_TOL:
        return Outcome(INCONCLUSIVE, f"the SVM solution is not certified (largest KKT residual "
                       f"{lim.kkt_max:.2e} > {KKT_TOL:g})", expected={}, measured={"svm": svm_record(lim)},
                       params=params, precision=precision, series=series)
    m = measure_max_margin(res, lim, refs, frac)
    target_name = "ℓ2 max-margin direction w_mm" if limit == "max-margin" else "uniform-margin direction ŵ"
    verdict, reason = decide_max_margin(m, claim_rate, p_tol, target_name)
    tolerance = {"p_tol": p_tol, "audit_min_digits": MIN_DIGITS, "kkt_max": KKT_TOL,
                 "window": f"last {frac:g} of the log t range"}
    return Outcome(verdict, reason, _expected(target, claim_rate, p_tol), m.measured, tolerance, params,
                   precision, _figure(tr, list(refs), limit, frac, p_tol))


MAX_MARGIN = register(Claim(
    id="cao2023.nobn.max-margin", typical_s=5.9,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "direction", "angle_to_max_margin", "angle_to_limit", "angle_to_uniform_margin", "angle_times_log_t",
        "p_last_decade", "p_previous_decade", "best_family", "p_inverse_log", "p_inverse_log_stderr", "fits",
        "ratio_log2", "margin_gap", "margin_gap_times_log_t", "separation_uniform_vs_max", "window", "svm"
    ),
    source="Soudry et al. (JMLR 2018); as Cao et al.'s baseline: reference notes §3 T2, check E [recon]",
    paper="cao2023",
    citation=f"{CITATION}; the baseline is {SOUDRY}",
    summary="no BN: GD on ⟨w, x⟩ converges in direction to the ℓ2 max-margin SVM, angle gap O(1/log t)",
    statement=(r"\angle\big(w_t/\|w_t\|,\ w_{mm}/\|w_{mm}\|\big) = O(1/\log t),\quad "
               r"w_{mm} = \arg\min \|w\|_2 \ \text{s.t.}\ y_i\langle w, x_i\rangle \ge 1"),
    confidence="recon",
    assumptions=(
        "labels y_i ∈ {±1}",
        "the data are linearly separable through the origin",
        "full-batch GD on w with a fixed small step size η, exponential or logistic loss",
    ),
    check=check_max_margin,
    params=(
        Param("n", 8, "samples in the generated instance (ignored with --data)", int, lo=1, hi=4096),
        Param("d", 12, "dimension of the generated instance (ignored with --data)", int, lo=1, hi=100_000),
        Param("w0_scale", 1.0, "‖w0‖ of the generated instance", float, lo=0, lo_open=True),
        Param("audit", True, "run the precision audits (a record without them cannot be verified)", bool),
        Param("audit_dps", 0, "digits of the python-flint audit reruns (0: 30 for a float64 main run, else 2·dps+10)",
              int, lo=0, hi=10_000),
        Param("audit_steps", 0, "length of each audited segment (prefix and late; 0: 20000, 5000 with --quick)",
              int, lo=0, hi=10**10),
        Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1, hi=1000),
        Param("window", 0.5, "late window: the last fraction of the log t range", float, lo=0.1, hi=1,
              tolerance=True),
        Param("p_tol", 0.25, "the angle must decay at least like (log t)^-(1 - p_tol) over the last decade of t",
              float, lo=0, hi=0.5, lo_open=True, tolerance=True),
        Param("limit", "max-margin", "claimed limit direction (uniform-margin: a mutated claim that must be refuted)",
              str, ("max-margin", "uniform-margin")),
        Param("claim_rate", "inverse-log", "claimed rate of the angle gap (exp-log2: the mutated, super-polynomial "
              "claim exp(-c·log² t), which must be refuted)", str, ("inverse-log", "exp-log2")),
        Param("arith", "float64", "arithmetic context of the main run", str, CONTEXT_NAMES),
    ),
    defaults={"dps": 30, "steps": 1_000_000, "eta": "0.1", "loss": "exp", "quick_steps": 100_000},
    takes_data=True,
    notes=("The max-margin limit and the O(1/log t) rate are Soudry et al. (2018); that Cao et al. state this "
           "baseline, and cite Soudry et al. for it, is [recon] (reference notes T2). The default instance is "
           "searched from the seed so that the max-margin and uniform-margin directions differ. "
           "Horizon: 10^6 GD steps in float64 (≈ 20 s), audited against python-flint on the first and the last "
           "audit_steps steps."),
    controls=(
        Control("limit = uniform-margin", STATEMENT_FLIP, "plain GD approaches w_mm, not the uniform-margin ŵ",
                params={"limit": "uniform-margin", "window": 0.6}, options={"steps": 10_000}),
        Control("rate exp(-c log² t)", STATEMENT_FLIP, "plain GD approaches w_mm like 1/log t, not "
                "super-polynomially", params={"claim_rate": "exp-log2", "window": 0.6}, options={"steps": 10_000}),
        Control("1000 steps", STARVED, "the late window spans 1.3 < 2 decades of t", options={"steps": 1000}),
    ),
))
