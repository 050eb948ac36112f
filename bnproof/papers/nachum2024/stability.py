r"""``nachum2024.stability``: the cluster-plus-odd-point configuration, perturbed by ε, stays within O(ε) of itself [recon].

The start is the configuration as one RC + ReLU layer leaves it (disjoint supports, ratio n−1),
perturbed by relative size ε in two directions: one that keeps the cluster one point, and a spread
inside the cluster; the distance to the configuration is followed through the Gram chain
(:func:`bnproof.models.bn_init.chain_from_inputs`).  At infinite width the configuration is a
saddle [derived] (:func:`bnproof.symbolic.bn_init.nachum_saddle_derivations`): the first direction
resets in one layer, the spread grows by n/√((n−1)² + 1) per layer.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import combine, interval_verdict
from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024.common import CITATION, components, narrow_width, sizes
from bnproof.symbolic import bn_init as sb

__all__ = ["DIRECTIONS", "READINGS", "LINEAR_REGIME", "GROWTH_MAX", "RESET_TOL", "ROUNDOFF", "RESET_MIN_START", "RESET_LAYERS", "MIN_DEPTH",
           "MIN_SEEDS", "FACTOR_RTOL", "predicted_factor", "fixed_configuration", "configuration_distance",
           "stability_verdict", "reset_verdict", "closed_form_verdict", "starved", "decide_stability",
           "measure_stability", "stability_series", "check_stability"]

DIRECTIONS = ("preserving", "spread")  # keep the cluster one point / spread inside the cluster
READINGS = ("stable", "saddle")  # the [recon] statement / the [derived] infinite-width linearisation
LINEAR_REGIME = 0.1  # fit the per-layer factor while the mean distance is below this
GROWTH_MAX = 10.0  # "stays O(ε)": the mean distance never exceeds 10 ε
RESET_TOL = 1e-2  # "reset in one layer": distance after one layer ≤ 1% of the distance before (exact: 0)
ROUNDOFF = 1e-6  # the Gram chain's round-off in the distance (measured ~1e-7), with a margin
RESET_MIN_START = ROUNDOFF / RESET_TOL  # closer starts cannot show a reset above round-off
RESET_LAYERS = 3  # layers followed in the cluster-preserving direction (reset, and stays reset)
MIN_DEPTH, MIN_SEEDS = 10, 3  # fewer layers or seeds per ε: too short to tell a factor 1.06 from 1
FACTOR_RTOL = 0.25  # closed form: |measured − F| ≤ 0.25 (F − 1), the relative error of the growth rate


def predicted_factor(n: int) -> float:
    """n/√((n−1)² + 1): the per-layer growth of an in-cluster spread at infinite width (RC + ReLU) [derived]."""
    return float(sb.saddle_spread_factor(sp.Integer(n)))


def fixed_configuration(rng: np.random.Generator, d: int, n: int, eps: float, direction: str = "spread") -> np.ndarray:
    """The configuration as one RC+ReLU layer leaves it, perturbed by relative size ε in one direction.

    Cluster a = ReLU(−g)/n (n−1 copies), odd b = (n−1)ReLU(g)/n, g ~ N(0, I_d): disjoint supports.
    ``direction``: "preserving" moves the whole cluster by one ε‖a‖/√d · N(0, I) and the odd point by
    ε‖b‖(â + N(0, I)/√d) (the cluster stays one point; cos(odd, cluster) ≈ ε); "spread" adds ε‖a‖/√d · ξ_j to the cluster points
    with Σ_j ξ_j = 0 (a spread inside the cluster, the batch mean unchanged).
    """
    g = rng.standard_normal(d)
    a, b = np.maximum(-g, 0) / n, (n - 1) * np.maximum(g, 0) / n
    X = np.repeat(a[:, None], n, axis=1)
    X[:, -1] = b
    scale = eps * np.linalg.norm(a) / math.sqrt(d)
    if direction == "preserving":
        X[:, :-1] += scale * rng.standard_normal((d, 1))
        X[:, -1] += eps * np.linalg.norm(b) * (a / np.linalg.norm(a) + rng.standard_normal(d) / math.sqrt(d))
    elif direction == "spread":
        xi = rng.standard_normal((d, n - 1))
        X[:, :-1] += scale * (xi - xi.mean(axis=1, keepdims=True))
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
    """Per-seed per-layer factor (D_K/D_1)^(1/(K−1)) over the linear regime (mean D ≤ 0.1); 0 if D hits 0.

    A two-point geometric rate, not a least-squares fit: the distance leaves the linear regime at a
    seed-dependent layer, and the end points are what "grows by a factor per layer" compares.
    """
    mean = D.mean(axis=1)
    over = np.flatnonzero(mean[1:] > LINEAR_REGIME)
    K = max(int(over[0]) if over.size else len(mean) - 1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(D[1] > 0, (D[K] / D[1]) ** (1.0 / (K - 1)), 0.0)
    return np.nan_to_num(f, nan=0.0), K


def stability_verdict(rate: float, half: float, growth: float) -> tuple[str, str]:
    """Verdict of "stays O(ε)" in the spread direction from its per-layer factor's CI and max distance/ε.

    The CI against factor ≤ 1 (:func:`interval_verdict`): below 1 the distance decays (verified),
    above 1 it grows geometrically (refuted); a CI containing 1 is verified only if the distance
    stayed within ``GROWTH_MAX``·ε.
    """
    side = interval_verdict(rate - half, rate + half, (-math.inf, 1.0))
    if side == VERIFIED:
        return VERIFIED, "the distance to the configuration decays"
    if side == REFUTED:
        return REFUTED, "the distance grows geometrically"
    if growth <= GROWTH_MAX:
        return VERIFIED, "the factor's CI contains 1 and the distance stays O(ε)"
    return INCONCLUSIVE, "the factor's CI contains 1 but the distance is not clearly O(ε)"


def reset_verdict(d0: np.ndarray, d1: np.ndarray) -> str:
    """Cluster-preserving direction from the distances before (``d0``) and after one layer (``d1``), per run.

    Runs starting at least ``RESET_MIN_START`` = ROUNDOFF/RESET_TOL from the configuration decide:
    verified iff each has d1 ≤ RESET_TOL·d0, refuted otherwise; no such run: inconclusive.
    """
    d0, d1 = np.asarray(d0, float).ravel(), np.asarray(d1, float).ravel()
    decisive = d0 >= RESET_MIN_START
    if not decisive.any():
        return INCONCLUSIVE
    return VERIFIED if bool(np.all(d1[decisive] <= RESET_TOL * d0[decisive])) else REFUTED


def closed_form_verdict(rate: float, half: float, predicted: float, rtol: float) -> str:
    """The spread factor's 95% CI against the band predicted ± rtol·(predicted − 1) (:func:`interval_verdict`)."""
    w = rtol * abs(predicted - 1.0)
    return interval_verdict(rate - half, rate + half, (predicted - w, predicted + w))


