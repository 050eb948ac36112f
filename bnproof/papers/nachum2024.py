r"""Nachum, Bondaschi, Gastpar, Khina (2024): Batch Normalization Decomposed.

Claims checked here (reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md``,
section (a)).  The paper's theorem statements were not available: the model (per-neuron
recentering RC, rescaling RS, ReLU, i.i.d. Gaussian weights) is [recon], the fixed-point
geometry is [derived] here (``symbolic.bn_init``), not quoted.

* ``nachum2024.odd-point-invariance`` -- n−1 identical points and one odd point are an exact
  fixed configuration of RC + ReLU (and of RC + RS + ReLU): after a layer, odd point and
  cluster have disjoint supports (cosine exactly 0) and E‖odd‖²/E‖cluster point‖² = (n−1)².
* ``nachum2024.odd-point-emergence`` -- from generic inputs, deep random RC + ReLU networks
  drive the batch to one tight cluster plus one odd point orthogonal to it.
* ``nachum2024.stability`` -- the configuration, perturbed by ε, stays within O(ε) of itself.

Forward passes: :mod:`bnproof.bn_init` (explicit weights for the exact checks; the exact-in-law
Gram chain for the deep runs).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.blas import single_threaded_blas
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.models import bn_init as bi

__all__ = ["CITATION", "odd_point_batch", "layer_stats", "emergence_run", "fixed_configuration", "configuration_distance",
           "stability_verdict", "identities", "render"]

CITATION = ("Nachum, Bondaschi, Gastpar, Khina. Batch Normalization Decomposed. arXiv:2412.02843, 2024")
CONF_EXACT = 0.99  # CI level where a verdict must not fail by chance (the exact invariance claim)
SPREAD_TOL = 1e-12  # relative cluster spread allowed for float64 round-off in W H (0 in exact arithmetic)


@functools.lru_cache(maxsize=1)
def identities() -> tuple:
    """The symbolic identities of the fixed configuration (SymPy, cross-checked numerically)."""
    from bnproof.symbolic import bn_init as sb

    return tuple(sb.nachum_identities())


def _components(claim: Claim, config: RunConfig) -> bi.Components:
    return bi.Components(recenter=claim.param(config, "recenter"), rescale=claim.param(config, "rescale"),
                         nonlinearity=claim.param(config, "nonlinearity"))


def _common_params(claim: Claim, config: RunConfig) -> tuple[int, int, int, int]:
    n, width, depth, seeds = (claim.param(config, k) for k in ("n", "width", "depth", "seeds"))
    bi.validate_sizes(n, width, depth, seeds)
    return n, width, depth, seeds


def odd_point_batch(rng: np.random.Generator, d: int, n: int, eps: float = 0.0) -> np.ndarray:
    """d×n batch: columns 0..n−2 equal to one Gaussian point a (plus ε·noise), column n−1 a Gaussian b."""
    a = rng.standard_normal((d, 1))
    X = np.repeat(a, n, axis=1)
    X[:, -1] = rng.standard_normal(d)
    if eps:
        X[:, :-1] += eps * np.linalg.norm(a) / math.sqrt(d) * rng.standard_normal((d, n - 1))
    return X


def layer_stats(H: np.ndarray) -> dict[str, float]:
    """Exact statistics of a batch whose last column is the odd point.

    ``cos``: max_j |cos(odd, x_j)| over cluster points j; ``spread``: max_j ‖x_j − x_0‖/‖x_0‖ over the
    cluster (0 iff the cluster is one point); ``ratio``: ‖odd‖ / ‖x_0‖.  Disjoint supports give
    every product odd_i·x_{ji} = 0.0 exactly in floating point, so ``cos`` = 0.0 is an exact test.
    The spread is 0 in exact arithmetic but not bitwise: BLAS may round identical columns of W H
    differently (different micro-kernels for different column blocks), so it is compared with
    ``SPREAD_TOL``.
    """
    odd, cl = H[:, -1], H[:, :-1]
    no, nc = np.linalg.norm(odd), np.linalg.norm(cl, axis=0)
    cos = np.abs(odd @ cl) / np.where(no * nc > 0, no * nc, 1.0)
    n0 = float(np.linalg.norm(cl[:, 0]))
    spread = float(np.max(np.linalg.norm(cl - cl[:, :1], axis=0))) / n0 if n0 > 0 else 0.0
    return {"cos": float(np.max(cos)), "spread": spread,
            "ratio": float(no / nc[0]) if nc[0] > 0 else math.inf}


def _record(verdict: str, why: str, **fields) -> Outcome:
    """Outcome with every figure made JSON-safe (NumPy -> Python, non-finite -> None)."""
    return Outcome(verdict, why, **fields)  # make_record makes the fields JSON-ready


# --------------------------------------------------------------------------- invariance


def check_invariance(claim: Claim, config: RunConfig) -> Outcome:
    n, width, depth, seeds = _common_params(claim, config)
    comp = _components(claim, config)
    if (why := bi.width_violation(n, width)) is not None:
        return _record(INAPPLICABLE, why, expected={}, measured={}, params={"n": n, "width": width, "seed": config.seed})
    if config.quick:
        seeds = min(seeds, 6)
    ids = identities()
    failed = [i.name for i in ids if not i.holds]
    rng = np.random.default_rng(config.seed)
    cos_layers = np.zeros(depth)
    spread_layers = np.zeros(depth)
    ratios = []  # per seed, after layer 1
    with single_threaded_blas():
        for s in range(seeds):
            X = odd_point_batch(rng, width, n)
            Hs = bi.forward(X, depth, comp, rng)
            for layer in range(1, depth + 1):
                st = layer_stats(Hs[layer])
                cos_layers[layer - 1] = max(cos_layers[layer - 1], st["cos"])
                spread_layers[layer - 1] = max(spread_layers[layer - 1], st["spread"])
                if layer == 1:
                    ratios.append(st["ratio"])
            if config.progress:
                config.progress("odd-point invariance", s + 1, seeds)
    ratios = np.array(ratios)
    finite = ratios[np.isfinite(ratios)]
    mean, half = (float(x) for x in mean_halfwidth(finite, level=CONF_EXACT)) if finite.size >= 2 else (math.nan, math.nan)
    cosine, spread = float(cos_layers.max()), float(spread_layers.max())
    exact = cosine == 0.0 and spread <= SPREAD_TOL
    covered = abs(mean - (n - 1)) <= half
    if failed:
        verdict, why = INCONCLUSIVE, f"symbolic identities failed: {', '.join(failed)}"
    elif not exact:
        verdict = REFUTED
        why = (f"the configuration is not invariant under {comp.label}: max |cos(odd, cluster)| = {cosine:.3g}, "
               f"cluster spread {spread:.3g} after {depth} layer(s)")
    elif finite.size < 2:
        verdict = INCONCLUSIVE
        why = (f"cosine exactly 0 and the cluster stays one point, but the cluster point was zero in "
               f"{ratios.size - finite.size} of {seeds} seeds (width {width} too small for a norm ratio)")
    elif not covered:
        verdict = REFUTED
        why = (f"cosine exactly 0 and the cluster stays one point, but the norm ratio {mean:.4g} ± {half:.2g} "
               f"(99% CI, {seeds} seeds) excludes n−1 = {n - 1}")
    else:
        verdict = VERIFIED
        why = (f"under {comp.label} the odd point and the cluster have disjoint supports (cosine exactly 0, "
               f"cluster spread {spread:.1g} ≤ {SPREAD_TOL:g} (round-off), {depth} layer(s), {seeds} seeds, d = {width}); norm ratio "
               f"{mean:.4g} ± {half:.2g} (99% CI) covers n−1 = {n - 1}; {len(ids)} SymPy identities hold")
    series = {"panels": [
        {"title": f"‖odd‖/‖cluster‖ after one layer (n={n}, d={width})", "xlabel": "seed", "ylabel": "norm ratio",
         "xscale": "linear", "yscale": "linear", "x": list(range(seeds)),
         "curves": [{"label": "measured", "y": [float(r) for r in ratios]}],
         "hlines": [{"y": float(n - 1), "label": "n − 1 (derived)"}]},
        {"title": "exactness per layer", "xlabel": "layer", "ylabel": "max over seeds", "xscale": "linear",
         "yscale": "linear", "x": list(range(1, depth + 1)),
         "curves": [{"label": "|cos(odd, cluster)|", "y": [float(c) for c in cos_layers]},
                    {"label": "cluster spread", "y": [float(c) for c in spread_layers]}]},
    ]}
    return _record(
        verdict, why,
        expected={"cosine": 0.0, "cluster_spread": 0.0, "norm_ratio": float(n - 1),
                  "E_odd_sq_over_E_cluster_sq": float((n - 1) ** 2)},
        measured={"cosine": cosine, "cluster_spread": spread, "norm_ratio": mean, "norm_ratio_ci99": half,
                  "norm_ratio_per_seed_min": float(ratios.min()), "norm_ratio_per_seed_max": float(ratios.max()),
                  "identities_failed": failed, "identities_checked": len(ids)},
        tolerance={"cosine": "exactly 0.0 (disjoint supports)", "cluster_spread": SPREAD_TOL,
                   "norm_ratio": "n−1 inside the 99% CI over seeds"},
        params={"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, **comp.to_dict(),
                "weights": "i.i.d. N(0, 1/d), explicit d×d matrices", "odd_point": "last column",
                "rescale_convention": "row scaled to norm 1/√d (Daneshmand et al. 2021, Eq. (1))"},
        precision={"arithmetic": "float64; the cosine test is exact (products of disjoint supports are exact zeros)",
                   "symbolic": "SymPy, each identity cross-checked at 30 digits"},
        series=series)


register(Claim(
    id="nachum2024.odd-point-invariance", paper="nachum2024", citation=CITATION,
    summary="n−1 identical points + one odd point: exact fixed configuration of RC+ReLU (cos 0, norm ratio n−1)",
    statement=(r"X = [a,\dots,a,b]:\ \text{after } \mathrm{ReLU}(\mathrm{RC}(WX))\ \text{(optionally RS)},\ "
               r"\cos(x_{\rm odd}, x_{\rm cluster}) = 0,\ x_1=\dots=x_{n-1},\ "
               r"\mathbb E\|x_{\rm odd}\|^2/\mathbb E\|x_{\rm cluster}\|^2 = (n-1)^2"),
    confidence="derived",
    assumptions=("recentering (RC) present", "ReLU non-linearity", "i.i.d. Gaussian weights",
                 "input: n−1 identical points and one distinct point", "width d ≥ n"),
    check=check_invariance,
    params=(Param("n", 16, "batch size (n−1 cluster points + 1 odd point)", int),
            Param("width", 1024, "width d", int),
            Param("depth", 2, "layers applied (the configuration must persist through each)", int),
            Param("seeds", 20, "independent networks", int),
            Param("recenter", True, "RC switch (negative control: false)", bool),
            Param("rescale", False, "RS switch (the configuration is also fixed with RS)", bool),
            Param("nonlinearity", "relu", "NL switch (negative control: linear)", str, bi.NONLINEARITIES)),
    notes=("[derived]: the invariance and the norm ratio are derived here (symbolic.bn_init), not quoted from "
           "the paper, whose theorem statements were not available. measured.cosine is the max over seeds "
           "and layers of |cos(odd, cluster point)|; measured.norm_ratio the mean over seeds of "
           "‖odd‖/‖cluster point‖ after one layer (fluctuates as O(1/√d) around n−1)."),
))


# --------------------------------------------------------------------------- emergence

COS_ODD_MAX = 0.05  # cos(odd, cluster mean) below this: orthogonal (notes §(a)4: n = 32 gives < 0.01)
COS_WITHIN_MIN = 0.8  # mean within-cluster cosine above this: one tight cluster (measured 0.94-0.97 at n = 32)
RATIO_TOL = 0.15  # |norm ratio / (n−1) − 1| below this (notes: within 10% at n = 32)
MAP_NS, MAP_WIDTHS, MAP_DEPTH = (4, 8, 16, 32), (256, 1024, 4096), 1000


def emergence_run(n: int, width: int, depth: int, seeds: int, comp: bi.Components, seed: int,
                  progress=None) -> dict[str, np.ndarray]:
    """Odd-point statistics per layer, (depth+1, seeds) each, from generic Gaussian inputs."""
    rng = np.random.default_rng([seed, n, width])
    X = rng.standard_normal((seeds, width, n))
    R0 = bi.gram_factor(np.swapaxes(X, -1, -2) @ X)
    with single_threaded_blas():
        return bi.gram_chain(R0, depth, width, comp, rng, bi.odd_point_stats, progress=progress)


def _emergence_verdict(n: int, stats: dict[str, tuple[float, float]], rose: bool) -> tuple[str, list[str]]:
    """(verdict, reasons against) from final-layer means and 95% half-widths."""
    (co, ho), (cw, hw), (r, hr) = stats["cos_odd"], stats["cos_within"], stats["norm_ratio"]
    band = ((1 - RATIO_TOL) * (n - 1), (1 + RATIO_TOL) * (n - 1))
    against = []
    if co - ho > COS_ODD_MAX:
        against.append(f"cos(odd, cluster) {co:.3f} ± {ho:.3f} > {COS_ODD_MAX}")
    if cw + hw < COS_WITHIN_MIN:
        against.append(f"within-cluster cos {cw:.3f} ± {hw:.3f} < {COS_WITHIN_MIN}")
    if r + hr < band[0] or r - hr > band[1]:
        against.append(f"norm ratio {r:.3g} ± {hr:.2g} outside [{band[0]:.3g}, {band[1]:.3g}]")
    if against:
        return REFUTED, against
    ok = (co + ho <= COS_ODD_MAX and cw - hw >= COS_WITHIN_MIN and band[0] <= r - hr and r + hr <= band[1] and rose)
    return (VERIFIED if ok else INCONCLUSIVE), []


TAIL = 0.1  # the statistics are averaged per seed over the last 10% of the layers (one layer is noisy)


def _final_stats(run: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per statistic: mean over seeds of the per-seed average over the last TAIL of the layers, and its 95% CI."""
    depth = next(iter(run.values())).shape[0] - 1
    k = max(1, int(round(TAIL * depth)))
    return {key: tuple(float(x) for x in mean_halfwidth(v[-k:].mean(axis=0))) for key, v in run.items()}


