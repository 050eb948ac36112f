r"""``cao2023.contrast``: same data, same start -- BN reaches the uniform margin fast, plain GD
the max margin slowly.

On data where the two limits differ (some α_i = (D_y G⁻¹ y)_i < 0, so not every point is a
support vector), BN and plain GD from the same w0 go to different limits -- the uniform-margin
ŵ = XᵀG⁻¹y and w_mm -- and at different speeds: exp(-Ω(log² t)) for BN, 1/log t without it
[paper: BN changes both the type of bias and the rate].  The BN side is the linear model's
audited run (:func:`~bnproof.papers.cao2023.linear_model.linear_run`, multiprecision engine),
the no-BN side :func:`~bnproof.papers.cao2023.nobn_run.audited_nobn_run`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.data import Dataset, gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, HLine, Panel, Span, TimeSeries
from bnproof.core.verdicts import combine
from bnproof.engines.runner import Trajectory
from bnproof.papers.cao2023.audited_run import (
    first_underflow,
    late_gap,
    precision_record,
    stalls,
)
from bnproof.papers.cao2023.common import (
    CITATION,
    LINEAR_DEFAULTS,
    LINEAR_PARAMS,
    MIN_DIGITS,
    SOUDRY,
    check_window_params,
    horizon,
    loss_and_eta,
    nobn_audit_steps,
    w0_note,
)
from bnproof.papers.cao2023.direction_figure import inverse_log_reference, log2_ratio_curve, values
from bnproof.papers.cao2023.limits import (
    Limits,
    angle,
    inapplicable,
    limits,
    limits_instance,
    svm_record,
)
from bnproof.papers.cao2023.linear_model import BNLinearRun, linear_run
from bnproof.papers.cao2023.nobn_run import NoBNRun, audited_nobn_run, nobn_precision
from bnproof.papers.cao2023.profiles import (
    inverse_log_ok,
    inverse_log_profile,
    late_log,
    superpoly,
)

__all__ = ["CONTRAST", "check_contrast", "SubCheck", "measure_bn_side", "measure_nobn_side", "decide_contrast"]

# contrast parameter -> the linear model's parameter of the same meaning
_BN_PARAM_NAMES = {"center": "center", "bn_arith": "arith", "bn_audit_dps": "audit_dps", "audit": "audit",
                   "per_decade": "per_decade"}


def _bn_side(claim: Claim, config: RunConfig, data: Dataset) -> BNLinearRun:
    """The BN linear model on the same data and w0, via ``linear_run`` (not a copy of it)."""
    bn_steps = claim.param(config, "bn_steps") or 10_000
    if bn_steps < 100:
        raise BadInput(f"--param bn_steps must be at least 100, got {bn_steps}")
    bn_claim = replace(claim, params=LINEAR_PARAMS,
                       defaults={**LINEAR_DEFAULTS, "dps": claim.defaults["dps"], "steps": bn_steps,
                                 "quick_steps": bn_steps})
    bn_params = {bn: str(claim.param(config, ours)) for ours, bn in _BN_PARAM_NAMES.items()}
    return linear_run(bn_claim, replace(config, steps=None, params=bn_params), data)


@dataclass(frozen=True)
class SubCheck:
    """One sub-check of the contrast: what it tests, whether it holds, and the verdict if it fails."""

    name: str
    ok: bool
    on_fail: str  # REFUTED or INCONCLUSIVE
    detail: str

    @property
    def verdict(self) -> str:
        return VERIFIED if self.ok else self.on_fail


@dataclass(frozen=True)
class BNSide:
    checks: list[SubCheck]
    digits: float | None
    sup: dict | None  # superpoly profile of the gap (None: the gap underflowed)
    to_hat: float  # ∠(BN direction, ŵ)
    to_mm: float  # ∠(BN direction, w_mm)


def measure_bn_side(bn: BNLinearRun, lim: Limits, frac: float, gap_tol: float, own: float) -> BNSide:
    """Audit, uniform margin, super-polynomial decay, and the BN direction's angles to both limits."""
    btr, sep = bn.trajectory, lim.separation
    digits = None if bn.audit is None else bn.audit.agreeing_digits["gap"]
    checks = [SubCheck("bn_audit", digits is not None and digits >= MIN_DIGITS, INCONCLUSIVE,
                       f"BN audit: {digits if digits is None else round(digits, 1)} agreeing digits of the gap")]
    lost, sup = first_underflow(btr), None
    if lost is not None:
        checks.append(SubCheck("bn_precision", False, INCONCLUSIVE,
                               f"BN gap fell below {btr.dps} digits at t = {lost}; raise --dps"))
    else:
        tb, lgb = late_gap(btr, frac)[:2]
        sup = superpoly(tb, lgb)
        converged = btr.log10["gap"][-1] <= math.log10(gap_tol)
        checks.append(SubCheck("bn_uniform_margin", converged, REFUTED if stalls(tb, lgb) else INCONCLUSIVE,
                               f"BN gap {float(btr.last('gap')):.3e} at t = {btr.t[-1]} (needs ≤ {gap_tol:g})"))
        checks.append(SubCheck("bn_superpolynomial", sup["holds"], REFUTED,
                               f"BN -ln(gap)/ln²t: {sup['first']:.4g} → {sup['last']:.4g}, min {sup['min']:.4g}"))
    bn_dir = np.array([float(v) for v in bn.direction])
    to_hat, to_mm = angle(bn_dir, lim.w_hat), angle(bn_dir, lim.w_mm)
    checks.append(SubCheck("bn_near_uniform", to_hat <= own * sep, REFUTED,
                           f"∠(BN, ŵ) = {to_hat:.3g} rad (needs ≤ {own:g}·separation)"))
    checks.append(SubCheck("bn_far_from_max", to_mm >= (1 - own) * sep, REFUTED,
                           f"∠(BN, w_mm) = {to_mm:.3g} rad (needs ≥ {1 - own:g}·separation)"))
    return BNSide(checks, digits, sup, to_hat, to_mm)


