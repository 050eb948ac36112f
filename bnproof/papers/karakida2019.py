r"""Karakida, Akaho, Amari (NeurIPS 2019): normalization in the last layer and the FIM's sharpness.

Claim (reference notes §c3; abstract only -- low confidence, mechanism [recon]):

* ``karakida2019.last-layer`` -- in wide random ReLU networks the top eigenvalue of the
  empirical FIM grows linearly in the width M (log-log slope ≈ 1); subtracting the output's
  mean over the samples (the mean-subtraction part of BN in the *last* layer, gradient through
  the mean) removes the growth (slope ≈ 0) when the sample count n is large compared to M.
  Mean subtraction in a middle layer does not (``position=middle``: the negative control).

Mechanism [recon]: λ_max ≈ |E_x ∇f|² ∝ M (the κ₂ term built from q̂_xy q̃_xy); centring the
output makes E_x ∇f = 0, leaving O(M/n + M/N_0) from the fluctuations (inputs in dimension
N_0 = M here, as all widths scale together).
"""

from __future__ import annotations

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.papers.yang2019 import CONFIDENCE_LEVEL

__all__ = ["CITATION", "loglog_slope", "check_last_layer"]

CITATION = ("Karakida, Akaho, Amari. The Normalization Method for Alleviating Pathological Sharpness in Wide "
            "Neural Networks. NeurIPS 2019")