def check_emergence(claim: Claim, config: RunConfig) -> Outcome:
    n, width, depth, seeds = _common_params(claim, config)
    comp = _components(claim, config)
    if (why := bi.width_violation(n, width)) is not None:
        return _record(INAPPLICABLE, why, expected={}, measured={}, params={"n": n, "width": width, "seed": config.seed})
    do_map = claim.param(config, "map")
    if config.quick:
        depth, seeds = min(depth, 200), min(seeds, 6)
    prog = (lambda i, tot: config.progress("odd-point emergence", i, tot)) if config.progress else None
    run = emergence_run(n, width, depth, seeds, comp, config.seed, prog)
    stats = _final_stats(run)
    rose = float(run["cos_within"][-1].mean()) > float(run["cos_within"][0].mean()) + 0.1
    verdict, against = _emergence_verdict(n, stats, rose)
    (co, ho), (cw, hw), (r, hr) = stats["cos_odd"], stats["cos_within"], stats["norm_ratio"]
    figures = f"cos(odd, cluster mean) {co:.3f} ± {ho:.3f}, within-cluster cos {cw:.3f} ± {hw:.3f}, norm ratio {r:.3g} ± {hr:.2g} (n−1 = {n - 1})"
    where = (f"{comp.label}, n = {n}, d = {width}, averaged over layers {depth - max(1, int(round(TAIL * depth))) + 1}–{depth}, "
             f"{seeds} seeds, 95% CIs")
    if verdict == VERIFIED:
        why = f"one tight cluster plus an orthogonal odd point: {figures} ({where})"
    elif verdict == REFUTED:
        why = f"no cluster-plus-odd-point configuration: {'; '.join(against)} ({where})"
    else:
        why = f"CIs straddle the thresholds: {figures} ({where})"
    measured = {"cos_odd_cluster": co, "cos_odd_cluster_ci95": ho, "cos_within_cluster": cw, "cos_within_cluster_ci95": hw,
                "norm_ratio": r, "norm_ratio_ci95": hr, "cos_within_layer0": float(run["cos_within"][0].mean()),
                "seeds": seeds}
    ell = list(range(depth + 1))
    panels = []
    for key, title, h in (("cos_odd", "cos(odd, cluster mean)", COS_ODD_MAX), ("cos_within", "within-cluster cosine", COS_WITHIN_MIN),
                          ("norm_ratio", "‖odd‖ / mean ‖cluster point‖", float(n - 1))):
        m, half = mean_halfwidth(run[key], axis=1)
        panels.append({"title": title, "xlabel": "layer", "ylabel": title, "xscale": "linear", "yscale": "linear", "x": ell,
                       "curves": [{"label": f"mean ({seeds} seeds)", "y": [float(v) for v in m]},
                                  {"label": "95% CI low", "y": [float(v) for v in m - half]},
                                  {"label": "95% CI high", "y": [float(v) for v in m + half]}],
                       "hlines": [{"y": h, "label": "n − 1" if key == "norm_ratio" else "threshold"}]})
    params = {"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, **comp.to_dict(), "map": do_map,
              "inputs": "generic: i.i.d. N(0,1), d×n", "odd_point": "largest-norm point",
              "thresholds": {"cos_odd_max": COS_ODD_MAX, "cos_within_min": COS_WITHIN_MIN, "ratio_rel_tol": RATIO_TOL}}
    if do_map:  # the map of where the configuration appears (slow: widths up to 4096, 1000 layers)
        grid = {}
        total = len(MAP_NS) * len(MAP_WIDTHS)
        for i, (nn, dd) in enumerate((a, b) for a in MAP_NS for b in MAP_WIDTHS):
            st = _final_stats(emergence_run(nn, dd, MAP_DEPTH, seeds, comp, config.seed))
            v, _ = _emergence_verdict(nn, st, True)
            grid[f"n={nn},d={dd}"] = {"verdict": v, **{k: round(m, 4) for k, (m, _) in st.items()}}
            if config.progress:
                config.progress("emergence map", i + 1, total)
        measured["map"] = grid
        params["map_grid"] = {"n": list(MAP_NS), "width": list(MAP_WIDTHS), "depth": MAP_DEPTH}
        panels.append({"title": f"within-cluster cos after {MAP_DEPTH} layers", "xlabel": "width d", "ylabel": "cos",
                       "xscale": "log", "yscale": "linear", "x": [float(w) for w in MAP_WIDTHS],
                       "curves": [{"label": f"n = {nn}", "y": [grid[f"n={nn},d={dd}"]["cos_within"] for dd in MAP_WIDTHS]}
                                  for nn in MAP_NS]})
    return _record(
        verdict, why,
        expected={"cos_odd_cluster": f"< {COS_ODD_MAX}", "cos_within_cluster": f"> {COS_WITHIN_MIN}",
                  "norm_ratio": float(n - 1)},
        measured=measured,
        tolerance={"norm_ratio": f"within {RATIO_TOL:.0%} of n−1", "ci": "95% Student-t CI over seeds; verified only if the whole CI passes"},
        params=params, precision={"arithmetic": "float64", "chain": "exact-in-law Gram chain (bnproof.bn_init)"},
        series={"panels": panels})


