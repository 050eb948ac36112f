r"""``daneshmand2021.orthogonality``: rescaling-only BN orthogonalizes the batch (Theorem 1, Fig. 2).

Model (Eq. (1)): H_{ℓ+1} = BN(W_ℓ H_ℓ)/√d, BN(M) = diag(MMᵀ)^{-1/2} M, W_ℓ i.i.d. N(0, 1/d),
linear activation, so ‖H_ℓ‖_F = 1.  Orthogonality gap (Eq. (2)): V(H) = ‖HᵀH/‖H‖_F² − I_n/n‖_F.
Forward passes: the exact-in-law Gram chain :func:`bnproof.models.bn_init.chain_from_inputs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.slopes import log_slope, loglog_slope
from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import combine, interval_verdict
from bnproof.models import bn_init as bi
from bnproof.papers.daneshmand2021.common import ALPHA_READINGS, CITATION, CONSTANTS

__all__ = ["SLOPE_BAND", "FLOOR_EXPONENT", "SLOPE_TOL", "QUICK_MAX_WIDTH", "theorem1_bound", "bound_verdict", "gap_runs",
           "OrthogonalitySetup", "measure_orthogonality", "decide_orthogonality", "check_orthogonality", "CONTROLS"]

FLOOR_EXPONENT, SLOPE_TOL = -0.5, 0.1  # floor ∝ d^(-1/2) (theory; paper's fit −0.46), band ± 0.1
SLOPE_BAND = (FLOOR_EXPONENT - SLOPE_TOL, FLOOR_EXPONENT + SLOPE_TOL)  # reference notes §(b1).4
QUICK_MAX_WIDTH = 4096  # --quick keeps widths up to here (Theorem 1's bound binds at n = 4 only from d ≈ 4096)


def theorem1_bound(layers: np.ndarray, alpha: float, n: int, d: int, constant: str = "main", start: int = 0) -> np.ndarray:
    """Theorem 1: E[V(H_{ℓ+1})] ≤ 2(1 − 2α/3)^ℓ + c·n/(α√d), c = 3 (main text) or 3/2 (appendix).

    ``start``: the layer the theorem is applied from (its input H_start; the chain is Markov), so
    layer L gets ℓ = L − start − 1.
    """
    ell = np.maximum(np.asarray(layers, float) - start - 1, 0)
    with np.errstate(divide="ignore"):
        return 2 * (1 - 2 * alpha / 3) ** ell + CONSTANTS[constant] * n / (alpha * math.sqrt(d))


def _observe(R: np.ndarray) -> dict[str, np.ndarray]:
    return {"V": bi.orthogonality_gap(R), "sigma_n_sq": 1.0 / R.shape[-1] - bi.lyapunov(R)}


def gap_runs(n: int, widths: list[int], depth: int, seeds: int, comp: bi.Components, correlation: float,
             seed: int, progress=None) -> dict[int, dict[str, np.ndarray]]:
    """width -> {"V": (depth+1, seeds), "sigma_n_sq": (depth+1, seeds)}, inputs with pairwise cos ≈ correlation."""
    out = {}
    for i, d in enumerate(widths):
        rng = np.random.default_rng([seed, d])  # one stream per width: adding a width changes no other
        X = np.stack([bi.gaussian_batch(rng, d, n, correlation) for _ in range(seeds)])
        out[d] = bi.chain_from_inputs(X, depth, comp, rng, _observe)
        if progress:
            progress("orthogonality: widths", i + 1, len(widths))
    return out


@dataclass(frozen=True)
class OrthogonalitySetup:
    """The run's sizes, switches and readings, after ``--quick`` and validation."""

    n: int
    widths: list[int]
    depth: int
    burn_in: int
    seeds: int
    correlation: float
    normalize: bool
    constant: str
    alpha_reading: str
    floor_exponent: float = FLOOR_EXPONENT
    slope_tol: float = SLOPE_TOL

    @property
    def slope_band(self) -> tuple[float, float]:
        return (self.floor_exponent - self.slope_tol, self.floor_exponent + self.slope_tol)

    @property
    def comp(self) -> bi.Components:
        return bi.Components(recenter=False, rescale=self.normalize, nonlinearity="linear")