@dataclass(frozen=True)
class NoBNSide:
    checks: list[SubCheck]
    digits: float | None
    profile: dict | None  # inverse_log_profile of the angle to w_mm (None: GD diverged)
    sup: dict | None
    fits: list[rates.Fit] | None
    to_mm: float
    to_hat: float


def measure_nobn_side(nb: NoBNRun, lim: Limits, frac: float, own: float, p_tol: float, eta: str) -> NoBNSide:
    """Audit, stability, max-margin limit, 1/log t decay (not super-polynomial) of plain GD."""
    ntr, sep = nb.trajectory, lim.separation
    digits = nb.digits("angle_mm")
    checks = [SubCheck("nobn_audit", digits is not None and digits >= MIN_DIGITS, INCONCLUSIVE,
                       f"no-BN audits: {digits if digits is None else round(digits, 1)} agreeing digits of the angle")]
    if nb.diverged:
        checks.append(SubCheck("nobn_stable", False, INCONCLUSIVE, f"no-BN GD diverged with η = {eta}; use a smaller --eta"))
        return NoBNSide(checks, digits, None, None, None, math.nan, math.nan)
    tn, lgn = late_log(ntr, "angle_mm", frac)
    fits, prof, sup = rates.fit_all(tn, lgn), inverse_log_profile(tn, lgn), superpoly(tn, lgn)
    to_mm, to_hat = float(ntr.last("angle_mm")), float(ntr.last("angle_hat"))
    checks += [
        SubCheck("nobn_near_max", to_mm <= own * sep, INCONCLUSIVE,
                 f"∠(no-BN, w_mm) = {to_mm:.3g} rad at t = {ntr.t[-1]} (needs ≤ {own:g}·separation; "
                 "it closes like 1/log t, so a longer run may get there)"),
        SubCheck("nobn_far_from_uniform", to_hat >= (1 - own) * sep, REFUTED,
                 f"∠(no-BN, ŵ) = {to_hat:.3g} rad (needs ≥ {1 - own:g}·separation)"),
        SubCheck("nobn_horizon", prof["p_prev"] is not None, INCONCLUSIVE,
                 f"the no-BN late window t ∈ [{int(tn[0])}, {int(tn[-1])}] spans less than two decades; "
                 "raise --steps (≥ 10^4)"),
        SubCheck("nobn_inverse_log", inverse_log_ok(prof, p_tol), INCONCLUSIVE if prof["rising"] else REFUTED,
                 f"no-BN angle·ln t: {prof['first']:.4g} → {prof['last']:.4g}, local exponent "
                 f"{prof['p_last']} over the last decade (needs ≥ {1 - p_tol:g})"),
        SubCheck("nobn_not_superpolynomial", not sup["holds"], REFUTED,
                 f"no-BN -ln(angle)/ln²t: {sup['first']:.4g} → {sup['last']:.4g}"),
        SubCheck("nobn_family", fits[0].family == "inverse-log", INCONCLUSIVE,
                 f"best family for the no-BN angle: {fits[0].family}"),
    ]
    return NoBNSide(checks, digits, prof, sup, fits, to_mm, to_hat)


