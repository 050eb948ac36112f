r"""``yang2019.bsb1-fixed-point``: the batch Gram matrix of a deep ReLU BN network goes to BSB1 form."""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis.stats import mean_ci, mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, combine, interval_verdict
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import BatchBNRun
from bnproof.papers.yang2019.networks import (
    CITATION,
    common_params,
    depth_param,
    read_common,
    simulate_networks,
    width_param,
)

__all__ = ["BSB1", "C_FORMS", "bsb1_series", "check_bsb1_fixed_point", "claimed_c_star", "decide_bsb1", "measure_bsb1"]

C_FORMS = ("theorem", "uncoupled")


def claimed_c_star(c_form: str, B: int) -> float:
    """c* under ``c_form``: the theorem's J(-1/(B-1)), or J(0) = 1/π (mutated: no coupling)."""
    return mf.bsb1_c_star(B) if c_form == "theorem" else 1 / math.pi


def measure_bsb1(runs: list[dict[int, BatchBNRun]], sizes: list[int], burn: int) -> dict[int, dict]:
    """Per batch size: mean diagonal q and off-diagonal/diagonal c of h^l h^{lT}/N over layers
    after ``burn`` (mean and CI over networks), with q* and c*."""
    per = {}
    for b in sizes:
        qs = [float(r[b].gram_q[burn:].mean()) for r in runs]
        cs = [float(np.nanmean(r[b].gram_c[burn:])) for r in runs]
        per[b] = {"q": mean_ci(qs), "c": mean_ci(cs), "q_theory": mf.bsb1_q_star(b), "c_theory": mf.bsb1_c_star(b)}
    return per


def decide_bsb1(at_b: dict, tol_c: float, tol_q: float) -> str:
    """|c - c*| and |q - q*|/q*, each ± its CI half-width, against their tolerances."""
    (c, c_lo, c_hi), (q, q_lo, q_hi) = at_b["c"], at_b["q"]
    q_star, c_star = at_b["q_theory"], at_b["c_theory"]
    err_c, hw_c = abs(c - c_star), (c_hi - c_lo) / 2
    err_q, hw_q = abs(q - q_star) / q_star, (q_hi - q_lo) / 2 / q_star
    return combine([interval_verdict(err_c - hw_c, err_c + hw_c, (-math.inf, tol_c)),
                    interval_verdict(err_q - hw_q, err_q + hw_q, (-math.inf, tol_q))])


def _reason(verdict: str, at_b: dict, p: dict, burn: int) -> str:
    B, tol_c, tol_q = p["batch_size"], p["tol_c"], p["tol_q"]
    (c, c_lo, c_hi), (q, q_lo, q_hi) = at_b["c"], at_b["q"]
    q_star, c_star = at_b["q_theory"], at_b["c_theory"]
    what = ("" if p["center"] else " without mean subtraction (mutated claim)") + \
        ("" if p["c_form"] == "theorem" else " with c* = J(0) = 1/π (mutated claim)")
    form = "J(-1/(B-1))" if p["c_form"] == "theorem" else "J(0)"
    if verdict == VERIFIED:
        return (f"B = {B}{what}: simulated c = {c:.4f} [{c_lo:.4f}, {c_hi:.4f}] vs c* = {form} = {c_star:.4f} "
                f"and q = {q:.4f} vs q* = 1/2, within {tol_c:g} and {tol_q:.0%} ({p['seeds']} networks, width "
                f"{p['width']}, layers {burn + 1}-{p['depth']})")
    if verdict == REFUTED:
        return (f"B = {B}{what}: simulated c = {c:.4f} [{c_lo:.4f}, {c_hi:.4f}], q = {q:.4f} [{q_lo:.4f}, "
                f"{q_hi:.4f}] vs c* = {c_star:.4f}, q* = {q_star:.4f}: off by more than {tol_c:g} / {tol_q:.0%} "
                f"beyond the {CONFIDENCE_LEVEL:.0%} CI ({p['seeds']} networks)")
    return (f"B = {B}: c = {c:.4f} [{c_lo:.4f}, {c_hi:.4f}] vs c* = {c_star:.4f}; the CI straddles the "
            f"tolerance {tol_c:g}: raise --param seeds or width")