def _setup(claim: Claim, config: RunConfig) -> OrthogonalitySetup:
    n, depth, seeds = claim.param(config, "n"), claim.param(config, "depth"), claim.param(config, "seeds")
    widths, burn_in = claim.param(config, "widths"), claim.param(config, "burn_in")
    if config.quick and "widths" not in config.params:
        widths = [w for w in widths if w <= QUICK_MAX_WIDTH] or widths[:2]
    depth, seeds = claim.quick_cap(config, "depth", depth, 120), claim.quick_cap(config, "seeds", seeds, 6)
    burn_in = claim.quick_cap(config, "burn_in", burn_in, 40)
    for w in widths:
        bi.validate_sizes(n, w, depth, seeds)
    if not 0 <= burn_in < depth - 1:
        raise BadInput(f"--param burn_in must be in [0, depth − 1), got {burn_in}")
    return OrthogonalitySetup(n, widths, depth, burn_in, seeds, claim.param(config, "correlation"),
                              claim.param(config, "normalize"), claim.param(config, "constant"),
                              claim.param(config, "alpha_reading"), claim.param(config, "floor_exponent"),
                              claim.param(config, "slope_tol"))


def _floor_slope(setup: OrthogonalitySetup, runs: dict) -> dict:
    """Floor per width and seed (mean V over layers > burn_in) and its log-log slope in d, per seed."""
    floors = np.array([runs[d]["V"][setup.burn_in + 1:].mean(axis=0) for d in setup.widths])  # (widths, seeds)
    slopes = loglog_slope(setup.widths, floors.T)
    slope, half = (float(x) for x in mean_halfwidth(slopes))
    # the fitted line passes through the centroid (mean log d, mean log floor), per seed and so on average
    intercept = float(np.log(floors).mean() - slope * np.log(setup.widths).mean())
    return {"floors": floors, "slope": slope, "slope_half": half, "intercept": intercept}


def _depth_rate(setup: OrthogonalitySetup, runs: dict, floors: np.ndarray) -> dict:
    """Per-layer factor of V at the largest width, fitted on the layers before V first comes within 2x the floor."""
    V = runs[setup.widths[-1]]["V"]
    above = np.flatnonzero(V.mean(axis=1)[1:] <= 2 * float(floors[-1].mean()))
    K = max(int(above[0]) + 1 if above.size else setup.depth, 3)
    rates = np.exp(log_slope(np.arange(1, K + 1), V[1:K + 1].T))
    rate, half = (float(x) for x in mean_halfwidth(rates))
    return {"rate": rate, "rate_half": half, "K": K}


def _theorem1(setup: OrthogonalitySetup, runs: dict) -> dict:
    """Theorem 1's bound against the measured mean at every width, applied from layer ``burn_in``.

    From the input, A1's α is the smallest σ_n² of the correlated start (≈ 0.03 at n = 4), which makes
    the bound vacuous at every width here; the chain is Markov, so the theorem also applies from
    H_burn_in with α = the smallest σ_n² over layers ≥ burn_in (all seeds).  Per width: the largest
    ratio of the 95% CI's lower and upper ends to the bound (layers ≥ burn_in + 2), and whether the
    bound at the last layer is below the largest possible V (else it is vacuous: it cannot fail).
    """
    lo_ratio, hi_ratio, alpha_by_d, bound_final, binds = {}, {}, {}, {}, {}
    vmax = math.sqrt(1 - 1 / setup.n)  # largest possible V (rank one): a bound above it says nothing
    start = setup.burn_in
    for d in setup.widths:
        s2min = float(runs[d]["sigma_n_sq"][start:].min())
        alpha = s2min if setup.alpha_reading == "sigma_sq" else math.sqrt(max(s2min, 0.0))
        alpha_by_d[d] = alpha
        if alpha <= 0:
            continue
        m, h = mean_halfwidth(runs[d]["V"], axis=1)
        b = theorem1_bound(np.arange(setup.depth + 1), alpha, setup.n, d, setup.constant, start)[start + 2:]
        lo_ratio[d], hi_ratio[d] = float(np.max((m - h)[start + 2:] / b)), float(np.max((m + h)[start + 2:] / b))
        bound_final[d], binds[d] = float(b[-1]), bool(b[-1] < vmax)
    return {"alpha": alpha_by_d, "bound_final": bound_final, "worst": max(lo_ratio.values(), default=0.0),
            "worst_upper": max(hi_ratio.values(), default=0.0), "binding_widths": [d for d, v in binds.items() if v],
            "upper_ratio_binding": max((hi_ratio[d] for d, v in binds.items() if v), default=math.nan),
            "vmax": vmax, "vacuous": not any(binds.values())}