def decide_contrast(checks: list[SubCheck], verified_reason: str) -> tuple[str, str]:
    """All sub-checks hold: verified.  Otherwise :func:`~bnproof.core.verdicts.combine` of their
    verdicts (any refutation refutes, else inconclusive), with the refuting (or else all failing) ones as reason."""
    verdict = combine(c.verdict for c in checks)
    if verdict == VERIFIED:
        return verdict, verified_reason
    failed = [c for c in checks if not c.ok]
    refuting = [c for c in failed if c.on_fail == REFUTED]
    return verdict, "; ".join(f"{c.name} fails: {c.detail}" for c in (refuting or failed))


def _series(bn: Trajectory, nobn: Trajectory, b: BNSide, n: NoBNSide, lim: Limits, o: dict) -> dict:
    """BN's gap on the time axes; beside it plain GD's angles (radians, with the thresholds and the 1/log t
    reference) and -ln y/ln² t of both runs over their late windows (the two rates the verdict contrasts)."""
    ts = sorted(set(bn.t) | set(nobn.t))

    def col(tr: Trajectory, key: str) -> list:
        at = dict(zip(tr.t, tr.log10[key]))
        return [at[t] if t in at and math.isfinite(at[t]) else None for t in ts]

    frac = o["window"]
    tb = late_gap(bn, frac)[0] if b.sup is not None else []
    hints = {"spans": [Span(float(tb[0]), float(tb[-1]), "BN late window")] if len(tb) else [],
             "hlines": [HLine(math.log10(o["gap_tol"]), f"threshold: gap $\\leq$ {o['gap_tol']:g}")]}
    return TimeSeries(t=ts, log10={"bn_gap": col(bn, "gap"), "nobn_angle_mm": col(nobn, "angle_mm"),
                                   "nobn_angle_hat": col(nobn, "angle_hat")},
                      columns=None, y="bn_gap", labels={"bn_gap": "BN"}, title="BN: margin gap", rate=False,
                      ylabel=r"$\log_{10}\,\mathrm{max}_i\,|\mathrm{sign}(\gamma)\,m_i - 1|$",
                      panels=[_angle_panel(nobn, n, lim, o), *_ratio_panel(bn, nobn, b, n, frac)], **hints).to_dict()


def _angle_panel(nobn: Trajectory, n: NoBNSide, lim: Limits, o: dict) -> Panel:
    """Plain GD's angles to both limits, the thresholds own·separation, the separation and 1/log t."""
    t, own, sep = [float(v) for v in nobn.t], o["own_frac"], lim.separation
    to_mm, to_hat = values(nobn.log10["angle_mm"]), values(nobn.log10["angle_hat"])
    curves = [Curve(r"$\angle(w_t, w_{\mathrm{mm}})$", to_mm), Curve(r"$\angle(w_t, \hat w)$", to_hat)]
    if to_mm[-1] is not None and t[-1] > 1:
        curves.append(inverse_log_reference(t, t[-1], to_mm[-1], colour="C0"))
    spans = []
    if n.profile is not None:
        tn = late_log(nobn, "angle_mm", o["window"])[0]
        spans.append(Span(float(tn[0]), float(tn[-1]), "late window"))
    return Panel("no BN: angles to the two limits", "step $t$", "angle (rad)", t, curves, xscale="log", yscale="log",
                 hlines=[HLine(sep, r"separation $\angle(\hat w, w_{\mathrm{mm}})$", kind="theory"),
                         HLine(own * sep, f"thresholds: {own:g}, {1 - own:g} of it", kind="bound"),
                         HLine((1 - own) * sep, "", kind="bound")],
                 spans=spans)