def starved(depth: int, seeds: int) -> str | None:
    """Why a run is too short to decide (fewer than MIN_DEPTH layers or MIN_SEEDS seeds per ε), else None."""
    if depth < MIN_DEPTH or seeds < MIN_SEEDS:
        return (f"too short to decide: {depth} layers and {seeds} seeds per ε; a factor ≈ 1 + 1/n needs at least "
                f"{MIN_DEPTH} layers and {MIN_SEEDS} seeds per ε (defaults: 100 layers, 10 seeds)")
    return None


def decide_stability(reading: str, m: dict, predicted: float | None, rtol: float) -> tuple[str, str]:
    """(verdict, reason) for ``reading`` from the two directions' measurements.

    "stable" ([recon]: stays within O(ε)): refuted if either direction grows geometrically (the
    reason says *reconstruction refuted*: the paper's own statement was not available); verified
    only if both stay O(ε).  "saddle" ([derived]): the preserving direction resets in one layer and
    the spread factor's CI lies within the closed-form band; refuted if either fails.
    """
    sv, what = stability_verdict(m["rate"], m["half"], m["growth"])
    rv = reset_verdict(m["preserving_d0"], m["preserving_d1"])
    fig = (f"cluster-preserving direction: distance after one layer / before = {m['reset_ratio']:.2e} "
           f"({ {VERIFIED: 'reset', REFUTED: 'not reset'}.get(rv, 'too close to tell')}); in-cluster spread: per-layer factor "
           f"{m['rate']:.4f} ± {m['half']:.4f} (95% CI), max distance/ε = {m['growth']:.3g}")
    if predicted is None:
        fig += " (no closed form for these components)"
    else:
        agree = closed_form_verdict(m["rate"], m["half"], predicted, rtol)
        word = {VERIFIED: "agrees", REFUTED: "disagrees"}.get(agree, "CI too wide to tell")
        fig += f", predicted {predicted:.4f} ({word}: band ± {rtol:g}·|F − 1|)"
    if reading == "stable":
        if sv == REFUTED or m["preserving_growth"] > GROWTH_MAX:
            return REFUTED, f"reconstruction refuted (the [recon] reading 'stays O(ε)'; not the paper): {what}; {fig}"
        return (sv, f"{what}; {fig}")
    if predicted is None:
        return INAPPLICABLE, f"the saddle reading has no predicted factor for these components; {fig}"
    verdict = combine([rv, closed_form_verdict(m["rate"], m["half"], predicted, rtol)])
    return verdict, f"saddle reading ({'holds' if verdict == VERIFIED else verdict}): {fig}"