def bound_verdict(m: dict) -> str:
    """Theorem 1's part: refuted if a 95% CI's lower end exceeds the bound anywhere; inconclusive if the
    bound is vacuous at every width (it cannot fail there); verified if, at the widths where it binds,
    every CI's upper end is below it; else inconclusive."""
    if m["worst"] > 1.0:
        return REFUTED
    if m["vacuous"]:
        return INCONCLUSIVE
    return VERIFIED if m["upper_ratio_binding"] <= 1.0 else INCONCLUSIVE


def measure_orthogonality(setup: OrthogonalitySetup, seed: int, progress=None) -> dict:
    """The chains at every width, the floor slope in d, the depth rate and Theorem 1's bound."""
    runs = gap_runs(setup.n, setup.widths, setup.depth, setup.seeds, setup.comp, setup.correlation, seed, progress)
    floor = _floor_slope(setup, runs)
    return {"runs": runs, **floor, **_depth_rate(setup, runs, floor["floors"]), **_theorem1(setup, runs)}


def decide_orthogonality(setup: OrthogonalitySetup, m: dict) -> tuple[str, str]:
    """Three parts, combined (:func:`combine`): the floor slope's CI against floor_exponent ± slope_tol, the
    depth rate's CI against < 1, and Theorem 1's bound (:func:`bound_verdict`; inconclusive where vacuous)."""
    slope, sh, rate, rh = m["slope"], m["slope_half"], m["rate"], m["rate_half"]
    band = setup.slope_band
    slope_v = interval_verdict(slope - sh, slope + sh, band)
    rate_v = interval_verdict(rate - rh, rate + rh, (-math.inf, 1.0))
    bound_v = bound_verdict(m)
    fig2 = (f"{setup.comp.label}: floor slope {slope:.3f} ± {sh:.3f} in d (95% CI, {setup.seeds} seeds; band "
            f"[{band[0]:.3g}, {band[1]:.3g}], paper −0.46), depth rate {rate:.3f} ± {rh:.3f} per layer at d = {setup.widths[-1]}")
    if bound_v == REFUTED:
        thm = f"the measured E[V] exceeds Theorem 1's bound (ratio {m['worst']:.3g}, 95% CI lower end)"
    elif m["vacuous"]:
        thm = (f"Theorem 1's bound not tested: vacuous at these sizes (≥ max V = {m['vmax']:.3g} at every width; "
               f"at n = {setup.n} it binds only for larger d)")
    else:
        thm = (f"Theorem 1's bound (from layer {setup.burn_in}) binds at d ∈ {m['binding_widths']} and holds there "
               f"(largest CI upper end / bound = {m['upper_ratio_binding']:.3g}: loose, so the constant and α readings "
               f"cannot change this part)")
    verdict = combine([slope_v, rate_v, bound_v])
    if verdict == REFUTED and bound_v != REFUTED:
        what = "no geometric decay" if rate_v == REFUTED else "the floor does not shrink like d^(floor_exponent)"
        return REFUTED, f"{what}: {fig2}; {thm}"
    return verdict, f"{fig2}; {thm}"


def _figure(setup: OrthogonalitySetup, m: dict) -> dict:
    """V against depth (with the bound and the depth-rate fit) and the floor against width (with the slope band)."""
    return panels(_depth_panel(setup, m), _floor_panel(setup, m))


