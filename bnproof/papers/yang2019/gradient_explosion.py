r"""``yang2019.gradient-explosion``: with BN the squared gradient norm grows by λ(B) > 1 per layer."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from bnproof.analysis.slopes import log_slope
from bnproof.analysis.stats import mean_ci, mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, combine, interval_verdict
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import BatchBNRun, batch_bn_gradients
from bnproof.papers.yang2019.networks import (
    CITATION,
    common_params,
    depth_param,
    read_common,
    simulate_networks,
    width_param,
)

__all__ = ["READINGS", "HEAVY_TAIL_MAX_B", "explosion_series", "theory_rate", "claimed_rate", "growth_slope", "measure_gradient_explosion",
           "width_rates", "extrapolate_rate", "decide_gradient_explosion", "check_gradient_explosion", "EXPLOSION"]

_SWEEP_MEMORY = 2e9  # bytes of saved activations of one network of the width sweep
_QUICK_WIDTHS = [128, 256, 512]  # --quick, when --param widths is not set
_ABOVE_ONE = (math.nextafter(1.0, math.inf), math.inf)  # the band of "λ > 1" (strictly)

READINGS = ("theorem", "limit", "linear-bound")
"""What λ the measured rate is compared with: the theorem's λ(B) (the claim), or two mutated
statements that must be refuted: the B → ∞ limit π/(π-1) at every B, and the lower bound
(B-2)/(B-3) read as the ReLU rate."""

HEAVY_TAIL_MAX_B = 5
"""Up to this B a neuron's per-layer factor has infinite variance: it scales like 1/s² with
s² ~ χ²_{B-1}/B, so P(factor > x) ~ x^{-(B-1)/2} and E[factor²] < ∞ only for B ≥ 6.  The
log of a width-N average then falls short of ln λ by ~N^{1-(B-1)/2} (B = 4: a/√N; B = 5:
(log N)/N) instead of O(1/N), so one width is biased at the tolerance's scale and the rate is
extrapolated across ``widths`` (rate = λ - a/√N, intercept tested)."""


def theory_rate(act: str, B: int) -> tuple[float | None, str]:
    """Per-layer growth of ‖∂f/∂z‖² predicted by Yang et al. for activation ``act``."""
    if act == "relu":
        return mf.relu_rate(B), "ReLU closed form (Thm 8): (J'(c) + B - 1)/((B-3)(1 - J(c))) - 1/(B-3), c = -1/(B-1)"
    if act == "linear":
        return mf.linear_rate(B), "(B-2)/(B-3) (φ = id)"
    if act == "constant":
        return None, "none: φ is constant (the theorem assumes a non-constant φ)"
    phi = {"tanh": np.tanh, "sin": np.sin}[act]
    g = mf.gegenbauer_rate(phi, B, kmax=20, nodes=2000)
    return g["rate"], f"Gegenbauer series of Thm 9, k ≤ {g['kmax']} (truncation share {g['tail']:.1e})"


def claimed_rate(reading: str, act: str, B: int, theory: float | None) -> float | None:
    """The λ the measurement is compared with under ``reading`` (see :data:`READINGS`)."""
    if theory is None or reading == "theorem":
        return theory
    return mf.RATE_LIMIT if reading == "limit" else mf.linear_rate(B)


def growth_slope(grad_sq: np.ndarray, lo: int, hi: int) -> float | None:
    """Least-squares slope over layers lo..hi (1-based) of ln of the mean over the network's
    batches of ‖g^l‖²; None if a norm is 0 (the gradient vanished) or not finite.

    The theory is about the growth of the *expected* squared norm.  Fitting ln‖g‖² batch by
    batch instead would estimate the growth of its geometric mean, which is smaller by a
    Jensen gap that is visible at small B (B = 4, width 512: 2.92 against 3.05).
    """
    g = grad_sq[lo - 1:hi]
    if not np.all(np.isfinite(g)) or np.any(g <= 0):
        return None
    return log_slope(np.arange(lo, hi + 1, dtype=float), g.mean(axis=1))


def measure_gradient_explosion(runs: list[dict[int, BatchBNRun]], p: dict, lo: int, hi: int) -> dict[int, dict]:
    """Per batch size: the rate exp(-slope) with its CI over networks (slope of ln‖g‖² in l is
    negative when the norm grows backwards), or ``vanished``; the theory where it is cheap."""
    per = {}
    for b in p["sizes"]:
        sl = [growth_slope(r[b].grad_sq, lo, hi) for r in runs]
        if any(s is None for s in sl):
            per[b] = {"vanished": True, "rate": 0.0, "ci": [0.0, 0.0]}
        else:
            m, a, z = mean_ci(sl)
            per[b] = {"vanished": False, "rate": math.exp(-m), "ci": [math.exp(-z), math.exp(-a)]}
        per[b]["theory"] = theory_rate(p["activation"], b)[0] if b == p["batch_size"] or \
            p["activation"] in ("relu", "linear") else None
    return per


def width_rates(config: RunConfig, p: dict, act: str, label: str) -> np.ndarray | None:
    """Rate exp(-slope) of ``p["seeds"]`` networks at every width of ``p["widths"]`` (B only;
    network i at width N from the stream (run seed, i, N)); None if a gradient vanished."""
    lo, hi = p["skip_input"] + 1, p["depth"] - p["skip_output"]
    B, widths = p["batch_size"], p["widths"]
    out = np.zeros((p["seeds"], len(widths)))
    for j, N in enumerate(widths):
        for i in range(p["seeds"]):
            if config.progress is not None:
                config.progress(f"{label} (width sweep)", j * p["seeds"] + i, p["seeds"] * len(widths))
            rng = np.random.default_rng(np.random.SeedSequence([config.seed, i, N]))
            run = batch_bn_gradients(rng, width=N, depth=p["depth"], batches=[B], K=p["batches"], act=act)
            s = growth_slope(run[B].grad_sq, lo, hi)
            if s is None:
                return None
            out[i, j] = math.exp(-s)
    return out


def extrapolate_rate(rates: np.ndarray, widths: list[int], level: float = CONFIDENCE_LEVEL) -> dict:
    """Least squares of rate = λ∞ - a/√N over every (network, width) point (independent
    networks); λ∞ and a with Student-t intervals on n - 2 degrees of freedom."""
    rates = np.asarray(rates, float)
    x = np.tile(1 / np.sqrt(np.asarray(widths, float)), rates.shape[0])
    y = rates.ravel()
    A = np.column_stack([np.ones_like(x), -x])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = len(y) - 2
    cov = float(np.sum((y - A @ coef) ** 2)) / dof * np.linalg.inv(A.T @ A)
    q = float(stats.t.ppf(0.5 + level / 2, dof))
    (lam, a), (se_l, se_a) = coef, np.sqrt(np.diag(cov))
    return {"intercept": float(lam), "intercept_ci": [float(lam - q * se_l), float(lam + q * se_l)],
            "a": float(a), "a_ci": [float(a - q * se_a), float(a + q * se_a)], "widths": list(widths),
            "rate_by_width": [float(v) for v in rates.mean(axis=0)], "points": len(y)}


def decide_gradient_explosion(at_b: dict, theory: float | None, tol: float, tag: str, context: str,
                              advice: str = "raise --param seeds or width") -> tuple[str, str]:
    """Vanished: refuted.  No theory value: the rate's CI against λ > 1.  Otherwise
    |rate - λ|/λ ± CI half-width against ``tol``, combined with λ > 1."""
    rate, (r_lo, r_hi) = at_b["rate"], at_b["ci"]
    if at_b["vanished"]:
        return REFUTED, (f"{tag}: the gradient vanishes below the readout (measured rate 0), so the squared gradient "
                         f"norm does not grow by a factor > 1 per layer {context}")
    above_one = interval_verdict(r_lo, r_hi, _ABOVE_ONE)
    if theory is None:
        return above_one, f"{tag}: measured rate {rate:.4f} [{r_lo:.4f}, {r_hi:.4f}] against the claim λ > 1 {context}"
    err, hw = abs(rate - theory) / theory, (r_hi - r_lo) / 2 / theory
    verdict = combine([interval_verdict(err - hw, err + hw, (-math.inf, tol)), above_one])
    if verdict == VERIFIED:
        return verdict, (f"{tag}: measured per-layer growth of ‖∂f/∂z‖² {rate:.4f} [{r_lo:.4f}, {r_hi:.4f}] vs "
                         f"theory {theory:.4f} ({err:.1%} off, tolerance {tol:.0%}); > 1 {context}")
    if verdict == REFUTED:
        return verdict, (f"{tag}: measured rate {rate:.4f} [{r_lo:.4f}, {r_hi:.4f}] vs theory {theory:.4f}: "
                         f"{err:.1%} off, beyond the tolerance {tol:.0%} and the CI {context}")
    return INCONCLUSIVE, (f"{tag}: measured rate {rate:.4f} [{r_lo:.4f}, {r_hi:.4f}] vs theory {theory:.4f}: the CI "
                          f"straddles the tolerance {tol:.0%}; {advice} {context}")


def _rate_panel(per: dict, p: dict, claimed: float | None) -> Panel:
    """λ against B: the closed forms (ReLU theorem; (B-2)/(B-3), the smallest λ over φ), the simulation with its
    95% CI band, the tolerance around the theory the verdict uses, and λ = 1."""
    B, act, sizes, tol = p["batch_size"], p["activation"], p["sizes"], p["tol"]
    grid = list(range(4, max(sizes) + 1))
    sim = f"simulation, $\\phi$ = {act} (band: 95% CI)"
    curves = [Curve(sim, [per[b]["rate"] for b in sizes], sizes, "o")]
    bands = [Band(sim, [per[b]["ci"][0] for b in sizes], [per[b]["ci"][1] for b in sizes], x=sizes)]
    closed = {"relu": mf.relu_rate, "linear": mf.linear_rate}.get(act)
    if closed is not None:
        theory = [closed(b) for b in grid]
        curves.append(Curve("theorem: " + (r"ReLU $\lambda(B)$" if act == "relu" else r"$(B-2)/(B-3)$"), theory,
                            kind="theory"))
        bands.append(Band(f"tolerance ±{tol:.0%}", [v * (1 - tol) for v in theory],
                          [v * (1 + tol) for v in theory], kind="theory"))
    elif per[B]["theory"] is not None:
        curves.append(Curve(f"Gegenbauer series (Thm 9) at $B = {B}$", [per[B]["theory"]] * 2, [B - 1, B + 1],
                            kind="theory"))
    if act != "linear":
        curves.append(Curve(r"smallest over $\phi$: $(B-2)/(B-3)$", [mf.linear_rate(b) for b in grid], kind="bound"))
    hlines = [HLine(mf.RATE_LIMIT, r"ReLU, $B \to \infty$: $\pi/(\pi-1)$"), HLine(1.0, r"explosion: $\lambda > 1$", "bound")]
    if p["reading"] != "theorem" and claimed is not None:
        hlines.append(HLine(claimed, f"tested (mutated): $\\lambda = {claimed:.4f}$", "theory"))
    return Panel("per-layer growth of the squared gradient norm", r"batch size $B$", r"growth factor $\lambda$", grid,
                 curves, bands=bands, spans=[Span(B - 0.4, B + 0.4, f"decided at $B = {B}$")], hlines=hlines)


def _extrapolation_panel(fit: dict, claimed: float, tol: float, B: int) -> Panel:
    """B ≤ 5: the rate at each width against 1/√N, the fit rate = λ∞ − a/√N and λ∞'s 95% CI at 1/√N = 0 (what is
    decided), against the tested λ with its tolerance."""
    x = [1 / math.sqrt(n) for n in fit["widths"]]
    line = [0.0, max(x)]
    lo, hi = fit["intercept_ci"]
    return Panel(f"extrapolation to infinite width ($B = {B}$)", r"$1/\sqrt{N}$", r"growth factor $\lambda$", x, [
        Curve("mean rate at width $N$", fit["rate_by_width"]),
        Curve(f"fit $\\lambda_\\infty - a/\\sqrt{{N}}$, $a = {fit['a']:.3g}$",
              [fit["intercept"] - fit["a"] * v for v in line], x=line, kind="fit"),
        Curve(f"$\\lambda_\\infty = {fit['intercept']:.3f}$ [{lo:.3f}, {hi:.3f}] (decided)", [lo, hi], x=[0.0, 0.0],
              style="C1-")],
        bands=[Band(f"tolerance ±{tol:.0%}", [claimed * (1 - tol)] * 2, [claimed * (1 + tol)] * 2, x=line, kind="theory")],
        hlines=[HLine(claimed, f"tested: $\\lambda = {claimed:.4f}$", "theory")])


def explosion_series(per: dict, runs: list, p: dict, theory: float | None, layers: tuple[int, int],
                     claimed: float | None = None, fit: dict | None = None) -> dict:
    """λ against B (:func:`_rate_panel`) and ln‖∂f/∂z^l‖² against l at B: mean over networks with its 95% band,
    the fitted slope −ln λ over the fit window (a span) and the theory's slope through the same centre."""
    B, act, (lo, hi) = p["batch_size"], p["activation"], layers
    ell = list(range(1, p["depth"] + 1))
    curves, bands = [], []
    if not per[B]["vanished"]:
        logs = np.log(np.array([r[B].grad_sq.mean(axis=1) for r in runs]))
        m, half = mean_halfwidth(logs, axis=0)
        name = f"mean over {len(runs)} networks (band: 95% CI)"
        curves.append(Curve(name, [float(v) for v in m]))
        bands.append(Band(name, [float(v) for v in m - half], [float(v) for v in m + half]))
        win = list(range(lo, hi + 1))
        centre, mid = float(np.mean(m[lo - 1:hi])), (lo + hi) / 2
        rate, (r_lo, r_hi) = per[B]["rate"], per[B]["ci"]
        curves.append(Curve(f"fit: $\\lambda = {rate:.3f}$ [{r_lo:.3f}, {r_hi:.3f}]",
                            [centre - (k - mid) * math.log(rate) for k in win], x=win, kind="fit"))
        if theory is not None:
            curves.append(Curve(f"theorem: $\\lambda = {theory:.3f}$",
                                [centre - (k - mid) * math.log(theory) for k in ell], kind="theory"))
    extra = [_extrapolation_panel(fit, claimed, p["tol"], B)] if fit and "intercept" in fit and claimed else []
    return panels(_rate_panel(per, p, claimed), Panel(
        f"squared gradient norm against depth ($B = {B}$, $\\phi$ = {act})", r"layer $\ell$",
        r"$\ln \|\partial f / \partial z^{\ell}\|^2$", ell, curves, bands=bands,
        spans=[Span(lo, hi, f"fit window (layers {lo}–{hi})")]), *extra)