def _direction_run(direction: str, n: int, width: int, depth: int, seeds: int, comp: bi.Components, eps: float,
                   seed: int, stream: int) -> dict[str, np.ndarray]:
    """``seeds`` chains from the configuration perturbed by ε in ``direction`` (one random stream per direction and ε)."""
    rng = np.random.default_rng([seed, DIRECTIONS.index(direction), stream])
    X = np.stack([fixed_configuration(rng, width, n, eps, direction) for _ in range(seeds)])
    return bi.chain_from_inputs(X, depth, comp, rng, configuration_distance)


def measure_stability(n: int, width: int, depth: int, seeds: int, comp: bi.Components, epss: list[float],
                      seed: int, progress=None) -> dict:
    """Per ε and direction, ``seeds`` chains from the perturbed configuration.

    Spread direction: per-layer factor per seed (mean and 95% CI over seeds and ε), max distance/ε.
    Preserving direction (``RESET_LAYERS`` layers): largest distance after one layer / before, max distance/ε.
    ``curves``: per ε the mean distance per layer in both directions and the factor's last layer (the figure).
    """
    factors, per_eps, curves, resets, pres_growth, d0s, d1s = [], {}, [], [], [], [], []
    for i, eps in enumerate(epss):
        run = _direction_run("spread", n, width, depth, seeds, comp, eps, seed, i)
        f, K = _factor(run["distance"])
        factors.append(f)
        keep = _direction_run("preserving", n, width, min(depth, RESET_LAYERS), seeds, comp, eps, seed, i)["distance"]
        resets.append(float(np.max(keep[1] / keep[0])))
        d0s.append(keep[0])
        d1s.append(keep[1])
        pres_growth.append(float(keep.mean(axis=1).max() / eps))
        per_eps[f"{eps:g}"] = {"spread_factor": float(f.mean()), "fit_layers": [1, K],
                               "spread_distance_layer0": float(run["distance"][0].mean()),
                               "spread_distance_final": float(run["distance"][-1].mean()),
                               "spread_cos_final": float(run["cos"][-1].mean()),
                               "spread_max_distance_over_eps": float(run["distance"].mean(axis=1).max() / eps),
                               "preserving_distance_layer0": float(keep[0].mean()),
                               "preserving_distance_layer1": float(keep[1].mean()), "preserving_reset_ratio": resets[-1]}
        curves.append({"eps": eps, "spread": [float(v) for v in run["distance"].mean(axis=1)], "fit_last": K,
                       "preserving": [float(v) for v in keep.mean(axis=1)]})
        if progress:
            progress("stability", i + 1, len(epss))
    rate, half = (float(x) for x in mean_halfwidth(np.concatenate(factors)))
    return {"rate": rate, "half": half, "growth": max(v["spread_max_distance_over_eps"] for v in per_eps.values()),
            "reset_ratio": max(resets), "preserving_d0": np.concatenate(d0s), "preserving_d1": np.concatenate(d1s),
            "preserving_growth": max(pres_growth), "per_eps": per_eps, "curves": curves}


def _inputs(claim: Claim, config: RunConfig, n: int) -> tuple[list[float], str, float]:
    """The ε list, the reading and the closed-form tolerance, with the size limit of this claim."""
    if n < 3:
        raise BadInput("--param n: stability needs a cluster of at least 2 points (n >= 3)")
    return claim.param(config, "eps"), claim.param(config, "reading"), claim.param(config, "factor_rtol")


