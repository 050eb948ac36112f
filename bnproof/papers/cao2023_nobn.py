r"""Cao, Zou, Li, Gu (COLT 2023): the no-BN baseline and the contrast with BN.

Claims checked here (reference notes ``shared/reference/cao2023_implicit_bias.md`` §2-3, check E):

* ``cao2023.nobn.max-margin`` -- the linear model *without* BN, f(w; x) = ⟨w, x⟩, trained by GD
  on the exponential or logistic loss, converges in direction to the ℓ2 hard-margin SVM
  direction w_mm with an angle gap of order 1/log t (Soudry, Hoffer, Nacson, Gunasekar,
  Srebro, JMLR 2018).  The paper uses it as the baseline BN improves on [paper for the
  contrast; recon that it cites Soudry et al. for the rate].
* ``cao2023.contrast`` -- on data where the two limits differ (some α_i = (D_y G⁻¹ y)_i < 0, so
  not every point is a support vector), BN and plain GD from the same start go to different
  limits -- the uniform-margin ŵ = XᵀG⁻¹y and w_mm -- and at different speeds:
  exp(-Ω(log² t)) for BN, 1/log t without it [paper: BN changes both the type of bias and the
  rate].

Pipeline: ``symbolic.linear_nobn`` (derivation) -> ``templates.nobn`` (kernels) ->
``dynamics.run`` (float64 main run, audited against python-flint) -> ``rates`` -> record.
The BN side of the contrast is :func:`bnproof.papers.cao2023.audited_run`, reused as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from bnproof.analysis import rates
from bnproof.claims import Claim, register
from bnproof.core.data import Dataset, gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES, Context, get_context
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.engines.audit import Audit, precision_audit
from bnproof.engines.runner import Trajectory, log_checkpoints, run
from bnproof.kernels.nobn import NoBNKernel, compile_nobn
from bnproof.papers import cao2023
from bnproof.solvers.svm import MaxMarginSolution, max_margin, uniform_margin_direction
from bnproof.symbolic import linear_nobn

__all__ = ["SOUDRY", "Limits", "NoBNRun", "limits", "contrast_instance", "simulate_nobn", "audited_nobn_run"]

CITATION = cao2023.CITATION
SOUDRY = ("Soudry, Hoffer, Nacson, Gunasekar, Srebro. The Implicit Bias of Gradient Descent on "
          "Separable Data. JMLR 19(70):1-57, 2018")

MIN_DIGITS = 6.0  # agreeing digits of the angle the audits must show before a verdict is drawn
KKT_TOL = 1e-6  # largest KKT residual of the SVM that still counts as a certified solution
SEARCH_SEPARATION = 0.3  # rad: the generated instance's two limits must be at least this far apart
SEARCH_ATTEMPTS = 50


# --------------------------------------------------------------------------- the two limits


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between two directions, 2·asin(‖û - v̂‖/2): accurate also for tiny angles."""
    u = np.asarray(u, float) / np.linalg.norm(u)
    v = np.asarray(v, float) / np.linalg.norm(v)
    return float(2 * math.asin(min(1.0, np.linalg.norm(u - v) / 2)))


@dataclass(frozen=True)
class Limits:
    """The two candidate limit directions on a data set, and why either may be missing."""

    svm: MaxMarginSolution | None
    separable_reason: str
    w_mm: np.ndarray | None  # unit ℓ2 max-margin direction
    w_hat: np.ndarray | None  # unit uniform-margin direction (minimum norm)
    uniform_reason: str
    alpha: np.ndarray | None  # D_y G⁻¹ y (uncentred, G invertible): w_mm = ŵ iff all α_i ≥ 0
    separation: float | None  # angle(ŵ, w_mm)

    @property
    def kkt_max(self) -> float:
        return max(self.svm.kkt.values()) if self.svm is not None else math.inf


def limits(data: Dataset, center: bool = False) -> Limits:
    """w_mm by the SVM (KKT-certified), ŵ by least norm, α = D_y G⁻¹ y (reference notes §2)."""
    try:
        svm = max_margin(data.X, data.y)
        sep_reason = f"separable through the origin, ℓ2 margin {svm.margin:.6g}"
    except BadInput as exc:  # not separable: an assumption of the theorem, not a user error
        svm, sep_reason = None, str(exc)
    ok, um_reason = cao2023.uniform_margin_exists(data, center)
    Xc = data.X - data.X.mean(axis=0) if center else data.X
    w_hat = uniform_margin_direction(Xc, data.y) if ok else None
    alpha = None
    G = data.X @ data.X.T
    if np.linalg.cond(G) < 1e12:
        alpha = data.y * np.linalg.solve(G, data.y.astype(float))
    w_mm = svm.direction if svm is not None else None
    sep = _angle(w_hat, w_mm) if (w_hat is not None and w_mm is not None) else None
    return Limits(svm, sep_reason, w_mm, w_hat, um_reason, alpha, sep)


def contrast_instance(seed: int, n: int, d: int, w0_scale: float) -> Dataset:
    """First Gaussian instance, in a sequence fixed by ``seed``, whose two limits differ clearly.

    Attempt k draws ``gaussian_instance`` with seed SeedSequence([seed, k]); it is kept when the
    data are separable, a uniform margin exists and angle(ŵ, w_mm) ≥ 0.3 rad (then some
    α_i < 0: not every point is a support vector).  Deterministic in (seed, n, d, w0_scale).
    When no attempt qualifies (e.g. n > d: no uniform margin; d ≫ n: every point a support
    vector), attempt 0 is returned and the claims' assumption checks say what fails.
    """
    if n < 2 or d < 1:
        raise BadInput(f"--param n must be >= 2 and d >= 1, got n={n}, d={d}")

    def attempt(k: int) -> Dataset:
        sub = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        return gaussian_instance(sub, n, d, w0_scale)

    if n <= d:  # with n > d a uniform margin exists for no Gaussian instance (y ∉ range X a.s.)
        for k in range(SEARCH_ATTEMPTS):
            ds = attempt(k)
            lim = limits(ds)
            if lim.separation is not None and lim.separation >= SEARCH_SEPARATION:
                return replace(ds, source=f"generated(seed={seed}, attempt={k}, n={n}, d={d}, w0_scale={w0_scale})")
    return replace(attempt(0), source=(f"generated(seed={seed}, attempt=0, n={n}, d={d}, w0_scale={w0_scale}; "
                                       f"no attempt had limits ≥ {SEARCH_SEPARATION} rad apart)"))