def _decide_extrapolated(config: RunConfig, p: dict, claim_id: str, claimed: float, tag: str,
                         layers: tuple[int, int], at_width: dict) -> tuple[str, str, dict]:
    """B ≤ 5: per-network rates at every width in ``widths``, fitted as rate = λ∞ - a/√N; decided on λ∞."""
    lo, hi = layers
    rates = width_rates(config, p, p["activation"], claim_id)
    if rates is None:
        context = f"({p['seeds']} networks × {p['batches']} batches, width {p['width']}, layers {lo}-{hi})"
        verdict, reason = decide_gradient_explosion(at_width | {"vanished": True}, claimed, p["tol"], tag, context)
        return verdict, reason, {"vanished": True}
    fit = extrapolate_rate(rates, p["widths"])
    at_inf = {"vanished": False, "rate": fit["intercept"], "ci": fit["intercept_ci"]}
    context = (f"(extrapolated to N → ∞ by rate = λ - a/√N over widths {p['widths']}: a = {fit['a']:.3g}; "
               f"rates {', '.join(f'{r:.4f}' for r in fit['rate_by_width'])}; {p['seeds']} networks × "
               f"{p['batches']} batches per width, layers {lo}-{hi}; at B ≤ {HEAVY_TAIL_MAX_B} a neuron's "
               "factor has infinite variance, so one width falls short (like a/√N at B = 4))")
    verdict, reason = decide_gradient_explosion(at_inf, claimed, p["tol"], f"{tag}, N → ∞", context,
                                                "raise --param seeds or batches, or add larger widths")
    return verdict, reason, fit


