r"""``nachum2024.odd-point-emergence``: deep random RC + ReLU networks drive a generic batch to one
tight cluster plus one odd point orthogonal to it.

Forward passes: the exact-in-law Gram chain (:func:`bnproof.models.bn_init.chain_from_inputs`),
observed by :func:`bnproof.models.bn_init.odd_point_stats` (odd point = the largest-norm point).
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import combine, interval_verdict
from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024.common import CITATION, components, narrow_width, sizes

__all__ = ["MIN_DEPTH", "MIN_SEEDS", "starved", "CONTROLS", "COS_ODD_MAX", "COS_WITHIN_MIN", "RATIO_TOL", "TAIL", "MAP_NS", "MAP_WIDTHS", "MAP_DEPTH", "emergence_run",
           "final_stats", "emergence_verdict", "emergence_series", "measure_map", "check_emergence"]

COS_ODD_MAX = 0.05  # cos(odd, cluster mean) below this: orthogonal (notes §(a)4: n = 32 gives < 0.01)
COS_WITHIN_MIN = 0.8  # mean within-cluster cosine above this: one tight cluster (measured 0.94-0.97 at n = 32)
RATIO_TOL = 0.15  # |norm ratio / (n−1) − 1| below this (notes: within 10% at n = 32)
TAIL = 0.1  # the statistics are averaged per seed over the last 10% of the layers (one layer is noisy)
MAP_NS, MAP_WIDTHS, MAP_DEPTH = (4, 8, 16, 32), (256, 1024, 4096), 1000
MIN_DEPTH, MIN_SEEDS = 50, 3  # shorter runs have not formed the cluster yet (it takes ~50-100 layers at n = 32)


def starved(depth: int, seeds: int) -> str | None:
    """Why a run is too short to decide (the cluster forms over tens of layers), else None."""
    if depth < MIN_DEPTH or seeds < MIN_SEEDS:
        return (f"too short to decide: {depth} layers and {seeds} seeds; the configuration forms over tens of layers, "
                f"so at least {MIN_DEPTH} layers and {MIN_SEEDS} seeds are needed (defaults: 300 layers, 8 seeds)")
    return None


def emergence_run(n: int, width: int, depth: int, seeds: int, comp: bi.Components, seed: int,
                  progress=None) -> dict[str, np.ndarray]:
    """Odd-point statistics per layer, (depth+1, seeds) each, from generic Gaussian inputs."""
    rng = np.random.default_rng([seed, n, width])
    X = rng.standard_normal((seeds, width, n))
    return bi.chain_from_inputs(X, depth, comp, rng, bi.odd_point_stats, progress)


def _tail_layers(depth: int) -> int:
    return max(1, int(round(TAIL * depth)))


def final_stats(run: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per statistic: mean over seeds of the per-seed average over the last TAIL of the layers, and its 95% CI."""
    k = _tail_layers(next(iter(run.values())).shape[0] - 1)
    return {key: tuple(float(x) for x in mean_halfwidth(v[-k:].mean(axis=0))) for key, v in run.items()}


def emergence_verdict(n: int, stats: dict[str, tuple[float, float]], rose: bool,
                      ratio: float | None = None) -> tuple[str, list[str]]:
    """(verdict, reasons against) from final-layer means and 95% half-widths.

    Each statistic's CI against its band (:func:`interval_verdict`): cos(odd, cluster) ≤ ``COS_ODD_MAX``,
    within-cluster cos ≥ ``COS_WITHIN_MIN``, norm ratio within ``RATIO_TOL`` of ``ratio`` (default n−1); a
    CI outside its band refutes; verified only if every CI is inside and the within-cluster cosine ``rose``.
    """
    (co, ho), (cw, hw), (r, hr) = stats["cos_odd"], stats["cos_within"], stats["norm_ratio"]
    target = float(n - 1) if ratio is None else ratio
    band = ((1 - RATIO_TOL) * target, (1 + RATIO_TOL) * target)
    tests = [(interval_verdict(co - ho, co + ho, (-math.inf, COS_ODD_MAX)),
              f"cos(odd, cluster) {co:.3f} ± {ho:.3f} > {COS_ODD_MAX}"),
             (interval_verdict(cw - hw, cw + hw, (COS_WITHIN_MIN, math.inf)),
              f"within-cluster cos {cw:.3f} ± {hw:.3f} < {COS_WITHIN_MIN}"),
             (interval_verdict(r - hr, r + hr, band), f"norm ratio {r:.3g} ± {hr:.2g} outside [{band[0]:.3g}, {band[1]:.3g}]")]
    against = [why for v, why in tests if v == REFUTED]
    if against:
        return REFUTED, against
    return combine([v for v, _ in tests] + [VERIFIED if rose else INCONCLUSIVE]), []