register(Claim(
    id="nachum2024.odd-point-emergence", paper="nachum2024", citation=CITATION,
    summary="deep random RC+ReLU networks drive a generic batch to one tight cluster plus one orthogonal odd point",
    statement=(r"\text{RC+ReLU, generic } X:\ \text{for large depth, } \cos(x_{\rm odd}, \bar x_{\rm cluster}) \approx 0,\ "
               r"\cos(x_i, x_j) \approx 1\ (i,j \ne \rm odd),\ \|x_{\rm odd}\|/\|x_{\rm cluster}\| \approx n-1"),
    confidence="recon",
    assumptions=("recentering (RC) and ReLU present, no rescaling (the paper's RC+NL model [recon])",
                 "i.i.d. Gaussian weights", "generic inputs", "batch size large enough (n ≳ 16 at d = 1024)",
                 "width d ≥ n"),
    check=check_emergence,
    params=(Param("n", 32, "batch size", int), Param("width", 1024, "width d", int), Param("depth", 300, "layers", int),
            Param("seeds", 8, "independent networks", int),
            Param("recenter", True, "RC switch", bool),
            Param("rescale", False, "RS switch (with RC+RS+ReLU the batch goes to Yang et al.'s symmetric point instead)", bool),
            Param("nonlinearity", "relu", "NL switch", str, bi.NONLINEARITIES),
            Param("map", False, "also map n ∈ {4,8,16,32} × d ∈ {256,1024,4096} at depth 1000 (slow, minutes)", bool)),
    notes=("[recon]: the paper's abstract states the phenomenon for RC + NL; its theorem statements, model details "
           "and figure parameters were not available. Thresholds (cos < 0.05, within-cluster cos > 0.8, ratio within "
           "15% of n−1) are this tool's, set from the reference notes' simulations. The within-cluster cosine "
           "saturates near 0.96 at n = 32 (not 1) at d = 1024 and 4096. Negative control: rescaling only "
           "(recenter=false, nonlinearity=linear) is Daneshmand's orthogonal regime and is refuted."),
))