def _record_fields(config: RunConfig, p: dict, per: dict, fit: dict | None, theory, how: str, claimed: float,
                   extrapolate: bool, layers: tuple[int, int]) -> tuple[dict, dict, dict]:
    """(expected, measured, params) of the gradient-explosion record."""
    B, reading = p["batch_size"], p["reading"]
    measured = {"rate": per[B]["rate"], "rate_ci": per[B]["ci"], "gradient_vanished": per[B]["vanished"],
                "sweep": {str(b): {"rate": v["rate"], "rate_ci": v["ci"], "theory": v["theory"]}
                          for b, v in per.items()}}
    if fit is not None:
        measured["width_extrapolation"] = fit
    expected = {"rate": theory, "rate_formula": how, "reading": reading, "tested_rate": claimed,
                "decided_on": ("intercept of rate = λ - a/√N across widths" if extrapolate
                               else f"rate at width {p['width']} (finite variance at B ≥ {HEAVY_TAIL_MAX_B + 1}: "
                                    "bias O(1/N))"),
                "claim": "λ > 1 for every non-constant φ, with minimum (B-2)/(B-3) for φ = id",
                "rate_lower_bound": mf.linear_rate(B), "limit_B_to_infinity_relu": mf.RATE_LIMIT}
    params = {"seed": config.seed, "batch_size": B, "activation": p["activation"], "width": p["width"], "depth": p["depth"],
              "seeds": p["seeds"], "batches": p["batches"], "sweep": p["sizes"], "fit_layers": list(layers),
              "readout": "f = Σ_b ⟨v, h^L_b⟩, v ~ N(0, I)", "gradient": "through the batch mean and variance",
              "epsilon": 0.0, "weights": "W ~ N(0, 1/N), no bias", "reading": reading}
    if extrapolate:
        params["widths"] = p["widths"]
    return expected, measured, params