def _depth_panel(setup: OrthogonalitySetup, m: dict) -> Panel:
    """Mean V per layer and width with its 95% CI, Theorem 1's bound at the largest width, the depth-rate fit."""
    layers = list(range(setup.depth + 1))
    curves, bands = [], []
    for d in setup.widths:
        mean, half = mean_halfwidth(m["runs"][d]["V"], axis=1)
        curves.append(Curve(f"$d = {d}$", [float(v) for v in mean]))
        bands.append(Band(f"$d = {d}$", [float(v) for v in mean - half], [float(v) for v in mean + half]))
    d, start = setup.widths[-1], setup.burn_in
    if m["alpha"].get(d, 0) > 0:
        bound = theorem1_bound(np.arange(setup.depth + 1), m["alpha"][d], setup.n, d, setup.constant, start)
        curves.append(Curve(f"Thm 1 bound, $d = {d}$", [float(b) for b in bound[start + 2:]],
                            x=layers[start + 2:], kind="bound"))
    mean_v = np.log(m["runs"][d]["V"].mean(axis=1)[1:m["K"] + 1])
    ell = np.arange(1, m["K"] + 1)
    log_rate = math.log(m["rate"])
    fit = np.exp(mean_v.mean() + log_rate * (ell - ell.mean()))  # the OLS line through the centroid
    curves.append(Curve(f"fit: $\\propto {m['rate']:.3f}^{{\\ell}}$", [float(v) for v in fit], x=[int(v) for v in ell],
                        kind="fit"))
    return Panel(f"orthogonality gap vs depth ({setup.comp.label}, $n = {setup.n}$)", r"layer $\ell$",
                 r"$\mathbb{E}\,V(H_\ell)$", layers, curves, yscale="log", bands=bands,
                 hlines=[HLine(m["vmax"], r"max $V = \sqrt{1 - 1/n}$")],
                 spans=[Span(start + 1, setup.depth, f"floor: layers $> {start}$")])


def _floor_panel(setup: OrthogonalitySetup, m: dict) -> Panel:
    """Floor per width with its 95% CI, the fitted slope, and the theory's slope with the verdict's band."""
    widths = [float(w) for w in setup.widths]
    mean, half = mean_halfwidth(m["floors"], axis=1)
    log_w = np.log(widths)
    centre = float(np.log(mean).mean()), float(log_w.mean())  # lines through the centroid of the means

    def line(slope: float) -> list[float]:
        return [float(math.exp(centre[0] + slope * (lw - centre[1]))) for lw in log_w]

    lo, hi = setup.slope_band
    return Panel("floor against width", "width $d$", f"floor: mean $V$ over layers $> {setup.burn_in}$", widths, [
        Curve("measured (mean over seeds)", [float(f) for f in mean]),
        Curve(f"fit: slope ${m['slope']:.3f} \\pm {m['slope_half']:.3f}$", [float(math.exp(m["intercept"]) * w ** m["slope"])
                                                                       for w in widths], kind="fit"),
        Curve(f"theory: slope ${setup.floor_exponent:g}$", line(setup.floor_exponent), kind="theory")],
        xscale="log", yscale="log",
        bands=[Band("measured (mean over seeds)", [float(v) for v in mean - half], [float(v) for v in mean + half]),
               Band(f"verdict band: slope in $[{lo:g}, {hi:g}]$", [min(a, b) for a, b in zip(line(lo), line(hi))],
                    [max(a, b) for a, b in zip(line(lo), line(hi))], kind="theory")])