def _ratio_panel(bn: Trajectory, nobn: Trajectory, b: BNSide, n: NoBNSide, frac: float) -> list[Panel]:
    """-ln y / ln² t over each run's late window: bounded below and rising for BN, falling for plain GD."""
    curves = []
    if b.sup is not None:
        tb, lgb = late_gap(bn, frac)[:2]
        curves.append(log2_ratio_curve(tb, lgb, "BN: gap (must not decrease)"))
    if n.profile is not None:
        tn, lgn = late_log(nobn, "angle_mm", frac)
        curves.append(log2_ratio_curve(tn, lgn, r"no BN: $\angle(w_t, w_{\mathrm{mm}})$ (falls: $1/\ln t$)"))
    if not curves:
        return []
    return [Panel("the two rates over the late windows", "step $t$",
                  r"$-\ln y\,/\,\ln^2 t$", [], curves, xscale="log", yscale="log")]


def _measured(bn: BNLinearRun, nb: NoBNRun, b: BNSide, n: NoBNSide, lim: Limits, checks: list[SubCheck]) -> dict:
    prof, sup = n.profile, b.sup
    return {
        "separation": f"{lim.separation:.6g}",
        "bn_direction": bn.direction,
        "nobn_direction": nb.direction,
        "bn_angle_to_uniform": f"{b.to_hat:.6g}",
        "bn_angle_to_max_margin": f"{b.to_mm:.6g}",
        "nobn_angle_to_max_margin": nb.trajectory.last("angle_mm"),
        "nobn_angle_to_uniform": nb.trajectory.last("angle_hat"),
        "bn_gap": bn.trajectory.last("gap"),
        "bn_ratio_log2": None if sup is None else f"{sup['first']:.4g} → {sup['last']:.4g}",
        "nobn_angle_times_log_t": None if prof is None else f"{prof['first']:.4g} → {prof['last']:.4g}",
        "nobn_p_last_decade": None if prof is None or prof["p_last"] is None else round(prof["p_last"], 4),
        "nobn_best_family": None if n.fits is None else n.fits[0].family,
        "alpha": None if lim.alpha is None else [round(float(a), 10) for a in lim.alpha],
        "checks": {c.name: c.ok for c in checks},
        "svm": svm_record(lim),
    }


def _expected(lim: Limits, own: float, gap_tol: float, p_tol: float, min_sep: float) -> dict:
    return {
        "separation": f"> 0 (some α_i < 0); ≥ {min_sep:g} rad",
        "bn_direction": [f"{v:.17g}" for v in lim.w_hat],
        "nobn_direction": [f"{v:.17g}" for v in lim.w_mm],
        "bn_angle_to_uniform": f"→ 0 (≤ {own:g}·separation)",
        "bn_angle_to_max_margin": f"→ separation (≥ {1 - own:g}·separation)",
        "nobn_angle_to_max_margin": f"→ 0 like 1/log t (≤ {own:g}·separation at the horizon)",
        "nobn_angle_to_uniform": f"→ separation (≥ {1 - own:g}·separation)",
        "bn_gap": f"≤ {gap_tol:g}, decaying like exp(-Ω(log² t))",
        "nobn_angle_times_log_t": f"bounded (local inverse-log exponent ≥ {1 - p_tol:g})",
        "nobn_best_family": "inverse-log",
    }


def _precision(bn: BNLinearRun, nb: NoBNRun, b: BNSide, n: NoBNSide) -> dict:
    btr, ntr = bn.trajectory, nb.trajectory
    return {"bn": precision_record(bn), "nobn": nobn_precision(nb, ["angle_mm", "angle_hat", "margin_gap"]),
            "dps": btr.dps, "context": f"{btr.ctx_name} (BN), {ntr.ctx_name} audited by flint (no BN)",
            "audit_dps": None if bn.audit is None else bn.audit.audit_dps,
            "agreeing_digits": {"bn_gap": None if b.digits is None else round(b.digits, 2),
                                "nobn_angle": None if n.digits is None else round(n.digits, 2)}}


