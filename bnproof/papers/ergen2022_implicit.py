r"""Ergen et al. (ICLR 2022): which convex model mimics what GD finds?  [recon]

``ergen2022.implicit-regularization`` -- the paper encodes GD's algorithmic bias on the BN
network in its convex model (reference notes §4, [paper] that it does so; [recon] how).  The
reading tested here (§6.4 (c)): sampling the activation patterns the way GD "sees" the data,
D = 1[P_c X h + c α 1 ≥ 0] with h ~ N(0, I_d) (so a = ΣVᵀh ~ N(0, Σ²), weighted towards the top
singular directions), gives a convex model closer to the GD-trained network than isotropic
sampling in whitened coordinates, D = 1[Ũ g ≥ 0] with g ~ N(0, I).  Both programs use the same
number of sampled patterns P and the same β; closeness is the relative distance between the
convex model's and GD's predictions on the training and on held-out points (BN in inference
mode: training-batch statistics).  Verdict over seeds with a 95% CI of the difference of
distances; a refutation is evidence against this *reading*, not against the paper.
"""

from __future__ import annotations

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022 import CITATION, SHIFTS, _at_least, _positive
from bnproof.papers.ergen2022_whitening import gd_train, random_orthogonal
from bnproof.solvers import group_lasso as cv

__all__ = ["predict", "teacher_instance", "sampled_model", "one_seed", "check_implicit_regularization"]


def predict(X_train: np.ndarray, X_new: np.ndarray, nt: net.Net, c: float) -> np.ndarray:
    """BN network outputs on new points with the training batch's statistics (inference mode)."""
    mu = X_train.mean(axis=0)
    norms = np.linalg.norm((X_train - mu) @ nt.W, axis=0)
    B = ((X_new - mu) @ nt.W) / norms * nt.gamma + c * nt.alpha
    return np.maximum(B, 0.0) @ nt.V


def teacher_instance(rng: np.random.Generator, n: int, n_test: int, sigma: np.ndarray, noise: float = 0.1):
    """X = Z diag(σ) Vᵀ (Z Gaussian), y from a planted 2-neuron ReLU teacher on X plus noise."""
    d = sigma.size
    V = random_orthogonal(rng, d)
    Z = rng.standard_normal((n + n_test, d))
    X = Z @ np.diag(sigma) @ V.T
    T = rng.standard_normal((d, 2)) / sigma[:, None]  # teacher weights in a rescaled basis: all directions matter
    T = V @ T
    b = rng.standard_normal(2)
    y = np.maximum(X @ T + b, 0) @ np.array([1.0, -1.0]) + noise * rng.standard_normal(n + n_test)
    return X[:n], y[:n], X[n:], y[n:]


def sampled_model(X, y, beta, c, P, how, rng):
    """Convex model with P sampled patterns: ``whitened`` (g ~ N(0, I) on Ũ) or ``raw`` (h ~ N(0, I_d) on X)."""
    wh = cv.whiten(X, c)
    if how == "whitened":
        D = cv.sampled_patterns(wh.Ut, P, rng)
    else:  # a = ΣVᵀh with h ~ N(0, I_d): anisotropic; the shift α ~ N(0, 1) as for g
        h = rng.standard_normal((X.shape[1], P))
        a = wh.sigma[:, None] * (wh.V.T @ h)
        G = np.vstack([a / np.linalg.norm(a, axis=0) * np.linalg.norm(rng.standard_normal((wh.r, P)), axis=0),
                       rng.standard_normal((1, P))])
        D = np.unique((wh.Ut @ G >= 0).astype(np.int8), axis=1)
    sol = cv.solve(wh.Ut, y, D, beta)
    if not sol.ok:
        return None, sol.status, D.shape[1]
    sp = cv.sparsify(wh.Ut, y, sol, beta)
    return net.rebuild(wh, sp.blocks, sp.signs, c), sol.status, D.shape[1]


def _rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def one_seed(rng, n, n_test, sigma, beta, c, P, width, steps):
    X, y, Xt, _ = teacher_instance(rng, n, n_test, sigma)
    Xc = X - X.mean(axis=0)
    s_max = np.linalg.svd(Xc, compute_uv=False)[0]
    net0 = net.Net(rng.standard_normal((X.shape[1], width)), 0.5 * rng.standard_normal(width),
                   0.5 * rng.standard_normal(width), 0.5 * rng.standard_normal((width, 1)))
    gd = gd_train(X, y, net0, beta, c, 0.05 / s_max ** 2, 0.05, steps)
    f_gd, t_gd = predict(X, X, gd, c), predict(X, Xt, gd, c)
    out = {"gd_objective": net.objective(X, y, gd, beta, c)}
    for how in ("whitened", "raw"):
        model, status, P_eff = sampled_model(X, y, beta, c, P, how, rng)
        if model is None:
            return None, f"{how}: solver status {status}"
        out[how] = {"train_dist": _rel(predict(X, X, model, c), f_gd), "test_dist": _rel(predict(X, Xt, model, c), t_gd),
                    "objective": net.objective(X, y, model, beta, c), "patterns": P_eff}
    return out, ""


