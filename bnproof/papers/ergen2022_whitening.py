r"""Ergen et al. (ICLR 2022): BN whitens the data -- invariance of the optimum, and GD as preconditioned GD.

Claims checked here (reference notes §2, §4, §6.2, §6.4):

* ``ergen2022.whitening-invariance`` -- the optimal value depends on X only through the
  column space of P_c X: unchanged under X → XA (A invertible), X → X + 1bᵀ and X → P_c X.
  Checked with the exact convex program on each transformed data set; the plain ReLU network
  with a bias (no BN: the same program on [X, 1]) is reported as the contrast that does change.
* ``ergen2022.gd-preconditioning`` -- (a) a GD step on w is, exactly, preconditioned GD on
  a = ΣVᵀw with preconditioner Σ²; (b) hence GD-trained networks concentrate on the top
  singular directions of the centred data (Monte Carlo over seeds, with a CI).
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.blas import single_threaded_blas
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022 import (
    CITATION,
    REAL_TARGETS,
    SHIFTS,
    VALUE_RTOL,
    _at_least,
    _positive,
    instance,
)
from bnproof.solvers import group_lasso as cv

__all__ = ["transform", "TRANSFORMS", "exact_value", "gd_pair", "top_fraction", "check_whitening_invariance",
           "check_gd_preconditioning", "random_orthogonal", "spread_instance", "gd_train"]

TRANSFORMS = ("linear", "shift", "center")  # the claim's transforms; "square" is a mutation (negative control)
IDENTITY_TOL = 1e-10


def random_orthogonal(rng: np.random.Generator, k: int) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Q * np.sign(np.diag(R))


def transform(X: np.ndarray, name: str, rng: np.random.Generator, condition: float) -> np.ndarray:
    """X → XA (A = Q₁ diag(logspace(0, log10 κ)) Q₂), X + 1bᵀ (b ~ N(0, 25I)), P_c X, or X∘X (not affine)."""
    n, d = X.shape
    if name == "linear":
        A = random_orthogonal(rng, d) @ np.diag(np.logspace(0, math.log10(condition), d)) @ random_orthogonal(rng, d)
        return X @ A
    if name == "shift":
        return X + 5.0 * rng.standard_normal(d)
    if name == "center":
        return X - X.mean(axis=0)
    if name == "square":
        return X * X
    raise ValueError(name)


def exact_value(A: np.ndarray, y: np.ndarray, beta: float) -> tuple[cv.ConvexSolution, bool]:
    D, general = cv.exact_patterns(A)
    return cv.solve(A, y, D, beta), general


def check_whitening_invariance(claim: Claim, config: RunConfig) -> Outcome:
    n, d = claim.param(config, "n"), claim.param(config, "d")
    beta = _positive("beta", claim.param(config, "beta"))
    shift = claim.param(config, "shift")
    which = claim.param(config, "transforms")
    condition = claim.param(config, "condition")
    if not math.isfinite(condition) or condition < 1:
        raise BadInput(f"--param condition: must be a finite number >= 1, got {condition}")
    starts = claim.param(config, "starts")
    _at_least("starts", starts, 0)
    X, y, source = instance(config, n, d)
    n, d = X.shape
    if cv.exact_cost(n, min(n - 1, d) + 1) > cv.EXACT_MAX_CANDIDATES:
        raise BadInput(f"n={n}, d={d}: too many patterns for the exact program (keep C(n, rank)·2^(rank+1) ≤ "
                       f"{cv.EXACT_MAX_CANDIDATES})")
    if config.quick:
        starts = min(starts, 1)
    c = cv.shift_constant(shift, n)
    names = TRANSFORMS if which == "all" else (which,)
    rng = np.random.default_rng([config.seed, 11])
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c, "transforms": list(names),
              "condition": condition, "starts": starts, "data": source}
    wh0 = cv.whiten(X, c)
    if wh0.r == 0:
        return Outcome(INAPPLICABLE, "P_c X = 0: BN undefined", {}, {}, params=params)
    base, general = exact_value(wh0.Ut, y, beta)
    nobn_base, _ = exact_value(np.hstack([X, np.ones((n, 1))]), y, beta)
    if not (base.ok and nobn_base.ok):
        return Outcome(INCONCLUSIVE, f"solver status {base.status} / {nobn_base.status}", {}, {}, params=params)
    tol = VALUE_RTOL * max(1.0, abs(base.value))
    rows, changed, failed, nonconvex = {}, [], [], {}
    for name in names:
        Xt = transform(X, name, rng, condition)
        wht = cv.whiten(Xt, c)
        sol, gen_t = exact_value(wht.Ut, y, beta)
        nb, _ = exact_value(np.hstack([Xt, np.ones((n, 1))]), y, beta)
        if not (sol.ok and nb.ok):
            failed.append(f"{name}: {sol.status}/{nb.status}")
            continue
        rows[name] = {"optimal_value": sol.value, "delta": sol.value - base.value, "patterns": int(sol.D.shape[1]),
                      "rank_centred": wht.r, "nobn_value": nb.value, "nobn_delta": nb.value - nobn_base.value,
                      "general_position": gen_t}
        if starts:
            tr = net.train(Xt, y, 2 * n, beta, c, starts=starts, seed=config.seed,
                           maxiter=500 if config.quick else 3000)
            rows[name]["best_nonconvex_value"] = tr.best_value
            nonconvex[name] = tr.best_value
        if abs(sol.value - base.value) > tol:
            changed.append(name)
    measured = {"optimal_value": base.value, "nobn_optimal_value": nobn_base.value, "transforms": rows,
                "patterns": int(base.D.shape[1]), "general_position": general,
                "max_abs_delta": max((abs(r["delta"]) for r in rows.values()), default=None),
                "max_abs_nobn_delta": max((abs(r["nobn_delta"]) for r in rows.values()), default=None)}
    expected = {"optimal_value": base.value, "max_abs_delta": 0.0}
    tolerance = {"value_abs": tol, "value_rtol": VALUE_RTOL, "solver_tol": base.solver_tol}
    labels = list(rows)
    series = {"panels": [{"title": "optimal value after each transform",
                          "xlabel": "transform: " + ", ".join(f"{i} {k}" for i, k in enumerate(labels, 1)),
                          "ylabel": "|Δ optimal value|", "xscale": "linear", "yscale": "log",
                          "x": list(range(1, len(labels) + 1)),
                          "curves": [{"label": "BN (convex program on [U, c1])",
                                      "y": [max(abs(rows[k]["delta"]), 1e-16) for k in labels]},
                                     {"label": "no BN (ReLU + bias)",
                                      "y": [max(abs(rows[k]["nobn_delta"]), 1e-16) for k in labels]}],
                          "hlines": [{"y": tol, "label": "tolerance"}]}]}
    common = dict(expected=expected, measured=measured, tolerance=tolerance, params=params,
                  precision={"context": "float64", "solver": "cvxpy/CLARABEL", "solver_tol": base.solver_tol}, series=series)
    below = {k: v for k, v in nonconvex.items() if v < base.value - tol}
    if failed:
        return Outcome(INCONCLUSIVE, f"the convex solver failed on: {', '.join(failed)}", **common)
    if changed or below:
        what = ", ".join(f"{k} (Δ = {rows[k]['delta']:.3g})" for k in changed)
        what += "".join(f"; non-convex {v:.9g} below the optimum after {k}" for k, v in below.items())
        return Outcome(REFUTED, f"the BN optimum {base.value:.9g} changed under: {what} (tolerance {tol:.1e})", **common)
    contrast = measured["max_abs_nobn_delta"]
    return Outcome(VERIFIED, f"BN optimum {base.value:.9g} unchanged to {measured['max_abs_delta']:.1e} under "
                   f"{', '.join(labels)}; without BN the optimum moves by up to {contrast:.3g}", **common)


# --------------------------------------------------------------------------- GD preconditioning


def spread_instance(rng: np.random.Generator, n: int, sigma: np.ndarray):
    """Centred data with prescribed singular values: X = U diag(σ) Vᵀ + 1μᵀ (U centred, orthonormal)."""
    r = sigma.size
    G = rng.standard_normal((n, r))
    G -= G.mean(axis=0)
    U = np.linalg.qr(G)[0]
    V = random_orthogonal(rng, r)
    X = U @ np.diag(sigma) @ V.T + rng.standard_normal(r)
    y = rng.standard_normal(n)
    return X, y, U, V


def _split(theta, d, m):
    return theta[:d * m].reshape(d, m), theta[d * m:]


def gd_pair(X, y, net0: net.Net, beta, c, eta_w, eta, steps, preconditioner="sigma2"):
    """Run GD on w (data space) and the a-space recursion a ← a − η_w P ∇_a L side by side.

    P = Σ² is the claim; ``preconditioner`` = ``sigma`` or ``identity`` are mutations.  Returns the
    largest relative difference of a_t vs ΣVᵀw_t, of the other parameters and of the losses.
    """
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = int(np.sum(s > 1e-10 * s[0]))
    U, s, V = U[:, :r], s[:r], Vt[:r].T
    m, Y = net0.m, y.reshape(n, -1)
    P = {"sigma2": s ** 2, "sigma": s, "identity": np.ones(r)}[preconditioner]
    th_w = net.pack(net0)
    a0 = (s[:, None] * (V.T @ net0.W))
    th_a = np.concatenate([a0.ravel(), th_w[d * m:]])
    worst = {"a": 0.0, "rest": 0.0, "loss": 0.0}
    losses_w, losses_a = [], []
    with single_threaded_blas():
        _gd_pair_loop(steps, th_w, th_a, Xc, U, Y, m, d, r, beta, c, eta_w, eta, P, s, V, worst, losses_w, losses_a)
    return worst, losses_w, losses_a


def _gd_pair_loop(steps, th_w, th_a, Xc, U, Y, m, d, r, beta, c, eta_w, eta, P, s, V, worst, losses_w, losses_a):
    for _ in range(steps):
        Lw, gw = net.objective_and_grad(th_w, Xc, Y, m, beta, c)
        La, ga = net.objective_and_grad(th_a, U, Y, m, beta, c)  # the same network on whitened data
        losses_w.append(Lw)
        losses_a.append(La)
        Gw, rest_w = _split(gw, d, m)
        Ga, rest_a = _split(ga, r, m)
        W, _ = _split(th_w, d, m)
        A_, _ = _split(th_a, r, m)
        th_w = np.concatenate([(W - eta_w * Gw).ravel(), th_w[d * m:] - eta * rest_w])
        th_a = np.concatenate([(A_ - eta_w * P[:, None] * Ga).ravel(), th_a[r * m:] - eta * rest_a])
        W, rw = _split(th_w, d, m)
        A_, ra = _split(th_a, r, m)
        a_from_w = s[:, None] * (V.T @ W)
        worst["a"] = max(worst["a"], float(np.max(np.abs(a_from_w - A_)) / max(1.0, np.abs(A_).max())))
        worst["rest"] = max(worst["rest"], float(np.max(np.abs(rw - ra)) / max(1.0, np.abs(ra).max())))
        worst["loss"] = max(worst["loss"], abs(Lw - La) / max(1.0, abs(La)))


def gd_train(X, y, net0: net.Net, beta, c, eta_w, eta, steps) -> net.Net:
    """Plain GD in data space (step η_w on W, η on γ, α, v)."""
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    m, Y = net0.m, y.reshape(n, -1)
    th = net.pack(net0)
    with single_threaded_blas():
        for _ in range(steps):
            _, g = net.objective_and_grad(th, Xc, Y, m, beta, c)
            th = np.concatenate([th[:d * m] - eta_w * g[:d * m], th[d * m:] - eta * g[d * m:]])
    return net.unpack(th, d, m, Y.shape[1])


def top_fraction(X, W0, W1, which: str = "top") -> float:
    """Share of the movement Σ_j ‖Δa_j‖² (a = ΣVᵀw) along the top (or bottom) singular direction."""
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    dA = s[:, None] * (Vt @ (W1 - W0))
    k = 0 if which == "top" else len(s) - 1
    return float(np.sum(dA[k] ** 2) / np.sum(dA ** 2))


def check_gd_preconditioning(claim: Claim, config: RunConfig) -> Outcome:
    n = _at_least("n", claim.param(config, "n"), 3)
    spectrum_text = claim.param(config, "spectrum")
    try:
        sigma = np.array([float(v) for v in spectrum_text.split(",")])
    except ValueError:
        raise BadInput(f"--param spectrum: comma-separated positive numbers, got {spectrum_text!r}") from None
    if sigma.size < 2 or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0) or sigma.size > n - 1:
        raise BadInput(f"--param spectrum: 2..n-1 finite positive singular values, got {spectrum_text!r}")
    sigma = np.sort(sigma)[::-1]
    beta = _positive("beta", claim.param(config, "beta"))
    shift = claim.param(config, "shift")
    pre = claim.param(config, "preconditioner")
    target = claim.param(config, "direction")
    seeds = _at_least("seeds", claim.param(config, "seeds"), 2)
    steps = _at_least("steps", config.steps or claim.param(config, "gd_steps"), 1)
    width = _at_least("width", claim.param(config, "width"), 1)
    if config.quick:
        seeds, steps = min(seeds, 6), min(steps, 100)
    c = cv.shift_constant(shift, n)
    eta, eta_w = 0.05, 0.05 / sigma[0] ** 2
    params = {"seed": config.seed, "n": n, "spectrum": sigma.tolist(), "beta": beta, "shift": shift, "c": c,
              "preconditioner": pre, "direction": target, "seeds": seeds, "steps": steps, "width": width,
              "eta_w": eta_w, "eta": eta, "flat_spectrum": [float(sigma[0])] * sigma.size,
              "init": "a_j(0) ~ N(0, I_r), gamma, alpha, v ~ N(0, 0.25)"}
    # (a) the identity, on the seed's first instance
    rng = np.random.default_rng([config.seed, 21])
    X, y, U, V = spread_instance(rng, n, sigma)
    a0 = rng.standard_normal((sigma.size, width))
    net0 = net.Net(V @ (a0 / sigma[:, None]), 0.5 * rng.standard_normal(width), 0.5 * rng.standard_normal(width),
                   0.5 * rng.standard_normal((width, 1)))
    worst, lw, la = gd_pair(X, y, net0, beta, c, eta_w, eta, min(steps, 200), pre)
    identity_ok = max(worst.values()) <= IDENTITY_TOL
    # (b) concentration, spread vs flat spectrum, same whitened problem and init
    spread_ratio = float(sigma[0] / sigma[-1])
    fr_s, fr_f = [], []
    for k in range(seeds):
        rk = np.random.default_rng([config.seed, 22, k])
        Xs, yk, Uk, Vk = spread_instance(rk, n, sigma)
        Xf = Uk @ np.diag(np.full(sigma.size, sigma[0])) @ Vk.T
        a0 = rk.standard_normal((sigma.size, width))
        rest = (0.5 * rk.standard_normal(width), 0.5 * rk.standard_normal(width), 0.5 * rk.standard_normal((width, 1)))
        for Xk, out, sig in ((Xs, fr_s, sigma), (Xf, fr_f, np.full(sigma.size, sigma[0]))):
            W0 = Vk @ (a0 / sig[:, None])
            trained = gd_train(Xk, yk, net.Net(W0, *rest), beta, c, eta_w, eta, steps)
            out.append(top_fraction(Xk, W0, trained.W, target))
        if config.progress is not None:
            config.progress("GD seeds", k + 1, seeds)
    diff = np.array(fr_s) - np.array(fr_f)
    mean, lo, hi = mean_ci(diff)
    measured = {"identity_max_rel_diff": max(worst.values()), "identity_parts": worst, "identity_steps": min(steps, 200),
                "fraction_spread_mean": float(np.mean(fr_s)), "fraction_flat_mean": float(np.mean(fr_f)),
                "fraction_diff_mean": mean, "fraction_diff_ci95": [lo, hi], "seeds": seeds,
                "fractions_spread": fr_s, "fractions_flat": fr_f, "spread_ratio": spread_ratio}
    expected = {"identity_max_rel_diff": 0.0, "fraction_diff_ci95_lower_above": 0.0}
    tolerance = {"identity_rel": IDENTITY_TOL, "ci": "95% t-interval over seeds"}
    t = list(range(1, len(lw) + 1))
    series = {"panels": [
        {"title": "GD on w vs preconditioned GD on a", "xlabel": "step", "ylabel": "loss", "xscale": "log",
         "yscale": "linear", "x": t, "curves": [{"label": "GD on w", "y": lw}, {"label": f"GD on a, P={pre}", "y": la}]},
        {"title": f"movement along the {target} singular direction", "xlabel": "seed", "ylabel": "fraction of ||Δa||²",
         "xscale": "linear", "yscale": "linear", "x": list(range(seeds)),
         "curves": [{"label": f"spectrum {spectrum_text}", "y": fr_s}, {"label": "flat spectrum", "y": fr_f}]}]}
    common = dict(expected=expected, measured=measured, tolerance=tolerance, params=params,
                  precision={"context": "float64"}, series=series)
    if not identity_ok:
        return Outcome(REFUTED, f"GD on w and GD on a with preconditioner {pre} differ by "
                       f"{max(worst.values()):.2e} (> {IDENTITY_TOL:.0e})", **common)
    if spread_ratio < 2:
        return Outcome(INAPPLICABLE, f"the concentration part needs a spread spectrum; σ_max/σ_min = {spread_ratio:.3g} "
                       f"< 2 (identity holds to {max(worst.values()):.1e})", **common)
    if lo > 0:
        return Outcome(VERIFIED, f"identity holds to {max(worst.values()):.1e}; the {target}-direction share of the "
                       f"movement is {np.mean(fr_s):.3f} (spectrum {spectrum_text}) vs {np.mean(fr_f):.3f} (flat), "
                       f"difference 95% CI [{lo:.3f}, {hi:.3f}] over {seeds} seeds", **common)
    if hi < 0:
        return Outcome(REFUTED, f"the {target}-direction share is lower with the spread spectrum: difference 95% CI "
                       f"[{lo:.3f}, {hi:.3f}] over {seeds} seeds", **common)
    return Outcome(INCONCLUSIVE, f"difference of shares 95% CI [{lo:.3f}, {hi:.3f}] contains 0 ({seeds} seeds)", **common)


register(Claim(
    id="ergen2022.whitening-invariance", paper="ergen2022", citation=CITATION,
    summary="the BN network's optimum is unchanged under X→XA, X→X+1bᵀ, X→P_cX (it depends on col(P_c X) only)",
    statement=r"p^*(XA) = p^*(X + \mathbf 1 b^\top) = p^*(P_c X) = p^*(X),\quad A \text{ invertible}",
    confidence="derived",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay on (γ, α, v), β > 0", "A invertible"),
    check=check_whitening_invariance,
    params=(Param("n", 12, "samples (ignored with --data)", int), Param("d", 2, "features (ignored with --data)", int),
            Param("beta", 0.05, "weight decay β > 0", float),
            Param("shift", "isometric", "BN shift constant c: isometric (1/√n) or one", str, SHIFTS),
            Param("transforms", "all", "all (linear, shift, center) or one of them; square = X∘X, not affine "
                  "(negative control)", str, ("all",) + TRANSFORMS + ("square",)),
            Param("condition", 100.0, "condition number of the random A in X → XA", float),
            Param("starts", 2, "L-BFGS starts on each transformed data set (lower-bound check; 0: none)", int)),
    takes_data=True, **REAL_TARGETS,
    notes=("[derived] corollary of the reduction to Ũ = [U, c1] (reference notes §2, §6.2). Exact pattern enumeration; "
           "contrast: the plain ReLU network with bias (the same program on [X, 1]) changes under X → XA."),
))

register(Claim(
    id="ergen2022.gd-preconditioning", paper="ergen2022", citation=CITATION,
    summary="GD on w = GD on a = ΣVᵀw preconditioned by Σ² (exact); GD concentrates on top singular directions",
    statement=(r"w_{t+1} = w_t - \eta\nabla_w L \iff a_{t+1} = a_t - \eta\Sigma^2\nabla_a L,\quad a = \Sigma V^\top w,\ "
               r"P_c X = U\Sigma V^\top"),
    confidence="derived",
    assumptions=("full-batch BN before the ReLU (loss depends on w only through P_c X w)",
                 "spread singular values of the centred data for the concentration part"),
    check=check_gd_preconditioning,
    params=(Param("n", 12, "samples", int),
            Param("spectrum", "10,1,0.1", "singular values of the centred data (the flat control uses σ_max for all)", str),
            Param("beta", 0.01, "weight decay β > 0", float),
            Param("shift", "isometric", "BN shift constant c", str, SHIFTS),
            Param("preconditioner", "sigma2", "a-space preconditioner: sigma2 (the claim), sigma or identity "
                  "(negative controls)", str, ("sigma2", "sigma", "identity")),
            Param("direction", "top", "singular direction whose share is compared: top (the claim) or bottom "
                  "(negative control)", str, ("top", "bottom")),
            Param("seeds", 12, "Monte Carlo seeds for the concentration part", int),
            Param("gd_steps", 300, "GD steps (overridden by --steps)", int),
            Param("width", 4, "neurons", int)),
    defaults={"steps": None},
    notes=("[derived] identity (reference notes §4): the loss depends on w only through a = ΣVᵀw, so ∇_w L = VΣ∇_a L. "
           "Step sizes: η_w = 0.05/σ_max² on W, η = 0.05 on (γ, α, v), the same in both runs. The concentration share "
           "is Σ_j (Δa_j)_k² / Σ_j ‖Δa_j‖² for the top (k = 1) direction; the flat control has the same whitened "
           "problem and init with all singular values σ_max."),
))
