r"""``nachum2024.odd-point-invariance``: n−1 identical points plus one odd point are a fixed configuration of RC + ReLU.

Per neuron the recentered row is (−g/n, …, −g/n, (n−1)g/n); ReLU keeps either the odd point or
the cluster, so after a layer their supports are disjoint (cosine exactly 0), the cluster is
still one point and E‖odd‖²/E‖cluster point‖² = (n−1)² (derived in :mod:`bnproof.symbolic.bn_init`).
Forward passes: explicit d×d weights (:func:`bnproof.models.bn_init.forward`), so exact zeros stay exact.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.blas import single_threaded_blas
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024.common import CITATION, components, narrow_width, sizes
from bnproof.symbolic import bn_init as sb

__all__ = ["CONF_EXACT", "SPREAD_TOL", "RATIO_RESOLUTION", "CONTROLS", "odd_point_batch", "layer_stats", "measure_invariance", "decide_invariance",
           "invariance_series", "check_invariance"]

CONF_EXACT = 0.99  # CI level where a verdict must not fail by chance (the exact invariance claim)
SPREAD_TOL = 1e-12  # relative cluster spread allowed for float64 round-off in W H (0 in exact arithmetic)
RATIO_RESOLUTION = 0.2  # the ratio's 99% CI must be narrower than ±20% of the prediction to test it


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


def measure_invariance(n: int, width: int, depth: int, seeds: int, comp: bi.Components, seed: int,
                       progress=None) -> dict:
    """Per layer the max over seeds of |cos(odd, cluster)| and of the cluster spread; per seed the norm
    ratio after layer 1 with its mean and 99% CI over the seeds where it is finite."""
    rng = np.random.default_rng(seed)
    cos_layers, spread_layers = np.zeros(depth), np.zeros(depth)
    ratios = []
    with single_threaded_blas():
        for s in range(seeds):
            Hs = bi.forward(odd_point_batch(rng, width, n), depth, comp, rng)
            for layer in range(1, depth + 1):
                st = layer_stats(Hs[layer])
                cos_layers[layer - 1] = max(cos_layers[layer - 1], st["cos"])
                spread_layers[layer - 1] = max(spread_layers[layer - 1], st["spread"])
                if layer == 1:
                    ratios.append(st["ratio"])
            if progress:
                progress("odd-point invariance", s + 1, seeds)
    ratios = np.array(ratios)
    finite = ratios[np.isfinite(ratios)]
    mean, half = (float(x) for x in mean_halfwidth(finite, level=CONF_EXACT)) if finite.size >= 2 else (math.nan, math.nan)
    return {"cos_layers": cos_layers, "spread_layers": spread_layers, "ratios": ratios, "finite": finite.size,
            "mean": mean, "half": half, "cosine": float(cos_layers.max()), "spread": float(spread_layers.max())}


def decide_invariance(n: int, width: int, depth: int, seeds: int, comp: bi.Components, m: dict,
                      failed: list[str], checked: int, ratio: float | None = None) -> tuple[str, str]:
    """Inconclusive if an identity fails; refuted unless the cosine is exactly 0 and the spread ≤
    ``SPREAD_TOL``; inconclusive without two finite ratios; refuted if the ratio's 99% CI excludes the
    predicted ratio (default n−1); inconclusive if the CI is wider than ±``RATIO_RESOLUTION`` of it."""
    cosine, spread, mean, half = m["cosine"], m["spread"], m["mean"], m["half"]
    target = float(n - 1) if ratio is None else ratio
    if failed:
        return INCONCLUSIVE, f"symbolic identities failed: {', '.join(failed)}"
    if not (cosine == 0.0 and spread <= SPREAD_TOL):
        return REFUTED, (f"the configuration is not invariant under {comp.label}: max |cos(odd, cluster)| = {cosine:.3g}, "
                         f"cluster spread {spread:.3g} after {depth} layer(s)")
    if m["finite"] < 2:
        return INCONCLUSIVE, (f"cosine exactly 0 and the cluster stays one point, but the cluster point was zero in "
                              f"{m['ratios'].size - m['finite']} of {seeds} seeds (width {width} too small for a norm ratio)")
    if not abs(mean - target) <= half:
        return REFUTED, (f"cosine exactly 0 and the cluster stays one point, but the norm ratio {mean:.4g} ± {half:.2g} "
                         f"(99% CI, {seeds} seeds) excludes the predicted {target:g}")
    if half > RATIO_RESOLUTION * target:
        return INCONCLUSIVE, (f"cosine exactly 0 and the cluster stays one point; the norm ratio {mean:.4g} ± {half:.2g} "
                              f"(99% CI, {seeds} seeds) is too wide to test {target:g} (needs ± {RATIO_RESOLUTION:.0%}: "
                              f"more seeds or a larger width)")
    return VERIFIED, (f"under {comp.label} the odd point and the cluster have disjoint supports (cosine exactly 0, "
                      f"cluster spread {spread:.1g} ≤ {SPREAD_TOL:g} (round-off), {depth} layer(s), {seeds} seeds, d = {width}); "
                      f"norm ratio {mean:.4g} ± {half:.2g} (99% CI) covers {target:g}; {checked} SymPy identities hold")


def invariance_series(n: int, width: int, depth: int, seeds: int, m: dict, ratio: float | None = None) -> dict:
    """The norm ratio per seed against the prediction (n−1 or ``ratio``) with the verdict's 99% CI of the mean
    as a band; per layer the exact statistics against their derived value 0 and the spread's round-off allowance."""
    target = float(n - 1) if ratio is None else ratio
    seeds_x = list(range(seeds))
    per_seed = Curve("per seed", [float(r) for r in m["ratios"]], style="o")
    bands = []
    if math.isfinite(m["half"]):
        bands.append(Band("per seed: mean, 99% CI", [m["mean"] - m["half"]] * 2, [m["mean"] + m["half"]] * 2,
                          x=[0, seeds - 1]))
    predicted = HLine(target, f"derived: $n - 1 = {n - 1}$" if ratio is None else f"claimed ratio {target:g}", "theory")
    layers = list(range(1, depth + 1))
    exact = not (np.any(m["cos_layers"]) or np.any(m["spread_layers"]))
    zero = " (every value exactly 0.0)" if exact else ""
    return panels(
        Panel(f"norm ratio after one layer ($n = {n}$, $d = {width}$)", "seed", r"$\|x_{\rm odd}\| / \|x_{\rm cluster}\|$",
              seeds_x, [per_seed], hlines=[predicted], bands=bands),
        Panel("exactness per layer (max over seeds)", "layer $\\ell$", "value" + zero, layers,
              [Curve(r"$|\cos(x_{\rm odd}, x_{\rm cluster})|$", [float(c) for c in m["cos_layers"]]),
               Curve("relative cluster spread", [float(c) for c in m["spread_layers"]])],
              hlines=[HLine(0.0, "derived: exactly 0", "theory"),
                      HLine(SPREAD_TOL, f"round-off allowance {SPREAD_TOL:g} (spread)", "bound")]))