def _options(claim: Claim, config: RunConfig) -> dict:
    """The contrast's options and parameters, validated (one-line BadInput otherwise)."""
    loss, eta = loss_and_eta(claim, config)
    check_window_params(claim, config)
    opts = {"loss": loss, "eta": eta, "steps": horizon(claim, config, 100, " for a rate over a late window"),
            "audit_steps": nobn_audit_steps(claim, config)}
    opts.update({name: claim.param(config, name) for name in
                 ("window", "p_tol", "own_frac", "gap_tol", "min_separation", "center", "enforce_assumptions")})
    if not 0 < opts["own_frac"] < 0.5:
        raise BadInput(f"--param own_frac must lie in (0, 0.5), got {opts['own_frac']}")
    return opts


def _assumptions(config: RunConfig, data: Dataset, lim: Limits, o: dict) -> Outcome | None:
    """``inapplicable`` when a limit does not exist or (enforced) the two limits coincide."""
    if lim.svm is None:
        return inapplicable(f"{lim.separable_reason}; the no-BN limit does not exist", config, data, lim)
    if lim.w_hat is None:
        return inapplicable(f"{lim.uniform_reason}; the BN limit does not exist", config, data, lim)
    sep = lim.separation
    if sep < o["min_separation"] and o["enforce_assumptions"]:
        why = ("every point is a support vector (all α_i = (D_y G⁻¹ y)_i ≥ 0), so w_mm = ŵ"
               if (not o["center"] and lim.alpha is not None and lim.alpha.min() >= 0) else
               f"angle(ŵ, w_mm) = {sep:.2e} rad < {o['min_separation']:g}")
        return inapplicable(f"the two limits coincide: {why}", config, data, lim)
    return None


def _coinciding_data(seed: int) -> Dataset:
    """A control's --data: n = 4 isotropic points in d = 400, where every point is a support vector (w_mm = ŵ)."""
    return gaussian_instance(seed, 4, 400, 1.0)


