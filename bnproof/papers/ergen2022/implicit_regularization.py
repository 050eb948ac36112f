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

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import (
    INAPPLICABLE,
    INCONCLUSIVE,
    REFUTED,
    VERIFIED,
    Curve,
    Outcome,
    Panel,
    panels,
)
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
           "measure_implicit_regularization", "decide_implicit_regularization", "check_implicit_regularization"]

SAMPLINGS = ("whitened", "raw")  # g ~ N(0, I) on Ũ (isotropic); h ~ N(0, I_d) on the data (GD-like)
TEACHER_NOISE = 0.1


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


def one_seed(rng, n, n_test, sigma, beta, c, P, width, steps):
    """GD on a teacher instance, then each sampling's convex model: distances of predictions to GD's.

    Returns (row, "") or (None, why) when a solve failed.
    """
    X, y, Xt, _ = teacher_instance(rng, n, n_test, sigma)
    Xc = X - X.mean(axis=0)
    s_max = np.linalg.svd(Xc, compute_uv=False)[0]
    net0 = net.Net(rng.standard_normal((X.shape[1], width)), 0.5 * rng.standard_normal(width),
                   0.5 * rng.standard_normal(width), 0.5 * rng.standard_normal((width, 1)))
    gd = net.gd_train(X, y, net0, beta, c, GD_ETA / s_max ** 2, GD_ETA, steps)
    f_gd, t_gd = net.predict(X, X, gd, c), net.predict(X, Xt, gd, c)
    out = {"gd_objective": net.objective(X, y, gd, beta, c)}
    for how in SAMPLINGS:
        model, status, P_eff = sampled_model(X, y, beta, c, P, how, rng)
        if model is None:
            return None, f"{how}: solver status {status}"
        out[how] = {"train_dist": _rel(net.predict(X, X, model, c), f_gd),
                    "test_dist": _rel(net.predict(X, Xt, model, c), t_gd),
                    "objective": net.objective(X, y, model, beta, c), "patterns": P_eff}
    return out, ""


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
    metric: str
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    n, n_test = claim.param(config, "n"), claim.param(config, "n_test")
    sigma = spread_spectrum(claim, config, n)
    beta, shift, P = claim.param(config, "beta"), claim.param(config, "shift"), claim.param(config, "patterns")
    seeds, steps = claim.param(config, "seeds"), gd_step_count(claim, config)
    width, metric = claim.param(config, "width"), claim.param(config, "metric")
    if config.quick:
        seeds, steps = min(seeds, 4), min(steps, 500)
    c = cv.shift_constant(shift, n)
    params = {"seed": config.seed, "n": n, "n_test": n_test, "spectrum": sigma.tolist(), "beta": beta, "shift": shift,
              "c": c, "patterns": P, "seeds": seeds, "steps": steps, "width": width, "metric": metric,
              "gd": "eta_w = 0.05/sigma_max(P_c X)^2 on W, eta = 0.05 on (gamma, alpha, v); w(0) ~ N(0, I_d)",
              "teacher": "2-neuron ReLU on raw X, noise 0.1"}
    return Setup(n, n_test, sigma, beta, c, P, seeds, steps, width, metric, params)


def measure_implicit_regularization(s: Setup, config: RunConfig) -> tuple[list[dict], str]:
    """One row per seed (:func:`one_seed`); stops at the first failed solve -> (rows, why)."""
    rows = []
    for k in range(s.seeds):
        row, why = one_seed(np.random.default_rng([config.seed, 31, k]), s.n, s.n_test, s.sigma, s.beta, s.c,
                            s.patterns, s.width, s.steps)
        if row is None:
            return rows, f"seed {k}: {why}"
        rows.append(row)
        if config.progress is not None:
            config.progress("seeds", k + 1, s.seeds)
    return rows, ""