# --------------------------------------------------------------------------- stability

PERTURB = ("all", "cluster")
LINEAR_REGIME = 0.1  # fit the per-layer factor while the mean distance is below this


def fixed_configuration(rng: np.random.Generator, d: int, n: int, eps: float, perturb: str = "all") -> np.ndarray:
    """The configuration as one RC+ReLU layer leaves it, perturbed by relative size ε.

    Cluster a = ReLU(−g)/n (n−1 copies), odd b = (n−1)ReLU(g)/n, g ~ N(0, I_d): disjoint supports.
    ``perturb``: "cluster" adds ε‖a‖/√d · N(0, I) to every cluster point, "all" also adds ε‖b‖/√d · N(0, I)
    to the odd point.  (Perturbing the odd point alone is no test: n−1 identical points and any other
    point are again the invariant configuration, exactly at distance 0 after one layer.)
    """
    g = rng.standard_normal(d)
    a, b = np.maximum(-g, 0) / n, (n - 1) * np.maximum(g, 0) / n
    X = np.repeat(a[:, None], n, axis=1)
    X[:, -1] = b
    if perturb in ("all", "cluster"):
        X[:, :-1] += eps * np.linalg.norm(a) / math.sqrt(d) * rng.standard_normal((d, n - 1))
    if perturb == "all":
        X[:, -1] += eps * np.linalg.norm(b) / math.sqrt(d) * rng.standard_normal(d)
    return X


