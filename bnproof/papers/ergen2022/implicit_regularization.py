r"""``ergen2022.implicit-regularization`` [recon]: which convex model mimics what GD finds?

The paper encodes GD's algorithmic bias on the BN network in its convex model (reference
notes §4: [paper] that it does so; [recon] how).  The reading tested here (§6.4 (c)):
sampling the activation patterns the way GD "sees" the data, D = 1[P_c X h + c α 1 ≥ 0] with
h ~ N(0, I_d) (so a = ΣVᵀh ~ N(0, Σ²), weighted towards the top singular directions), gives a
convex model closer to the GD-trained network than isotropic sampling in whitened
coordinates, D = 1[Ũ g ≥ 0] with g ~ N(0, I).  A refutation is evidence against this
*reading*, not against the paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, interval_verdict
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    GD_ETA,
    beta_param,
    count_param,
    gd_step_count,
    random_orthogonal,
    shift_param,
    spectrum_param,
    spread_spectrum,
)
from bnproof.solvers import group_lasso as cv

__all__ = ["SAMPLINGS", "teacher_instance", "sample_patterns", "sampled_model", "one_seed", "Setup", "read_setup",
           "measure_implicit_regularization", "power", "seeds_for_power", "power_report", "decide_implicit_regularization", "check_implicit_regularization"]

SAMPLINGS = ("whitened", "raw")  # g ~ N(0, I) on Ũ (isotropic); h ~ N(0, I_d) on the data (GD-like)
TEACHER_NOISE = 0.1
BOUND_PATTERNS = 100  # sampled patterns (with GD's own) of the cheap upper bound on the convex optimum


def teacher_instance(rng: np.random.Generator, n: int, n_test: int, sigma: np.ndarray, noise: float = TEACHER_NOISE):
    """X = Z diag(σ) Vᵀ (Z Gaussian), y from a planted 2-neuron ReLU teacher on X plus noise -> train and test splits."""
    d = sigma.size
    V = random_orthogonal(rng, d)
    Z = rng.standard_normal((n + n_test, d))
    X = Z @ np.diag(sigma) @ V.T
    T = rng.standard_normal((d, 2)) / sigma[:, None]  # teacher weights in a rescaled basis: all directions matter
    T = V @ T
    b = rng.standard_normal(2)
    y = np.maximum(X @ T + b, 0) @ np.array([1.0, -1.0]) + noise * rng.standard_normal(n + n_test)
    return X[:n], y[:n], X[n:], y[n:]


def sample_patterns(wh: cv.Whitened, P: int, how: str, rng: np.random.Generator) -> np.ndarray:
    """P sampled patterns: ``whitened`` 1[Ũg ≥ 0], g ~ N(0, I); ``raw`` 1[P_c X h + cα1 ≥ 0], h ~ N(0, I_d)."""
    if how == "whitened":
        return cv.sampled_patterns(wh.Ut, P, rng)
    # a = ΣVᵀh with h ~ N(0, I_d): anisotropic, rescaled to the norm of an isotropic draw; the shift α ~ N(0, 1) as for g
    h = rng.standard_normal((wh.V.shape[0], P))
    a = wh.sigma[:, None] * (wh.V.T @ h)
    G = np.vstack([a / np.linalg.norm(a, axis=0) * np.linalg.norm(rng.standard_normal((wh.r, P)), axis=0),
                   rng.standard_normal((1, P))])
    return np.unique((wh.Ut @ G >= 0).astype(np.int8), axis=1)


def sampled_model(X, y, beta, c, P, how, rng):
    """The BN network rebuilt from the convex program over P sampled patterns -> (net or None, status, patterns)."""
    wh = cv.whiten(X, c)
    D = sample_patterns(wh, P, how, rng)
    sol = cv.solve(wh.Ut, y, D, beta)
    if not sol.ok:
        return None, sol.status, D.shape[1]
    sp = cv.sparsify(wh.Ut, y, sol, beta)
    return net.rebuild(wh, sp.blocks, sp.signs, c), sol.status, D.shape[1]


def _rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def convex_optimum(X, y, beta, c, gd: net.Net, gd_value: float, factor: float, rng) -> tuple[float | None, bool | str]:
    """(value, exact) of the convex optimum p* that GD's objective is compared with.

    First an upper bound p̄ ≥ p*: the program over GD's own patterns and :data:`BOUND_PATTERNS`
    sampled ones (cheap).  GD/p̄ > factor already proves GD/p* > factor (not converged).  Only
    otherwise is the exact program solved (every pattern; seconds), so that "converged" rests
    on p* itself.  A failed solve: (None, why).
    """
    wh = cv.whiten(X, c)
    D = cv.merge_patterns(net.activation_patterns(X, [gd], c), cv.sampled_patterns(wh.Ut, BOUND_PATTERNS, rng))
    bound = cv.solve(wh.Ut, y, D, beta)
    if not bound.ok:
        return None, f"convex bound: solver status {bound.status}"
    if gd_value > factor * bound.value:
        return bound.value, False
    opt, _ = cv.solve_exact(wh.Ut, y, beta)
    if not opt.ok:
        return None, f"exact program: solver status {opt.status}"
    return opt.value, True


def one_seed(rng, n, n_test, sigma, beta, c, P, width, steps, factor):
    """GD on a teacher instance, the exact convex optimum, then each sampling's convex model: distances to GD.

    Returns (row, "") or (None, why) when a solve failed.
    """
    X, y, Xt, _ = teacher_instance(rng, n, n_test, sigma)
    Xc = X - X.mean(axis=0)
    s_max = np.linalg.svd(Xc, compute_uv=False)[0]
    net0 = net.Net(rng.standard_normal((X.shape[1], width)), 0.5 * rng.standard_normal(width),
                   0.5 * rng.standard_normal(width), 0.5 * rng.standard_normal((width, 1)))
    gd = net.gd_train(X, y, net0, beta, c, GD_ETA / s_max ** 2, GD_ETA, steps)
    f_gd, t_gd = net.predict(X, X, gd, c), net.predict(X, Xt, gd, c)
    gd_value = net.objective(X, y, gd, beta, c)
    out = {}
    for how in SAMPLINGS:
        model, status, P_eff = sampled_model(X, y, beta, c, P, how, rng)
        if model is None:
            return None, f"{how}: solver status {status}"
        out[how] = {"train_dist": _rel(net.predict(X, X, model, c), f_gd),
                    "test_dist": _rel(net.predict(X, Xt, model, c), t_gd),
                    "objective": net.objective(X, y, model, beta, c), "patterns": P_eff}
    opt, exact = convex_optimum(X, y, beta, c, gd, gd_value, factor, rng)
    if opt is None:
        return None, exact
    out.update({"gd_objective": gd_value, "convex_optimum": opt, "convex_optimum_exact": exact,
                "gd_ratio": gd_value / max(opt, 1e-300)})
    return out, ""


# Power of the paired comparison (whitened − raw test distance over seeds), fixed in advance:
# the standardised effect of the pre-correction default run (mean 0.0553, sd 0.224 over 30 seeds).
PLANNING_EFFECT = 0.246
POWER_TARGET = 0.8
GD_FACTOR = 1.05  # GD counts as converged when its objective ≤ GD_FACTOR · (exact convex optimum)
METRIC = "test"  # fixed in advance: relative distance of predictions on held-out points (train: reported)


def power(seeds: int, effect: float, alpha: float = 1 - CONFIDENCE_LEVEL) -> float:
    """Power of the two-sided one-sample t-test at standardised effect ``effect`` with ``seeds`` samples."""
    df = seeds - 1
    t = stats.t.ppf(1 - alpha / 2, df)
    nc = effect * math.sqrt(seeds)
    return float(1 - stats.nct.cdf(t, df, nc) + stats.nct.cdf(-t, df, nc))


def seeds_for_power(effect: float, target: float = POWER_TARGET, alpha: float = 1 - CONFIDENCE_LEVEL) -> int:
    """The fewest seeds whose two-sided t-test reaches power ``target`` at ``effect``."""
    k = 2
    while power(k, effect, alpha) < target:
        k += 1
    return k


@dataclass(frozen=True)
class Setup:
    n: int
    n_test: int
    sigma: np.ndarray  # singular-value profile, descending
    beta: float
    c: float
    patterns: int
    seeds: int
    steps: int
    width: int
    closer: str  # "raw" (the reading) or "whitened" (the reading flipped)
    gd_factor: float
    seeds_required: int
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    n, n_test = claim.param(config, "n"), claim.param(config, "n_test")
    sigma = spread_spectrum(claim, config, n)
    beta, shift, P = claim.param(config, "beta"), claim.param(config, "shift"), claim.param(config, "patterns")
    seeds, steps = claim.param(config, "seeds"), gd_step_count(claim, config)
    width, closer, factor = claim.param(config, "width"), claim.param(config, "closer"), claim.param(config, "gd_factor")
    seeds, steps = claim.quick_cap(config, "seeds", seeds, 4), claim.quick_cap(config, "gd_steps", steps, 500)
    c = cv.shift_constant(shift, n)
    required = seeds_for_power(PLANNING_EFFECT)
    params = {"seed": config.seed, "n": n, "n_test": n_test, "spectrum": sigma.tolist(), "beta": beta, "shift": shift,
              "c": c, "patterns": P, "seeds": seeds, "steps": steps, "width": width, "metric": METRIC,
              "closer": closer, "gd_factor": factor,
              "gd": "eta_w = 0.05/sigma_max(P_c X)^2 on W, eta = 0.05 on (gamma, alpha, v); w(0) ~ N(0, I_d)",
              "teacher": "2-neuron ReLU on raw X, noise 0.1 (fixed in advance)"}
    return Setup(n, n_test, sigma, beta, c, P, seeds, steps, width, closer, factor, required, params)


def measure_implicit_regularization(s: Setup, config: RunConfig) -> tuple[list[dict], str]:
    """One row per seed (:func:`one_seed`); stops at the first failed solve -> (rows, why)."""
    rows = []
    for k in range(s.seeds):
        row, why = one_seed(np.random.default_rng([config.seed, 31, k]), s.n, s.n_test, s.sigma, s.beta, s.c,
                            s.patterns, s.width, s.steps, s.gd_factor)
        if row is None:
            return rows, f"seed {k}: {why}"
        rows.append(row)
        if config.progress is not None:
            config.progress("seeds", k + 1, s.seeds)
    return rows, ""


def power_report(seeds: int, diff: np.ndarray) -> dict:
    """The power calculation written into the record: planned and observed effect, seeds needed and used."""
    sd = float(np.std(diff, ddof=1)) if diff.size > 1 else math.nan
    observed = float(np.mean(diff) / sd) if sd > 0 else math.nan
    return {"test": "two-sided one-sample t-test of (whitened - raw) test distance, alpha = 0.05",
            "planning_effect": PLANNING_EFFECT, "power_target": POWER_TARGET,
            "seeds_required": seeds_for_power(PLANNING_EFFECT), "seeds_used": seeds,
            "power_at_seeds_used": power(seeds, PLANNING_EFFECT),
            "observed_effect": observed if math.isfinite(observed) else None,
            "seeds_required_at_observed_effect": (seeds_for_power(abs(observed)) if math.isfinite(observed)
                                                  and abs(observed) >= 0.05 else None)}


def _figure(s: Setup, dw: np.ndarray, dr: np.ndarray, gd_ratio: np.ndarray, diff: np.ndarray,
            ci: tuple[float, float, float], required: int) -> dict:
    """What the verdict reads, seed by seed: GD's convergence (≤ gd_factor·p*), the two distances,
    and their difference with its 95% interval (above 0 decides, given the power calculation's seeds)."""
    seeds = list(range(1, len(dw) + 1))
    converged = Panel("GD convergence per seed", "seed", r"GD objective / $p^*$", x=seeds,
                      curves=[Curve("GD / convex optimum", [float(v) for v in gd_ratio], style="C2o")],
                      yscale="log", hlines=[HLine(s.gd_factor, f"converged: ≤ {s.gd_factor:g}", kind="bound")])
    distances = Panel(f"distance to the GD network ({METRIC} points)", "seed",
                      r"$\|f_{\mathrm{cvx}} - f_{\mathrm{GD}}\|\,/\,\|f_{\mathrm{GD}}\|$", x=seeds,
                      curves=[Curve("whitened sampling", dw.tolist(), style="C0o"),
                              Curve("raw-data sampling", dr.tolist(), style="C1s")])
    mean, lo, hi = ci
    sign = "whitened − raw" if s.closer == "raw" else "raw − whitened"
    bands = [Band("mean, 95% CI", [lo] * len(seeds), [hi] * len(seeds), x=seeds)] if math.isfinite(lo - hi) else []
    gap = Panel(f"difference over {len(seeds)} seeds ({required} needed)", "seed",
                f"distance difference ({sign})", x=seeds,
                curves=[Curve("per seed", diff.tolist(), style="C4o"), Curve("mean, 95% CI", [mean] * len(seeds),
                                                                             style="C4-")],
                bands=bands, hlines=[HLine(0.0, "0: CI must be above", kind="bound")])
    return panels(converged, distances, gap)


def decide_implicit_regularization(s: Setup, rows: list[dict], ratio: float) -> Outcome:
    """GD converged on every seed, then the 95% t-interval of (whitened − raw) test distance, at adequate power.

    Not converged (some seed's GD objective > gd_factor · p*): inconclusive.  The interval on the
    side the reading predicts: verified only with ≥ the seeds the power calculation requires
    (else inconclusive, underpowered); on the other side: refuted (reconstruction refuted);
    straddling 0: inconclusive.
    """
    dw = np.array([r["whitened"][f"{METRIC}_dist"] for r in rows])
    dr = np.array([r["raw"][f"{METRIC}_dist"] for r in rows])
    gd_ratio = np.array([r["gd_ratio"] for r in rows])
    diff = dw - dr  # > 0: the raw-data (GD-mimicking) sampling is closer to GD
    if s.closer == "whitened":
        diff = -diff  # the flipped reading: > 0 when whitened sampling is closer
    mean, lo, hi = mean_ci(diff, CONFIDENCE_LEVEL)
    unconverged = int(np.sum(gd_ratio > s.gd_factor))
    pw = power_report(len(rows), diff)
    measured = {"dist_whitened_mean": float(dw.mean()), "dist_raw_mean": float(dr.mean()), "diff_mean": mean,
                "diff_ci95": [lo, hi], "seeds": len(rows), "per_seed": rows, "spread_ratio": ratio,
                "raw_closer_in": int(np.sum(dw - dr > 0)),
                "train_dist_whitened_mean": float(np.mean([r["whitened"]["train_dist"] for r in rows])),
                "train_dist_raw_mean": float(np.mean([r["raw"]["train_dist"] for r in rows])),
                "gd_ratio_median": float(np.median(gd_ratio)), "gd_ratio_max": float(gd_ratio.max()),
                "gd_unconverged_seeds": unconverged, "power": pw}
    reading = ("raw-data sampling mimics GD better than whitened sampling" if s.closer == "raw"
               else "whitened sampling mimics GD better than raw-data sampling (the reading flipped)")
    common = dict(expected={"diff_ci95_lower_above": 0.0, "gd_ratio_max_at_most": s.gd_factor,
                            "seeds_at_least": pw["seeds_required"], "reading": reading},
                  measured=measured, tolerance={"ci": "95% t-interval over seeds", "gd_factor": s.gd_factor},
                  params=s.params, precision={"context": "float64", "solver": "cvxpy/CLARABEL"},
                  series=_figure(s, dw, dr, gd_ratio, diff, (mean, lo, hi), pw["seeds_required"]))
    tail = (f"{METRIC} distance to GD: whitened {dw.mean():.3f}, raw {dr.mean():.3f}; difference 95% CI "
            f"[{lo:.3f}, {hi:.3f}] over {len(rows)} seeds")
    gd_text = (f"GD objective / convex optimum: median {np.median(gd_ratio):.3g}, max {gd_ratio.max():.3g} "
               f"(converged: ≤ {s.gd_factor:g}; on unconverged seeds a lower bound, from an upper bound on p*)")
    pw_text = (f"power {pw['power_at_seeds_used']:.2f} at the planned effect {PLANNING_EFFECT} with {len(rows)} seeds "
               f"({pw['seeds_required']} needed for {POWER_TARGET:.0%})")
    if unconverged:
        return Outcome(INCONCLUSIVE, f"GD not converged on {unconverged} of {len(rows)} seeds ({gd_text}): the "
                       f"comparison would measure where GD stopped, not its implicit bias [recon]; {pw_text}; {tail}",
                       **common)
    verdict = interval_verdict(lo, hi, (0.0, math.inf))
    if verdict == VERIFIED and len(rows) < pw["seeds_required"]:
        return Outcome(INCONCLUSIVE, f"underpowered: {pw_text}; a positive interval at this size is not a "
                       f"verification of our reading [recon]; {tail}", **common)
    lead = {VERIFIED: f"our reading [recon] holds ({reading}; {pw_text}): ",
            REFUTED: f"reconstruction refuted (our reading, not the paper: {reading} fails; {pw_text}): ",
            INCONCLUSIVE: f"no clear difference ({pw_text}): "}[verdict]
    return Outcome(verdict, lead + tail + f"; {gd_text}", **common)


def check_implicit_regularization(claim: Claim, config: RunConfig) -> Outcome:
    r"""‖f_cvx^raw − f_GD‖ < ‖f_cvx^white − f_GD‖: raw-data pattern sampling mimics GD better [recon].

    **Statement.** The convex model over patterns D = 1[P_c X h + cα1 ≥ 0], h ~ N(0, I_d), is
    closer to the (converged) GD-trained BN network than the one over D = 1[Ũg ≥ 0],
    g ~ N(0, I), with the same number P of sampled patterns and the same β.  A test of *our
    reading* of the paper.

    **Source.** Reference notes §4 ([paper]: GD's algorithmic bias is encoded in the convex
    objective; [recon]: by the sampling distribution) and §6.4 (c); §8.2 lists the other readings.

    **Measured.** Per seed, on a planted 2-neuron ReLU teacher (fixed in advance) with
    singular-value profile ``spectrum``: GD (``gd_steps`` steps, width ``width``), the exact
    convex optimum p* (GD's objective / p* is its convergence), and the two convex models
    (sparsified, rebuilt as BN networks); the primary metric, fixed in advance, is the relative
    distance of each model's predictions to GD's on held-out points (BN in inference mode);
    training-point distances are reported.  The power calculation (two-sided t-test, planned
    standardised effect 0.246 from the pre-correction default run, 80 %) is in ``measured.power``.

    **Decision.** Inconclusive unless GD converged on every seed (objective ≤ ``gd_factor``·p*).
    Then the 95% t-interval over seeds of (whitened − raw) distance: above 0 verified if the
    seeds reach the power calculation's number, else inconclusive (underpowered); below 0
    refuted (reconstruction refuted, not the paper); else inconclusive.  σ_max/σ_min < 2:
    inapplicable.  A failed solve: inconclusive.

    **Negative controls.** ``--param closer=whitened`` (the reading flipped; refuted when the
    data favour raw sampling, inconclusive while GD does not converge); ``--param seeds=2``
    (starved: inconclusive); ``--param spectrum=1,1,1`` (the samplings coincide in law: inapplicable).
    """
    s = read_setup(claim, config)
    ratio = float(s.sigma[0] / s.sigma[-1])
    if ratio < 2:
        return Outcome(INAPPLICABLE, f"the two samplings coincide in law without a spread spectrum (σ_max/σ_min = "
                       f"{ratio:.3g} < 2)", {}, {"spread_ratio": ratio}, params=s.params)
    rows, failure = measure_implicit_regularization(s, config)
    if failure:
        return Outcome(INCONCLUSIVE, failure, {}, {"seeds_done": len(rows)}, params=s.params)
    return decide_implicit_regularization(s, rows, ratio)


register(Claim(
    id="ergen2022.implicit-regularization", typical_s=8.2, paper="ergen2022", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "dist_whitened_mean", "dist_raw_mean", "diff_mean", "diff_ci95", "seeds", "per_seed", "spread_ratio",
        "raw_closer_in", "train_dist_whitened_mean", "train_dist_raw_mean", "gd_ratio_median", "gd_ratio_max",
        "gd_unconverged_seeds", "power"
    ),
    source="reference notes §4 and §6.4 (c) [recon]: one reading of the paper's encoding of GD's bias",
    summary="convex model with patterns sampled from raw data mimics (converged) GD better than whitened "
            "sampling",
    statement=(r"\|f_{\rm cvx}^{\rm raw} - f_{\rm GD}\| < \|f_{\rm cvx}^{\rm white} - f_{\rm GD}\|,\ "
               r"D^{\rm raw}=\mathbf 1[P_cXh+c\alpha\mathbf 1\ge0],\ h\sim N(0,I_d);\ "
               r"D^{\rm white}=\mathbf 1[\tilde Ug\ge0],\ g\sim N(0,I)"),
    confidence="recon",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay β", "spread spectrum of the centred data",
                 "GD from w(0) ~ N(0, I_d), run until its objective is within gd_factor of the convex optimum"),
    check=check_implicit_regularization,
    params=(count_param("n", 20, "training samples", lo=4), count_param("n_test", 50, "held-out samples"),
            spectrum_param("singular-value profile of the data (flat: the samplings coincide)"),
            beta_param(0.05),
            shift_param(),
            count_param("patterns", 12, "sampled patterns per convex model (before deduplication)"),
            count_param("seeds", 30, "Monte Carlo seeds (the power calculation asks for more; fewer: underpowered)",
                        lo=2),
            count_param("gd_steps", 2000, "GD steps (overridden by --steps)"),
            count_param("width", 12, "GD network width"),
            Param("closer", "raw", "the sampling the reading says is closer to GD: raw (the reading) or whitened "
                  "(the reading flipped: negative control)", str, ("raw", "whitened")),
            Param("gd_factor", GD_FACTOR, "GD converged when its objective ≤ gd_factor × the convex optimum",
                  float, lo=1.0, hi=1.5, tolerance=True)),
    controls=(
        Control("whitened-closer", STATEMENT_FLIP, "the reading flipped (whitened sampling closer to GD); refuted "
                "when the data favour raw sampling, inconclusive while GD has not converged",
                params={"closer": "whitened", "seeds": 2, "gd_steps": 50}, expect=(REFUTED, INCONCLUSIVE)),
        Control("two-seeds", STARVED, "two seeds and 50 GD steps: neither converged nor powered",
                params={"seeds": 2, "gd_steps": 50}),
        Control("flat-spectrum", ASSUMPTION_DROPPED, "flat spectrum: the two samplings coincide in law",
                params={"spectrum": "1,1,1", "seeds": 2}, expect=(INAPPLICABLE,)),
    ),
    notes=("[recon]: the paper's exact encoding of GD's implicit regularization was not available (reference notes §4, "
           "§8.2); this tests one reading (the pattern-sampling distribution) against converged GD only, with the "
           "number of seeds sized by a power calculation. A weighted group norm or top-k truncation are other readings, "
           "not implemented."),
))