def check_invariance(claim: Claim, config: RunConfig) -> Outcome:
    r"""X = [a, …, a, b] stays a cluster-plus-odd-point batch through RC(+RS)+ReLU layers, exactly.

    Statement: after ReLU(RC(WX)) (optionally with RS), cos(x_odd, x_cluster) = 0, x_1 = … = x_{n−1},
    and E‖x_odd‖²/E‖x_cluster‖² = (n−1)².
    Source: reference notes §(a)2 [derived] -- the fixed-point geometry derived here (SymPy,
    ``derivations/nachum2024.md``), not quoted: the paper's theorem statements were not available.
    Measured: ``seeds`` explicit-weight networks of ``depth`` layers from an odd-point batch; per layer
    the largest |cos(odd, cluster point)| and cluster spread; the norm ratio ‖odd‖/‖cluster point‖
    after one layer (mean, 99% Student-t CI over seeds); the SymPy identities.
    Decision (:func:`decide_invariance`): verified iff the cosine is exactly 0.0, the spread is at
    round-off (≤ 1e-12), the ratio's 99% CI covers n−1 and every identity holds.
    Negative controls (``controls=``): ``--param predicted_ratio=16`` at n = 16 (ratio n instead of
    n−1, 40 seeds) is refuted; ``--param recenter=false`` and ``--param nonlinearity=linear`` break the
    disjoint supports: refuted (cosine > 0.1); 2 seeds (the ratio's CI too wide) is inconclusive;
    ``--param n=8 --param width=4`` is inapplicable.
    """
    n, width, depth, seeds = sizes(claim, config)
    comp = components(claim, config)
    if (narrow := narrow_width(n, width, config.seed)) is not None:
        return narrow
    seeds = claim.quick_cap(config, "seeds", seeds, 6)
    ratio = claim.param(config, "predicted_ratio")
    ids = sb.nachum_identities()
    failed = [i.name for i in ids if not i.holds]
    m = measure_invariance(n, width, depth, seeds, comp, config.seed, config.progress)
    verdict, why = decide_invariance(n, width, depth, seeds, comp, m, failed, len(ids), ratio)
    return Outcome(
        verdict, why,
        expected={"cosine": 0.0, "cluster_spread": 0.0, "norm_ratio": float(n - 1),
                  "E_odd_sq_over_E_cluster_sq": float((n - 1) ** 2)},
        measured={"cosine": m["cosine"], "cluster_spread": m["spread"], "norm_ratio": m["mean"],
                  "norm_ratio_ci99": m["half"], "norm_ratio_per_seed_min": float(m["ratios"].min()),
                  "norm_ratio_per_seed_max": float(m["ratios"].max()), "identities_failed": failed,
                  "identities_checked": len(ids)},
        tolerance={"cosine": "exactly 0.0 (disjoint supports)", "cluster_spread": SPREAD_TOL,
                   "norm_ratio": "n−1 inside the 99% CI over seeds"},
        params={"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, **comp.to_dict(),
                "predicted_ratio": float(n - 1) if ratio is None else ratio, "weights": "i.i.d. N(0, 1/d), explicit d×d matrices", "odd_point": "last column",
                "rescale_convention": "row scaled to norm 1/√d (Daneshmand et al. 2021, Eq. (1))"},
        precision={"arithmetic": "float64; the cosine test is exact (products of disjoint supports are exact zeros)",
                   "symbolic": "SymPy, each identity cross-checked at 30 digits"},
        series=invariance_series(n, width, depth, seeds, m, ratio))


