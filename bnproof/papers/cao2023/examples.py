r"""Cao, Zou, Li, Gu (COLT 2023), T4: the patch-wise uniform-margin classifier can beat the max-margin one.

The paper (abstract, [paper]): "Based on two examples, we demonstrate that patch-wise uniform
margin classifiers can outperform the maximum margin classifiers in certain learning problems."
The two examples themselves were **not available** (reference notes §4; a search of the stored
public code and web corpora found only the abstract).  Claim ``cao2023.examples.uniform-beats-max``
therefore checks two constructions of **our own**, in the spirit of the paper -- a signal patch
plus noise patches, the data model of the same group's "Benign overfitting in two-layer
convolutional neural networks" (Cao, Chen, Belkin, Gu, NeurIPS 2022) -- and is tagged ``recon``.

Data (all constructions).  x = [x^(1), ..., x^(P)], P patches in R^d, y uniform on {±1}.
Signal directions are coordinate axes u_k = μ_k e_k (no loss of generality: everything below is
rotation invariant).  A point draws a group k with probability π_k; its signal patch is
x^(1) = y·u_k and its P-1 noise patches are ξ_p ~ N(0, σ² C), C = I - Σ_k e_k e_kᵀ (noise
orthogonal to the signals, as in Cao et al. 2022).

* **A -- weak signal.**  One group, μ = ``a_mu`` (default 3).  The signal patch is weak compared
  with what the noise lets a classifier memorise: μ² < σ² d / n.
* **B -- strong common feature, weak rare feature.**  Group 1 (probability 1 - q) carries
  u_1 with μ_1 = ``b_mu_strong`` (10, μ_1² ≫ σ²d/n); group 2 (probability q = ``b_q``, 0.3)
  carries an orthogonal u_2 with μ_2 = ``b_mu_weak`` (1.5).
* **control -- no patch structure.**  P = 1: x = y·μ e_1 + ξ, ξ ~ N(0, σ² I_d) isotropic, with
  d ≫ n.  Every training point is then a support vector (α = D_y G⁻¹ y > 0), so the two
  classifiers below are the *same* vector (reference notes §2).  The check answers
  ``inapplicable`` there (see "Verdict").

Classifiers (reference notes §4 protocol, [derived]).
* **patch-wise uniform margin** ŵ: the minimum-norm w with y_i⟨w, x_i^(p)⟩ = 1 for every
  (i, p) -- what GD on the BN two-layer linear CNN converges to in direction (the paper's T3;
  that convergence is another claim's business and is not rerun here);
* **max margin** w_mm: the hard-margin SVM (no bias) on the patch means
  x̄_i = (1/P) Σ_p x_i^(p) -- what GD on the same CNN without BN converges to (Soudry et al. 2018).
Both predict sign(Σ_p ⟨w, x^(p)⟩) (BN's positive scale γ/‖w‖_Σ does not change the sign).

Why the ordering is expected ([derived] heuristics for d ≫ nP, every point a support vector).
ŵ must give *every* patch margin 1, so ⟨ŵ, u_k⟩ = 1 for every group seen in training: the
signal patch contributes exactly 1 to every test margin however weak the signal is, while
fitting the n(P-1) noise patches leaves test noise of standard deviation ≈ (P-1)·sqrt(n/d):

    err(ŵ) ≈ Φ(-sqrt(d_eff/n)/(P-1)),   d_eff = d - K - n(P-1) - 1.

The SVM on patch means instead trades signal against noise memorisation at their ℓ2 prices:
minimising a² + ‖w_ξ‖² subject to aμ + y_i⟨w_ξ, Σ_p ξ_ip⟩ = P gives a signal-to-noise ratio at
test time of μ²·sqrt(n)/((P-1)σ²·sqrt(d)):

    err(w_mm) ≈ Φ(-μ² sqrt(n) / ((P-1) σ² sqrt(d))).

So the uniform-margin classifier wins iff μ² ≲ σ² d / n -- example A; in example B the SVM
pays for the strong feature and memorises the noise of the rare weak-feature points, so it
misclassifies about half of that group, while ŵ normalises both features to margin 1.  With a
strong signal (``a_mu=10``) the ordering reverses: the check must then say ``refuted``.

Measurement.  For each example, R = ``draws`` training sets (n points each); for each, both
classifiers, then their test errors on the *same* N = ``n_test`` fresh test points (paired).
``test_sampler=projected`` (default) draws each test point's label, group and the pair of
noise scores (⟨ŵ, Σ_p ξ_p⟩, ⟨w_mm, Σ_p ξ_p⟩) exactly from their joint Gaussian law
N(0, m σ² WᵀCW) (m noisy patches); ``test_sampler=full`` generates every patch of every test
point (the same law, ~100× slower).  The exact Gaussian test error Σ_k π_k Φ(-⟨w,u_k⟩/(σ sqrt(m
wᵀCw))) is reported next to each Monte Carlo estimate as a cross-check.

Statistics (scipy.stats): per classifier, the mean test error over draws with a t-interval and
the pooled Wilson interval; the paired difference D_r = err_mm,r - err_unif,r with a t-interval
(``ttest_1samp``); the per-draw win rate with a Wilson interval (``binomtest``).

Verdict per example: ``inapplicable`` if the two classifiers coincide on every draw (angle
< 1e-6) -- a comparison of a classifier with itself says nothing about the claim, and no
number of samples would change that, so it is not ``inconclusive`` -- or if a classifier does
not exist (nP too large for d: no patch-wise uniform-margin solution; patch means not
separable).  Otherwise ``verified`` if the CI of the difference lies above 0, ``refuted`` if
it lies below 0 (opposite ordering) or inside (-δ, δ) with δ = ``min_effect`` (no difference),
``inconclusive`` otherwise; also ``inconclusive`` if an SVM KKT certificate or the Monte Carlo
cross-check against the exact error fails.  Overall: refuted if any example is refuted, else
inapplicable if any is, else verified if all are, else inconclusive.  ``claim=max-beats-uniform``
mutates the claim (reversed ordering), a negative control.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bnproof.analysis.stats import t_interval, wilson_interval
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.core.verdicts import combine
from bnproof.papers.cao2023.common import CITATION
from bnproof.solvers.svm import max_margin

__all__ = ["UNIFORM_BEATS_MAX", "check_uniform_beats_max", "measure_example", "decide_example", "Construction",
           "constructions", "classifiers", "exact_error", "monte_carlo_errors", "paired_summary", "COINCIDE_ANGLE"]

EXAMPLES = ("A", "B", "control")
_EXAMPLE_CODE = {"A": 1, "B": 2, "control": 3}  # stable seed streams: selecting examples never reseeds
COINCIDE_ANGLE = 1e-6  # radians; below this the two classifiers count as the same vector
KKT_TOL = 1e-6  # max KKT residual of a certified SVM solution
MC_Z_MAX = 6.0  # |MC - exact| / binomial s.e. above this on any draw: the Monte Carlo is broken
_CHUNK_FLOATS = 4_000_000  # floats per chunk of generated test data


@dataclass(frozen=True)
class Construction:
    """A patch-data distribution: signals μ_k e_k with probabilities π_k, Gaussian noise patches."""

    key: str
    title: str
    n: int  # training points per draw
    d: int
    P: int
    sigma: float
    mus: tuple[float, ...]  # signal strengths μ_k (signal k is μ_k e_k)
    probs: tuple[float, ...]  # group probabilities π_k
    signal_noise: bool  # True: the signal patch carries noise too (control); False: x^(1) = y u_k
    orthogonal_noise: bool  # True: noise ⟂ span{e_k} (Cao et al. 2022); False: isotropic

    @property
    def K(self) -> int:
        return len(self.mus)

    @property
    def noisy_patches(self) -> int:
        return self.P - 1 + int(self.signal_noise)

    @property
    def noise_diag(self) -> np.ndarray:
        """Diagonal of C (noise covariance / σ²); C is diagonal because the signals are axes."""
        c = np.ones(self.d)
        if self.orthogonal_noise:
            c[: self.K] = 0.0
        return c

    def sample(self, rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """m points: patches X (m×P×d), labels y (±1), groups k."""
        y = rng.choice(np.array([-1.0, 1.0]), size=m)
        k = rng.choice(self.K, size=m, p=np.asarray(self.probs))
        X = self.sigma * rng.standard_normal((m, self.P, self.d)) * self.noise_diag
        if not self.signal_noise:
            X[:, 0, :] = 0.0
        X[np.arange(m), 0, k] += y * np.asarray(self.mus)[k]
        return X, y, k

    def describe(self) -> dict:
        return {"title": self.title, "n": self.n, "d": self.d, "P": self.P, "sigma": self.sigma,
                "mu": list(self.mus), "probs": list(self.probs), "signal_patch_noisy": self.signal_noise,
                "noise": "N(0, σ²(I - Σ_k e_k e_kᵀ))" if self.orthogonal_noise else "N(0, σ² I)"}


def constructions(claim: Claim, config: RunConfig) -> dict[str, Construction]:
    """The selected constructions with the claim's parameters (BadInput on bad values)."""
    p = {q.name: claim.param(config, q.name) for q in claim.params}
    n, d, P, sigma = p["n"], p["d"], p["P"], p["sigma"]
    if n < 2 or d < 2 or P < 1:
        raise BadInput(f"--param n >= 2, d >= 2 and P >= 1 required, got n={n}, d={d}, P={P}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise BadInput(f"--param sigma must be a positive number, got {sigma}")
    for name in ("a_mu", "b_mu_strong", "b_mu_weak", "control_mu"):
        if not (math.isfinite(p[name]) and p[name] > 0):
            raise BadInput(f"--param {name} must be a positive number, got {p[name]}")
    if not 0 < p["b_q"] < 1:
        raise BadInput(f"--param b_q must be in (0, 1), got {p['b_q']}")
    keys = p["examples"]
    if any(t not in EXAMPLES for t in keys):
        raise BadInput(f"--param examples: comma-separated names from {', '.join(EXAMPLES)}, got {','.join(keys)!r}")
    if d < 3 and "B" in keys:
        raise BadInput(f"--param d must be >= 3 for example B (two signal axes and noise), got {d}")
    table = {
        "A": Construction("A", "weak signal patch + Gaussian noise patches", n, d, P, sigma,
                          (p["a_mu"],), (1.0,), False, True),
        "B": Construction("B", "strong common feature + weak rare feature, Gaussian noise patches", n, d, P, sigma,
                          (p["b_mu_strong"], p["b_mu_weak"]), (1 - p["b_q"], p["b_q"]), False, True),
        "control": Construction("control", "single patch (P = 1), signal + isotropic noise", n, p["control_d"], 1,
                                sigma, (p["control_mu"],), (1.0,), True, False),
    }
    if p["control_d"] < 2:
        raise BadInput(f"--param control_d must be >= 2, got {p['control_d']}")
    return {key: table[key] for key in dict.fromkeys(keys)}


# --- classifiers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Classifiers:
    w_unif: np.ndarray  # unit patch-wise uniform-margin direction
    w_mm: np.ndarray  # unit max-margin direction on patch means
    angle: float  # radians between them
    patch_margin_spread: float  # max - min of y_i⟨ŵ, x_i^(p)⟩ / mean (0 for a true uniform margin)
    n_support: int
    kkt_max: float
    svm_tol: float  # Clarabel tolerance the SVM solve succeeded at


def classifiers(X: np.ndarray, y: np.ndarray) -> Classifiers | str:
    """Both classifiers for one training set, or a string naming the violated assumption."""
    n, P, d = X.shape
    rows, labels = X.reshape(n * P, d), np.repeat(y, P)
    # min-norm solution of y_ip⟨w, x_ip⟩ = 1; it is a uniform margin only if the system is consistent
    w, *_ = np.linalg.lstsq(rows, labels, rcond=None)
    resid = float(np.linalg.norm(rows @ w - labels) / np.linalg.norm(labels))
    if resid > 1e-8:
        return (f"no patch-wise uniform-margin classifier: y_i⟨w, x_i^(p)⟩ = 1 for all (i, p) has no solution "
                f"(relative residual {resid:.2e}; n·P = {n * P} constraints in d = {d})")
    margins = labels * (rows @ w)
    try:
        sol = max_margin(X.mean(axis=1), y)
    except BadInput:
        return "the patch means x̄_i are not linearly separable through the origin: no max-margin classifier"
    w_unif, w_mm = w / np.linalg.norm(w), sol.direction
    chord = float(np.linalg.norm(w_unif - w_mm))
    return Classifiers(w_unif=w_unif, w_mm=w_mm, angle=2 * math.asin(min(1.0, chord / 2)),
                       patch_margin_spread=float(np.ptp(margins) / np.mean(margins)),
                       n_support=int(sol.support.sum()), kkt_max=float(max(sol.kkt.values())),
                       svm_tol=sol.solver_tol)


def exact_error(con: Construction, w: np.ndarray) -> float:
    """P[y·Σ_p⟨w, x^(p)⟩ <= 0] = Σ_k π_k Φ(-⟨w, u_k⟩ / (σ sqrt(m wᵀCw))), m noisy patches."""
    sd = con.sigma * math.sqrt(con.noisy_patches * float(np.sum(con.noise_diag * w * w)))
    margins = np.asarray(con.mus) * w[: con.K]
    if sd == 0:
        return float(np.dot(con.probs, margins <= 0))
    return float(np.dot(con.probs, stats.norm.cdf(-margins / sd)))


def monte_carlo_errors(con: Construction, W: np.ndarray, rng: np.random.Generator, N: int,
                       sampler: str) -> np.ndarray:
    """Test-error counts of the columns of W (d×c) on the same N fresh points: y·Σ_p⟨w, x^(p)⟩ <= 0."""
    errors = np.zeros(W.shape[1], dtype=np.int64)
    if sampler == "projected":
        # exact joint law of (y, k, ⟨w_c, Σ_p ξ_p⟩_c): Gaussian with covariance m σ² WᵀCW
        cov = con.noisy_patches * con.sigma**2 * (W.T * con.noise_diag) @ W
        lam, V = np.linalg.eigh(cov)
        L = V * np.sqrt(np.clip(lam, 0.0, None))
        y = rng.choice(np.array([-1.0, 1.0]), size=N)
        k = rng.choice(con.K, size=N, p=np.asarray(con.probs))
        signal = (np.asarray(con.mus)[:, None] * W[: con.K, :])[k]  # ⟨w_c, u_k⟩, N×c
        scores = y[:, None] * signal + rng.standard_normal((N, W.shape[1])) @ L.T
        return np.sum(y[:, None] * scores <= 0, axis=0)
    chunk = max(1, _CHUNK_FLOATS // (con.P * con.d))
    for start in range(0, N, chunk):
        X, y, _ = con.sample(rng, min(chunk, N - start))
        errors += np.sum(y[:, None] * (X.sum(axis=1) @ W) <= 0, axis=0)
    return errors


# --- statistics ------------------------------------------------------------------------------


def paired_summary(err_unif: np.ndarray, err_mm: np.ndarray, k_unif: np.ndarray, k_mm: np.ndarray,
                   N: int, level: float) -> dict:
    """Means with t-intervals over draws, pooled Wilson intervals, paired difference, win rate."""
    R = len(err_unif)
    diff = np.asarray(err_mm) - np.asarray(err_unif)
    wins, ties = int(np.sum(diff > 0)), int(np.sum(diff == 0))
    return {
        "err_unif": float(np.mean(err_unif)), "err_unif_ci": t_interval(err_unif, level),
        "err_mm": float(np.mean(err_mm)), "err_mm_ci": t_interval(err_mm, level),
        "err_unif_pooled_wilson": wilson_interval(np.sum(k_unif), R * N, level),
        "err_mm_pooled_wilson": wilson_interval(np.sum(k_mm), R * N, level),
        "diff": float(np.mean(diff)), "diff_ci": t_interval(diff, level),
        "diff_sd": float(np.std(diff, ddof=1)) if R > 1 else 0.0,
        "wins": wins, "ties": ties, "win_rate": wins / R, "win_rate_wilson": wilson_interval(wins, R, level),
    }


# --- the check -------------------------------------------------------------------------------


def _heuristic(con: Construction) -> dict:
    """[derived] large-d predictions from the module docstring (not used for the verdict)."""
    n, d, P, s = con.n, con.d, con.P, con.sigma
    if con.key == "control" or P < 2:
        return {}
    d_eff = max(d - con.K - n * (P - 1) - 1, 1)
    unif = float(stats.norm.cdf(-math.sqrt(d_eff / n) / (P - 1)))
    mm = 0.0
    for mu, pi in zip(con.mus, con.probs):
        n_k = max(n * pi, 1.0)
        mm += pi * float(stats.norm.cdf(-mu**2 * math.sqrt(n_k) / ((P - 1) * s**2 * math.sqrt(d))))
    return {"err_unif": unif, "err_mm": mm}


def _fmt_ci(x: float, ci: tuple[float, float]) -> str:
    return f"{x:.5f} [{ci[0]:.5f}, {ci[1]:.5f}]"


def _test_errors(con: Construction, per_draw: list, N: int, sampler: str, level: float) -> dict:
    """Monte Carlo and exact test errors of both classifiers on every draw, and their paired summary."""
    rows, k_u, k_m = [], [], []
    for row, cl, test_rng in per_draw:
        W = np.column_stack([cl.w_unif, cl.w_mm])
        ku, km = (int(v) for v in monte_carlo_errors(con, W, test_rng, N, sampler))
        ex_u, ex_m = exact_error(con, cl.w_unif), exact_error(con, cl.w_mm)
        z = [abs(k / N - e) / math.sqrt(max(e, 1 / N) * (1 - min(e, 1 - 1 / N)) / N)
             for k, e in ((ku, ex_u), (km, ex_m))]
        row.update(err_unif=ku / N, err_unif_wilson=wilson_interval(ku, N, level), err_mm=km / N,
                   err_mm_wilson=wilson_interval(km, N, level), exact_unif=ex_u, exact_mm=ex_m, mc_vs_exact_z=max(z))
        rows.append(row)
        k_u.append(ku)
        k_m.append(km)
    summary = paired_summary(np.array(k_u) / N, np.array(k_m) / N, np.array(k_u), np.array(k_m), N, level)
    summary["exact_unif_mean"] = float(np.mean([r["exact_unif"] for r in rows]))
    summary["exact_mm_mean"] = float(np.mean([r["exact_mm"] for r in rows]))
    return {"coincide": False, "rows": rows, "summary": summary}


def measure_example(con: Construction, seed: int, R: int, N: int, sampler: str, level: float,
                    progress) -> dict:
    """R training draws of one construction: classifiers, Monte Carlo and exact test errors."""
    per_draw = []
    for r in range(R):
        seq = np.random.SeedSequence([seed, _EXAMPLE_CODE[con.key], r])
        train_rng, test_rng = (np.random.default_rng(s) for s in seq.spawn(2))
        X, y, groups = con.sample(train_rng, con.n)
        cl = classifiers(X, y)
        if isinstance(cl, str):
            return {"inapplicable": f"draw {r}: {cl}", "draws_done": r}
        row = {"draw": r, "seed_entropy": [seed, _EXAMPLE_CODE[con.key], r], "angle": cl.angle,
               "n_support": cl.n_support, "kkt_max": cl.kkt_max, "svm_tol": cl.svm_tol,
               "patch_margin_spread": cl.patch_margin_spread,
               "groups_in_training": np.bincount(groups, minlength=con.K).tolist()}
        per_draw.append((row, cl, test_rng))
        if progress:
            progress(r + 1, R)
    if all(cl.angle < COINCIDE_ANGLE for _, cl, _ in per_draw):
        return {"coincide": True, "rows": [row for row, _, _ in per_draw]}
    return _test_errors(con, per_draw, N, sampler, level)


def decide_example(res: dict, orientation: int, min_effect: float) -> tuple[str, str]:
    """Per example: inapplicable (a classifier missing, or both the same vector on every draw);
    inconclusive on an uncertified SVM or a broken Monte Carlo; then the difference CI against 0
    and ±min_effect (above: verified; below or inside the band: refuted; else inconclusive)."""
    if "inapplicable" in res:
        return INAPPLICABLE, f"assumption violated: {res['inapplicable']}"
    if res["coincide"]:
        worst = max(r["angle"] for r in res["rows"])
        return INAPPLICABLE, (f"the two classifiers coincide on every draw (max angle {worst:.1e} rad < "
                              f"{COINCIDE_ANGLE:g}; every training point is a support vector), so the problem "
                              f"cannot separate them")
    rows, s = res["rows"], res["summary"]
    kkt = max(r["kkt_max"] for r in rows)
    zmax = max(r["mc_vs_exact_z"] for r in rows)
    if kkt > KKT_TOL:
        return INCONCLUSIVE, f"an SVM solution is not certified (KKT residual {kkt:.1e} > {KKT_TOL:g})"
    if zmax > MC_Z_MAX:
        return INCONCLUSIVE, f"Monte Carlo disagrees with the exact Gaussian error ({zmax:.1f} s.e. on some draw)"
    lo, hi = (orientation * v for v in s["diff_ci"])
    lo, hi = min(lo, hi), max(lo, hi)
    better, worse = ("uniform-margin", "max-margin") if orientation > 0 else ("max-margin", "uniform-margin")
    ci = f"[{lo:+.5f}, {hi:+.5f}]"
    if lo > 0:
        return VERIFIED, f"{better} error lower: difference CI {ci} excludes 0"
    if hi < 0:
        return REFUTED, f"opposite ordering: the {worse} classifier's error is lower, difference CI {ci}"
    if -min_effect < lo and hi < min_effect:
        return REFUTED, f"no difference: difference CI {ci} lies within ±{min_effect:g}"
    return INCONCLUSIVE, f"difference CI {ci} contains 0 but is wider than ±{min_effect:g}; more draws needed"


def _example_record(con: Construction, res: dict, verdict: str, why: str, orientation: int,
                    R: int) -> tuple[dict, dict, dict]:
    """(expected, measured, detail) entries of one example, keyed by its name."""
    key, heur = con.key, _heuristic(con)
    order = "<" if orientation > 0 else ">"
    expected = {f"{key}: difference": (f"err_mm - err_unif {'>' if orientation > 0 else '<'} 0 "
                                       f"(CI excludes 0), i.e. err_unif {order} err_mm")}
    if heur:
        expected[f"{key}: err_unif"] = f"≈ {heur['err_unif']:.4f} (large-d heuristic [derived])"
        expected[f"{key}: err_mm"] = f"≈ {heur['err_mm']:.4f} (large-d heuristic [derived])"
    measured = {f"{key}: verdict": verdict}
    detail = {"construction": con.describe(), "verdict": verdict, "reason": why}
    if "summary" in res:
        s = res["summary"]
        measured[f"{key}: err_unif"] = _fmt_ci(s["err_unif"], s["err_unif_ci"])
        measured[f"{key}: err_mm"] = _fmt_ci(s["err_mm"], s["err_mm_ci"])
        measured[f"{key}: difference"] = _fmt_ci(s["diff"], s["diff_ci"])
        measured[f"{key}: win_rate"] = f"{s['wins']}/{R} [{s['win_rate_wilson'][0]:.3f}, {s['win_rate_wilson'][1]:.3f}]"
        measured[f"{key}: exact err_unif / err_mm"] = f"{s['exact_unif_mean']:.5f} / {s['exact_mm_mean']:.5f}"
        detail["summary"] = s
        detail["max_mc_vs_exact_z"] = max(r["mc_vs_exact_z"] for r in res["rows"])
    if "rows" in res:
        rows = res["rows"]
        detail["max_kkt_residual"] = max(r["kkt_max"] for r in rows)
        detail["max_patch_margin_spread"] = max(r["patch_margin_spread"] for r in rows)
        detail["angle_min_max"] = [min(r["angle"] for r in rows), max(r["angle"] for r in rows)]
        detail["all_support_vectors_draws"] = sum(r["n_support"] == con.n for r in rows)
        detail["per_draw"] = rows
        measured[f"{key}: angle(ŵ, w_mm) rad"] = f"{detail['angle_min_max'][0]:.3g} .. {detail['angle_min_max'][1]:.3g}"
    return expected, measured, detail


def _settings(claim: Claim, config: RunConfig) -> dict:
    """Draws R (``quick_draws`` with --quick), test points N, level, sampler, δ, orientation; validated."""
    R = claim.param(config, "draws")
    if config.quick and "draws" not in config.params:
        R = claim.defaults["quick_draws"]
    N, level = claim.param(config, "n_test"), claim.param(config, "level")
    sampler, min_effect = claim.param(config, "test_sampler"), claim.param(config, "min_effect")
    if R < 3:
        raise BadInput(f"--param draws must be >= 3 (a t-interval over draws needs them), got {R}")
    if N < 1000:
        raise BadInput(f"--param n_test must be >= 1000, got {N}")
    if not 0.5 <= level < 1:
        raise BadInput(f"--param level must be in [0.5, 1), got {level}")
    if not min_effect >= 0:
        raise BadInput(f"--param min_effect must be >= 0, got {min_effect}")
    orientation = 1 if claim.param(config, "claim") == "uniform-beats-max" else -1
    return {"R": R, "N": N, "level": level, "sampler": sampler, "min_effect": min_effect, "orientation": orientation}


def _params(claim: Claim, config: RunConfig, cons: dict, st: dict) -> dict:
    own = ("claim", "examples", "draws", "n_test", "level", "test_sampler", "min_effect")
    return {
        "seed": config.seed, "claim": claim.param(config, "claim"), "examples": list(cons),
        "draws": st["R"], "n_test": st["N"], "level": st["level"], "test_sampler": st["sampler"],
        "min_effect": st["min_effect"],
        "seeds": "numpy SeedSequence(entropy=[seed, code, draw]).spawn(2) -> (training, test); "
                 f"code {', '.join(f'{k}={v}' for k, v in _EXAMPLE_CODE.items())}",
        **{p.name: claim.param(config, p.name) for p in claim.params if p.name not in own},
    }


def check_uniform_beats_max(claim: Claim, config: RunConfig) -> Outcome:
    r"""On each example, the patch-wise uniform-margin classifier ŵ has lower test error than the max-margin w_mm.

    Source: the paper's abstract [paper] (T4); the two examples were not available (reference
    notes §4 [recon]): constructions A, B and the control are ours (module docstring).
    Measured per example: R training draws; on each, ŵ (min-norm patch-wise uniform margin) and
    w_mm (KKT-certified SVM on patch means), their Monte Carlo test errors on the same N fresh
    points and the exact Gaussian errors; t-intervals over draws, Wilson intervals, the paired
    difference err_mm - err_unif with its t-interval, the win rate.
    Decision per example: :func:`decide_example`; overall :func:`~bnproof.core.verdicts.combine`
    (refuted if any example is, else inapplicable if any is, else verified if all are).
    Negative controls: the reversed ordering ``--param claim=max-beats-uniform`` -> refuted; a
    strong signal ``--param examples=A --param a_mu=10`` -> refuted; the crossover
    ``--param a_mu=4.35 --param draws=60`` -> refuted (no difference); ``--param examples=control``
    (the classifiers coincide) -> inapplicable; ``--param n=12 --param d=6`` -> inapplicable.
    """
    cons = constructions(claim, config)
    st = _settings(claim, config)
    expected, measured, reasons, verdicts, details = {}, {}, [], [], {}
    for key, con in cons.items():
        prog = None
        if config.progress is not None:
            prog = lambda t, total, key=key: config.progress(f"{claim.id} [{key}]", t, total)  # noqa: E731
        res = measure_example(con, config.seed, st["R"], st["N"], st["sampler"], st["level"], prog)
        verdict, why = decide_example(res, st["orientation"], st["min_effect"])
        verdicts.append(verdict)
        reasons.append(f"{key}: {why}")
        exp, meas, details[key] = _example_record(con, res, verdict, why, st["orientation"], st["R"])
        expected.update(exp)
        measured.update(meas)
    measured["examples"] = details
    N, level, min_effect = st["N"], st["level"], st["min_effect"]
    precision = {"arithmetic": "float64", "method": "Monte Carlo, paired over draws",
                 "n_test_per_draw": N, "draws": st["R"], "confidence_level": level,
                 "intervals": "t over draws (scipy.stats.ttest_1samp); Wilson (scipy.stats.binomtest)",
                 "svm": f"cvxpy/CLARABEL, KKT residual <= {KKT_TOL:g} required",
                 "mc_cross_check": f"|MC - exact Gaussian error| <= {MC_Z_MAX:g} binomial s.e. per draw"}
    tolerance = {"difference": f"CI at level {level:g} excludes 0; |CI| < {min_effect:g} counts as no difference",
                 "coincide_angle_rad": COINCIDE_ANGLE}
    return Outcome(combine(verdicts), "; ".join(reasons), expected, measured, tolerance,
                   _params(claim, config, cons, st), precision,
                   series=_figure(details, st["orientation"], st["min_effect"]))


def _figure(details: dict, orientation: int, min_effect: float) -> dict:
    """Per example: both classifiers' test errors per draw (Monte Carlo with Wilson bands, exact Gaussian
    error), and the paired difference the verdict reads, with its CI and the no-difference band."""
    figure = []
    for key, detail in details.items():
        rows = [r for r in detail.get("per_draw") or [] if "err_unif" in r and "err_mm" in r]
        if not rows:  # e.g. the control, where the classifiers coincide and no error is estimated
            continue
        draws = [r["draw"] for r in rows]
        curves, bands = [], []
        for i, (name, label, short) in enumerate((("unif", "uniform margin", "uniform"),
                                                  ("mm", "max margin (SVM)", "max margin"))):
            curves.append(Curve(label, [r[f"err_{name}"] for r in rows]))
            curves.append(Curve(f"exact: {short}", [r[f"exact_{name}"] for r in rows], style=f"C{i}", kind="theory"))
            bands.append(Band(f"{label}, 95% CI", [r[f"err_{name}_wilson"][0] for r in rows],  # Wilson, per draw
                              [r[f"err_{name}_wilson"][1] for r in rows]))
        figure.append(Panel(f"{key}: {detail['construction'].get('title', '')}", "training-set draw", "test error",
                            draws, curves, xscale=None, yscale="log", bands=bands))
        if "summary" in detail:
            figure.append(_difference_panel(key, detail, rows, orientation, min_effect))
    return panels(*figure)


def _difference_panel(key: str, detail: dict, rows: list, orientation: int, min_effect: float) -> Panel:
    """err_mm − err_unif per draw, its mean's CI (the verdict's interval), 0 and the band ±min_effect."""
    s, draws = detail["summary"], [r["draw"] for r in rows]
    ends = [min(draws), max(draws)]
    lo, hi = s["diff_ci"]
    better = "uniform" if orientation > 0 else "max margin"
    return Panel(f"{key}: paired difference ($> 0$: {better} better)", "training-set draw",
                 r"$\mathrm{err}_{\mathrm{mm}} - \mathrm{err}_{\mathrm{unif}}$", draws,
                 [Curve("per draw", [r["err_mm"] - r["err_unif"] for r in rows])], xscale=None,
                 hlines=[HLine(0.0, "no difference", kind="theory")],
                 bands=[Band("mean: 95% CI (verdict)", [lo, lo], [hi, hi], x=ends),
                        Band(f"$\\pm${min_effect:g}: too small to count", [-min_effect] * 2, [min_effect] * 2, x=ends,
                             kind="bound")])


UNIFORM_BEATS_MAX = register(Claim(
    id="cao2023.examples.uniform-beats-max", typical_s=1.1,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "A: verdict", "A: err_unif", "A: err_mm", "A: difference", "A: win_rate", "A: exact err_unif / err_mm",
        "A: angle(ŵ, w_mm) rad", "B: verdict", "B: err_unif", "B: err_mm", "B: difference", "B: win_rate",
        "B: exact err_unif / err_mm", "B: angle(ŵ, w_mm) rad", "examples", "control: verdict",
        "control: angle(ŵ, w_mm) rad"
    ),
    source="abstract [paper] (T4); the paper's two examples were not available: reference notes §4 [recon]",
    paper="cao2023",
    citation=CITATION,
    summary="patch data: the patch-wise uniform-margin classifier has lower test error than max margin (2 examples)",
    statement=(r"\Pr_{(x,y)\sim\mathcal D_j}\Big[y\sum_p\langle \hat w, x^{(p)}\rangle \le 0\Big] < "
               r"\Pr_{(x,y)\sim\mathcal D_j}\Big[y\sum_p\langle w_{mm}, x^{(p)}\rangle \le 0\Big],\ j = 1, 2;\ "
               r"\hat w = \arg\min\{\|w\|: y_i\langle w, x_i^{(p)}\rangle = 1\ \forall i,p\},\ "
               r"w_{mm} = \arg\min\{\|w\|: y_i\langle w, \bar x_i\rangle \ge 1\ \forall i\}"),
    confidence="recon",
    assumptions=(
        "a patch-wise uniform-margin classifier exists on the training set (generic when n(P-1)+K < d)",
        "the patch means x̄_i are linearly separable through the origin",
        "the two classifiers differ (otherwise the problem cannot separate them: inapplicable)",
    ),
    check=check_uniform_beats_max,
    params=(
        Param("claim", "uniform-beats-max", "the ordering checked; max-beats-uniform is the mutated claim "
              "(negative control)", str, ("uniform-beats-max", "max-beats-uniform")),
        Param("examples", "A,B", "comma-separated constructions: A, B, control (P = 1, d ≫ n: the "
              "classifiers coincide)", ListOf(str, unique_sorted=False)),
        Param("n", 12, "training points per draw", int, lo=1, hi=10_000),
        Param("d", 240, "patch dimension (A, B)", int, lo=1, hi=100_000),
        Param("P", 3, "patches per point (A, B): one signal patch + P-1 noise patches", int, lo=1, hi=1000),
        Param("sigma", 1.0, "noise standard deviation per coordinate", float),
        Param("a_mu", 3.0, "A: signal strength ‖u‖ (uniform wins iff roughly μ² < σ²d/n)", float),
        Param("b_mu_strong", 10.0, "B: strength of the common feature u_1", float),
        Param("b_mu_weak", 1.5, "B: strength of the rare feature u_2", float),
        Param("b_q", 0.3, "B: probability of the rare feature", float),
        Param("control_d", 240, "control: dimension of the single patch", int, lo=1, hi=100_000),
        Param("control_mu", 3.0, "control: signal strength", float),
        Param("draws", 20, "training-set draws R per example (--quick: 10)", int, lo=1, hi=10_000),
        Param("n_test", 100_000, "fresh test points N per draw", int, lo=1, hi=10**7),
        Param("test_sampler", "projected", "projected: exact joint law of the two test scores; full: every "
              "patch of every test point", str, ("projected", "full")),
        Param("level", 0.95, "confidence level of every interval", float, lo=0.9, hi=1, hi_open=True, tolerance=True),
        Param("min_effect", 0.005, "δ: a difference CI inside (-δ, δ) counts as no difference (refuted)", float,
              lo=0, hi=0.05, tolerance=True),
    ),
    defaults={"quick_draws": 10},
    takes_data=False,
    data_kind="patches",
    notes=("The paper's two examples were not available: the abstract is the only source found "
           "(reference notes §4; searches of the stored code and web corpora for the paper's text, "
           "2306.11680, found abstracts only). Constructions A, B and the control are ours, in the spirit "
           "of the paper: a signal patch plus Gaussian noise patches, the data model of Cao, Chen, Belkin, "
           "Gu (NeurIPS 2022). The classifiers follow the reference notes §4 protocol: ŵ is the min-norm "
           "patch-wise uniform-margin solution (the BN CNN's limit, T3, not rerun here), w_mm the SVM on "
           "patch means (the no-BN limit)."),
    controls=(
        Control("max beats uniform", STATEMENT_FLIP, "the opposite ordering of the two test errors",
                params={"claim": "max-beats-uniform", "draws": 4, "n_test": 10_000}),
        Control("coinciding classifiers", ASSUMPTION_DROPPED, "P = 1, d ≫ n: the two classifiers coincide",
                params={"examples": "control", "draws": 4, "n_test": 10_000}),
    ),
))