def check_contrast(claim: Claim, config: RunConfig) -> Outcome:
    r"""Same data and w0: BN → ŵ = XᵀG⁻¹y at exp(-Ω(log² t)); no BN → w_mm at O(1/log t); ∠(ŵ, w_mm) > 0.

    Source: that BN changes both the type of implicit bias and the rate is the paper's abstract
    [paper]; the comparison itself is reference notes §2-3 (T1 vs T2, check E) [recon].
    Measured: the separation ∠(ŵ, w_mm); on the BN side (10^4 steps, multiprecision, audited) the
    gap, its super-polynomial profile and the direction's angles to both limits; on the no-BN side
    (float64, audited against flint on two segments) the angles, angle·ln t and its local exponent,
    the fits; every sub-check is listed in ``measured.checks``.
    Decision: :func:`decide_contrast` -- verified iff every sub-check holds; refuted if any
    refuting sub-check fails (limits equal, BN not uniform or not super-polynomial, a direction
    nearer the other limit, no-BN decay super-polynomial or not inverse-log); else inconclusive.
    Negative controls: the roles swapped (``--param roles=swapped``: BN → w_mm, no BN → ŵ) -> refuted;
    data where every point is a support vector (``--data`` with d ≫ n isotropic)
    -> inapplicable ("the two limits coincide"), refuted with ``--param enforce_assumptions=false``;
    non-separable ``--data`` -> inapplicable; ``--param center=true`` with unbalanced labels -> inapplicable.
    """
    o = _options(claim, config)
    data = limits_instance(claim, config)
    lim = limits(data, o["center"])
    early = _assumptions(config, data, lim, o)
    if early:
        return early
    swapped = claim.param(config, "roles") == "swapped"
    # the mutated claim swaps the roles: BN's claimed limit is w_mm, plain GD's is ŵ
    claimed = replace(lim, w_hat=lim.w_mm, w_mm=lim.w_hat) if swapped else lim
    bn = _bn_side(claim, config, data)
    nb = audited_nobn_run(data, loss=o["loss"], eta=o["eta"], steps=o["steps"], arith="float64", dps=15,
                          audit=claim.param(config, "audit"), audit_dps=claim.param(config, "nobn_audit_dps"),
                          audit_steps=o["audit_steps"], per_decade=claim.param(config, "per_decade"),
                          refs={"angle_mm": claimed.w_mm, "angle_hat": claimed.w_hat}, gamma_ref=lim.svm.margin,
                          progress=config.progress, label=f"{claim.id} no-BN")
    sep, own, frac = lim.separation, o["own_frac"], o["window"]
    b = measure_bn_side(bn, claimed, frac, o["gap_tol"], own)
    n = measure_nobn_side(nb, claimed, frac, own, o["p_tol"], o["eta"])
    checks = [SubCheck("limits_differ", sep >= o["min_separation"], REFUTED,
                       f"angle(ŵ, w_mm) = {sep:.4g} rad (needs ≥ {o['min_separation']:g})")] + b.checks + n.checks
    btr, ntr = bn.trajectory, nb.trajectory
    verdict, reason = decide_contrast(checks, (
        f"BN reaches the uniform margin (gap {float(btr.last('gap')):.2e} at t = {btr.t[-1]}, "
        f"∠(BN, ŵ) = {b.to_hat:.1e}) super-polynomially fast; without BN GD approaches w_mm like 1/log t "
        f"(∠ = {n.to_mm:.3g} rad at t = {ntr.t[-1]}); the limits are {sep:.3g} rad apart"))
    if swapped:
        reason = ("roles swapped (mutated claim: BN → w_mm, no BN → ŵ; below ŵ names BN's claimed limit, "
                  f"w_mm plain GD's): {reason}")
    tolerance = {"own_frac": own, "p_tol": o["p_tol"], "gap_tol": o["gap_tol"], "min_separation": o["min_separation"],
                 "audit_min_digits": MIN_DIGITS, "window": f"last {frac:g} of the log t range"}
    params = {"seed": config.seed, "dps": btr.dps, "steps": ntr.t[-1], "bn_steps": btr.t[-1], "eta": o["eta"],
              "loss": o["loss"], "n": data.n, "d": data.d, "data": data.source, "w0": w0_note(config), "gamma0": "1",
              "center": o["center"], "bn_arith": btr.ctx_name, "nobn_arith": ntr.ctx_name,
              "audit_steps": nb.audit_steps, "per_decade": claim.param(config, "per_decade"),
              "enforce_assumptions": o["enforce_assumptions"], "roles": "swapped" if swapped else "bn-uniform"}
    return Outcome(verdict, reason, _expected(lim, own, o["gap_tol"], o["p_tol"], o["min_separation"]),
                   _measured(bn, nb, b, n, lim, checks), tolerance, params, _precision(bn, nb, b, n),
                   _series(btr, ntr, b, n, lim, o))