def configuration_distance(R: np.ndarray) -> dict[str, np.ndarray]:
    """Distance of a batch (R factor, odd point = last column) to the cluster-plus-odd-point configuration.

    ``spread``: max_j ‖x_j − x̄‖/‖x̄‖ over the cluster (x̄ its mean); ``cos``: |cos(x_odd, x̄)|;
    ``distance`` = spread + cos (0 exactly at the configuration).  Computed on the columns of R,
    which are the points in an isometric n-dimensional frame.
    """
    cl, odd = R[..., :, :-1], R[..., :, -1]
    m = cl.mean(axis=-1)
    nm = np.linalg.norm(m, axis=-1)
    spread = np.linalg.norm(cl - m[..., None], axis=-2).max(axis=-1) / nm
    cos = np.abs(np.einsum("...i,...i->...", odd, m)) / (np.linalg.norm(odd, axis=-1) * nm)
    return {"spread": spread, "cos": cos, "distance": spread + cos}


def _factor(D: np.ndarray) -> tuple[np.ndarray, int]:
    """Per-seed per-layer factor (D_K/D_1)^(1/(K−1)) over the linear regime (mean D ≤ 0.1); 0 if D hits 0."""
    mean = D.mean(axis=1)
    over = np.flatnonzero(mean[1:] > LINEAR_REGIME)
    K = max(int(over[0]) if over.size else len(mean) - 1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(D[1] > 0, (D[K] / D[1]) ** (1.0 / (K - 1)), 0.0)
    return np.nan_to_num(f, nan=0.0), K


GROWTH_MAX = 10.0  # "stays O(ε)": the mean distance never exceeds 10 ε


def stability_verdict(rate: float, half: float, growth: float) -> tuple[str, str]:
    """Verdict from the per-layer factor's CI and the largest distance/ε over the run."""
    if rate + half < 1.0:
        return VERIFIED, "the distance to the configuration decays"
    if rate - half > 1.0:
        return REFUTED, "the distance grows geometrically"
    if growth <= GROWTH_MAX:
        return VERIFIED, "the factor's CI contains 1 and the distance stays O(ε)"
    return INCONCLUSIVE, "the factor's CI contains 1 but the distance is not clearly O(ε)"


def check_stability(claim: Claim, config: RunConfig) -> Outcome:
    n, width, depth, seeds = _common_params(claim, config)
    comp = _components(claim, config)
    if (why := bi.width_violation(n, width)) is not None:
        return _record(INAPPLICABLE, why, expected={}, measured={}, params={"n": n, "width": width, "seed": config.seed})
    perturb = claim.param(config, "perturb")
    try:
        epss = sorted({float(e) for e in str(claim.param(config, "eps")).split(",") if e.strip()})
    except ValueError:
        raise BadInput(f"--param eps: expected comma-separated numbers, got {claim.param(config, 'eps')!r}") from None
    if not epss or not all(1e-6 <= e <= 0.5 for e in epss):
        raise BadInput("--param eps: every ε must be in [1e-6, 0.5]")
    if n < 3:
        raise BadInput("--param n: stability needs a cluster of at least 2 points (n >= 3)")
    if depth < 3:
        raise BadInput("--param depth: need at least 3 layers to fit a factor")
    if config.quick:
        depth, seeds = min(depth, 60), min(seeds, 6)
    factors, windows, curves, finals = {}, {}, [], {}
    for i, eps in enumerate(epss):
        rng = np.random.default_rng([config.seed, i])
        X = np.stack([fixed_configuration(rng, width, n, eps, perturb) for _ in range(seeds)])
        with single_threaded_blas():
            run = bi.gram_chain(bi.gram_factor(np.swapaxes(X, -1, -2) @ X), depth, width, comp, rng,
                                configuration_distance)
        f, K = _factor(run["distance"])
        factors[eps], windows[eps] = f, K
        finals[eps] = {"distance_layer0": float(run["distance"][0].mean()), "distance_final": float(run["distance"][-1].mean()),
                       "max_over_layers_per_eps": float(run["distance"].mean(axis=1).max() / eps),
                       "spread_final": float(run["spread"][-1].mean()), "cos_final": float(run["cos"][-1].mean())}
        curves.append({"label": f"ε = {eps:g}", "y": [float(v) for v in run["distance"].mean(axis=1)]})
        if config.progress:
            config.progress("stability", i + 1, len(epss))
    allf = np.concatenate(list(factors.values()))
    rate, half = (float(x) for x in mean_halfwidth(allf))
    growth = max(v["max_over_layers_per_eps"] for v in finals.values())
    where = f"{comp.label}, n = {n}, d = {width}, {depth} layers, ε ∈ {{{', '.join(f'{e:g}' for e in epss)}}}, {seeds} seeds, perturb = {perturb}"
    verdict, what = stability_verdict(rate, half, growth)
    why = f"{what}: per-layer factor {rate:.4f} ± {half:.4f} (95% CI), max distance/ε = {growth:.3g} ({where})"
    return _record(
        verdict, why,
        expected={"contraction_factor": "≤ 1 (decays, or stays O(ε))"},
        measured={"contraction_factor": rate, "contraction_factor_ci95": half, "max_distance_over_eps": growth,
                  "per_eps": {f"{e:g}": {**finals[e], "factor": float(factors[e].mean()), "fit_layers": [1, windows[e]]}
                              for e in epss},
                  "seeds": seeds},
        tolerance={"ci": "95% Student-t CI over seeds and ε", "O(eps)": "max_ℓ mean distance / ε ≤ 10 when the factor CI contains 1"},
        params={"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, "eps": epss,
                "perturb": perturb, **comp.to_dict(),
                "distance": "max_j ‖x_j − x̄‖/‖x̄‖ + |cos(x_odd, x̄)| (x̄ cluster mean)",
                "start": "the configuration as an RC+ReLU layer leaves it (disjoint supports, ratio n−1)"},
        precision={"arithmetic": "float64; distances below ~1e-7 are at the chain's round-off (ε ≥ 1e-6 enforced)"},
        series={"panels": [{"title": f"distance to the configuration ({comp.label}, n={n}, d={width})", "xlabel": "layer",
                            "ylabel": "mean distance", "xscale": "linear", "yscale": "log",
                            "x": list(range(depth + 1)), "curves": curves}]})


register(Claim(
    id="nachum2024.stability", paper="nachum2024", citation=CITATION,
    summary="the cluster-plus-odd-point configuration perturbed by ε stays within O(ε) (per-layer contraction factor)",
    statement=r"\mathrm{dist}(X_\ell, \mathcal C) \le K\,\rho^\ell\,\varepsilon,\ \rho \le 1,\ \text{for } \mathrm{dist}(X_0, \mathcal C) = O(\varepsilon)",
    confidence="recon",
    assumptions=("RC + ReLU (the paper's model [recon])", "i.i.d. Gaussian weights", "n ≥ 3", "width d ≥ n"),
    check=check_stability,
    params=(Param("n", 16, "batch size", int), Param("width", 1024, "width d", int), Param("depth", 100, "layers", int),
            Param("seeds", 10, "independent networks per ε", int),
            Param("eps", "0.001,0.01", "comma-separated perturbation sizes (relative)", str),
            Param("perturb", "all", "which points are perturbed: all, or cluster only (the within-cluster spread)",
                  str, PERTURB),
            Param("recenter", True, "RC switch", bool), Param("rescale", False, "RS switch", bool),
            Param("nonlinearity", "relu", "NL switch", str, bi.NONLINEARITIES)),
    notes=("[recon]: the paper announces a stability result for the configuration but its statement was not available; "
           "the distance, perturbation and verdict rule are this tool's. Measured (defaults): the odd point's "
           "orthogonality is restored at once, but a within-cluster spread grows by a width-independent factor "
           "≈ 1 + 1/n per layer (n = 16: ≈ 1.065) until it saturates at the spread seen in the emergence runs; the "
           "exact configuration is then not stable in our model at finite n, and the default verdict says so. "
           "Perturbing the odd point alone keeps the batch on the invariant set (see the invariance claim)."),
))


# --------------------------------------------------------------------------- rendering


def _md(tex: str) -> str:
    """LaTeX safe inside a Markdown table cell: no bare '|' (it would split the cell)."""
    return tex.replace("\\|", "\\Vert ").replace("|", "\\vert ")


def render() -> tuple[dict[str, str], list[str]]:
    """derivations/nachum2024.md (deterministic)."""
    import sympy as sp

    ids = identities()
    lines = ["<!-- generated by `bnproof derive`; do not edit by hand -->", "",
             "# Nachum, Bondaschi, Gastpar, Khina (2024): the cluster-plus-odd-point configuration, derived",
             "", "[derived] — not quoted from the paper (its theorem statements were not available).", "",
             "Batch: n−1 identical points $a$ and one odd point $b$, $v = b - a$; one layer",
             "$x \\mapsto \\mathrm{ReLU}(\\mathrm{RC}(Wx))$ (optionally with RS before the ReLU).",
             "SymPy works with $k = n-1 \\ge 1$ (so that it knows $n \\ge 2$); every identity is also checked",
             "numerically at random points with 30 digits.", "",
             "Per neuron, with $g = (Wv)_i$: the recentered row is $(-g/n, \\dots, -g/n, (n-1)g/n)$; after ReLU,",
             "$g>0$ keeps only the odd point and $g<0$ only the cluster, so the supports are disjoint, the cluster",
             "stays one point, and the output is again a cluster-plus-odd-point batch (an exact fixed configuration).",
             "", "| identity | statement | SymPy result | lhs − rhs simplifies to 0 | max numeric error | holds |",
             "|---|---|---|---|---|---|"]
    for i in ids:
        lines.append(f"| `{i.name}` | ${_md(i.statement)}$ | ${_md(sp.latex(sp.simplify(i.lhs)))} = {_md(sp.latex(i.rhs))}$ "
                     f"| {'yes' if i.symbolic else 'no'} | {i.numeric_error:.1e} | {'✓' if i.holds else '✗'} |")
    lines += ["", "Consequence: $\\mathbb E\\|x_{\\rm odd}\\|^2 / \\mathbb E\\|x_{\\rm cluster}\\|^2 = (n-1)^2$, so the",
              "norm ratio is $n-1$ up to $O(1/\\sqrt d)$ fluctuations; with RS the per-neuron magnitudes are in the",
              "same ratio $n-1$.", ""]
    return {"nachum2024.md": "\n".join(lines)}, [i.name for i in ids if not i.holds]


def _register_derivation() -> None:
    from bnproof.symbolic.render import register_derivation

    register_derivation("nachum2024", render)


_register_derivation()
