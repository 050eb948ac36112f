r"""``karakida2019.last-layer``: mean subtraction in the last layer stops the FIM's sharpness growing with width.

Mechanism [recon]: λ_max ≈ |E_x ∇f|² ∝ M (the κ₂ term built from q̂_xy q̃_xy); centring the
output makes E_x ∇f = 0, leaving O(M/n + M/N_0) from the fluctuations (inputs in dimension
N_0 = M here, as all widths scale together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.slopes import loglog_slope
from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, Panel, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, combine, interval_verdict
from bnproof.models.bn_backprop import fim_top_eigenvalue, ntk_gram, popnet_init

__all__ = ["CITATION", "LAST_LAYER", "SharpnessMeasurement", "check_last_layer", "decide_last_layer",
           "measure_last_layer", "sharpness_series"]

CITATION = ("Karakida, Akaho, Amari. The Normalization Method for Alleviating Pathological Sharpness in Wide "
            "Neural Networks. NeurIPS 2019")

_POPULATION = 2000  # inputs for the population mean of the middle-layer control


@dataclass(frozen=True)
class SharpnessMeasurement:
    """λ_max per (network, width) without and with normalization; log-log slope (mean, lo, hi) of each."""

    lam_plain: np.ndarray
    lam_norm: np.ndarray
    slope_plain: tuple[float, float, float]
    slope_norm: tuple[float, float, float]


def _sharpness_pair(config: RunConfig, p: dict, i: int, M: int) -> tuple[float, float]:
    """λ_max of network ``i`` at width M without normalization and with it (``position``)."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, i, M]))
    arch = [M] * p["depth"] + [1]
    net = popnet_init(rng, arch, p["sigma_w2"], p["sigma_b2"], 1.0, False, np.zeros((1, M)))  # no statistics needed
    K = ntk_gram(net, rng.standard_normal((p["samples"], M)))
    if p["position"] == "last":  # the output's mean over the samples subtracted, gradient through it
        return fim_top_eigenvalue(K), fim_top_eigenvalue(K, center=True)
    # population mean subtracted in the last hidden layer, statistics fixed
    rng2 = np.random.default_rng(np.random.SeedSequence([config.seed, i, M, 1]))
    net2 = popnet_init(rng2, arch, p["sigma_w2"], p["sigma_b2"], 1.0, False, rng2.standard_normal((_POPULATION, M)),
                       center_layer=p["depth"] - 1)
    return fim_top_eigenvalue(K), fim_top_eigenvalue(ntk_gram(net2, rng2.standard_normal((p["samples"], M))))


def measure_last_layer(claim: Claim, config: RunConfig, p: dict) -> SharpnessMeasurement:
    """λ_max for ``seeds`` networks at every width, and the log-log slope per network (CI over networks)."""
    widths = p["widths"]
    lam_plain = np.zeros((p["seeds"], len(widths)))
    lam_norm = np.zeros((p["seeds"], len(widths)))
    for i in range(p["seeds"]):
        for j, M in enumerate(widths):
            if config.progress:
                config.progress(claim.id, i * len(widths) + j, p["seeds"] * len(widths))
            lam_plain[i, j], lam_norm[i, j] = _sharpness_pair(config, p, i, M)
    return SharpnessMeasurement(lam_plain, lam_norm, mean_ci([loglog_slope(widths, row) for row in lam_plain]),
                                mean_ci([loglog_slope(widths, row) for row in lam_norm]))


def decide_last_layer(m: SharpnessMeasurement, flat: float, tol: float, tag: str) -> tuple[str, str]:
    """Plain slope: |s - 1| ± CI half-width against ``tol``; normalized slope: CI against (-∞, ``flat``]."""
    (sp, sp_lo, sp_hi), (sn, sn_lo, sn_hi) = m.slope_plain, m.slope_norm
    err, hw = abs(sp - 1), (sp_hi - sp_lo) / 2
    plain = interval_verdict(err - hw, err + hw, (-math.inf, tol))
    normalized = interval_verdict(sn_lo, sn_hi, (-math.inf, flat))
    if plain == REFUTED:
        return REFUTED, f"reconstruction refuted: without normalization the slope is {sp:.3f}, not ≈ 1 {tag}"
    if normalized == REFUTED:
        return REFUTED, (f"reconstruction refuted: with normalization λ_max still grows with width: log-log slope "
                         f"{sn:.3f} [{sn_lo:.3f}, {sn_hi:.3f}] > {flat:g} (plain {sp:.3f}) {tag}")
    if combine([plain, normalized]) == VERIFIED:
        return VERIFIED, (f"λ_max grows like M^{sp:.2f} [{sp_lo:.2f}, {sp_hi:.2f}] without normalization and like "
                          f"M^{sn:.2f} [{sn_lo:.2f}, {sn_hi:.2f}] with it (≤ {flat:g}) {tag}")
    return INCONCLUSIVE, (f"slopes {sp:.3f} (plain) and {sn:.3f} (normalized): a CI straddles the thresholds; "
                          f"raise --param seeds {tag}")