def decide_implicit_regularization(s: Setup, rows: list[dict], ratio: float) -> Outcome:
    """The 95% t-interval over seeds of (whitened − raw) distance: above 0 verified, below 0 refuted."""
    key = f"{s.metric}_dist"
    dw = np.array([r["whitened"][key] for r in rows])
    dr = np.array([r["raw"][key] for r in rows])
    diff = dw - dr  # > 0: the raw-data (GD-mimicking) sampling is closer to GD
    mean, lo, hi = mean_ci(diff, CONFIDENCE_LEVEL)
    measured = {"dist_whitened_mean": float(dw.mean()), "dist_raw_mean": float(dr.mean()), "diff_mean": mean,
                "diff_ci95": [lo, hi], "seeds": s.seeds, "per_seed": rows, "spread_ratio": ratio,
                "raw_closer_in": int(np.sum(diff > 0))}
    figure = Panel(f"distance to the GD-trained network ({s.metric})", "seed", "relative distance of predictions",
                   x=list(range(s.seeds)), curves=[Curve("whitened sampling", dw.tolist()),
                                                   Curve("raw-data sampling", dr.tolist())])
    common = dict(expected={"diff_ci95_lower_above": 0.0,
                            "reading": "raw-data sampling mimics GD better than whitened sampling"},
                  measured=measured, tolerance={"ci": "95% t-interval over seeds"}, params=s.params,
                  precision={"context": "float64", "solver": "cvxpy/CLARABEL"}, series=panels(figure))
    tail = (f"{s.metric} distance to GD: whitened {dw.mean():.3f}, raw {dr.mean():.3f}; difference 95% CI "
            f"[{lo:.3f}, {hi:.3f}] over {s.seeds} seeds")
    verdict = interval_verdict(lo, hi, (0.0, math.inf))
    lead = {VERIFIED: "raw-data pattern sampling mimics GD better: ",
            REFUTED: "whitened sampling is closer to GD (evidence against this reading of the paper, not "
                     "against the paper): ",
            INCONCLUSIVE: "no clear difference: "}[verdict]
    return Outcome(verdict, lead + tail, **common)


def check_implicit_regularization(claim: Claim, config: RunConfig) -> Outcome:
    r"""‖f_cvx^raw − f_GD‖ < ‖f_cvx^white − f_GD‖: raw-data pattern sampling mimics GD better [recon].

    **Statement.** The convex model over patterns D = 1[P_c X h + cα1 ≥ 0], h ~ N(0, I_d), is
    closer to the GD-trained BN network than the one over D = 1[Ũg ≥ 0], g ~ N(0, I), with the
    same number P of sampled patterns and the same β.

    **Source.** Reference notes §4 ([paper]: GD's algorithmic bias is encoded in the convex
    objective; [recon]: by the sampling distribution) and §6.4 (c); §8.2 lists the other readings.

    **Measured.** Per seed, on a planted 2-neuron ReLU teacher with singular-value profile
    ``spectrum``: GD (``gd_steps`` steps, width ``width``) and the two convex models (sparsified,
    rebuilt as BN networks); the relative distance of each model's predictions to GD's on the
    held-out (``metric=test``) or training points, BN in inference mode.

    **Decision.** The 95% t-interval over seeds of (whitened − raw) distance: above 0 verified,
    below 0 refuted (against this reading), else inconclusive.  σ_max/σ_min < 2: inapplicable.
    A failed solve: inconclusive.

    **Negative control.** ``--param spectrum=1,1,1``: the two samplings coincide in law, inapplicable.
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
    id="ergen2022.implicit-regularization", paper="ergen2022", citation=CITATION,
    source="reference notes §4 and §6.4 (c) [recon]: one reading of the paper's encoding of GD's bias",
    summary="convex model with patterns sampled from raw data mimics GD better than whitened sampling",
    statement=(r"\|f_{\rm cvx}^{\rm raw} - f_{\rm GD}\| < \|f_{\rm cvx}^{\rm white} - f_{\rm GD}\|,\ "
               r"D^{\rm raw}=\mathbf 1[P_cXh+c\alpha\mathbf 1\ge0],\ h\sim N(0,I_d);\ "
               r"D^{\rm white}=\mathbf 1[\tilde Ug\ge0],\ g\sim N(0,I)"),
    confidence="recon",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay β", "spread spectrum of the centred data",
                 "GD with finite steps from w(0) ~ N(0, I_d)"),
    check=check_implicit_regularization,
    params=(count_param("n", 20, "training samples", lo=4), count_param("n_test", 50, "held-out samples"),
            spectrum_param("singular-value profile of the data (flat: the samplings coincide)"),
            beta_param(0.05),
            shift_param(),
            count_param("patterns", 12, "sampled patterns per convex model (before deduplication)"),
            count_param("seeds", 30, "Monte Carlo seeds", lo=2),
            count_param("gd_steps", 2000, "GD steps (overridden by --steps)"),
            count_param("width", 12, "GD network width"),
            Param("metric", "test", "compare predictions on held-out (test) or training (train) points", str,
                  ("test", "train"))),
    notes=("[recon]: the paper's exact encoding of GD's implicit regularization was not available (reference notes §4, "
           "§8.2); this checks one reading (the pattern-sampling distribution). A weighted group norm or top-k "
           "truncation are other readings, not implemented."),
))