# --------------------------------------------------------------------------- no-BN dynamics


def simulate_nobn(data: Dataset, *, loss: str, eta: str, steps: int, ctx: Context, refs: dict[str, np.ndarray],
                  gamma_ref: float, checkpoints: list[int], start: tuple | None = None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Trajectory, NoBNKernel]:
    """Plain GD on w (as the exact (z, c) recursion) from w0, or from ``start`` (a state of any context).

    Observables: the angle between w_t and each reference direction (``refs``: name -> vector),
    the normalised-margin gap ``gamma_ref - min_i y_i⟨w_t, x_i⟩/‖w_t‖``, and the loss.
    """
    w0 = data.w0 if data.w0 is not None else np.ones(data.d)
    with ctx.scope():
        kernel = compile_nobn(linear_nobn.step_program(loss), ctx, X=data.X, y=data.y, w0=w0, eta=eta)
        packed = {name: kernel.reference(name, v) for name, v in refs.items()}
        g_ref = ctx.num(gamma_ref)
        state = kernel.initial_state() if start is None else kernel.load_state(*start)

    def observe(z, c):
        out = {name: kernel.angle(z, c, ref) for name, ref in packed.items()}
        out["margin_gap"] = kernel.margin_gap(z, c, g_ref)
        out["loss"] = kernel.loss(z)
        return out

    # float64 overflow (too large a step) must show up as non-finite values, not as warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        traj = run(ctx, kernel.step, state, steps, observe, checkpoints=checkpoints, progress=progress)
    return traj, kernel


def _state_values(kernel: NoBNKernel, state: tuple) -> tuple[list, list]:
    z, c = state
    return list(kernel.ctx.aslist(z)), list(kernel.ctx.aslist(c))


def _concat(a: Trajectory, b: Trajectory, offset: int) -> Trajectory:
    """Trajectory ``a`` followed by ``b`` (whose times count from ``offset``)."""
    out = Trajectory(ctx_name=a.ctx_name, dps=a.dps, t=a.t + [t + offset for t in b.t],
                     values={k: a.values[k] + b.values[k] for k in a.values},
                     log10={k: a.log10[k] + b.log10[k] for k in a.log10},
                     final_state=b.final_state, elapsed_s=a.elapsed_s + b.elapsed_s)
    out.steps_per_s = (offset + (b.t[-1] if b.t else 0)) / out.elapsed_s if out.elapsed_s > 0 else math.inf
    return out


def _head(tr: Trajectory, last: int) -> Trajectory:
    """The checkpoints of ``tr`` with t ≤ ``last``."""
    m = sum(1 for t in tr.t if t <= last)
    return Trajectory(ctx_name=tr.ctx_name, dps=tr.dps, t=tr.t[:m],
                      values={k: v[:m] for k, v in tr.values.items()},
                      log10={k: v[:m] for k, v in tr.log10.items()})


@dataclass(frozen=True)
class NoBNRun:
    """One run of plain GD with its precision audits."""

    data: Dataset
    loss: str
    eta: str
    trajectory: Trajectory
    audits: tuple[tuple[str, Audit], ...]  # (segment description, audit)
    weights: list[float]  # w_T in input space
    direction: list[str]  # unit w_T / ‖w_T‖
    audit_steps: int

    @property
    def diverged(self) -> bool:
        return not all(math.isfinite(v) for col in self.trajectory.log10.values() for v in col)

    def digits(self, key: str) -> float | None:
        """Agreeing digits of one observable: the minimum over all audited segments."""
        if not self.audits:
            return None
        return min(a.agreeing_digits[key] for _, a in self.audits)