def loglog_slope(x, y) -> float:
    """Least-squares slope of ln y against ln x."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    lx = lx - lx.mean()
    return float(lx @ (ly - ly.mean()) / (lx @ lx))


def _parse_widths(text: str) -> list[int]:
    out = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        try:
            m = int(part)
        except ValueError:
            raise BadInput(f"--param widths: expected comma-separated integers, got {text!r}") from None
        if not 8 <= m <= 4096:
            raise BadInput(f"--param widths: each width must be in [8, 4096], got {m}")
        out.append(m)
    out = sorted(set(out))
    if len(out) < 3:
        raise BadInput("--param widths: give at least 3 distinct widths for a slope")
    return out


def check_last_layer(claim: Claim, config: RunConfig) -> Outcome:
    from bnproof.models.bn_backprop import fim_top_eigenvalue, ntk_gram, popnet_init

    widths = _parse_widths(claim.param(config, "widths"))
    n, depth, seeds = (claim.param(config, k) for k in ("samples", "depth", "seeds"))
    position, flat, tol = (claim.param(config, k) for k in ("position", "flat_max", "tol"))
    sw2, sb2 = claim.param(config, "sigma_w2"), claim.param(config, "sigma_b2")
    if config.quick:
        n = 768 if "samples" not in config.params else n
        seeds = 3 if "seeds" not in config.params else seeds
    if not 16 <= n <= 4096:
        raise BadInput(f"--param samples: must be in [16, 4096], got {n}")
    if not 2 <= depth <= 10:
        raise BadInput(f"--param depth: must be in [2, 10], got {depth}")
    if not 2 <= seeds <= 50:
        raise BadInput(f"--param seeds: must be in [2, 50], got {seeds}")
    if not (0 < sw2 <= 100 and 0 <= sb2 <= 100):
        raise BadInput("--param sigma_w2 must be in (0, 100], sigma_b2 in [0, 100]")
    if not (0 < flat < 1 and 0 < tol < 1):
        raise BadInput("--param flat_max and tol must be in (0, 1)")
    lam_plain = np.zeros((seeds, len(widths)))
    lam_norm = np.zeros((seeds, len(widths)))
    total = seeds * len(widths)
    for i in range(seeds):
        for j, M in enumerate(widths):
            if config.progress:
                config.progress(claim.id, i * len(widths) + j, total)
            rng = np.random.default_rng(np.random.SeedSequence([config.seed, i, M]))
            arch = [M] * depth + [1]
            net = popnet_init(rng, arch, sw2, sb2, 1.0, False, np.zeros((1, M)))  # no statistics needed
            X = rng.standard_normal((n, M))
            K = ntk_gram(net, X)
            lam_plain[i, j] = fim_top_eigenvalue(K)
            if position == "last":
                lam_norm[i, j] = fim_top_eigenvalue(K, center=True)
            else:  # population mean subtracted in the last hidden layer, statistics fixed
                rng2 = np.random.default_rng(np.random.SeedSequence([config.seed, i, M, 1]))
                net2 = popnet_init(rng2, arch, sw2, sb2, 1.0, False, rng2.standard_normal((2000, M)),
                                   center_layer=depth - 1)
                lam_norm[i, j] = fim_top_eigenvalue(ntk_gram(net2, rng2.standard_normal((n, M))))
    s_plain = mean_ci([loglog_slope(widths, row) for row in lam_plain])
    s_norm = mean_ci([loglog_slope(widths, row) for row in lam_norm])
    where = "output mean subtracted over the n samples" if position == "last" else \
        "population mean subtracted in the last hidden layer"
    measured = {"slope_plain": s_plain[0], "slope_plain_ci": [s_plain[1], s_plain[2]],
                "slope_normalized": s_norm[0], "slope_normalized_ci": [s_norm[1], s_norm[2]],
                "lambda_max_plain": [float(v) for v in lam_plain.mean(axis=0)],
                "lambda_max_normalized": [float(v) for v in lam_norm.mean(axis=0)], "widths": widths}
    expected = {"slope_plain": f"1 ± {tol:g}", "slope_normalized": f"≤ {flat:g} (stops growing)"}
    params = {"seed": config.seed, "widths": widths, "samples": n, "depth": depth, "seeds": seeds,
              "position": position, "sigma_w2": sw2, "sigma_b2": sb2, "input_dim": "N_0 = M",
              "normalization": where, "fim": "JᵀJ/n over all W, b, one output"}
    tag = f"({seeds} networks per width, M ∈ {widths}, n = {n}; {where})"
    plain_ok = abs(s_plain[0] - 1) + (s_plain[2] - s_plain[1]) / 2 <= tol
    plain_bad = abs(s_plain[0] - 1) - (s_plain[2] - s_plain[1]) / 2 > tol
    if plain_bad:
        verdict, reason = REFUTED, f"without normalization the slope is {s_plain[0]:.3f}, not ≈ 1 {tag}"
    elif s_norm[1] > flat:
        verdict, reason = REFUTED, (f"with normalization λ_max still grows with width: log-log slope "
                                    f"{s_norm[0]:.3f} [{s_norm[1]:.3f}, {s_norm[2]:.3f}] > {flat:g} (plain "
                                    f"{s_plain[0]:.3f}) {tag}")
    elif plain_ok and s_norm[2] <= flat:
        verdict, reason = VERIFIED, (f"λ_max grows like M^{s_plain[0]:.2f} [{s_plain[1]:.2f}, {s_plain[2]:.2f}] "
                                     f"without normalization and like M^{s_norm[0]:.2f} [{s_norm[1]:.2f}, "
                                     f"{s_norm[2]:.2f}] with it (≤ {flat:g}) {tag}")
    else:
        verdict, reason = INCONCLUSIVE, (f"slopes {s_plain[0]:.3f} (plain) and {s_norm[0]:.3f} (normalized): a CI "
                                         f"straddles the thresholds; raise --param seeds {tag}")
    series = {"panels": [{"title": "top eigenvalue of the empirical FIM against width", "xlabel": "width M",
                          "ylabel": "λ_max", "xscale": "log", "yscale": "log", "x": widths,
                          "curves": [{"label": f"no normalization (slope {s_plain[0]:.2f})",
                                      "y": measured["lambda_max_plain"]},
                                     {"label": f"{position}-layer mean subtraction (slope {s_norm[0]:.2f})",
                                      "y": measured["lambda_max_normalized"]}]}]}
    return Outcome(verdict, reason, expected, measured, {"slope_plain_tol": tol, "flat_max": flat,
                                                         "confidence_level": CONFIDENCE_LEVEL}, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": seeds, "confidence_level": CONFIDENCE_LEVEL},
                   series)


LAST_LAYER = register(Claim(
    id="karakida2019.last-layer",
    paper="karakida2019",
    citation=CITATION,
    summary="empirical FIM λ_max grows ∝ width without normalization, stops growing with last-layer mean subtraction",
    statement=(r"\lambda_{\max}(F) = \Theta(M)\ \text{without normalization};\quad \lambda_{\max}(F) = O(1)\ "
               r"\text{with mean subtraction in the last layer (} n \gtrsim M)"),
    confidence="recon",
    assumptions=("wide random ReLU network, W ~ N(0, σ_w²/M), all widths ∝ M", "sample count n large compared to M",
                 "last-layer normalization = the output's mean over the n samples subtracted, gradient through it"),
    check=check_last_layer,
    params=(
        Param("widths", "64,128,256,512", "widths M (comma-separated, ≥ 3)", str),
        Param("samples", 1024, "inputs n of the empirical FIM", int),
        Param("depth", 3, "number of linear layers (hidden layers + readout)", int),
        Param("seeds", 3, "independent networks per width", int),
        Param("sigma_w2", 2.0, "weight variance σ_w²", float),
        Param("sigma_b2", 0.5, "bias variance σ_b²", float),
        Param("position", "last", "where the mean is subtracted (middle: the negative control, refuted)", str,
              ("last", "middle")),
        Param("flat_max", 0.35, "largest log-log slope that counts as 'stops growing'", float),
        Param("tol", 0.25, "the slope without normalization must be 1 ± tol", float),
    ),
    notes=("Only the abstract of Karakida et al. 2019 was available: the claim (sharpness ∝ width, removed by BN in the "
           "last layer under a condition on width and sample count, not by BN in middle layers) is [paper] at "
           "abstract level, the mechanism and the reading of 'BN in the last layer' as mean subtraction of the output "
           "over the samples are [recon]. With n fixed, the normalized λ_max still grows like M/n + M/N_0 (our "
           "derivation), so the slope is small but not 0 when M approaches n."),
))