def check_implicit_regularization(claim: Claim, config: RunConfig) -> Outcome:
    n = _at_least("n", claim.param(config, "n"), 4)
    n_test = _at_least("n_test", claim.param(config, "n_test"), 1)
    text = claim.param(config, "spectrum")
    try:
        sigma = np.sort(np.array([float(v) for v in text.split(",")]))[::-1]
    except ValueError:
        raise BadInput(f"--param spectrum: comma-separated positive numbers, got {text!r}") from None
    if sigma.size < 2 or sigma.size > n - 1 or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
        raise BadInput(f"--param spectrum: 2..n-1 finite positive values, got {text!r}")
    beta = _positive("beta", claim.param(config, "beta"))
    shift = claim.param(config, "shift")
    P = _at_least("patterns", claim.param(config, "patterns"), 1)
    seeds = _at_least("seeds", claim.param(config, "seeds"), 2)
    steps = _at_least("steps", config.steps or claim.param(config, "gd_steps"), 1)
    width = _at_least("width", claim.param(config, "width"), 1)
    metric = claim.param(config, "metric")
    if config.quick:
        seeds, steps = min(seeds, 4), min(steps, 500)
    c = cv.shift_constant(shift, n)
    params = {"seed": config.seed, "n": n, "n_test": n_test, "spectrum": sigma.tolist(), "beta": beta, "shift": shift,
              "c": c, "patterns": P, "seeds": seeds, "steps": steps, "width": width, "metric": metric,
              "gd": "eta_w = 0.05/sigma_max(P_c X)^2 on W, eta = 0.05 on (gamma, alpha, v); w(0) ~ N(0, I_d)",
              "teacher": "2-neuron ReLU on raw X, noise 0.1"}
    ratio = float(sigma[0] / sigma[-1])
    if ratio < 2:
        return Outcome(INAPPLICABLE, f"the two samplings coincide in law without a spread spectrum (σ_max/σ_min = "
                       f"{ratio:.3g} < 2)", {}, {"spread_ratio": ratio}, params=params)
    rows, key = [], f"{metric}_dist"
    for k in range(seeds):
        row, why = one_seed(np.random.default_rng([config.seed, 31, k]), n, n_test, sigma, beta, c, P, width, steps)
        if row is None:
            return Outcome(INCONCLUSIVE, f"seed {k}: {why}", {}, {"seeds_done": k}, params=params)
        rows.append(row)
        if config.progress is not None:
            config.progress("seeds", k + 1, seeds)
    dw = np.array([r["whitened"][key] for r in rows])
    dr = np.array([r["raw"][key] for r in rows])
    diff = dw - dr  # > 0: the raw-data (GD-mimicking) sampling is closer to GD
    mean, lo, hi = mean_ci(diff)
    measured = {"dist_whitened_mean": float(dw.mean()), "dist_raw_mean": float(dr.mean()), "diff_mean": mean,
                "diff_ci95": [lo, hi], "seeds": seeds, "per_seed": rows, "spread_ratio": ratio,
                "raw_closer_in": int(np.sum(diff > 0))}
    expected = {"diff_ci95_lower_above": 0.0, "reading": "raw-data sampling mimics GD better than whitened sampling"}
    series = {"panels": [{"title": f"distance to the GD-trained network ({metric})", "xlabel": "seed",
                          "ylabel": "relative distance of predictions", "xscale": "linear", "yscale": "linear",
                          "x": list(range(seeds)), "curves": [{"label": "whitened sampling", "y": dw.tolist()},
                                                              {"label": "raw-data sampling", "y": dr.tolist()}]}]}
    common = dict(expected=expected, measured=measured, tolerance={"ci": "95% t-interval over seeds"}, params=params,
                  precision={"context": "float64", "solver": "cvxpy/CLARABEL"}, series=series)
    tail = f"{metric} distance to GD: whitened {dw.mean():.3f}, raw {dr.mean():.3f}; difference 95% CI [{lo:.3f}, {hi:.3f}] over {seeds} seeds"
    if lo > 0:
        return Outcome(VERIFIED, "raw-data pattern sampling mimics GD better: " + tail, **common)
    if hi < 0:
        return Outcome(REFUTED, "whitened sampling is closer to GD (evidence against this reading of the paper, not "
                       "against the paper): " + tail, **common)
    return Outcome(INCONCLUSIVE, "no clear difference: " + tail, **common)


register(Claim(
    id="ergen2022.implicit-regularization", paper="ergen2022", citation=CITATION,
    summary="convex model with patterns sampled from raw data mimics GD better than whitened sampling",
    statement=(r"\|f_{\rm cvx}^{\rm raw} - f_{\rm GD}\| < \|f_{\rm cvx}^{\rm white} - f_{\rm GD}\|,\ "
               r"D^{\rm raw}=\mathbf 1[P_cXh+c\alpha\mathbf 1\ge0],\ h\sim N(0,I_d);\ "
               r"D^{\rm white}=\mathbf 1[\tilde Ug\ge0],\ g\sim N(0,I)"),
    confidence="recon",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay β", "spread spectrum of the centred data",
                 "GD with finite steps from w(0) ~ N(0, I_d)"),
    check=check_implicit_regularization,
    params=(Param("n", 20, "training samples", int), Param("n_test", 50, "held-out samples", int),
            Param("spectrum", "10,1,0.1", "singular-value profile of the data (flat: the samplings coincide)", str),
            Param("beta", 0.05, "weight decay β > 0", float),
            Param("shift", "isometric", "BN shift constant c", str, SHIFTS),
            Param("patterns", 12, "sampled patterns per convex model (before deduplication)", int),
            Param("seeds", 30, "Monte Carlo seeds", int), Param("gd_steps", 2000, "GD steps (overridden by --steps)", int),
            Param("width", 12, "GD network width", int),
            Param("metric", "test", "compare predictions on held-out (test) or training (train) points", str,
                  ("test", "train"))),
    notes=("[recon]: the paper's exact encoding of GD's implicit regularization was not available (reference notes §4, "
           "§8.2); this checks one reading (the pattern-sampling distribution). A weighted group norm or top-k "
           "truncation are other readings, not implemented."),
))