CONTROLS = (
    Control("ratio-n", STATEMENT_FLIP, "norm ratio n = 16 instead of n − 1 = 15 (40 seeds resolve it)",
            params={"predicted_ratio": 16, "depth": 1, "seeds": 40}, options={"quick": False}),
    Control("no-recentering", ASSUMPTION_DROPPED, "without RC the supports are not disjoint",
            params={"recenter": "false"}, expect=(REFUTED,)),
    Control("linear", ASSUMPTION_DROPPED, "without ReLU the supports are not disjoint",
            params={"nonlinearity": "linear"}, expect=(REFUTED,)),
    Control("two-seeds", STARVED, "2 seeds: the ratio's 99% CI cannot test n − 1", params={"seeds": 2}),
)


register(Claim(
    id="nachum2024.odd-point-invariance", typical_s=0.95, paper="nachum2024", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "cosine", "cluster_spread", "norm_ratio", "norm_ratio_ci99", "norm_ratio_per_seed_min",
        "norm_ratio_per_seed_max", "identities_failed", "identities_checked"
    ),
    source="reference notes §(a)2 [derived]: fixed-point geometry derived here, not quoted from the paper",
    summary="n−1 identical points + one odd point: exact fixed configuration of RC+ReLU (cos 0, norm ratio n−1)",
    statement=(r"X = [a,\dots,a,b]:\ \text{after } \mathrm{ReLU}(\mathrm{RC}(WX))\ \text{(optionally RS)},\ "
               r"\cos(x_{\rm odd}, x_{\rm cluster}) = 0,\ x_1=\dots=x_{n-1},\ "
               r"\mathbb E\|x_{\rm odd}\|^2/\mathbb E\|x_{\rm cluster}\|^2 = (n-1)^2"),
    confidence="derived",
    assumptions=("recentering (RC) present", "ReLU non-linearity", "i.i.d. Gaussian weights",
                 "input: n−1 identical points and one distinct point", "width d ≥ n"),
    check=check_invariance,
    controls=CONTROLS,
    params=(Param("n", 16, "batch size (n−1 cluster points + 1 odd point)", int),
            Param("width", 1024, "width d", int),
            Param("depth", 2, "layers applied (the configuration must persist through each)", int),
            Param("seeds", 20, "independent networks", int),
            Param("recenter", True, "RC switch (negative control: false)", bool),
            Param("rescale", False, "RS switch (the configuration is also fixed with RS)", bool),
            Param("nonlinearity", "relu", "NL switch (negative control: linear)", str, bi.NONLINEARITIES),
            Param("predicted_ratio", None, "‖odd‖/‖cluster‖ after a layer that the statement predicts (default n − 1)",
                  float, lo=0.0, lo_open=True)),
    notes=("[derived]: the invariance and the norm ratio are derived here (symbolic.bn_init), not quoted from "
           "the paper, whose theorem statements were not available. measured.cosine is the max over seeds "
           "and layers of |cos(odd, cluster point)|; measured.norm_ratio the mean over seeds of "
           "‖odd‖/‖cluster point‖ after one layer (fluctuates as O(1/√d) around n−1)."),
))