def check_orthogonality(claim: Claim, config: RunConfig) -> Outcome:
    r"""V(H_ℓ) decays geometrically in depth to a floor that shrinks like d^{-1/2}.

    Statement: E[V(H_{ℓ+1})] ≤ 2(1 − 2α/3)^ℓ + 3n/(α√d) under A1(α) (σ_n(H_k)² ≥ α for k ≤ ℓ);
    in Fig. 2 log V falls linearly in ℓ to a floor whose log-log slope in d is −0.46 (theory −1/2).
    Source: Daneshmand et al. 2021, Theorem 1, Eqs. (1)-(2), Fig. 2 (reference notes §(b1).2-4).
    Measured: per width, ``seeds`` chains from highly correlated inputs; the floor (mean V over the
    layers after ``burn_in``) and per seed the OLS slope of log floor against log d; at the largest
    width the per-layer factor of V (OLS of log V on the layers before V comes within 2x the floor);
    the measured mean's 95% CI against Theorem 1's bound applied from layer ``burn_in`` (the chain is
    Markov) with α = the smallest σ_n² over those layers (or σ_n with ``alpha_reading=sigma``).
    Decision (:func:`decide_orthogonality`): 95% CIs over seeds against the slope band
    floor_exponent ± slope_tol ([−0.6, −0.4]) and against factor < 1 (:func:`interval_verdict`), and
    the bound part (:func:`bound_verdict`): exceeded refutes; vacuous at every width (bound ≥ max V,
    so it cannot fail) is inconclusive for that part and so for the claim; where it binds
    (n = 4: d = 4096) it must hold.  It holds there by a factor ≈ 30, so ``constant`` and
    ``alpha_reading`` cannot change this verdict; ``daneshmand2021.lemmas`` judges those readings.
    Negative controls (``controls=``): ``--param floor_exponent=-1`` refuted (statement flip);
    ``--param normalize=false`` (vanilla linear network) refuted (slope ≈ 0, no decay); ``--param
    n=8 --param widths=4,64`` (d < n) inapplicable; 2 seeds, or widths up to 1024 only (bound
    vacuous), inconclusive.
    """
    setup = _setup(claim, config)
    if (why := bi.width_violation(setup.n, setup.widths)) is not None:
        return Outcome(INAPPLICABLE, why, expected={}, measured={},
                       params={"n": setup.n, "widths": setup.widths, "seed": config.seed})
    m = measure_orthogonality(setup, config.seed, config.progress)
    verdict, why = decide_orthogonality(setup, m)
    return Outcome(
        verdict, why,
        expected={"floor_slope": setup.floor_exponent, "floor_slope_paper_fit": -0.46, "depth_rate": "< 1 (geometric decay)",
                  "theorem1": f"E[V(H_(l+1))] <= 2(1-2a/3)^l + {CONSTANTS[setup.constant]:g} n/(a sqrt(d))"},
        measured={"floor_slope": m["slope"], "floor_slope_ci95": m["slope_half"], "depth_rate": m["rate"],
                  "depth_rate_ci95": m["rate_half"], "depth_rate_fit_layers": [1, m["K"]],
                  "floors": {str(d): float(f) for d, f in zip(setup.widths, m["floors"].mean(axis=1))},
                  "alpha": {str(d): a for d, a in m["alpha"].items()},
                  "theorem1_bound_final": {str(d): b for d, b in m["bound_final"].items()},
                  "theorem1_max_ratio": m["worst"], "theorem1_max_ratio_upper": m["worst_upper"],
                  "theorem1_vacuous": m["vacuous"], "theorem1_binding_widths": m["binding_widths"],
                  "theorem1_verdict": bound_verdict(m), "theorem1_start_layer": setup.burn_in, "V_max_possible": m["vmax"],
                  "seeds": setup.seeds},
        tolerance={"floor_slope": list(setup.slope_band), "ci": "95% Student-t CI over seeds; verdict on the whole CI"},
        params={"n": setup.n, "widths": setup.widths, "depth": setup.depth, "burn_in": setup.burn_in,
                "seeds": setup.seeds, "seed": config.seed, "correlation": setup.correlation,
                "normalize": setup.normalize, "constant": setup.constant, "alpha_reading": setup.alpha_reading,
                "floor_exponent": setup.floor_exponent, "slope_tol": setup.slope_tol,
                **setup.comp.to_dict(), "chain": "exact-in-law Gram chain (bnproof.bn_init.gram_chain)"},
        precision={"arithmetic": "float64"},
        series=_figure(setup, m))


CONTROLS = (
    Control("floor-exponent-minus-1", STATEMENT_FLIP, "the floor shrinks like 1/d instead of 1/√d",
            params={"floor_exponent": -1.0}),
    Control("vanilla-linear", ASSUMPTION_DROPPED, "no BN (normalize=false): a vanilla linear network collapses",
            params={"normalize": "false"}, expect=(REFUTED,)),
    Control("two-seeds", STARVED, "2 seeds per width: the CIs cannot decide the slope", params={"seeds": 2}),
    Control("bound-vacuous-widths", STARVED, "widths up to 1024 at n = 4: Theorem 1's bound is vacuous, so untested",
            params={"widths": "64,128,256,512,1024"}),
)