def measure_map(comp: bi.Components, seeds: int, seed: int, progress=None) -> dict[str, dict]:
    """Where the configuration appears: the verdict and final statistics for n ∈ MAP_NS × d ∈ MAP_WIDTHS at MAP_DEPTH."""
    grid = {}
    total = len(MAP_NS) * len(MAP_WIDTHS)
    for i, (nn, dd) in enumerate((a, b) for a in MAP_NS for b in MAP_WIDTHS):
        st = final_stats(emergence_run(nn, dd, MAP_DEPTH, seeds, comp, seed))
        v, _ = emergence_verdict(nn, st, True)
        grid[f"n={nn},d={dd}"] = {"verdict": v, **{k: round(m, 4) for k, (m, _) in st.items()}}
        if progress:
            progress("emergence map", i + 1, total)
    return grid


_STAT_AXES = {  # statistic -> (title, y label)
    "cos_odd": ("odd point against the cluster", r"$\cos(x_{\rm odd}, \bar x_{\rm cluster})$"),
    "cos_within": ("tightness of the cluster", r"mean $\cos(x_i, x_j)$, $i, j \neq$ odd"),
    "norm_ratio": ("norm of the odd point", r"$\|x_{\rm odd}\| \,/\, \overline{\|x_{\rm cluster}\|}$"),
}


def emergence_series(n: int, seeds: int, run: dict[str, np.ndarray], ratio: float | None = None) -> list[Panel]:
    """Per statistic: the mean over seeds per layer with its 95% band, the statement's value (theory), the
    verdict's threshold or tolerance band, and the window of layers the verdict averages over (a span)."""
    depth = run["cos_odd"].shape[0] - 1
    ell = list(range(depth + 1))
    window = [Span(depth - _tail_layers(depth) + 1, depth, f"verdict window (last {TAIL:.0%} of layers)")]
    target = float(n - 1) if ratio is None else ratio
    theory = {"cos_odd": HLine(0.0, "statement: $\\approx 0$", "theory"),
              "cos_within": HLine(1.0, "statement: $\\approx 1$", "theory"),
              "norm_ratio": HLine(target, f"statement: $n - 1 = {n - 1}$" if ratio is None else f"claimed ratio {target:g}",
                                  "theory")}
    limits = {"cos_odd": [HLine(COS_ODD_MAX, f"verdict threshold {COS_ODD_MAX:g}", "bound")],
              "cos_within": [HLine(COS_WITHIN_MIN, f"verdict threshold {COS_WITHIN_MIN:g}", "bound")], "norm_ratio": []}
    out = []
    for key, (title, ylabel) in _STAT_AXES.items():
        m, half = mean_halfwidth(run[key], axis=1)
        mean = f"mean over {seeds} seeds (band: 95% CI)"
        bands = [Band(mean, [float(v) for v in m - half], [float(v) for v in m + half])]
        if key == "norm_ratio":
            lo, hi = window[0].lo, window[0].hi
            bands.append(Band(f"verdict tolerance ±{RATIO_TOL:.0%}",
                              [(1 - RATIO_TOL) * target] * 2, [(1 + RATIO_TOL) * target] * 2, x=[lo, hi], kind="theory"))
        out.append(Panel(title, "layer $\\ell$", ylabel, ell, [Curve(mean, [float(v) for v in m])],
                         hlines=[theory[key], *limits[key]], bands=bands, spans=window))
    return out


def _map_panel(grid: dict[str, dict]) -> Panel:
    return Panel(f"tightness of the cluster after {MAP_DEPTH} layers", "width $d$", r"mean $\cos(x_i, x_j)$",
                 [float(w) for w in MAP_WIDTHS],
                 [Curve(f"$n = {nn}$", [grid[f"n={nn},d={dd}"]["cos_within"] for dd in MAP_WIDTHS]) for nn in MAP_NS],
                 xscale="log", hlines=[HLine(COS_WITHIN_MIN, f"verdict threshold {COS_WITHIN_MIN:g}", "bound")])


