r"""``wei2019.order-parameters``: the forward and backward order-parameter recursions.

Order parameters of layer l (Wei et al. §3): q = E|z|²/N, q_xy = E⟨z(x), z(y)⟩/N, the same for
h (q̂, q̂_xy), and q̃ = E|δ|², q̃_xy = E⟨δ(x), δ(y)⟩ for the backward signal δ^l = ∂f/∂z^l.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, combine, interval_verdict
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import PopNet, popnet_deltas, popnet_forward
from bnproof.papers.wei2019.network import (
    CITATION,
    CONVENTIONS,
    network_params,
    network_rng,
    random_network,
    read_network,
)

__all__ = ["SYMBOLS", "empirical_order", "one_step_theory", "OrderMeasurement",
           "measure_order_parameters", "decide_order_parameters", "order_series", "check_order_parameters", "ORDER"]

_SMALL = {"width": 128, "samples": 64, "seeds": 6, "population": 500}  # a control's network: a few seconds

SYMBOLS = {"q": "q", "q_xy": "q_xy", "qhat": "q̂", "qhat_xy": "q̂_xy", "qtil": "q̃", "qtil_xy": "q̃_xy"}

def _pair_mean(A: np.ndarray) -> float:
    """Mean over ordered pairs x ≠ y of ⟨A(x), A(y)⟩ (rows of A)."""
    n = A.shape[0]
    s = A.sum(axis=0)
    return float((s @ s - np.sum(A * A)) / (n * (n - 1)))


def empirical_order(net: PopNet, X: np.ndarray) -> dict[str, list[float]]:
    """Empirical order parameters of one network on inputs X, hidden layers l = 1..L-1.

    q = mean_x |z|²/N, q_xy = mean_{x≠y} ⟨z(x), z(y)⟩/N (same for h: q̂), q̃ = mean_x |δ|²,
    q̃_xy = mean_{x≠y} ⟨δ(x), δ(y)⟩ with δ^l = ∂f/∂z^l (statistics fixed).
    """
    Hs, Zs, slopes, _ = popnet_forward(net, X)
    outputs = net.Ws[-1].shape[0]
    Dk = [popnet_deltas(net, slopes, k) for k in range(outputs)]  # q̃ is averaged over the outputs
    out = {k: [] for k in SYMBOLS}
    for l in range(1, net.L):
        Z, H = Zs[l - 1], Hs[l]
        N = Z.shape[1]
        out["q"].append(float(np.mean(np.sum(Z * Z, axis=1))) / N)
        out["q_xy"].append(_pair_mean(Z) / N)
        out["qhat"].append(float(np.mean(np.sum(H * H, axis=1))) / N)
        out["qhat_xy"].append(_pair_mean(H) / N)
        out["qtil"].append(float(np.mean([np.mean(np.sum(Ds[l - 1] ** 2, axis=1)) for Ds in Dk])))
        out["qtil_xy"].append(float(np.mean([_pair_mean(Ds[l - 1]) for Ds in Dk])))
    return out


def _input_order(base_case: str) -> tuple[float, float]:
    """(q̂⁰, q̂⁰_xy): (1, 0) for zero-mean unit-variance inputs, or swapped as printed."""
    return (1.0, 0.0) if base_case == "corrected" else (0.0, 1.0)


def one_step_theory(emp: dict, p: dict, gamma: float, bn: bool, variance: str, base_case: str) -> dict:
    """Each recursion applied to the *measured* order parameters of the layer it starts from.

    A recursion is a one-layer map; feeding it the measured inputs of that layer removes the
    O(√(2/N)) network-to-network fluctuation accumulated below it, so the comparison tests the
    map itself.  The input layer uses the base case (``base_case``), the readout q̃^L = 1.
    """
    L, sw, sb = p["depth"], p["sigma_w2"], p["sigma_b2"]
    h0, h0xy = _input_order(base_case)
    out = {k: [] for k in SYMBOLS}
    for l in range(1, L):
        out["q"].append(sb + sw * (h0 if l == 1 else emp["qhat"][l - 2]))
        out["q_xy"].append(sb + sw * (h0xy if l == 1 else emp["qhat_xy"][l - 2]))
        q, qx = emp["q"][l - 1], emp["q_xy"][l - 1]
        qt_next = 1.0 if l == L - 1 else emp["qtil"][l]
        qtx_next = 1.0 if l == L - 1 else emp["qtil_xy"][l]
        if bn:
            s2 = q - qx if variance == "variance" else q
            out["qhat"].append(gamma ** 2 / 2)
            out["qhat_xy"].append(gamma ** 2 / (2 * math.pi))
            out["qtil"].append(gamma ** 2 * sw / 2 * qt_next / s2)
            out["qtil_xy"].append(gamma ** 2 * sw / 4 * qtx_next / s2)
        else:
            out["qhat"].append(q / 2)
            out["qhat_xy"].append(mf.relu_kernel(q, q, qx))
            out["qtil"].append(sw / 2 * qt_next)
            out["qtil_xy"].append(sw * mf.relu_deriv_kernel(qx / q) * qtx_next)
    return out


@dataclass(frozen=True)
class OrderMeasurement:
    """One row per (arm, symbol, layer): measured, one-step and chained predictions (see :func:`_row`)."""

    rows: list[dict]


def _simulate_arm(claim: Claim, config: RunConfig, p: dict, bn: bool) -> list[dict]:
    """Empirical order parameters of ``p["seeds"]`` independent networks (one arm)."""
    samples = []
    for i in range(p["seeds"]):
        if config.progress:
            config.progress(claim.id, i + p["seeds"] * bn, 2 * p["seeds"])
        rng = network_rng(config, i, int(bn))
        net = random_network(rng, p, p["gamma"], bn)
        samples.append(empirical_order(net, rng.standard_normal((p["samples"], p["width"]))))
    return samples


def _abs_ci(d_lo: float, d_hi: float) -> list[float]:
    """The interval of |d| given one of d."""
    return [0.0 if d_lo <= 0 <= d_hi else min(abs(d_lo), abs(d_hi)), max(abs(d_lo), abs(d_hi))]


def _row(tag: str, key: str, l: int, vals: list[float], preds: list[float], chain: float, q_l: float,
         family_level: float) -> dict:
    """Measured against one-step prediction, per network (CI over networks), for one point;
    ``family_level``: the Bonferroni level of the interval that may refute (one of many points)."""
    m, lo, hi = mean_ci(vals)
    floor = 0.05 * max(1.0, q_l)  # relative to the prediction, floored at 5% of q^l: ≈ 0 quantities do not blow up
    devs = [(v - t) / max(abs(t), floor) for v, t in zip(vals, preds)]
    d, d_lo, d_hi = mean_ci(devs)
    return {"net": tag, "param": SYMBOLS[key], "layer": l, "measured": m, "ci": [lo, hi],
            "one_step_theory": float(np.mean(preds)), "theory": chain, "rel_error": abs(d),
            "rel_error_ci": _abs_ci(d_lo, d_hi), "rel_error_ci_family": _abs_ci(*mean_ci(devs, family_level)[1:]),
            "chain_rel_error": abs(m - chain) / max(abs(chain), floor)}


def measure_order_parameters(claim: Claim, config: RunConfig, p: dict) -> OrderMeasurement:
    """Simulate both arms (no BN, BN) and compare every order parameter with its recursion."""
    L, conv = p["depth"], (p["variance"], p["base_case"])
    rows = []
    family_level = 1 - (1 - CONFIDENCE_LEVEL) / (2 * len(SYMBOLS) * (L - 1))  # Bonferroni over every point
    for bn in (False, True):
        h0, h0xy = _input_order(p["base_case"])
        th = mf.wei_order_parameters(L, p["sigma_w2"], p["sigma_b2"], p["gamma"], bn, p["variance"], h0, h0xy)
        samples = _simulate_arm(claim, config, p, bn)
        steps = [one_step_theory(smp, p, p["gamma"], bn, *conv) for smp in samples]
        tag = "BN" if bn else "no BN"
        for key in SYMBOLS:
            chain = getattr(th, key)[1:L]
            for l in range(1, L):
                rows.append(_row(tag, key, l, [smp[key][l - 1] for smp in samples],
                                 [st[key][l - 1] for st in steps], chain[l - 1], th.q[l], family_level))
    return OrderMeasurement(rows)


def decide_order_parameters(rows: list[dict], tol: float, p: dict, context: str) -> tuple[str, str]:
    """Verified when every point's 95% |deviation| CI lies in [0, tol]; refuted when some point's
    Bonferroni interval (level 1 - 0.05/points, ``rel_error_ci_family``) lies above tol, so that
    one of many points beyond its 95% CI by chance does not refute; otherwise inconclusive."""
    verdicts = [VERIFIED if interval_verdict(*r["rel_error_ci"], (-math.inf, tol)) == VERIFIED else
                REFUTED if interval_verdict(*r["rel_error_ci_family"], (-math.inf, tol)) == REFUTED else INCONCLUSIVE
                for r in rows]
    verdict = combine(verdicts)
    worst = max(rows, key=lambda r: r["rel_error"])
    w = (f"{worst['param']}^{worst['layer']} ({worst['net']}): {worst['measured']:.4g} vs one-step "
         f"{worst['one_step_theory']:.4g}")
    if verdict == REFUTED:
        off = [r for r, v in zip(rows, verdicts) if v == REFUTED]
        o = max(off, key=lambda r: r["rel_error_ci_family"][0])
        return REFUTED, (f"the recursions (variance={p['variance']}, base_case={p['base_case']}) miss the simulation "
                         f"beyond the CI at {len(off)} of {len(rows)} points; worst {o['param']}^{o['layer']} "
                         f"({o['net']}): {o['measured']:.4g} vs {o['one_step_theory']:.4g} ({o['rel_error']:.0%}, "
                         f"tolerance {tol:.0%}) {context}")
    if verdict == VERIFIED:
        return VERIFIED, (f"all {len(rows)} order parameters (q, q̂, q_xy, q̂_xy, q̃, q̃_xy over {p['depth'] - 1} "
                          f"hidden layers, BN and no BN) within {worst['rel_error']:.1%} of the recursions, CIs inside "
                          f"the tolerance {tol:.0%}; worst {w} {context}")
    return INCONCLUSIVE, (f"largest deviation {worst['rel_error']:.1%} ({w}); some CIs straddle the "
                          f"tolerance {tol:.0%}: raise --param seeds or width {context}")


_MATH = {"q": r"$q$", "q_xy": r"$q_{xy}$", "q̂": r"$\hat q$", "q̂_xy": r"$\hat q_{xy}$", "q̃": r"$\tilde q$",
         "q̃_xy": r"$\tilde q_{xy}$"}  # row["param"] (SYMBOLS) -> mathtext


def _points(rows: list[dict], net: str, param: str) -> list[dict]:
    return sorted((r for r in rows if r["net"] == net and r["param"] == param), key=lambda r: r["layer"])


def _value_panel(rows: list[dict], title: str, group: list[tuple[str, str]]) -> Panel:
    """Measured order parameters (mean, 95% CI band over networks) and the one-step recursions the verdict uses."""
    curves, bands = [], []
    for i, (net, param) in enumerate(group):
        pts = _points(rows, net, param)
        x, name = [r["layer"] for r in pts], _MATH[param] + ("" if "forward" in title else f" ({net})")
        curves += [Curve(name, [r["measured"] for r in pts], x=x, style=f"C{i}o"),
                   Curve("one-step recursions (dashed)" if i == 0 else "", [r["one_step_theory"] for r in pts], x=x,
                         style=f"C{i}", kind="theory")]
        bands.append(Band(name, [r["ci"][0] for r in pts], [r["ci"][1] for r in pts], x=x))
    return Panel(title, r"layer $\ell$", "order parameter", sorted({r["layer"] for r in rows}), curves,
                 yscale="log", bands=bands)


def _deviation_panel(rows: list[dict], net: str, tol: float) -> Panel:
    """|measured − one-step| / prediction per point, and per layer the largest upper end of the points' 95% CIs:
    the quantity the verdict bounds by ``tol`` (all CIs inside [0, tol] verify)."""
    layers = sorted({r["layer"] for r in rows})
    curves = [Curve(_MATH[param], [r["rel_error"] for r in _points(rows, net, param)], x=layers, style=f"C{i}-o")
              for i, param in enumerate(SYMBOLS.values())]
    top = [max(r["rel_error_ci"][1] for r in rows if r["net"] == net and r["layer"] == lay) for lay in layers]
    return Panel(f"deviation from the recursions, {net}", r"layer $\ell$", "relative deviation", layers, curves,
                 bands=[Band("95% CIs (envelope over the parameters)", [0.0] * len(layers), top, kind="reference")],
                 hlines=[HLine(tol, f"verdict tolerance {tol:.0%}", "bound")])


def order_series(rows: list[dict], gamma: float, tol: float) -> dict:
    """Forward (no BN, BN) and backward order parameters against the one-step recursions, and per arm the relative
    deviation with its CI against the tolerance (see :func:`decide_order_parameters`)."""
    fwd = ("q", "q_xy", "q̂", "q̂_xy")
    return panels(
        _value_panel(rows, f"forward, no BN ($\\gamma = {gamma:g}$)", [("no BN", k) for k in fwd]),
        _value_panel(rows, f"forward, BN ($\\gamma = {gamma:g}$)", [("BN", k) for k in fwd]),
        _value_panel(rows, f"backward ($\\gamma = {gamma:g}$)", [(n, k) for n in ("no BN", "BN") for k in ("q̃", "q̃_xy")]),
        _deviation_panel(rows, "no BN", tol), _deviation_panel(rows, "BN", tol))


def check_order_parameters(claim: Claim, config: RunConfig) -> Outcome:
    r"""Wei et al.'s order-parameter recursions hold in wide random networks, with and without BN.

    Statement: q^l = σ_b² + σ_w² q̂^{l-1}, q^l_xy = σ_b² + σ_w² q̂^{l-1}_xy; with population BN
    q̂^l = γ²/2, q̂^l_xy = γ²/(2π), q̃^l = (γ²σ_w²/2) q̃^{l+1}/s_l², q̃^l_xy = (γ²σ_w²/4) q̃^{l+1}_xy/s_l²;
    without BN q̂^l = q^l/2, q̂^l_xy = relu kernel, q̃^l = (σ_w²/2) q̃^{l+1},
    q̃^l_xy = σ_w² E[relu'relu'](c^l) q̃^{l+1}_xy; q̂⁰ = 1, q̂⁰_xy = 0, q̃^L = q̃^L_xy = 1.

    Source: Wei et al. §3 (recursions), reference notes §c2.2; the base case and s_l² are the
    flags of §c2.1 and §6.3 (our derivation: q̂⁰ = 1, q̂⁰_xy = 0, s_l² = q^l - q^l_xy).

    Measured: for ``seeds`` networks per arm (no BN, BN at ``gamma``), the six order parameters
    of every hidden layer on ``samples`` inputs, and per network the relative deviation from the
    recursion applied to the measured inputs of that layer (one step; the full chain from the
    input is reported as ``rows[].theory``).  Deviation CI (Student-t over networks) of |d|.

    Decision: verified if every point's 95% |d| CI lies inside [0, ``tol``]; refuted if some
    point's Bonferroni interval (level 1 - 0.05/points, as many points are tested) lies above
    ``tol``; otherwise inconclusive.

    Negative controls (declared below): ``--param variance=second-moment`` (divide by q^l, as
    printed: q̃ off by ≈ 2 per layer) and ``--param base_case=printed`` (swapped q̂⁰, q̂⁰_xy) are
    refuted; 2 networks of width 16 on 16 inputs are inconclusive.
    """
    p = read_network(claim, config, {"population": 1000})
    m = measure_order_parameters(claim, config, p)
    context = f"({p['seeds']} networks per arm, width {p['width']}, {p['samples']} inputs, γ = {p['gamma']:g})"
    verdict, reason = decide_order_parameters(m.rows, p["tol"], p, context)
    worst = max(m.rows, key=lambda r: r["rel_error"])
    measured = {"rows": m.rows, "max_rel_error": worst["rel_error"], "worst": worst,
                "max_chain_rel_error": max(r["chain_rel_error"] for r in m.rows)}
    expected = {"recursions": "Wei et al. §3 with population BN (no gradient through the statistics)",
                "comparison": ("each recursion applied to the measured order parameters of the layer it starts "
                               "from (one step); rows[].theory is the full chain from the input, for reference"),
                "variance_reading": p["variance"], "base_case": p["base_case"]}
    params = {"seed": config.seed, **{k: p[k] for k in ("gamma", "width", "depth", "sigma_w2", "sigma_b2", "population",
                                                        "samples", "seeds", "variance", "base_case", "outputs")}}
    return Outcome(verdict, reason, expected, measured, {"rel": p["tol"], "confidence_level": CONFIDENCE_LEVEL},
                   params, {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"],
                            "confidence_level": CONFIDENCE_LEVEL},
                   order_series(m.rows, p["gamma"], p["tol"]))


ORDER = register(Claim(
    id="wei2019.order-parameters", typical_s=1.7,
    measured_keys=("rows", "max_rel_error", "worst", "max_chain_rel_error"),
    paper="wei2019",
    citation=CITATION,
    summary="forward/backward order-parameter recursions (q, q̂, q_xy, q̂_xy, q̃, q̃_xy) with and without BN",
    statement=(r"q^l = \sigma_b^2 + \sigma_w^2\hat q^{l-1},\ q^l_{xy} = \sigma_b^2 + \sigma_w^2\hat q^{l-1}_{xy};\ "
               r"\text{BN: } \hat q^l = \tfrac{\gamma^2}{2},\ \hat q^l_{xy} = \tfrac{\gamma^2}{2\pi},\ "
               r"\tilde q^l = \tfrac{\gamma^2\sigma_w^2}{2}\tfrac{\tilde q^{l+1}}{s_l^2},\ "
               r"\tilde q^l_{xy} = \tfrac{\gamma^2\sigma_w^2}{4}\tfrac{\tilde q^{l+1}_{xy}}{s_l^2};\ "
               r"\text{no BN: } \hat q^l = \tfrac{q^l}{2},\ \tilde q^l = \tfrac{\sigma_w^2}{2}\tilde q^{l+1},\ "
               r"\tilde q^l_{xy} = \tfrac{\sigma_w^2}{2\pi}(\tfrac\pi2 + \arcsin c^l)\tilde q^{l+1}_{xy}"),
    confidence="paper",
    assumptions=("population BN statistics, held fixed (no gradient through them)", "inputs i.i.d. N(0, I)",
                 "width N → ∞ (finite-width error is part of the tolerance)"),
    check=check_order_parameters,
    source="Wei et al. §3 (order-parameter recursions); reference notes §c2.2, flags §c2.1 and §6.3",
    params=network_params(500, 6, "independent networks per arm (Monte Carlo replicates; CIs are over these)")
    + CONVENTIONS + (
        Param("gamma", 1.0, "BN scale γ (> 0)", float, lo=0, hi=100, lo_open=True),
        Param("samples", 200, "inputs on which the order parameters are measured", int, lo=8, hi=5000),
        Param("outputs", 10, "readout units N_L (q̃, q̃_xy are averaged over them; the paper uses 10)", int,
              lo=1, hi=100),
        Param("tol", 0.15, "relative tolerance per order parameter (finite width: O(√(2/N)) per network; ≤ 0.4, "
              "below the factor ≈ 2 per layer that separates the readings)", float, lo=0, hi=0.4, lo_open=True,
              tolerance=True),
    ),
    controls=(
        Control("second-moment-scale", STATEMENT_FLIP, "backward recursions divided by q^l, as printed (q̃ off by ≈ 2)",
                params={"variance": "second-moment", **_SMALL}),
        Control("printed-base-case", STATEMENT_FLIP, "the printed base case q̂⁰ = 0, q̂⁰_xy = 1 (swapped)",
                params={"base_case": "printed", **_SMALL}),
        Control("two-narrow-networks", STARVED, "2 networks of width 16 on 16 inputs: CIs too wide for 15%",
                params={"seeds": 2, "width": 16, "samples": 16, "population": 200}),
    ),
    notes=("Flags of the reference notes: the printed base cases q̂⁰ = 0, q̂⁰_xy = 1 are swapped (base_case=printed "
           "is refuted); the printed backward recursions divide by q^l where the population BN scale is the "
           "variance s_l² = q^l - q^l_xy (variance=second-moment is refuted). With σ_b² = 0.5 the two differ by "
           "a factor ≈ 2 per layer."),
))