CONTRAST = register(Claim(
    id="cao2023.contrast", typical_s=6.8,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "separation", "bn_direction", "nobn_direction", "bn_angle_to_uniform", "bn_angle_to_max_margin",
        "nobn_angle_to_max_margin", "nobn_angle_to_uniform", "bn_gap", "bn_ratio_log2", "nobn_angle_times_log_t",
        "nobn_p_last_decade", "nobn_best_family", "alpha", "checks", "svm"
    ),
    source="abstract [paper]; the comparison: reference notes §2-3 (T1 vs T2, check E) [recon]",
    paper="cao2023",
    citation=f"{CITATION}; the no-BN baseline is {SOUDRY}",
    summary="same data, same start: BN → uniform margin at exp(-Ω(log² t)); no BN → max margin at 1/log t",
    statement=(r"\hat w_{BN}(t) \to \frac{X^\top G^{-1} y}{\|X^\top G^{-1} y\|}\ \text{at}\ e^{-\Omega(\log^2 t)}"
               r"\quad\text{vs}\quad \hat w_{GD}(t) \to \frac{w_{mm}}{\|w_{mm}\|}\ \text{at}\ O(1/\log t),"
               r"\quad \angle(X^\top G^{-1}y,\ w_{mm}) > 0"),
    confidence="recon",
    assumptions=(
        "labels y_i ∈ {±1}; data linearly separable through the origin",
        "a uniform-margin solution exists (y ∈ range X)",
        "the two limits differ: some α_i = (D_y G⁻¹ y)_i < 0, i.e. not every point is a support vector",
        "both models start from the same w0 (γ0 = 1 for BN) and use the same η and loss",
    ),
    check=check_contrast,
    params=(
        Param("n", 8, "samples in the generated instance (ignored with --data)", int, lo=1, hi=4096),
        Param("d", 12, "dimension of the generated instance (ignored with --data)", int, lo=1, hi=100_000),
        Param("w0_scale", 1.0, "‖w0‖ of the generated instance", float, lo=0, lo_open=True),
        Param("center", False, "mean-centre inside BN (the paper's convention is unconfirmed [recon])", bool),
        Param("bn_steps", 10_000, "GD steps of the BN run (also with --quick); --steps sets the no-BN horizon", int, lo=1,
              hi=10**10),
        Param("bn_arith", "flint", "arithmetic context of the BN run (at --dps digits)", str, CONTEXT_NAMES),
        Param("bn_audit_dps", 0, "digits of the BN audit rerun (0: 2·dps + 10)", int, lo=0, hi=10_000),
        Param("nobn_audit_dps", 30, "digits of the python-flint audits of the float64 no-BN run", int, lo=10,
              hi=10_000),
        Param("audit", True, "run the precision audits (a record without them cannot be verified)", bool),
        Param("audit_steps", 0, "no-BN audited segment length (0: 20000, 5000 with --quick)", int, lo=0, hi=10**10),
        Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1, hi=1000),
        Param("window", 0.5, "late window: the last fraction of the log t range", float, lo=0.1, hi=1,
              tolerance=True),
        Param("own_frac", 0.25, "each run must end within own_frac·separation of its own limit", float, lo=0,
              hi=0.5, lo_open=True, hi_open=True, tolerance=True),
        Param("p_tol", 0.25, "the no-BN angle must decay at least like (log t)^-(1 - p_tol) over the last decade",
              float, lo=0, hi=0.5, lo_open=True, tolerance=True),
        Param("gap_tol", 1e-12, "BN gap at its horizon that counts as converged", float, lo=0, hi=1e-3,
              lo_open=True, tolerance=True),
        Param("roles", "bn-uniform", "which limit each run is claimed to reach: bn-uniform (the paper: BN → ŵ, "
              "no BN → w_mm) or swapped (the mutated claim, a negative control)", str, ("bn-uniform", "swapped")),
        Param("min_separation", 1e-3, "angle(ŵ, w_mm) in rad below which the two limits count as equal", float, lo=0,
              hi=0.1, tolerance=True),
        Param("enforce_assumptions", True,
              "return `inapplicable` when an assumption fails (false: run anyway, to watch the claim fail)", bool),
    ),
    defaults={"dps": 80, "steps": 1_000_000, "eta": "0.1", "loss": "exp", "quick_steps": 100_000},
    takes_data=True,
    notes=("That BN changes both the type of implicit bias and the rate is in the abstract [paper]; the BN "
           "conventions (uncentred, γ0 = 1, same η for w and γ) and the 1/log t baseline citation are [recon]. "
           "The default instance (n = 8, d = 12) is searched from the seed so that the limits are ≥ 0.3 rad apart. "
           "Horizons: BN 10^4 steps at 80 digits (audited at 170), no BN 10^6 steps in float64 (audited against "
           "python-flint on the first and last 20000 steps)."),
    controls=(
        Control("roles swapped", STATEMENT_FLIP, "BN → w_mm and no BN → ŵ: the BN direction is far from w_mm",
                params={"roles": "swapped", "bn_steps": 3000, "window": 0.6}, options={"steps": 10_000}),
        Control("limits coincide", ASSUMPTION_DROPPED, "d ≫ n isotropic: every point is a support vector, w_mm = ŵ",
                data=_coinciding_data),
        Control("1000 steps", STARVED, "neither run has converged at t = 1000",
                params={"bn_steps": 1000}, options={"steps": 1000}),
    ),
))