register(Claim(
    id="daneshmand2021.orthogonality", typical_s=2.0, paper="daneshmand2021", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "floor_slope", "floor_slope_ci95", "depth_rate", "depth_rate_ci95", "depth_rate_fit_layers", "floors",
        "alpha", "theorem1_bound_final", "theorem1_max_ratio", "theorem1_max_ratio_upper", "theorem1_vacuous",
        "theorem1_binding_widths", "theorem1_verdict", "theorem1_start_layer", "V_max_possible", "seeds"
    ),
    source="Theorem 1, Eqs. (1)-(2) and Fig. 2b (slope −0.46)",
    summary="rescaling-only BN orthogonalizes: V(H_ℓ) decays geometrically to a floor ∝ d^(-1/2)",
    statement=(r"H_{\ell+1} = \tfrac{1}{\sqrt d}\,\mathrm{diag}(MM^\top)^{-1/2}M,\ M = W_\ell H_\ell:\quad "
               r"\mathbb E[V(H_{\ell+1})] \le 2(1-\tfrac23\alpha)^\ell + \tfrac{3n}{\alpha\sqrt d},\ "
               r"V(H) = \big\|\tfrac{H^\top H}{\|H\|_F^2} - \tfrac{I_n}{n}\big\|_F"),
    confidence="paper",
    assumptions=("rescaling-only BN (no recentering), linear activation", "W_ℓ i.i.d. Gaussian",
                 "d ≥ n", "A1(α): σ_n(H_k)² ≥ α for k ≤ ℓ (α measured from the run)"),
    check=check_orthogonality,
    params=(Param("n", 4, "batch size", int),
            Param("widths", "64,128,256,512,1024,2048,4096", "comma-separated widths d for the floor fit",
                  ListOf(int, lo=1, min_len=2)),
            Param("depth", 300, "layers", int),
            Param("burn_in", 50, "layers skipped before averaging the floor", int),
            Param("seeds", 10, "independent networks per width", int),
            Param("correlation", 0.99, "pairwise cosine of the inputs (highly correlated, as in Fig. 1)", float,
                  lo=0, hi=1, hi_open=True),
            Param("normalize", True, "the BN switch (negative control: false = vanilla linear network)", bool),
            Param("constant", "main", "Theorem 1 floor constant: main = 3n/(α√d), appendix = 3n/(2α√d)", str,
                  tuple(CONSTANTS)),
            Param("alpha_reading", "sigma_sq", "A1's α bounds σ_n² (proof) or σ_n (as printed)", str, ALPHA_READINGS),
            Param("floor_exponent", FLOOR_EXPONENT, "predicted exponent of the floor in d (theory −1/2)", float,
                  lo=-2.0, hi=0.0),
            Param("slope_tol", SLOPE_TOL, "half-width of the floor-slope band around floor_exponent (below 0.25, "
                  "so that the band keeps clear of 0, no shrinking)", float, lo=0.0, hi=0.25, lo_open=True,
                  tolerance=True)),
    controls=CONTROLS,
    notes=("measured.floor_slope: slope of log(mean V over layers > burn_in) against log d, mean over seeds with a "
           "95% CI. The paper's Fig. 2b averages over 500 layers with n and the width grid unstated; here n = 4 and "
           "d = 64..4096. Theorem 1's bound is applied from layer burn_in (from the input, α ≈ 0.03 for correlated "
           "inputs makes it vacuous at every width); since α ≤ 1/n it is vacuous (≥ max V) unless d ≫ n⁴: at n = 4 "
           "it binds at d = 4096 only, and holds there by a factor ≈ 30 (so the constant and α readings cannot "
           "change the verdict; the lemmas claim judges them). A run where it is vacuous at every width is "
           "inconclusive. The chain is run in its exact-in-law "
           "n×n factor form."),
))