def _predicted(claim: Claim, config: RunConfig, comp: bi.Components, n: int) -> float | None:
    """The spread factor the saddle reading predicts: ``--param saddle_factor``, else the closed form (RC + ReLU only)."""
    given = claim.param(config, "saddle_factor")
    if given is not None:
        return float(given)
    closed_form_applies = comp.recenter and not comp.rescale and comp.nonlinearity == "relu"
    return predicted_factor(n) if closed_form_applies else None


_DIST_LABEL = r"$\mathrm{dist}(X_\ell, \mathcal{C})\,/\,\varepsilon$"


def _spread_panel(m: dict, reading: str, predicted: float | None, where: str, rtol: float) -> Panel:
    """Distance/ε per layer for each ε with its fitted factor over the fit window, the predicted growth (with the
    saddle reading's band ± ``rtol``·|F − 1| on the factor) and, for the "stable" reading, the O(ε) allowance."""
    curves, spans, bands = [], [], []
    for i, c in enumerate(m["curves"]):
        colour, y = f"C{i}", [v / c["eps"] for v in c["spread"]]
        curves.append(Curve(f"$\\varepsilon = {c['eps']:g}$", y, style=f"{colour}-"))
        fit_x = list(range(1, c["fit_last"] + 1))
        curves.append(Curve(f"fit: factor {m['rate']:.4f} ± {m['half']:.4f} per layer" if i == 0 else "",
                            [y[1] * m["rate"] ** (k - 1) for k in fit_x], x=fit_x, style=colour, kind="fit"))
        if predicted is not None:
            xs = list(range(1, len(y)))
            curves.append(Curve(f"predicted factor {predicted:.4f}" if i == 0 else "",
                                [y[1] * predicted ** (k - 1) for k in xs], x=xs, style=colour, kind="theory"))
            w = rtol * abs(predicted - 1)
            if reading == "saddle":
                bands.append(Band(f"verdict band: factor ± {w:.4f}" if i == 0 else "", [y[1] * (predicted - w) ** (k - 1)
                                  for k in xs], [y[1] * (predicted + w) ** (k - 1) for k in xs], x=xs, kind="theory"))
        if all(sp.hi != c["fit_last"] for sp in spans):
            spans.append(Span(1, c["fit_last"], f"fit window, $\\varepsilon = {c['eps']:g}$ (layers 1–{c['fit_last']})"))
    hlines = [HLine(GROWTH_MAX, f"'stays $O(\\varepsilon)$': at most {GROWTH_MAX:g}", "bound")] if reading == "stable" else []
    return Panel(f"in-cluster spread ({where})", "layer $\\ell$", _DIST_LABEL,
                 list(range(len(m["curves"][0]["spread"]))), curves, yscale="log", hlines=hlines, spans=spans,
                 bands=bands)


def stability_series(m: dict, reading: str, predicted: float | None, where: str, rtol: float = FACTOR_RTOL) -> dict:
    """The spread direction (:func:`_spread_panel`) and the cluster-preserving direction: distance/ε over the
    first layers against the reset the verdict requires (≤ ``RESET_TOL`` of the start after one layer)."""
    preserving = [Curve(f"$\\varepsilon = {c['eps']:g}$", [v / c["eps"] for v in c["preserving"]], style=f"C{i}-o")
                  for i, c in enumerate(m["curves"])]
    reset = HLine(RESET_TOL, f"reset: $\\leq {RESET_TOL:g}\\times$ the start after one layer", "bound")
    return panels(_spread_panel(m, reading, predicted, where, rtol),
                  Panel("cluster-preserving perturbation", "layer $\\ell$", _DIST_LABEL,
                        list(range(len(m["curves"][0]["preserving"]))), preserving, yscale="log", hlines=[reset]))