def _power_line(widths: list[int], lam: np.ndarray, exponent: float) -> list[float]:
    """c·M^exponent through the geometric centre of the mean λ_max (the fitted intercept at a given slope)."""
    logm, logl = np.log(np.asarray(widths, float)), np.log(lam.mean(axis=0))
    c = float(np.mean(logl) - exponent * np.mean(logm))
    return [float(math.exp(c + exponent * v)) for v in logm]


def _arm_panel(title: str, widths: list[int], lam: np.ndarray, s: tuple[float, float, float],
               theory: list[Curve | Band]) -> Panel:
    """Mean λ_max over networks with their range, the fitted power law (slope and 95% CI) and the theory."""
    n = lam.shape[0]
    name = r"mean $\lambda_{\max}$" + f" over {n} networks (band: range)"
    measured = Curve(name, [float(v) for v in lam.mean(axis=0)])
    band = Band(name, [float(v) for v in lam.min(axis=0)], [float(v) for v in lam.max(axis=0)])
    fit = Curve(f"fit $\\propto M^{{{s[0]:.2f}}}$, slope CI [{s[1]:.2f}, {s[2]:.2f}]", _power_line(widths, lam, s[0]),
                kind="fit")
    curves = [measured, fit] + [c for c in theory if isinstance(c, Curve)]
    bands = [band] + [b for b in theory if isinstance(b, Band)]
    return Panel(title, r"width $M$", r"$\lambda_{\max}(F)$", widths, curves, xscale="log", yscale="log", bands=bands)


def sharpness_series(m: SharpnessMeasurement, widths: list[int], position: str, flat: float, tol: float) -> dict:
    """Two panels, λ_max(F) against M without and with the mean subtraction: measurement, fitted power law, and
    what the verdict compares it with (slope 1 ± ``tol``; slope at most ``flat``), drawn through the fit's centre."""
    edges = list(zip(_power_line(widths, m.lam_plain, 1 - tol), _power_line(widths, m.lam_plain, 1 + tol)))
    cone = Band(f"$\\Theta(M)$: slope $1 \\pm {tol:g}$", [min(e) for e in edges], [max(e) for e in edges], kind="theory")
    slope_one = Curve(r"$\propto M$ (theory)", _power_line(widths, m.lam_plain, 1.0), kind="theory")
    ceiling = Curve(f"largest growth counted flat, $\\propto M^{{{flat:g}}}$", _power_line(widths, m.lam_norm, flat),
                    kind="bound")
    where = "last-layer" if position == "last" else "middle-layer"
    return panels(_arm_panel("without normalization", widths, m.lam_plain, m.slope_plain, [slope_one, cone]),
                  _arm_panel(f"{where} mean subtraction", widths, m.lam_norm, m.slope_norm, [ceiling]))


def check_last_layer(claim: Claim, config: RunConfig) -> Outcome:
    r"""λ_max of the FIM grows ∝ width; mean subtraction in the last layer stops that growth.

    Statement: λ_max(F) = Θ(M) for a wide random ReLU network without normalization, and O(1)
    with the mean subtraction of BN in the last layer when the sample count n is large compared
    to M; mean subtraction in a middle layer does not help.

    Source: Karakida et al. 2019, abstract [paper]; the reading of "BN in the last layer" as the
    output's mean over the n samples subtracted (gradient through it) and the mechanism are
    reference notes §c3 [recon].

    Measured: for ``seeds`` networks at every width M in ``widths`` (input dimension M,
    ``depth`` layers), λ_max of the empirical FIM JᵀJ/n on ``samples`` inputs without and with
    the normalization; per network the log-log slope against M, Student-t CI over networks.

    Decision: the plain slope's |s - 1| ± CI half-width against ``tol`` and the normalized
    slope's CI against (-∞, ``flat_max``]: a plain slope far from 1 or a normalized CI above
    ``flat_max`` refutes (our reading of the abstract: "reconstruction refuted"), both inside
    verify, otherwise inconclusive.

    Negative controls (declared below): ``--param position=middle`` (population mean subtracted
    in the last hidden layer) is refuted: the slope stays ≈ 1; 2 networks at widths 60, 64, 68
    are inconclusive.
    """
    p = {q.name: claim.param(config, q.name) for q in claim.params}
    if config.quick:
        p.update({k: v for k, v in {"samples": 768, "seeds": 3}.items() if k not in config.params})
    m = measure_last_layer(claim, config, p)
    widths, position, flat, tol = p["widths"], p["position"], p["flat_max"], p["tol"]
    where = ("output mean subtracted over the n samples" if position == "last"
             else "population mean subtracted in the last hidden layer")
    tag = f"({p['seeds']} networks per width, M ∈ {widths}, n = {p['samples']}; {where})"
    verdict, reason = decide_last_layer(m, flat, tol, tag)
    measured = {"slope_plain": m.slope_plain[0], "slope_plain_ci": [m.slope_plain[1], m.slope_plain[2]],
                "slope_normalized": m.slope_norm[0], "slope_normalized_ci": [m.slope_norm[1], m.slope_norm[2]],
                "lambda_max_plain": [float(v) for v in m.lam_plain.mean(axis=0)],
                "lambda_max_normalized": [float(v) for v in m.lam_norm.mean(axis=0)], "widths": widths}
    expected = {"slope_plain": f"1 ± {tol:g}", "slope_normalized": f"≤ {flat:g} (stops growing)"}
    params = {"seed": config.seed, "widths": widths, "samples": p["samples"], "depth": p["depth"],
              "seeds": p["seeds"], "position": position, "sigma_w2": p["sigma_w2"], "sigma_b2": p["sigma_b2"],
              "input_dim": "N_0 = M", "normalization": where, "fim": "JᵀJ/n over all W, b, one output"}
    return Outcome(verdict, reason, expected, measured,
                   {"slope_plain_tol": tol, "flat_max": flat, "confidence_level": CONFIDENCE_LEVEL}, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"], "confidence_level": CONFIDENCE_LEVEL},
                   sharpness_series(m, widths, position, flat, tol))