def audited_nobn_run(data: Dataset, *, loss: str, eta: str, steps: int, arith: str, dps: int, audit: bool,
                     audit_dps: int, audit_steps: int, per_decade: int, refs: dict[str, np.ndarray],
                     gamma_ref: float, progress: Callable[[str, int, int], None] | None = None,
                     label: str = "no-BN") -> NoBNRun:
    """Main run in ``arith`` (float64 by default) plus two audits against python-flint.

    A flint rerun of the whole horizon would cost minutes, so the audit is in two segments,
    each compared checkpoint by checkpoint with ``precision_audit``:

    * prefix: the first ``audit_steps`` steps from w0, rerun at ``audit_dps`` digits;
    * late segment: the last ``audit_steps`` steps, rerun at ``audit_dps`` digits from the main
      run's own state at t = T - audit_steps (so it measures the round-off committed late,
      where the gradients are tiny).

    The middle is not rerun; the record says so.  A horizon ≤ 2·audit_steps is audited whole.
    """
    ctx = get_context(arith, dps)
    L = min(audit_steps, steps)
    split = steps - L if steps > 2 * L else None
    cps = set(log_checkpoints(steps, per_decade)) | {L}
    if split:
        cps.add(split)
    cps = sorted(cps)
    keys = list(refs) + ["margin_gap"]

    def bar(what: str, offset: int = 0, total: int = steps):
        if progress is None:
            return None
        return lambda t, _total: progress(f"{label} {what}", t + offset, total)

    main_label = f"({ctx.name}{'' if ctx.name == 'float64' else f', {ctx.dps} dps'})"
    common = dict(loss=loss, eta=eta, refs=refs, gamma_ref=gamma_ref)
    if split:
        tr1, kernel = simulate_nobn(data, steps=split, ctx=ctx, checkpoints=[t for t in cps if t <= split],
                                    progress=bar(main_label), **common)
        tr2, _ = simulate_nobn(data, steps=L, ctx=ctx, checkpoints=[t - split for t in cps if t > split],
                               start=_state_values(kernel, tr1.final_state),
                               progress=bar(main_label, split), **common)
        traj = _concat(tr1, tr2, split)
    else:
        traj, kernel = simulate_nobn(data, steps=steps, ctx=ctx, checkpoints=cps, progress=bar(main_label), **common)
    audits: list[tuple[str, Audit]] = []
    if audit:
        actx = cao2023._audit_context(ctx, audit_dps)
        what = f"audit ({actx.name}, {actx.dps} dps)"
        head = _head(traj, L)
        rerun, _ = simulate_nobn(data, steps=L, ctx=actx, checkpoints=head.t, progress=bar(what, 0, L), **common)
        audits.append((f"t ∈ [0, {L}] rerun from w0" if split else f"whole run t ∈ [0, {steps}]",
                       precision_audit(head, rerun, keys)))
        if split:
            late, _ = simulate_nobn(data, steps=L, ctx=actx, checkpoints=tr2.t,
                                    start=_state_values(kernel, tr1.final_state), progress=bar(what, 0, L), **common)
            audits.append((f"t ∈ [{split}, {steps}] rerun from the main run's state at t = {split}",
                           precision_audit(tr2, late, keys)))
    with ctx.scope():
        w = kernel.weights(traj.final_state[1])
        wf = np.array([ctx.to_float(v) for v in w])
        norm = float(np.linalg.norm(wf))
        direction = [f"{v / norm:.17g}" for v in wf] if norm > 0 and np.isfinite(norm) else []
    return NoBNRun(data=data, loss=loss, eta=eta, trajectory=traj, audits=tuple(audits),
                   weights=[float(v) for v in wf], direction=direction, audit_steps=L)


def _nobn_precision(res: NoBNRun, keys: list[str]) -> dict:
    tr = res.trajectory
    out: dict[str, Any] = {"dps": tr.dps, "context": tr.ctx_name, "steps_per_s": round(tr.steps_per_s, 1)}
    if not res.audits:
        out.update(audit_dps=None, agreeing_digits=None, note="audit disabled: cannot verify")
        return out
    out.update(
        audit_dps=res.audits[0][1].audit_dps,
        agreeing_digits={k: round(res.digits(k), 2) for k in keys},
        audits=[{"segment": seg, **a.to_dict()} for seg, a in res.audits],
        method=("float64 is adequate for an angle that decays like 1/log t (no cancellation floor at "
                "1e-3 rad); it is audited against python-flint midpoints on a prefix of the run and on "
                "the late segment restarted from the float64 state, checkpoint by checkpoint"),
    )
    if len(res.audits) > 1:
        first_end = res.audit_steps
        late_start = tr.t[-1] - res.audit_steps
        out["unaudited"] = (f"t ∈ ({first_end}, {late_start}) is not rerun. GD on this convex loss is "
                            f"non-expansive in w once η·(local smoothness) ≤ 2, which holds late as the loss "
                            f"vanishes, so round-off is not amplified: it adds up to at most ~t·1e-16 relative "
                            f"(≈ {late_start * 1.1e-16:.0e} at the horizon), far below the angle")
    return out


# --------------------------------------------------------------------------- rate analysis