def check_stability(claim: Claim, config: RunConfig) -> Outcome:
    r"""The configuration perturbed by ε stays within O(ε): dist(X_ℓ, C) ≤ K ρ^ℓ ε with ρ ≤ 1 [recon].

    Source: the abstract announces a stability result; its statement was not available, so the
    distance, perturbation and verdict rule are this tool's (reference notes §(a)2, §(a)4 [recon]).
    The infinite-width linearisation is derived here ([derived], ``derivations/nachum2024.md``): a
    saddle -- perturbations keeping the cluster one point reset in one layer, an in-cluster spread
    grows by n/√((n−1)² + 1) per layer (1.0643 at n = 16).
    Measured: per ε and direction, ``seeds`` Gram chains; the distance max_j ‖x_j − x̄‖/‖x̄‖ +
    |cos(x_odd, x̄)|; cluster-preserving: distance after one layer / before (largest over seeds);
    spread: per seed the per-layer factor over the linear regime (mean distance ≤ 0.1), its mean and
    95% Student-t CI over seeds and ε, and max_ℓ distance/ε.
    Decision (:func:`decide_stability`): reading "stable" refuted (*reconstruction refuted*) if a
    direction grows geometrically; reading "saddle" verified iff the reset holds and the spread
    factor's CI lies within ``factor_rtol``·(F − 1) of F.  Fewer than 10 layers or 3 seeds per ε:
    inconclusive (starved).
    Negative controls (``controls=``): the saddle reading with the squared factor
    (``--param reading=saddle --param saddle_factor=1.1327``) or with no growth (``saddle_factor=1``)
    is refuted; rescaling only (``--param recenter=false --param rescale=true --param
    nonlinearity=linear``) refutes "stable"; depth 3 with 2 seeds is inconclusive.
    """
    n, width, depth, seeds = sizes(claim, config)
    comp = components(claim, config)
    if (narrow := narrow_width(n, width, config.seed)) is not None:
        return narrow
    epss, reading, rtol = _inputs(claim, config, n)
    depth, seeds = claim.quick_cap(config, "depth", depth, 60), claim.quick_cap(config, "seeds", seeds, 6)
    predicted = _predicted(claim, config, comp, n)
    params = {"n": n, "width": width, "depth": depth, "seeds": seeds, "seed": config.seed, "eps": epss,
              "reading": reading, "saddle_factor": predicted, "factor_rtol": rtol, **comp.to_dict(),
              "directions": {"preserving": "whole cluster moved as one point, odd point moved (ε relative)",
                             "spread": "zero-sum perturbation of the cluster points (ε relative)"},
              "distance": "max_j ‖x_j − x̄‖/‖x̄‖ + |cos(x_odd, x̄)| (x̄ cluster mean)",
              "start": "the configuration as an RC+ReLU layer leaves it (disjoint supports, ratio n−1)"}
    if (why := starved(depth, seeds)) is not None:
        return Outcome(INCONCLUSIVE, why, expected={}, measured={}, params=params)
    if reading == "saddle" and predicted is None:
        return Outcome(INAPPLICABLE, f"the saddle reading's closed form is derived for RC + ReLU only, not {comp.label} "
                       "(give --param saddle_factor to test a factor of your own)", expected={}, measured={}, params=params)
    m = measure_stability(n, width, depth, seeds, comp, epss, config.seed, config.progress)
    verdict, why = decide_stability(reading, m, predicted, rtol)
    where = f" ({comp.label}, n = {n}, d = {width}, {depth} layers, ε ∈ {{{', '.join(f'{e:g}' for e in epss)}}}, {seeds} seeds)"
    return Outcome(
        verdict, why + where,
        expected={"spread_factor": "≤ 1 (stays O(ε))" if reading == "stable" else predicted,
                  "preserving_reset_ratio": f"≤ {RESET_TOL:g} for starts ≥ {RESET_MIN_START:g} (exactly 0 in exact arithmetic)"},
        measured={"spread_factor": m["rate"], "spread_factor_ci95": m["half"], "max_distance_over_eps": m["growth"],
                  "preserving_reset_ratio": m["reset_ratio"], "preserving_max_distance_over_eps": m["preserving_growth"],
                  "closed_form_factor": predicted, "per_eps": m["per_eps"], "seeds": seeds},
        tolerance={"ci": "95% Student-t CI over seeds and ε", "O(eps)": f"max_ℓ mean distance / ε ≤ {GROWTH_MAX:g}",
                   "closed_form": f"spread factor within {rtol:g}·(F − 1) of F", "reset": RESET_TOL},
        params=params,
        precision={"arithmetic": "float64; distances below ~1e-7 are at the chain's round-off (ε ≥ 1e-6 enforced)"},
        series=stability_series(m, reading, predicted, f"{comp.label}, $n = {n}$, $d = {width}$", rtol))