def _c_star_panel(per: dict, p: dict) -> Panel:
    """c* against B: the closed form, the simulation (95% CI band) and the tolerance the verdict allows at B."""
    sizes, B, tol = p["sizes"], p["batch_size"], p["tol_c"]
    grid = list(range(2, max(sizes) + 1))
    theory = [mf.bsb1_c_star(b) for b in grid]
    sim = f"simulation ({p['seeds']} networks, band: 95% CI)"
    hlines = [] if p["c_form"] == "theorem" else [HLine(1 / math.pi, r"claimed: $c^* = J(0) = 1/\pi$", "theory")]
    return Panel(r"BSB1 correlation $c^*$ against batch size", r"batch size $B$", r"$c^*$", grid, [
        Curve(r"theorem: $c^* = J(-1/(B-1))$", theory, kind="theory"),
        Curve(sim, [per[b]["c"][0] for b in sizes], sizes, "o")],
        bands=[Band(sim, [per[b]["c"][1] for b in sizes], [per[b]["c"][2] for b in sizes], x=sizes),
               Band(f"tolerance $\\pm {tol:g}$", [v - tol for v in theory], [v + tol for v in theory], kind="theory")],
        hlines=hlines, spans=[Span(B - 0.4, B + 0.4, f"decided at $B = {B}$")])


def bsb1_series(per: dict, runs: list, p: dict, burn: int) -> dict:
    """c* against B (:func:`_c_star_panel`); q^l and c^l against depth at B (mean over networks, 95% CI band)
    with q*, c*, their tolerances and the window of layers the verdict averages over."""
    B, depth = p["batch_size"], p["depth"]
    layers = list(range(1, depth + 1))
    q_star, c_star = per[B]["q_theory"], claimed_c_star(p["c_form"], B)
    c_label = r"$c^* = J(-1/(B-1))$" if p["c_form"] == "theorem" else r"claimed $c^* = 1/\pi$"
    curves, bands = [], []
    for i, (name, field, star, label) in enumerate(((r"$q^{\ell}$ (mean diagonal)", "gram_q", q_star, r"$q^* = 1/2$"),
                                                    (r"$c^{\ell}$ (off-diagonal / diagonal)", "gram_c", c_star, c_label))):
        m, half = mean_halfwidth(np.array([np.nanmean(getattr(r[B], field), axis=1) for r in runs]), axis=0)
        curves += [Curve(name, [float(v) for v in m], style=f"C{i}-o"),
                   Curve(label, [star] * depth, style=f"C{i}", kind="theory")]  # in its curve's colour
        bands.append(Band(name, [float(v) for v in m - half], [float(v) for v in m + half]))
    window = [burn + 1, depth]
    tol_q, tol_c = p["tol_q"] * q_star, p["tol_c"]
    bands += [Band("tolerances of the verdict", [q_star - tol_q] * 2, [q_star + tol_q] * 2, x=window, kind="theory"),
              Band("", [c_star - tol_c] * 2, [c_star + tol_c] * 2, x=window, kind="theory")]
    return panels(_c_star_panel(per, p), Panel(
        f"convergence in depth ($B = {B}$, {p['seeds']} networks)", r"layer $\ell$", "Gram statistic", layers, curves,
        bands=bands, spans=[Span(*window, f"verdict window (layers {burn + 1}–{depth})")]))


def check_bsb1_fixed_point(claim: Claim, config: RunConfig) -> Outcome:
    r"""With full BN and ReLU the batch Gram matrix of a deep random network reaches the BSB1 fixed point.

    Statement: h^l h^{lT}/N → q*[(1 - c*)I + c* 11ᵀ] with q* = ((B-1)/(2√π))Γ(3/2)Γ((B-1)/2)/Γ((B+1)/2)
    = 1/2 and c* = J(-1/(B-1)), J the normalised arc-cosine kernel.

    Source: Yang et al. 2019, the BSB1 fixed point of the mean-field recursion (ReLU closed
    forms); reference notes §c1.1, check proposal §c1.4.

    Measured: ``seeds`` networks of width ``width`` and ``depth`` BN layers, each on ``batches``
    batches of every B in the sweep; q (mean diagonal) and c (off-diagonal/diagonal) averaged
    over the second half of the layers, Student-t CI over networks.

    Decision (at B = ``batch_size``): |c - c*| ± CI half-width against ``tol_c`` and
    |q - q*|/q* ± half-width against ``tol_q``: both inside verify, either beyond refutes,
    otherwise inconclusive.

    Negative controls (declared below): ``--param center=false`` (no mean subtraction: c ≈ 0.5)
    and ``--param c_form=uncoupled`` (c* = J(0) = 1/π) are refuted; 2 networks of width 32 with
    2 batches are inconclusive.
    """
    p = read_common(claim, config)
    burn = p["depth"] // 2  # average over the second half of the layers: the fixed point is reached by then
    runs = simulate_networks(config, p, "relu", p["center"], False, claim.id)
    per = measure_bsb1(runs, p["sizes"], burn)
    at_b = dict(per[p["batch_size"]], c_theory=claimed_c_star(p["c_form"], p["batch_size"]))
    verdict = decide_bsb1(at_b, p["tol_c"], p["tol_q"])
    (c, c_lo, c_hi), (q, q_lo, q_hi) = at_b["c"], at_b["q"]
    measured = {"c_star": c, "q_star": q, "c_star_ci": [c_lo, c_hi], "q_star_ci": [q_lo, q_hi],
                "abs_error_c": abs(c - at_b["c_theory"]), "rel_error_q": abs(q - at_b["q_theory"]) / at_b["q_theory"],
                "sweep": {str(b): {"c_star": v["c"][0], "c_star_ci": [v["c"][1], v["c"][2]], "q_star": v["q"][0],
                                   "c_theory": v["c_theory"]} for b, v in per.items()}}
    expected = {"c_star": at_b["c_theory"], "q_star": at_b["q_theory"], "c_form": p["c_form"],
                "c_star_formula": "J(-1/(B-1))" if p["c_form"] == "theorem" else "J(0) = 1/π (mutated)",
                "q_star_formula": "((B-1)/(2√π))Γ(3/2)Γ((B-1)/2)/Γ((B+1)/2) = 1/2"}
    tolerance = {"c_abs": p["tol_c"], "q_rel": p["tol_q"], "confidence_level": CONFIDENCE_LEVEL}
    params = {"seed": config.seed, **{k: p[k] for k in ("batch_size", "width", "depth", "seeds", "batches")},
              "sweep": p["sizes"], "layers_averaged": [burn + 1, p["depth"]], "activation": "relu",
              "center": p["center"], "epsilon": 0.0, "weights": "W ~ N(0, 1/N), no bias", "std": "biased (1/B)",
              "inputs": "i.i.d. N(0, 1) batches"}
    return Outcome(verdict, _reason(verdict, at_b, p, burn), expected, measured, tolerance, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"], "confidence_level": CONFIDENCE_LEVEL},
                   bsb1_series(per, runs, p, burn))