def _late(tr: Trajectory, key: str, frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Late-window checkpoints t ≥ 2 and ln of observable ``key`` (from the recorded log10)."""
    t = np.array(tr.t, dtype=float)
    lg = np.array(tr.log10[key], dtype=float) * math.log(10)
    keep = t >= 2
    t, lg = t[keep], lg[keep]
    mask = rates.late_window(t, frac)
    if int(mask.sum()) < MIN_WINDOW_POINTS:
        raise BadInput(f"the late window holds only {int(mask.sum())} checkpoints (need {MIN_WINDOW_POINTS}); "
                       "raise --steps, --param window or --param per_decade")
    return t[mask], lg[mask]


MIN_WINDOW_POINTS = 8


def _check_common(claim: Claim, config: RunConfig) -> None:
    """One-line errors for parameter values outside their meaningful range."""
    window, p_tol = claim.param(config, "window"), claim.param(config, "p_tol")
    if not 0 < window <= 1:
        raise BadInput(f"--param window must lie in (0, 1], got {window}")
    if not 0 < p_tol < 1:
        raise BadInput(f"--param p_tol must lie in (0, 1), got {p_tol}")
    if claim.param(config, "per_decade") < 2:
        raise BadInput(f"--param per_decade must be at least 2, got {claim.param(config, 'per_decade')}")
    for name in ("audit_dps", "nobn_audit_dps", "bn_audit_dps"):
        if any(p.name == name for p in claim.params):
            value = claim.param(config, name)
            if value and value < 16:
                raise BadInput(f"--param {name} must be at least 16 digits (or 0 for the default), got {value}")


def _inverse_log_profile(t: np.ndarray, log_gap: np.ndarray) -> dict:
    r"""Is gap = O(1/log t)?  P(t) = gap·ln t over the window, and the local exponent p_last.

    Soudry et al.: w_t = w_mm·ln t + ρ_t with ρ_t bounded, so the angle behaves like
    A/(B ln t + D): P(t) → A/B, from above or from below depending on the sign of D.  A growing
    P is therefore *not* by itself a violation (it may be rising to its limit), but the local
    exponent p = -d ln gap / d ln ln t tends to 1 either way, while it stays < 1 for a slower
    decay (p → 0 when the direction converges elsewhere; 1 - 1/ln ln t for log log t / log t).
    ``p_last`` is the inverse-log exponent fitted (``rates.fit_inverse_log``) on the last decade
    of t in the window, ``p_prev`` on the decade before.  A p_last still rising by more than
    ``P_RISING`` (a transient that approaches from below) is not evidence against the claim.
    """
    P = np.exp(log_gap) * np.log(t)

    def p_on(mask: np.ndarray) -> float | None:
        return float(rates.fit_inverse_log(t[mask], log_gap[mask]).params["p"]) if int(mask.sum()) >= 3 else None

    p_last = p_on(t >= t[-1] / 10)
    p_prev = p_on((t >= t[-1] / 100) & (t <= t[-1] / 10))
    return {"first": float(P[0]), "last": float(P[-1]), "max": float(P.max()), "p_last": p_last,
            "p_prev": p_prev,
            "rising": p_last is not None and p_prev is not None and p_last > p_prev + P_RISING}


P_RISING = 0.05  # rise of the local exponent between the last two decades that marks a transient


def _p_ok(prof: dict, p_tol: float) -> bool:
    return prof["p_last"] is not None and prof["p_last"] >= 1 - p_tol


def _fit_summary(fits: list[rates.Fit]) -> dict:
    best = fits[0]
    inv = next(f for f in fits if f.family == "inverse-log")
    return {"best_family": best.family, "p_inverse_log": round(inv.params["p"], 4),
            "p_inverse_log_stderr": round(inv.stderr["p"], 4), "fits": [f.to_dict() for f in fits]}


def _superpoly(t: np.ndarray, log_gap: np.ndarray) -> dict:
    """The exp(-c log² t) test of ``cao2023.linear.rate``: -ln gap / ln² t bounded below, not decreasing."""
    prof = rates.ratio_profile(t, log_gap, 2.0)
    return {**prof, "holds": bool(prof["min"] > 0 and prof["nondecreasing"])}


# --------------------------------------------------------------------------- shared option handling


def _loss_eta(claim: Claim, config: RunConfig) -> tuple[str, str]:
    # same loss family as the BN model: one validation for every Cao claim
    from bnproof.papers.cao2023 import loss_and_eta

    return loss_and_eta(claim, config)


def _horizon(claim: Claim, config: RunConfig) -> int:
    steps = int(claim.defaults["quick_steps"] if config.quick and config.steps is None
                else claim.option(config, "steps"))
    if steps < 100:
        raise BadInput(f"--steps must be at least 100 for a rate over a late window, got {steps}")
    return steps


def _audit_steps(claim: Claim, config: RunConfig) -> int:
    value = claim.param(config, "audit_steps")
    if value < 0:
        raise BadInput(f"--param audit_steps must be >= 0, got {value}")
    return value or (5_000 if config.quick else 20_000)


def _instance(claim: Claim, config: RunConfig) -> Dataset:
    if config.data is not None:
        return config.data
    return contrast_instance(config.seed, claim.param(config, "n"), claim.param(config, "d"),
                             claim.param(config, "w0_scale"))


def _w0_note(config: RunConfig) -> str:
    if config.data is None:
        return "generated from the seed"
    return "from --data" if config.data.w0 is not None else "ones(d) (no w0 in --data)"


def _svm_record(lim: Limits) -> dict:
    svm = lim.svm
    out = {"solver": svm.solver, "margin": f"{svm.margin:.15g}", "support_vectors": int(svm.support.sum()),
           "kkt": {k: float(f"{v:.3g}") for k, v in svm.kkt.items()}}
    if lim.alpha is not None:
        out["alpha_uniform"] = [round(float(a), 10) for a in lim.alpha]
    return out


def _inapplicable(why: str, config: RunConfig, data: Dataset, lim: Limits | None = None) -> Outcome:
    measured = {}
    if lim is not None and lim.alpha is not None:
        measured["alpha"] = [round(float(a), 10) for a in lim.alpha]
    if lim is not None and lim.separation is not None:
        measured["separation"] = f"{lim.separation:.6g}"
    return Outcome(INAPPLICABLE, f"assumption violated: {why}", expected={}, measured=measured,
                   params={"seed": config.seed, "n": data.n, "d": data.d, "data": data.source})


# --------------------------------------------------------------------------- claim 1: max margin


def check_max_margin(claim: Claim, config: RunConfig) -> Outcome:
    loss, eta = _loss_eta(claim, config)
    _check_common(claim, config)
    limit = claim.param(config, "limit")
    claim_rate = claim.param(config, "claim_rate")
    frac, p_tol = claim.param(config, "window"), claim.param(config, "p_tol")
    steps, audit_steps = _horizon(claim, config), _audit_steps(claim, config)
    arith = claim.param(config, "arith")
    dps = int(claim.option(config, "dps"))
    if arith != "float64" and dps < 15:
        raise BadInput(f"--dps must be at least 15, got {dps}")
    data = _instance(claim, config)
    lim = limits(data)
    if lim.svm is None:  # nothing to converge to: the theorem does not apply (and cannot be run)
        return _inapplicable(lim.separable_reason, config, data, lim)
    if limit == "uniform-margin" and lim.w_hat is None:
        return _inapplicable(lim.uniform_reason, config, data, lim)
    target = lim.w_mm if limit == "max-margin" else lim.w_hat
    refs = {"angle": target, "angle_mm": lim.w_mm}
    if lim.w_hat is not None:
        refs["angle_hat"] = lim.w_hat
    res = audited_nobn_run(data, loss=loss, eta=eta, steps=steps, arith=arith, dps=dps,
                           audit=claim.param(config, "audit"),
                           audit_dps=claim.param(config, "audit_dps") or (30 if arith == "float64" else 2 * dps + 10),
                           audit_steps=audit_steps, per_decade=claim.param(config, "per_decade"), refs=refs,
                           gamma_ref=lim.svm.margin, progress=config.progress, label=claim.id)
    tr = res.trajectory
    params = {"seed": config.seed, "steps": tr.t[-1], "eta": eta, "loss": loss, "n": data.n, "d": data.d,
              "data": data.source, "w0": _w0_note(config), "arith": tr.ctx_name, "dps": tr.dps,
              "limit": limit, "claim_rate": claim_rate, "window": frac, "p_tol": p_tol,
              "audit_steps": res.audit_steps, "per_decade": claim.param(config, "per_decade")}
    precision = _nobn_precision(res, list(refs) + ["margin_gap"])
    series = _nobn_series(tr, list(refs), limit)
    target_name = "ℓ2 max-margin direction w_mm" if limit == "max-margin" else "uniform-margin direction ŵ"
    if res.diverged:
        return Outcome(INCONCLUSIVE, f"GD diverged (non-finite values) with η = {eta}; use a smaller --eta",
                       expected={}, measured={}, params=params, precision=precision, series=series)
    if lim.kkt_max > KKT_TOL:
        return Outcome(INCONCLUSIVE, f"the SVM solution is not certified (largest KKT residual "
                       f"{lim.kkt_max:.2e} > {KKT_TOL:g})", expected={}, measured={"svm": _svm_record(lim)},
                       params=params, precision=precision, series=series)
    t, lg = _late(tr, "angle", frac)
    fits = rates.fit_all(t, lg)
    prof = _inverse_log_profile(t, lg)
    sup = _superpoly(t, lg)
    digits = res.digits("angle")
    angle_T = float(tr.last("angle"))
    measured = {
        "direction": res.direction,
        "angle_to_max_margin": tr.last("angle_mm"),
        "angle_to_limit": tr.last("angle"),
        "angle_to_uniform_margin": tr.last("angle_hat") if "angle_hat" in refs else None,
        "angle_times_log_t": f"{prof['first']:.4g} → {prof['last']:.4g} (max {prof['max']:.4g})",
        "p_last_decade": None if prof["p_last"] is None else round(prof["p_last"], 4),
        "p_previous_decade": None if prof["p_prev"] is None else round(prof["p_prev"], 4),
        **_fit_summary(fits),
        "ratio_log2": f"{sup['first']:.4g} → {sup['last']:.4g}, "
                      f"{'not decreasing' if sup['nondecreasing'] else 'decreasing'}",
        "margin_gap": tr.last("margin_gap"),
        "margin_gap_times_log_t": f"{float(tr.last('margin_gap')) * math.log(tr.t[-1]):.4g}",
        "separation_uniform_vs_max": None if lim.separation is None else f"{lim.separation:.6g}",
        "window": [int(t[0]), int(t[-1])],
        "svm": _svm_record(lim),
    }
    expected = {
        "direction": [f"{v:.17g}" for v in target],
        "angle_to_limit": "→ 0",
        "angle_times_log_t": "bounded" if claim_rate == "inverse-log" else "→ 0",
        "p_last_decade": (f"≥ {1 - p_tol:g} (→ 1 for a 1/log t decay)" if claim_rate == "inverse-log"
                          else "grows without bound"),
        "best_family": "inverse-log" if claim_rate == "inverse-log" else "exp-polylog",
        "ratio_log2": ("decreasing (not super-polynomial)" if claim_rate == "inverse-log"
                       else "-ln(angle)/ln²t ≥ c > 0, not decreasing (mutated claim exp(-c·log² t))"),
    }
    tolerance = {"p_tol": p_tol, "audit_min_digits": MIN_DIGITS, "kkt_max": KKT_TOL,
                 "window": f"last {frac:g} of the log t range"}
    win = f"t ∈ [{int(t[0])}, {int(t[-1])}]"
    if digits is None or digits < MIN_DIGITS:
        verdict, reason = INCONCLUSIVE, ("precision audit disabled" if digits is None else
                                         f"precision audit shows only {digits:.1f} agreeing digits of the angle")
    elif prof["p_prev"] is None:
        verdict, reason = INCONCLUSIVE, (f"the late window {win} spans less than two decades of t: too short to judge "
                                         f"an asymptotic rate; raise --steps (≥ 10^4)")
    elif claim_rate == "exp-log2":
        if sup["holds"]:
            verdict, reason = VERIFIED, (f"-ln(angle)/ln²t stays ≥ {sup['min']:.4g} and does not decrease over {win}")
        else:
            verdict, reason = REFUTED, (f"the angle to the {target_name} does not decay like exp(-c·log² t): "
                                        f"-ln(angle)/ln²t falls from {sup['first']:.4g} to {sup['last']:.4g} over "
                                        f"{win}; best family {fits[0].family}")
    elif not _p_ok(prof, p_tol) and prof["rising"]:
        verdict, reason = INCONCLUSIVE, (f"the angle to the {target_name} decays like (log t)^-{prof['p_last']:.3g} over "
                                         f"the last decade (needs exponent ≥ {1 - p_tol:g}) but the exponent is still "
                                         f"rising (from {prof['p_prev']:.3g} a decade earlier); run longer")
    elif not _p_ok(prof, p_tol):
        verdict, reason = REFUTED, (f"the angle to the {target_name} is not O(1/log t): it is {angle_T:.4g} rad at "
                                    f"t = {tr.t[-1]} and decays like (log t)^-{prof['p_last']:.3g} over the last decade "
                                    f"(needs exponent ≥ {1 - p_tol:g}); angle·ln t {prof['first']:.3g} → {prof['last']:.3g}")
    elif fits[0].family != "inverse-log":
        verdict, reason = INCONCLUSIVE, (f"the angle decays like (log t)^-{prof['p_last']:.3g} over the last decade, but "
                                         f"{fits[0].family} fits it better than inverse-log over {win}: the 1/log t "
                                         f"behaviour is in doubt (a transient? try a shorter --param window)")
    else:
        verdict, reason = VERIFIED, (f"the angle to the {target_name} falls to {angle_T:.4g} rad at t = {tr.t[-1]}; "
                                     f"angle·ln t {prof['first']:.3g} → {prof['last']:.3g} over {win}, local exponent "
                                     f"{prof['p_last']:.3g} ≥ {1 - p_tol:g} over the last decade, and inverse-log is the "
                                     f"best fit (p = {fits[0].params['p']:.3f}); audit: {digits:.1f} digits agree")
    return Outcome(verdict, reason, expected, measured, tolerance, params, precision, series)


def _nobn_series(tr: Trajectory, angle_keys: list[str], limit: str) -> dict:
    cols = angle_keys + ["margin_gap"]
    claimed = "w_mm" if limit == "max-margin" else "ŵ"
    labels = {"angle": f"∠(w_t, {claimed}) (claimed limit)", "angle_mm": "∠(w_t, w_mm)", "angle_hat": "∠(w_t, ŵ)",
              "margin_gap": "γ_mm − min_i y_i⟨w_t,x_i⟩/‖w_t‖"}
    # the claimed limit is w_mm by default: do not draw the same curve twice
    shown = [k for k in cols if not (k == "angle_mm" and tr.values["angle"] == tr.values["angle_mm"])]
    return {
        "t": tr.t,
        "columns": {k: tr.values[k] for k in cols},
        "log10": {k: [v if math.isfinite(v) else None for v in tr.log10[k]] for k in cols},
        "plot": {"x": "t", "y": shown, "labels": {k: labels[k] for k in shown}, "xscale": "log",
                 "yscale": "log10", "title": "GD without BN"},
    }


_NOBN_PARAMS = (
    Param("n", 8, "samples in the generated instance (ignored with --data)", int),
    Param("d", 12, "dimension of the generated instance (ignored with --data)", int),
    Param("w0_scale", 1.0, "‖w0‖ of the generated instance", float, lo=0, lo_open=True),
    Param("audit", True, "run the precision audits (a record without them cannot be verified)", bool),
    Param("audit_dps", 0, "digits of the python-flint audit reruns (0: 30 for a float64 main run, else 2·dps+10)", int, lo=0),
    Param("audit_steps", 0, "length of each audited segment (prefix and late; 0: 20000, 5000 with --quick)", int, lo=0),
    Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1),
    Param("window", 0.5, "late window: the last fraction of the log t range", float, lo=0, hi=1, lo_open=True),
    Param("p_tol", 0.25, "the angle must decay at least like (log t)^-(1 - p_tol) over the last decade of t", float, lo=0, hi=1, hi_open=True),
)

MAX_MARGIN = register(Claim(
    id="cao2023.nobn.max-margin",
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
    params=_NOBN_PARAMS + (
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
))


# --------------------------------------------------------------------------- claim 2: the contrast

_BN_PARAM_NAMES = {"center": "center", "bn_arith": "arith", "bn_audit_dps": "audit_dps", "audit": "audit",
                   "per_decade": "per_decade"}


def _bn_side(claim: Claim, config: RunConfig, data: Dataset) -> cao2023.BNLinearRun:
    """The BN linear model on the same data and w0, via ``cao2023.audited_run`` (not a copy of it)."""
    bn_steps = claim.param(config, "bn_steps") or 10_000
    if bn_steps < 100:
        raise BadInput(f"--param bn_steps must be at least 100, got {bn_steps}")
    bn_claim = replace(claim, params=cao2023._MODEL_PARAMS,
                       defaults={**cao2023._DEFAULTS, "dps": claim.defaults["dps"], "steps": bn_steps,
                                 "quick_steps": bn_steps})
    bn_params = {bn: str(claim.param(config, ours)) for ours, bn in _BN_PARAM_NAMES.items()}
    return cao2023.audited_run(bn_claim, replace(config, steps=None, params=bn_params), data)


@dataclass(frozen=True)
class _Check:
    name: str
    ok: bool
    on_fail: str  # REFUTED or INCONCLUSIVE
    detail: str


def _contrast_series(bn: Trajectory, nobn: Trajectory) -> dict:
    ts = sorted(set(bn.t) | set(nobn.t))

    def col(tr: Trajectory, key: str) -> list:
        at = dict(zip(tr.t, tr.log10[key]))
        return [at[t] if t in at and math.isfinite(at[t]) else None for t in ts]

    labels = {"bn_gap": "BN: max_i |sign(γ)m_i − 1|", "nobn_angle_mm": "no BN: ∠(w_t, w_mm)",
              "nobn_angle_hat": "no BN: ∠(w_t, ŵ)"}
    return {
        "t": ts,
        "log10": {"bn_gap": col(bn, "gap"), "nobn_angle_mm": col(nobn, "angle_mm"),
                  "nobn_angle_hat": col(nobn, "angle_hat")},
        "plot": {"x": "t", "y": list(labels), "labels": labels, "xscale": "log", "yscale": "log10",
                 "title": "BN → uniform margin (fast); no BN → max margin (1/log t)"},
    }


def check_contrast(claim: Claim, config: RunConfig) -> Outcome:
    loss, eta = _loss_eta(claim, config)
    _check_common(claim, config)
    steps, audit_steps = _horizon(claim, config), _audit_steps(claim, config)
    frac, p_tol = claim.param(config, "window"), claim.param(config, "p_tol")
    own, gap_tol = claim.param(config, "own_frac"), claim.param(config, "gap_tol")
    min_sep, center = claim.param(config, "min_separation"), claim.param(config, "center")
    enforce = claim.param(config, "enforce_assumptions")
    if not 0 < own < 0.5:
        raise BadInput(f"--param own_frac must lie in (0, 0.5), got {own}")
    data = _instance(claim, config)
    lim = limits(data, center)
    if lim.svm is None:
        return _inapplicable(f"{lim.separable_reason}; the no-BN limit does not exist", config, data, lim)
    if lim.w_hat is None:
        return _inapplicable(f"{lim.uniform_reason}; the BN limit does not exist", config, data, lim)
    sep = lim.separation
    if sep < min_sep and enforce:
        why = ("every point is a support vector (all α_i = (D_y G⁻¹ y)_i ≥ 0), so w_mm = ŵ"
               if (not center and lim.alpha is not None and lim.alpha.min() >= 0) else
               f"angle(ŵ, w_mm) = {sep:.2e} rad < {min_sep:g}")
        return _inapplicable(f"the two limits coincide: {why}", config, data, lim)
    bn = _bn_side(claim, config, data)
    nb = audited_nobn_run(data, loss=loss, eta=eta, steps=steps, arith="float64", dps=15,
                          audit=claim.param(config, "audit"), audit_dps=claim.param(config, "nobn_audit_dps"),
                          audit_steps=audit_steps, per_decade=claim.param(config, "per_decade"),
                          refs={"angle_mm": lim.w_mm, "angle_hat": lim.w_hat}, gamma_ref=lim.svm.margin,
                          progress=config.progress, label=f"{claim.id} no-BN")
    btr, ntr = bn.trajectory, nb.trajectory
    checks: list[_Check] = [_Check("limits_differ", sep >= min_sep, REFUTED,
                                   f"angle(ŵ, w_mm) = {sep:.4g} rad (needs ≥ {min_sep:g})")]
    # --- BN side: uniform margin, super-polynomially fast
    bn_digits = None if bn.audit is None else bn.audit.agreeing_digits["gap"]
    checks.append(_Check("bn_audit", bn_digits is not None and bn_digits >= MIN_DIGITS, INCONCLUSIVE,
                         f"BN audit: {bn_digits if bn_digits is None else round(bn_digits, 1)} agreeing digits of the gap"))
    lost = cao2023._underflow(btr)
    bn_gap_log10 = btr.log10["gap"][-1]
    if lost is not None:
        checks.append(_Check("bn_precision", False, INCONCLUSIVE,
                             f"BN gap fell below {btr.dps} digits at t = {lost}; raise --dps"))
        bn_sup = None
    else:
        tb, lgb = cao2023._late(btr, frac)[:2]
        bn_sup = _superpoly(tb, lgb)
        converged = bn_gap_log10 <= math.log10(gap_tol)
        checks.append(_Check("bn_uniform_margin", converged,
                             REFUTED if cao2023._stalls(tb, lgb) else INCONCLUSIVE,
                             f"BN gap {float(btr.last('gap')):.3e} at t = {btr.t[-1]} (needs ≤ {gap_tol:g})"))
        checks.append(_Check("bn_superpolynomial", bn_sup["holds"], REFUTED,
                             f"BN -ln(gap)/ln²t: {bn_sup['first']:.4g} → {bn_sup['last']:.4g}, min {bn_sup['min']:.4g}"))
    bn_dir = np.array([float(v) for v in bn.direction])
    bn_to_hat, bn_to_mm = _angle(bn_dir, lim.w_hat), _angle(bn_dir, lim.w_mm)
    checks.append(_Check("bn_near_uniform", bn_to_hat <= own * sep, REFUTED,
                         f"∠(BN, ŵ) = {bn_to_hat:.3g} rad (needs ≤ {own:g}·separation)"))
    checks.append(_Check("bn_far_from_max", bn_to_mm >= (1 - own) * sep, REFUTED,
                         f"∠(BN, w_mm) = {bn_to_mm:.3g} rad (needs ≥ {1 - own:g}·separation)"))
    # --- no-BN side: max margin, like 1/log t
    nb_digits = nb.digits("angle_mm")
    checks.append(_Check("nobn_audit", nb_digits is not None and nb_digits >= MIN_DIGITS, INCONCLUSIVE,
                         f"no-BN audits: {nb_digits if nb_digits is None else round(nb_digits, 1)} agreeing digits of the angle"))
    if nb.diverged:
        checks.append(_Check("nobn_stable", False, INCONCLUSIVE, f"no-BN GD diverged with η = {eta}; use a smaller --eta"))
        nb_prof = nb_sup = fits = None
        nb_to_mm = nb_to_hat = math.nan
    else:
        tn, lgn = _late(ntr, "angle_mm", frac)
        fits, nb_prof, nb_sup = rates.fit_all(tn, lgn), _inverse_log_profile(tn, lgn), _superpoly(tn, lgn)
        nb_to_mm, nb_to_hat = float(ntr.last("angle_mm")), float(ntr.last("angle_hat"))
        checks.append(_Check("nobn_near_max", nb_to_mm <= own * sep, INCONCLUSIVE,
                             f"∠(no-BN, w_mm) = {nb_to_mm:.3g} rad at t = {ntr.t[-1]} (needs ≤ {own:g}·separation; "
                             "it closes like 1/log t, so a longer run may get there)"))
        checks.append(_Check("nobn_far_from_uniform", nb_to_hat >= (1 - own) * sep, REFUTED,
                             f"∠(no-BN, ŵ) = {nb_to_hat:.3g} rad (needs ≥ {1 - own:g}·separation)"))
        checks.append(_Check("nobn_horizon", nb_prof["p_prev"] is not None, INCONCLUSIVE,
                             f"the no-BN late window t ∈ [{int(tn[0])}, {int(tn[-1])}] spans less than two decades; "
                             "raise --steps (≥ 10^4)"))
        checks.append(_Check("nobn_inverse_log", _p_ok(nb_prof, p_tol), INCONCLUSIVE if nb_prof["rising"] else REFUTED,
                             f"no-BN angle·ln t: {nb_prof['first']:.4g} → {nb_prof['last']:.4g}, local exponent "
                             f"{nb_prof['p_last']} over the last decade (needs ≥ {1 - p_tol:g})"))
        checks.append(_Check("nobn_not_superpolynomial", not nb_sup["holds"], REFUTED,
                             f"no-BN -ln(angle)/ln²t: {nb_sup['first']:.4g} → {nb_sup['last']:.4g}"))
        checks.append(_Check("nobn_family", fits[0].family == "inverse-log", INCONCLUSIVE,
                             f"best family for the no-BN angle: {fits[0].family}"))
    failed = [c for c in checks if not c.ok]
    if not failed:
        verdict = VERIFIED
        reason = (f"BN reaches the uniform margin (gap {float(btr.last('gap')):.2e} at t = {btr.t[-1]}, "
                  f"∠(BN, ŵ) = {bn_to_hat:.1e}) super-polynomially fast; without BN GD approaches w_mm like 1/log t "
                  f"(∠ = {nb_to_mm:.3g} rad at t = {ntr.t[-1]}); the limits are {sep:.3g} rad apart")
    else:
        refuting = [c for c in failed if c.on_fail == REFUTED]
        verdict = REFUTED if refuting else INCONCLUSIVE
        reason = "; ".join(f"{c.name} fails: {c.detail}" for c in (refuting or failed))
    measured = {
        "separation": f"{sep:.6g}",
        "bn_direction": bn.direction,
        "nobn_direction": nb.direction,
        "bn_angle_to_uniform": f"{bn_to_hat:.6g}",
        "bn_angle_to_max_margin": f"{bn_to_mm:.6g}",
        "nobn_angle_to_max_margin": ntr.last("angle_mm"),
        "nobn_angle_to_uniform": ntr.last("angle_hat"),
        "bn_gap": btr.last("gap"),
        "bn_ratio_log2": None if bn_sup is None else f"{bn_sup['first']:.4g} → {bn_sup['last']:.4g}",
        "nobn_angle_times_log_t": None if nb_prof is None else f"{nb_prof['first']:.4g} → {nb_prof['last']:.4g}",
        "nobn_p_last_decade": None if nb_prof is None or nb_prof["p_last"] is None else round(nb_prof["p_last"], 4),
        "nobn_best_family": None if fits is None else fits[0].family,
        "alpha": None if lim.alpha is None else [round(float(a), 10) for a in lim.alpha],
        "checks": {c.name: c.ok for c in checks},
        "svm": _svm_record(lim),
    }
    expected = {
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
    tolerance = {"own_frac": own, "p_tol": p_tol, "gap_tol": gap_tol, "min_separation": min_sep,
                 "audit_min_digits": MIN_DIGITS, "window": f"last {frac:g} of the log t range"}
    params = {"seed": config.seed, "dps": btr.dps, "steps": ntr.t[-1], "bn_steps": btr.t[-1], "eta": eta,
              "loss": loss, "n": data.n, "d": data.d, "data": data.source, "w0": _w0_note(config), "gamma0": "1",
              "center": center, "bn_arith": btr.ctx_name, "nobn_arith": ntr.ctx_name,
              "audit_steps": nb.audit_steps, "per_decade": claim.param(config, "per_decade"),
              "enforce_assumptions": enforce}
    precision = {"bn": cao2023._precision_record(bn), "nobn": _nobn_precision(nb, ["angle_mm", "angle_hat", "margin_gap"]),
                 "dps": btr.dps, "context": f"{btr.ctx_name} (BN), {ntr.ctx_name} audited by flint (no BN)", "audit_dps": None if bn.audit is None else bn.audit.audit_dps,
                 "agreeing_digits": {"bn_gap": None if bn_digits is None else round(bn_digits, 2),
                                     "nobn_angle": None if nb_digits is None else round(nb_digits, 2)}}
    return Outcome(verdict, reason, expected, measured, tolerance, params, precision, _contrast_series(btr, ntr))


CONTRAST = register(Claim(
    id="cao2023.contrast",
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
        Param("n", 8, "samples in the generated instance (ignored with --data)", int),
        Param("d", 12, "dimension of the generated instance (ignored with --data)", int),
        Param("w0_scale", 1.0, "‖w0‖ of the generated instance", float, lo=0, lo_open=True),
        Param("center", False, "mean-centre inside BN (the paper's convention is unconfirmed [recon])", bool),
        Param("bn_steps", 10_000, "GD steps of the BN run (also with --quick); --steps sets the no-BN horizon", int, lo=1),
        Param("bn_arith", "flint", "arithmetic context of the BN run (at --dps digits)", str, CONTEXT_NAMES),
        Param("bn_audit_dps", 0, "digits of the BN audit rerun (0: 2·dps + 10)", int, lo=0),
        Param("nobn_audit_dps", 30, "digits of the python-flint audits of the float64 no-BN run", int, lo=10),
        Param("audit", True, "run the precision audits (a record without them cannot be verified)", bool),
        Param("audit_steps", 0, "no-BN audited segment length (0: 20000, 5000 with --quick)", int, lo=0),
        Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1),
        Param("window", 0.5, "late window: the last fraction of the log t range", float, lo=0, hi=1, lo_open=True),
        Param("own_frac", 0.25, "each run must end within own_frac·separation of its own limit", float, lo=0, lo_open=True),
        Param("p_tol", 0.25, "the no-BN angle must decay at least like (log t)^-(1 - p_tol) over the last decade", float, lo=0, hi=1, hi_open=True),
        Param("gap_tol", 1e-12, "BN gap at its horizon that counts as converged", float, lo=0, lo_open=True),
        Param("min_separation", 1e-3, "angle(ŵ, w_mm) in rad below which the two limits count as equal", float, lo=0),
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
))