LAST_LAYER = register(Claim(
    id="karakida2019.last-layer", typical_s=1.2,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "slope_plain", "slope_plain_ci", "slope_normalized", "slope_normalized_ci", "lambda_max_plain",
        "lambda_max_normalized", "widths"
    ),
    paper="karakida2019",
    citation=CITATION,
    summary="empirical FIM λ_max grows ∝ width without normalization, stops growing with last-layer mean subtraction",
    statement=(r"\lambda_{\max}(F) = \Theta(M)\ \text{without normalization};\quad \lambda_{\max}(F) = O(1)\ "
               r"\text{with mean subtraction in the last layer (} n \gtrsim M)"),
    confidence="recon",
    assumptions=("wide random ReLU network, W ~ N(0, σ_w²/M), all widths ∝ M", "sample count n large compared to M",
                 "last-layer normalization = the output's mean over the n samples subtracted, gradient through it"),
    check=check_last_layer,
    source="Karakida et al. 2019, abstract [paper]; mechanism and last-layer reading: reference notes §c3 [recon]",
    params=(
        Param("widths", "64,128,256,512", "widths M (comma-separated, ≥ 3 distinct for a slope)",
              ListOf(int, 8, 4096, min_len=3)),
        Param("samples", 1024, "inputs n of the empirical FIM", int, lo=16, hi=4096),
        Param("depth", 3, "number of linear layers (hidden layers + readout)", int, lo=2, hi=10),
        Param("seeds", 3, "independent networks per width", int, lo=2, hi=50),
        Param("sigma_w2", 2.0, "weight variance σ_w²", float, lo=0, hi=100, lo_open=True),
        Param("sigma_b2", 0.5, "bias variance σ_b²", float, lo=0, hi=100),
        Param("position", "last", "where the mean is subtracted (middle: the negative control, refuted)", str,
              ("last", "middle")),
        Param("flat_max", 0.35, "largest log-log slope that counts as 'stops growing' (≤ 0.5: half of the Θ(M) "
              "slope)", float, lo=0, hi=0.5, lo_open=True, tolerance=True),
        Param("tol", 0.25, "the slope without normalization must be 1 ± tol (≤ 0.4, so 'Θ(M)' never accepts a "
              "slope that could count as flat)", float, lo=0, hi=0.4, lo_open=True, tolerance=True),
    ),
    controls=(
        Control("middle-layer", STATEMENT_FLIP, "mean subtraction in the last hidden layer claimed to stop the growth",
                params={"position": "middle", "widths": "32,64,128", "samples": 256}),
        Control("close-widths", STARVED, "2 networks at widths 60, 64, 68: the slopes' CIs straddle the thresholds",
                params={"seeds": 2, "widths": "60,64,68", "samples": 64}),
    ),
    notes=("Only the abstract of Karakida et al. 2019 was available: the claim (sharpness ∝ width, removed by BN in the "
           "last layer under a condition on width and sample count, not by BN in middle layers) is [paper] at "
           "abstract level, the mechanism and the reading of 'BN in the last layer' as mean subtraction of the output "
           "over the samples are [recon]. With n fixed, the normalized λ_max still grows like M/n + M/N_0 (our "
           "derivation), so the slope is small but not 0 when M approaches n."),
))