BSB1 = register(Claim(
    id="yang2019.bsb1-fixed-point", typical_s=0.93,
    measured_keys=("c_star", "q_star", "c_star_ci", "q_star_ci", "abs_error_c", "rel_error_q", "sweep"),
    paper="yang2019",
    citation=CITATION,
    summary="full BN + ReLU: the batch Gram matrix → q*[(1-c*)I + c*11ᵀ], q* = 1/2, c* = J(-1/(B-1))",
    statement=(r"\frac1N h^l h^{l\top} \to q^*\big[(1-c^*)I + c^* 11^\top\big],\quad q^* = \tfrac12,\quad "
               r"c^* = J\!\big(-\tfrac{1}{B-1}\big),\ J(c) = \tfrac1\pi\big(\sqrt{1-c^2} + (\pi - \arccos c)c\big)"),
    confidence="paper",
    assumptions=("full BN: mean subtraction and division by the batch std (biased, ε = 0), then ReLU",
                 "W ~ N(0, 1/N); width N → ∞ (finite-width bias is part of the tolerance)",
                 "depth large enough to reach the fixed point"),
    check=check_bsb1_fixed_point,
    source="Yang et al. 2019, BSB1 fixed point Σ* = q*[(1-c*)I + c*11ᵀ] for ReLU; reference notes §c1.1, §c1.4",
    params=common_params(2) + (
        width_param(),
        depth_param(24, "number of BN layers (the second half is averaged)"),
        Param("center", True, "subtract the batch mean (false: the mutated claim without centering, refuted)", bool),
        Param("c_form", "theorem", "c* compared with: theorem = J(-1/(B-1)); uncoupled = J(0) = 1/π (a mutated "
              "statement ignoring the -1/(B-1) of centring, refuted)", str, C_FORMS),
        Param("tol_c", 0.01, "absolute tolerance on c* (≤ 0.02: half of c*(16) - c*(8) = 0.036, so the "
              "B-dependence stays testable)", float, lo=0, hi=0.02, lo_open=True, tolerance=True),
        Param("tol_q", 0.02, "relative tolerance on q* (≤ 10%)", float, lo=0, hi=0.1, lo_open=True, tolerance=True),
    ),
    controls=(
        Control("no-centering", STATEMENT_FLIP, "the same fixed point claimed without mean subtraction (c ≈ 0.5)",
                params={"center": "false", "sweep": ""}),
        Control("uncoupled-c-star", STATEMENT_FLIP,
                "c* = J(0) = 1/π (0.318), as if centring did not correlate the batch, against J(-1/7) = 0.250 at B = 8",
                params={"c_form": "uncoupled", "sweep": ""}),
        Control("two-networks", STARVED, "2 narrow networks (width 32, 2 batches): the CI cannot decide ±0.01",
                params={"seeds": 2, "width": 32, "batches": 2, "sweep": ""}),
    ),
    notes=("q* = 1/2 and c* = J(-1/(B-1)) are exact in the width limit for ReLU: for h ~ N(0, G) the direction "
           "Gh/‖Gh‖ is independent of ‖Gh‖ (derived in derivations/yang2019.md). Finite width biases c by O(1/N). "
           "Defaults: width 512, 24 layers, 4 networks × 6 batches of each B in {4, 8, 16, 32}."),
))