def _reason(verdict: str, against: list[str], n: int, width: int, depth: int, seeds: int, comp: bi.Components,
            stats: dict[str, tuple[float, float]]) -> str:
    (co, ho), (cw, hw), (r, hr) = stats["cos_odd"], stats["cos_within"], stats["norm_ratio"]
    figures = (f"cos(odd, cluster mean) {co:.3f} ± {ho:.3f}, within-cluster cos {cw:.3f} ± {hw:.3f}, "
               f"norm ratio {r:.3g} ± {hr:.2g} (n−1 = {n - 1})")
    where = (f"{comp.label}, n = {n}, d = {width}, averaged over layers {depth - _tail_layers(depth) + 1}–{depth}, "
             f"{seeds} seeds, 95% CIs")
    if verdict == VERIFIED:
        return f"one tight cluster plus an orthogonal odd point: {figures} ({where})"
    if verdict == REFUTED:
        return f"no cluster-plus-odd-point configuration: {'; '.join(against)} ({where})"
    return f"CIs straddle the thresholds: {figures} ({where})"


def check_emergence(claim: Claim, config: RunConfig) -> Outcome:
    r"""From generic inputs, deep RC + ReLU networks converge to one tight cluster plus one orthogonal odd point.

    Statement: for large depth, cos(x_odd, x̄_cluster) ≈ 0, cos(x_i, x_j) ≈ 1 within the cluster and
    ‖x_odd‖/‖x_cluster‖ ≈ n−1.
    Source: the paper's abstract (qualitative) [paper]; model, thresholds and regime from reference
    notes §(a)1, §(a)3-4 [recon].
    Measured: ``seeds`` networks by the Gram chain from i.i.d. Gaussian inputs; per seed the three
    statistics averaged over the last 10% of the layers (mean, 95% Student-t CI over seeds), and
    whether the within-cluster cosine rose by > 0.1 from layer 0.  With ``--param map=true`` also the
    verdict on n ∈ {4, 8, 16, 32} × d ∈ {256, 1024, 4096} at depth 1000.
    Decision (:func:`emergence_verdict`): each CI against its band (cos < 0.05, within-cluster cos > 0.8,
    ratio within 15% of n−1).
    Negative controls (``controls=``): a norm ratio n/2 (``--param predicted_ratio=16``) is refuted;
    rescaling only (``--param recenter=false --param rescale=true --param nonlinearity=linear``,
    Daneshmand's orthogonal regime) is refuted; full BN (``--param rescale=true``) or a small batch
    (``--param n=4``) is not verified; fewer than 50 layers or 3 seeds is inconclusive (starved).
    """
    n, width, depth, seeds = sizes(claim, config)
    comp = components(claim, config)
    if (narrow := narrow_width(n, width, config.seed)) is not None:
        return narrow
    do_map, ratio = claim.param(config, "map"), claim.param(config, "predicted_ratio")
    depth, seeds = claim.quick_cap(config, "depth", depth, 200), claim.quick_cap(config, "seeds", seeds, 6)
    if (why := starved(depth, seeds)) is not None:
        return Outcome(INCONCLUSIVE, why, expected={}, measured={},
                       params={"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed})
    prog = (lambda i, tot: config.progress("odd-point emergence", i, tot)) if config.progress else None
    run = emergence_run(n, width, depth, seeds, comp, config.seed, prog)
    stats = final_stats(run)
    cos_within_0 = float(run["cos_within"][0].mean())
    verdict, against = emergence_verdict(n, stats, float(run["cos_within"][-1].mean()) > cos_within_0 + 0.1, ratio)
    (co, ho), (cw, hw), (r, hr) = stats["cos_odd"], stats["cos_within"], stats["norm_ratio"]
    measured = {"cos_odd_cluster": co, "cos_odd_cluster_ci95": ho, "cos_within_cluster": cw, "cos_within_cluster_ci95": hw,
                "norm_ratio": r, "norm_ratio_ci95": hr, "cos_within_layer0": cos_within_0, "seeds": seeds}
    params = {"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, **comp.to_dict(), "map": do_map,
              "predicted_ratio": float(n - 1) if ratio is None else ratio,
              "inputs": "generic: i.i.d. N(0,1), d×n", "odd_point": "largest-norm point",
              "thresholds": {"cos_odd_max": COS_ODD_MAX, "cos_within_min": COS_WITHIN_MIN, "ratio_rel_tol": RATIO_TOL}}
    figure = emergence_series(n, seeds, run, ratio)
    if do_map:  # slow: widths up to 4096, 1000 layers
        measured["map"] = measure_map(comp, seeds, config.seed, config.progress)
        params["map_grid"] = {"n": list(MAP_NS), "width": list(MAP_WIDTHS), "depth": MAP_DEPTH}
        figure.append(_map_panel(measured["map"]))
    return Outcome(
        verdict, _reason(verdict, against, n, width, depth, seeds, comp, stats),
        expected={"cos_odd_cluster": f"< {COS_ODD_MAX}", "cos_within_cluster": f"> {COS_WITHIN_MIN}",
                  "norm_ratio": float(n - 1)},
        measured=measured,
        tolerance={"norm_ratio": f"within {RATIO_TOL:.0%} of n−1", "ci": "95% Student-t CI over seeds; verified only if the whole CI passes"},
        params=params, precision={"arithmetic": "float64", "chain": "exact-in-law Gram chain (bnproof.bn_init)"},
        series=panels(*figure))


_SMALL = {"width": 256, "depth": 100}
CONTROLS = (
    Control("ratio-n-over-2", STATEMENT_FLIP, "the odd point's norm ratio n/2 = 16 instead of n − 1 = 31",
            params={**_SMALL, "predicted_ratio": 16}),
    Control("rescaling-only", ASSUMPTION_DROPPED, "rescaling only, linear (Daneshmand's orthogonal regime)",
            params={**_SMALL, "recenter": "false", "rescale": "true", "nonlinearity": "linear"}, expect=(REFUTED,)),
    Control("depth-10-two-seeds", STARVED, "10 layers and 2 seeds: the cluster has not formed",
            params={**_SMALL, "depth": 10, "seeds": 2}),
)


register(Claim(
    id="nachum2024.odd-point-emergence", typical_s=1.7, paper="nachum2024", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "cos_odd_cluster", "cos_odd_cluster_ci95", "cos_within_cluster", "cos_within_cluster_ci95", "norm_ratio",
        "norm_ratio_ci95", "cos_within_layer0", "seeds"
    ),
    source="abstract (qualitative) [paper]; model and thresholds: reference notes §(a)1, §(a)3-4 [recon]",
    summary="deep random RC+ReLU networks drive a generic batch to one tight cluster plus one orthogonal odd point",
    statement=(r"\text{RC+ReLU, generic } X:\ \text{for large depth, } \cos(x_{\rm odd}, \bar x_{\rm cluster}) \approx 0,\ "
               r"\cos(x_i, x_j) \approx 1\ (i,j \ne \rm odd),\ \|x_{\rm odd}\|/\|x_{\rm cluster}\| \approx n-1"),
    confidence="recon",
    assumptions=("recentering (RC) and ReLU present, no rescaling (the paper's RC+NL model [recon])",
                 "i.i.d. Gaussian weights", "generic inputs", "batch size large enough (n ≳ 16 at d = 1024)",
                 "width d ≥ n"),
    check=check_emergence,
    controls=CONTROLS,
    params=(Param("n", 32, "batch size", int), Param("width", 1024, "width d", int), Param("depth", 300, "layers", int),
            Param("seeds", 8, "independent networks", int),
            Param("recenter", True, "RC switch", bool),
            Param("rescale", False, "RS switch (with RC+RS+ReLU the batch goes to Yang et al.'s symmetric point instead)", bool),
            Param("nonlinearity", "relu", "NL switch", str, bi.NONLINEARITIES),
            Param("predicted_ratio", None, "‖odd‖/‖cluster‖ the statement predicts (default n − 1)", float,
                  lo=0.0, lo_open=True),
            Param("map", False, "also map n ∈ {4,8,16,32} × d ∈ {256,1024,4096} at depth 1000 (slow, minutes)", bool)),
    notes=("[recon]: the paper's abstract states the phenomenon for RC + NL; its theorem statements, model details "
           "and figure parameters were not available. Thresholds (cos < 0.05, within-cluster cos > 0.8, ratio within "
           "15% of n−1) are this tool's, set from the reference notes' simulations. The within-cluster cosine "
           "saturates near 0.96 at n = 32 (not 1) at d = 1024 and 4096. Negative control: rescaling only "
           "(recenter=false, nonlinearity=linear) is Daneshmand's orthogonal regime and is refuted."),
))