def check_gradient_explosion(claim: Claim, config: RunConfig) -> Outcome:
    r"""BN causes gradient explosion: ‖∂f/∂z^l‖² grows by a factor λ(B) > 1 per layer going backwards.

    Statement: ‖∇_{z^l} f‖² ∝ λ^{L-l} with, for ReLU, λ(B) = (J'(c) + B - 1)/((B-3)(1 - J(c))) - 1/(B-3),
    c = -1/(B-1) (decreasing to π/(π-1)); λ = (B-2)/(B-3) for φ = id; the Gegenbauer series of
    Thm 9 for other φ; λ > 1 for every non-constant φ.

    Source: Yang et al. 2019, submission Thm 8 (ReLU, α = 1) and Thm 9 (general φ); reference
    notes §c1.2, check proposal §c1.4.

    Measured: ``seeds`` networks with a random linear readout f = Σ_b ⟨v, h^L_b⟩, the gradient
    flowing through the batch mean and variance; per network the least-squares slope of
    ln(mean over batches of ‖∂f/∂z^l‖²) against l over layers ``skip_input``+1 ..
    depth-``skip_output``; rate = exp(-slope), Student-t CI over networks.

    At B ≤ 5 (:data:`HEAVY_TAIL_MAX_B`) a neuron's per-layer factor has infinite variance, so a
    single width falls short of λ like a/√N (B = 4: 2.96 at width 512 against 3.084): there
    ``seeds`` further networks at every width in ``widths`` (B only) give per-network rates, and
    the least-squares fit rate = λ∞ - a/√N over all (network, width) points gives λ∞ with a
    Student-t interval (n - 2 degrees of freedom), which is what is decided.  At B ≥ 6 the
    factor has finite variance, the bias of one width is O(1/N) (B = 8, width 256: within 1.2%)
    and the single-width rule is kept.

    Decision (at B = ``batch_size``, on the rate at ``width`` or, at B ≤ 5, on λ∞): with a theory
    value, |rate - λ|/λ ± CI half-width within ``tol`` and the CI above 1 verify, either
    failing beyond the CI refutes, otherwise inconclusive; without one (constant φ) the CI
    against λ > 1; a vanished gradient refutes.

    Negative controls (declared below): ``--param reading=limit`` (π/(π-1) as the rate at B = 8)
    and ``--param batch_size=4 --param reading=linear-bound`` ((B-2)/(B-3) = 2 as the ReLU rate,
    decided on the extrapolation) are refuted; ``--param activation=constant`` is refuted (the
    gradient vanishes); 2 networks of width 64 are inconclusive.
    """
    p = read_common(claim, config)
    if config.quick and "widths" not in config.params:
        p["widths"] = _QUICK_WIDTHS
    act, tol, B, depth, reading = p["activation"], p["tol"], p["batch_size"], p["depth"], p["reading"]
    if depth - p["skip_input"] - p["skip_output"] < 5:
        raise BadInput(f"--param skip_input/skip_output must be ≥ 0 and leave ≥ 5 layers of the {depth} to fit")
    lo, hi = p["skip_input"] + 1, depth - p["skip_output"]
    theory, how = theory_rate(act, B)
    extrapolate = B <= HEAVY_TAIL_MAX_B and theory is not None
    if extrapolate and 8 * max(p["widths"]) * p["batches"] * B * depth > _SWEEP_MEMORY:
        raise BadInput("max(widths) × batches × batch_size × depth needs more than 2 GB: reduce --param widths, "
                       "batches or depth")
    runs = simulate_networks(config, p, act, True, True, claim.id)
    per = measure_gradient_explosion(runs, p, lo, hi)
    claimed = claimed_rate(reading, act, B, theory)
    tag = f"B = {B}, φ = {act}" + ("" if reading == "theorem" or theory is None
                                   else f", reading '{reading}' (mutated statement: λ = {claimed:.4f})")
    context = f"({p['seeds']} networks × {p['batches']} batches, width {p['width']}, layers {lo}-{hi})"
    if extrapolate:
        verdict, reason, fit = _decide_extrapolated(config, p, claim.id, claimed, tag, (lo, hi), per[B])
    else:
        verdict, reason, fit = (*decide_gradient_explosion(per[B], claimed, tol, tag, context), None)
    expected, measured, params = _record_fields(config, p, per, fit, theory, how, claimed, extrapolate, (lo, hi))
    return Outcome(verdict, reason, expected, measured, {"rel": tol, "confidence_level": CONFIDENCE_LEVEL}, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"], "confidence_level": CONFIDENCE_LEVEL},
                   explosion_series(per, runs, p, theory, (lo, hi), claimed, fit))