_RC_RELU = {"n": 16, "width": 256}
CONTROLS = (
    Control("saddle-squared-factor", STATEMENT_FLIP,
            "the saddle reading with the squared factor n²/((n−1)²+1) = 1.1327 (the growth of the squared spread)",
            params={**_RC_RELU, "reading": "saddle", "saddle_factor": 1.1327}),
    Control("saddle-no-growth", STATEMENT_FLIP, "the saddle reading with no growth of the spread (factor 1)",
            params={**_RC_RELU, "reading": "saddle", "saddle_factor": 1.0}),
    Control("rescaling-only", ASSUMPTION_DROPPED,
            "rescaling only, linear (Daneshmand's orthogonal regime): no recentering, no ReLU",
            params={"n": 8, "width": 128, "depth": 40, "recenter": "false", "rescale": "true", "nonlinearity": "linear"},
            expect=(REFUTED,)),
    Control("saddle-without-closed-form", ASSUMPTION_DROPPED, "the closed form is derived for RC + ReLU; with RS it does not apply",
            params={**_RC_RELU, "depth": 20, "reading": "saddle", "rescale": "true"}, expect=(INAPPLICABLE,)),
    Control("depth-3-two-seeds", STARVED, "3 layers and 2 seeds cannot tell a factor 1.06 from 1",
            params={**_RC_RELU, "depth": 3, "seeds": 2}),
)


register(Claim(
    id="nachum2024.stability", typical_s=0.67, paper="nachum2024", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "spread_factor", "spread_factor_ci95", "max_distance_over_eps", "preserving_reset_ratio",
        "preserving_max_distance_over_eps", "closed_form_factor", "per_eps", "seeds"
    ),
    source="abstract announces a stability result (statement not available); reference notes §(a)2, §(a)4 [recon]; "
           "infinite-width saddle [derived] (derivations/nachum2024.md)",
    summary="the cluster-plus-odd-point configuration perturbed by ε stays within O(ε) [recon] (measured per direction: a saddle)",
    statement=r"\mathrm{dist}(X_\ell, \mathcal C) \le K\,\rho^\ell\,\varepsilon,\ \rho \le 1,\ \text{for } \mathrm{dist}(X_0, \mathcal C) = O(\varepsilon)",
    confidence="recon",
    assumptions=("RC + ReLU (the paper's model [recon])", "i.i.d. Gaussian weights", "n ≥ 3", "width d ≥ n"),
    check=check_stability,
    params=(Param("n", 16, "batch size", int), Param("width", 1024, "width d", int), Param("depth", 100, "layers", int),
            Param("seeds", 10, "independent networks per ε and direction", int),
            Param("eps", "0.001,0.01", "comma-separated perturbation sizes (relative)", ListOf(float, lo=1e-6, hi=0.5)),
            Param("reading", "stable", "statement tested: stable ([recon]: stays O(ε)) or saddle ([derived]: the "
                  "preserving direction resets, the spread grows by saddle_factor per layer)", str, READINGS),
            Param("saddle_factor", None, "per-layer spread factor the saddle reading predicts (default: the closed "
                  "form n/√((n−1)²+1), RC + ReLU only)", float, lo=0.5, hi=2.0),
            Param("factor_rtol", FACTOR_RTOL, "closed-form tolerance: |factor − F| ≤ factor_rtol·|F − 1| (below 1, so "
                  "the band excludes 1)", float, lo=0.0, hi=0.5, lo_open=True, tolerance=True),
            Param("recenter", True, "RC switch", bool), Param("rescale", False, "RS switch", bool),
            Param("nonlinearity", "relu", "NL switch", str, bi.NONLINEARITIES)),
    controls=CONTROLS,
    notes=("[recon]: the paper announces a stability result for the configuration but its statement was not available; "
           "the distance, perturbation and verdict rule are this tool's, so a refutation refutes this reconstruction, "
           "not the paper. [derived] at infinite width (RC + ReLU) the configuration is a saddle: perturbations that "
           "keep the cluster one point reset exactly in one layer; a spread inside the cluster grows by "
           "n/√((n−1)² + 1) per layer (1.2649, 1.1314, 1.0643, 1.0317, 1.0157 at n = 4, 8, 16, 32, 64). Measured at "
           "d = 1024 (100 layers, 10 seeds, ε ∈ {1e-3, 1e-2}): 1.2610 ± 0.0076, 1.1319 ± 0.0039, 1.0629 ± 0.0040, "
           "1.0323 ± 0.0024, 1.0196 ± 0.0026; the tests cover n = 16 and 8 at finite width, n = 4 is unchecked."),
))