EXPLOSION = register(Claim(
    id="yang2019.gradient-explosion", typical_s=2.7,
    measured_keys=("rate", "rate_ci", "gradient_vanished", "sweep", "width_extrapolation"),
    paper="yang2019",
    citation=CITATION,
    summary="BN causes gradient explosion: ‖∂f/∂z^l‖² grows by λ(B) > 1 per layer (ReLU → π/(π-1), id: (B-2)/(B-3))",
    statement=(r"\|\nabla_{z^l} f\|^2 \propto \lambda^{L-l},\quad \lambda_{\rm ReLU}(B) = "
               r"\frac{J'(c) + (B-1)}{(B-3)(1 - J(c))} - \frac{1}{B-3}\ \searrow\ \frac{\pi}{\pi-1},\ c = -\tfrac{1}{B-1};"
               r"\quad \lambda_{\rm id} = \frac{B-2}{B-3};\quad \lambda > 1\ \text{for non-constant}\ \phi"),
    confidence="paper",
    assumptions=("full BN with the gradient flowing through the batch mean and variance (ε = 0)",
                 "W ~ N(0, 1/N), width N → ∞", "non-constant activation φ", "B ≥ 4"),
    check=check_gradient_explosion,
    source="Yang et al. 2019, submission Thm 8 (ReLU, α = 1) and Thm 9 (Gegenbauer series); reference notes §c1.2",
    params=common_params(4) + (
        Param("activation", "relu", "activation φ (constant: the negative control, refuted)", str,
              ("relu", "linear", "tanh", "sin", "constant")),
        width_param(),
        depth_param(40, "number of BN layers"),
        Param("skip_input", 10, "layers next to the input left out of the fit (forward transient)", int, lo=0, hi=500),
        Param("skip_output", 4, "layers next to the readout left out of the fit (backward transient)", int, lo=0, hi=500),
        Param("reading", "theorem", "λ compared with: theorem = λ(B) (the claim); limit = π/(π-1) at every B and "
              "linear-bound = (B-2)/(B-3) for ReLU (mutated statements, refuted)", str, READINGS),
        Param("widths", "256,512,1024,2048", f"widths of the extrapolation rate = λ - a/√N, used at B ≤ "
              f"{HEAVY_TAIL_MAX_B} (≥ 3 distinct; --quick: 128,256,512)", ListOf(int, 16, 8192, min_len=3)),
        Param("tol", 0.03, "relative tolerance on the rate (≤ 10%: λ(B) and the B → ∞ limit π/(π-1) differ by "
              "more than that up to B = 16)", float, lo=0, hi=0.1, lo_open=True, tolerance=True),
    ),
    controls=(
        Control("limit-as-rate", STATEMENT_FLIP, "the B → ∞ limit π/(π-1) taken as the rate at B = 8 (1.467 vs 1.788)",
                params={"reading": "limit", "sweep": ""}),
        Control("linear-bound-at-B4", STATEMENT_FLIP,
                "(B-2)/(B-3) = 2 read as the ReLU rate at B = 4, decided on the width extrapolation (λ(4) = 3.084)",
                params={"batch_size": 4, "reading": "linear-bound", "sweep": "", "widths": "64,128,256"}),
        Control("constant-activation", STATEMENT_FLIP, "φ constant: the gradient vanishes, no growth > 1",
                params={"activation": "constant", "sweep": ""}),
        Control("two-networks", STARVED, "2 networks of width 64: the CI cannot decide a 3% tolerance",
                params={"seeds": 2, "width": 64, "batches": 2, "sweep": ""}),
    ),
    notes=("The ReLU closed form is the ICLR submission's Thm 8 (α = 1); its B → ∞ limit π/(π-1) and its decrease "
           "in B match the camera-ready. For tanh and sin the theory value is the Gegenbauer series of Thm 9 with "
           "the coefficients normalised in the orthonormal basis (this normalisation reproduces the ReLU closed form "
           "and (B-2)/(B-3); see tests). The rate is exp(-slope) of a least-squares fit against l of ln of the mean "
           "over a network's batches of ‖∂f/∂z^l‖² (the expected squared norm, as in the theory); CIs are over "
           "independent networks. Finite width biases the rate down most at small B: at B ≤ 5 a neuron's factor has "
           "infinite variance (it scales like 1/s², s² ~ χ²_{B-1}/B), so one width falls short like a/√N (B = 4: "
           "2.96, 2.99, 3.03 at widths 512, 1024, 2048 against 3.084); there the rate is extrapolated across "
           "--param widths by rate = λ - a/√N and the intercept is decided."),
))
