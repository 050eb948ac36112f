r"""Wei, Stokes, Schwab (2019): mean-field analysis of batch normalization.

Claims (reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md`` §c2; the
ICLR-2019 submission text was read, the arXiv version may differ):

* ``wei2019.order-parameters`` -- forward (q, q̂, q_xy, q̂_xy) and backward (q̃, q̃_xy)
  order-parameter recursions, with population BN (statistics held fixed, no gradient through
  them) and without BN, against wide random networks.
* ``wei2019.fim-bound`` -- λ_max of the FIM ≥ Σ_l f_l (Claim 3.1, fully connected), against the
  top eigenvalue of the empirical FIM JᵀJ/n; both readings of the flagged f_l misprint.
* ``wei2019.max-learning-rate`` -- η* = 2(1+μ)/λ̄_max for GD with momentum μ: on a teacher
  regression the loss converges below η* and blows up above; λ̄_max grows with γ.

Two flags of the notes are conventions here (parameters, default = our derivation):
``variance`` (how the population BN scale s_l² enters the backward recursion: the variance
q^l - q^l_xy, or the second moment q^l as printed) and ``base_case`` (q̂⁰ = 1, q̂⁰_xy = 0 for
zero-mean unit-variance data, or swapped as printed).  ``reading`` selects f_l.

Network (all claims): inputs x ~ N(0, I_{N_0}); layers l = 1..L-1: z = Wh + b, W ~ N(0, σ_w²/N),
b ~ N(0, σ_b²), population BN h = relu(γ(z - μ)/s) (or h = relu(z)); layer L linear, one output.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.models import meanfield as mf
from bnproof.papers.yang2019 import CONFIDENCE_LEVEL

__all__ = ["CITATION", "parse_floats", "network_params", "empirical_order", "check_order", "check_fim_bound",
           "check_max_lr", "train_momentum", "one_step_theory", "fim_sweep", "render_derivation"]

CITATION = ("Wei, Stokes, Schwab. Mean-field Analysis of Batch Normalization. arXiv 1903.02606, 2019 "
            "(ICLR 2019 submission)")


def parse_floats(text: str, name: str) -> list[float]:
    out = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        try:
            v = float(part)
        except ValueError:
            raise BadInput(f"--param {name}: expected comma-separated numbers, got {text!r}") from None
        if not (math.isfinite(v) and 0 < v <= 100):
            raise BadInput(f"--param {name}: values must be in (0, 100], got {part}")
        out.append(v)
    if not out:
        raise BadInput(f"--param {name}: give at least one value")
    return out


_NET_PARAMS = (
    Param("width", 200, "hidden width N (and input dimension N_0)", int),
    Param("depth", 4, "number of linear layers L (L-1 hidden BN+ReLU layers, then a linear readout)", int),
    Param("sigma_w2", 2.0, "weight variance σ_w² (W ~ N(0, σ_w²/N))", float),
    Param("sigma_b2", 0.5, "bias variance σ_b²", float),
    Param("population", 4000, "inputs used for the population BN statistics", int),
    Param("seeds", 3, "independent networks (Monte Carlo replicates; CIs are over these)", int),
)


def network_params(claim: Claim, config: RunConfig, quick: dict | None = None) -> dict:
    """Validated network parameters (BadInput for out-of-range values)."""
    names = [p.name for p in claim.params]
    p = {name: claim.param(config, name) for name in names}
    if config.quick and quick:
        for k, v in quick.items():
            if k not in config.params:
                p[k] = v
    if not 8 <= p["width"] <= 4096:
        raise BadInput(f"--param width: must be in [8, 4096], got {p['width']}")
    if not 2 <= p["depth"] <= 20:
        raise BadInput(f"--param depth: must be in [2, 20], got {p['depth']}")
    for k in ("sigma_w2", "sigma_b2"):
        if not (math.isfinite(p[k]) and 0 <= p[k] <= 100) or (k == "sigma_w2" and p[k] == 0):
            raise BadInput(f"--param {k}: must be finite, in [0, 100] (σ_w² > 0), got {p[k]}")
    if not 100 <= p["population"] <= 200_000:
        raise BadInput(f"--param population: must be in [100, 200000], got {p['population']}")
    if not 2 <= p["seeds"] <= 100:
        raise BadInput(f"--param seeds: must be in [2, 100], got {p['seeds']}")
    if "gamma" in p and not (math.isfinite(p["gamma"]) and 0 < p["gamma"] <= 100):
        raise BadInput(f"--param gamma: the BN scale γ must be in (0, 100], got {p['gamma']}")
    if "gammas" in p:
        p["gamma_list"] = parse_floats(p["gammas"], "gammas")
    if "samples" in p and not 8 <= p["samples"] <= 5000:
        raise BadInput(f"--param samples: must be in [8, 5000], got {p['samples']}")
    if 8 * p["width"] * max(p["population"], p.get("samples", 0)) > 1e9:
        raise BadInput(f"width × population needs {8e-9 * p['width'] * p['population']:.1f} GB (> 1 GB): "
                       "reduce --param width or population")
    p["widths"] = [p["width"]] * p["depth"] + [p.get("outputs", 1)]
    if not 1 <= p["widths"][-1] <= 100:
        raise BadInput(f"--param outputs: must be in [1, 100], got {p['widths'][-1]}")
    return p


def _net(rng: np.random.Generator, p: dict, gamma: float, bn: bool):
    from bnproof.models.bn_backprop import popnet_init

    pop = rng.standard_normal((p["population"], p["width"]))
    return popnet_init(rng, p["widths"], p["sigma_w2"], p["sigma_b2"], gamma, bn, pop)


def _rng(config: RunConfig, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([config.seed, *key]))


# --------------------------------------------------------------------------- claim 1: order parameters


def _pair_mean(A: np.ndarray) -> float:
    """Mean over ordered pairs x ≠ y of ⟨A(x), A(y)⟩ (rows of A)."""
    n = A.shape[0]
    s = A.sum(axis=0)
    return float((s @ s - np.sum(A * A)) / (n * (n - 1)))


def empirical_order(net, X: np.ndarray) -> dict[str, list[float]]:
    """Empirical order parameters of one network on inputs X, hidden layers l = 1..L-1.

    q = mean_x |z|²/N, q_xy = mean_{x≠y} ⟨z(x), z(y)⟩/N (same for h: q̂), q̃ = mean_x |δ|²,
    q̃_xy = mean_{x≠y} ⟨δ(x), δ(y)⟩ with δ^l = ∂f/∂z^l (statistics fixed).
    """
    from bnproof.models.bn_backprop import popnet_deltas, popnet_forward

    Hs, Zs, slopes, _ = popnet_forward(net, X)
    outputs = net.Ws[-1].shape[0]
    Dk = [popnet_deltas(net, slopes, k) for k in range(outputs)]  # q̃ is averaged over the outputs
    out = {k: [] for k in ("q", "q_xy", "qhat", "qhat_xy", "qtil", "qtil_xy")}
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


_SYMBOLS = {"q": "q", "q_xy": "q_xy", "qhat": "q̂", "qhat_xy": "q̂_xy", "qtil": "q̃", "qtil_xy": "q̃_xy"}


def _theory(p: dict, gamma: float, bn: bool, variance: str, base_case: str) -> mf.WeiOrder:
    h0, h0xy = (1.0, 0.0) if base_case == "corrected" else (0.0, 1.0)
    return mf.wei_order_parameters(p["depth"], p["sigma_w2"], p["sigma_b2"], gamma, bn, variance, h0, h0xy)


def one_step_theory(emp: dict, p: dict, gamma: float, bn: bool, variance: str, base_case: str) -> dict:
    """Each recursion applied to the *measured* order parameters of the layer it starts from.

    A recursion is a one-layer map; feeding it the measured inputs of that layer removes the
    O(√(2/N)) network-to-network fluctuation accumulated below it, so the comparison tests the
    map itself.  The input layer uses the base case (``base_case``), the readout q̃^L = 1.
    """
    L, sw, sb = p["depth"], p["sigma_w2"], p["sigma_b2"]
    h0, h0xy = (1.0, 0.0) if base_case == "corrected" else (0.0, 1.0)
    out = {k: [] for k in _SYMBOLS}
    for l in range(1, L):
        qh_prev = h0 if l == 1 else emp["qhat"][l - 2]
        qhx_prev = h0xy if l == 1 else emp["qhat_xy"][l - 2]
        out["q"].append(sb + sw * qh_prev)
        out["q_xy"].append(sb + sw * qhx_prev)
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


def check_order(claim: Claim, config: RunConfig) -> Outcome:
    p = network_params(claim, config, {"population": 1000})
    gamma, variance, base_case, tol = (claim.param(config, k) for k in ("gamma", "variance", "base_case", "tol"))
    if not 0 < tol < 1:
        raise BadInput(f"--param tol must be in (0, 1), got {tol}")
    L = p["depth"]
    rows = []  # one per (network, symbol, layer)
    curves = {}
    for bn in (False, True):
        th = _theory(p, gamma, bn, variance, base_case)
        samples = []
        for i in range(p["seeds"]):
            if config.progress:
                config.progress(claim.id, i + p["seeds"] * bn, 2 * p["seeds"])
            rng = _rng(config, i, int(bn))
            net = _net(rng, p, gamma, bn)
            samples.append(empirical_order(net, rng.standard_normal((p["samples"], p["width"]))))
        tag = "BN" if bn else "no BN"
        # per network: measured / one-step prediction - 1 (CI over networks)
        steps = [one_step_theory(smp, p, gamma, bn, variance, base_case) for smp in samples]
        for key in _SYMBOLS:
            chain = getattr(th, key)[1:L]
            for l in range(1, L):
                vals = [smp[key][l - 1] for smp in samples]
                preds = [st[key][l - 1] for st in steps]
                m, lo, hi = mean_ci(vals)
                # relative to the prediction, floored at 5% of q^l so that ≈ 0 quantities do not blow up
                devs = [(v - t) / max(abs(t), 0.05 * max(1.0, th.q[l])) for v, t in zip(vals, preds)]
                d, d_lo, d_hi = mean_ci(devs)
                err = abs(d)
                rows.append({"net": tag, "param": _SYMBOLS[key], "layer": l, "measured": m, "ci": [lo, hi],
                             "one_step_theory": float(np.mean(preds)), "theory": chain[l - 1], "rel_error": err,
                             "rel_error_ci": [0.0 if d_lo <= 0 <= d_hi else min(abs(d_lo), abs(d_hi)),
                                              max(abs(d_lo), abs(d_hi))],
                             "chain_rel_error": abs(m - chain[l - 1]) / max(abs(chain[l - 1]), 0.05 * max(1.0, th.q[l]))})
            curves[(tag, key)] = ([float(np.mean([smp[key][l - 1] for smp in samples])) for l in range(1, L)], chain)
    worst = max(rows, key=lambda r: r["rel_error"])
    worst_err = worst["rel_error"]
    measured = {"rows": rows, "max_rel_error": worst_err, "worst": worst,
                "max_chain_rel_error": max(r["chain_rel_error"] for r in rows)}
    expected = {"recursions": "Wei et al. §3 with population BN (no gradient through the statistics)",
                "comparison": ("each recursion applied to the measured order parameters of the layer it starts "
                               "from (one step); rows[].theory is the full chain from the input, for reference"),
                "variance_reading": variance, "base_case": base_case}
    params = {"seed": config.seed, "gamma": gamma, "width": p["width"], "depth": L, "sigma_w2": p["sigma_w2"],
              "sigma_b2": p["sigma_b2"], "population": p["population"], "samples": p["samples"],
              "seeds": p["seeds"], "variance": variance, "base_case": base_case, "outputs": p["outputs"]}
    w = (f"{worst['param']}^{worst['layer']} ({worst['net']}): {worst['measured']:.4g} vs one-step "
         f"{worst['one_step_theory']:.4g}")
    n = f"({p['seeds']} networks per arm, width {p['width']}, {p['samples']} inputs, γ = {gamma:g})"
    off = [r for r in rows if r["rel_error_ci"][0] > tol]
    if off:
        o = max(off, key=lambda r: r["rel_error_ci"][0])
        verdict, reason = REFUTED, (f"the recursions (variance={variance}, base_case={base_case}) miss the simulation "
                                    f"beyond the CI at {len(off)} of {len(rows)} points; worst {o['param']}^{o['layer']} "
                                    f"({o['net']}): {o['measured']:.4g} vs {o['one_step_theory']:.4g} ({o['rel_error']:.0%}, "
                                    f"tolerance {tol:.0%}) {n}")
    elif all(r["rel_error_ci"][1] <= tol for r in rows):
        verdict, reason = VERIFIED, (f"all {len(rows)} order parameters (q, q̂, q_xy, q̂_xy, q̃, q̃_xy over "
                                     f"{L - 1} hidden layers, BN and no BN) within {worst_err:.1%} of the recursions, "
                                     f"CIs inside the tolerance {tol:.0%}; worst {w} {n}")
    else:
        verdict, reason = INCONCLUSIVE, (f"largest deviation {worst_err:.1%} ({w}); some CIs straddle the "
                                         f"tolerance {tol:.0%}: raise --param seeds or width {n}")
    layers = list(range(1, L))
    panels = []
    groups = ((("q", "q_xy", "qhat", "qhat_xy"), "no BN", "forward, no BN"),
              (("q", "q_xy", "qhat", "qhat_xy"), "BN", "forward, BN"),
              (("qtil", "qtil_xy"), None, "backward"))
    for key_group, net_tag, title in groups:
        cs = []
        for (tag, key), (emp, th) in curves.items():
            if key in key_group and net_tag in (None, tag):
                name = _SYMBOLS[key] if net_tag else f"{_SYMBOLS[key]} {tag}"
                cs.append({"label": f"{name} sim", "y": emp, "style": "o"})
                cs.append({"label": f"{name} recursion", "y": th, "style": "--"})
        panels.append({"title": f"{title} (γ = {gamma:g}; dashed: recursion from the input)", "xlabel": "layer l",
                       "ylabel": "value", "xscale": "linear", "yscale": "log", "x": layers, "curves": cs})
    return Outcome(verdict, reason, expected, measured, {"rel": tol, "confidence_level": CONFIDENCE_LEVEL}, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"], "confidence_level": CONFIDENCE_LEVEL},
                   {"panels": panels})


_CONVENTIONS = (
    Param("variance", "variance", "BN scale s_l² in the backward recursion: the population variance q - q_xy "
          "(derived) or the second moment q (as printed)", str, mf.VARIANCE_READINGS),
    Param("base_case", "corrected", "input order parameters: corrected q̂⁰ = 1, q̂⁰_xy = 0, or printed (swapped)",
          str, ("corrected", "printed")),
)

ORDER = register(Claim(
    id="wei2019.order-parameters",
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
    check=check_order,
    params=(Param("width", 500, "hidden width N (and input dimension N_0)", int),) + _NET_PARAMS[1:4] + (
        Param("population", 2000, "inputs used for the population BN statistics", int),
        Param("seeds", 6, "independent networks per arm (Monte Carlo replicates; CIs are over these)", int),
    ) + _CONVENTIONS + (
        Param("gamma", 1.0, "BN scale γ (> 0)", float),
        Param("samples", 200, "inputs on which the order parameters are measured", int),
        Param("outputs", 10, "readout units N_L (q̃, q̃_xy are averaged over them; the paper uses 10)", int),
        Param("tol", 0.15, "relative tolerance per order parameter (finite width: O(√(2/N)) per network)", float),
    ),
    notes=("Flags of the reference notes: the printed base cases q̂⁰ = 0, q̂⁰_xy = 1 are swapped (base_case=printed "
           "is refuted); the printed backward recursions divide by q^l where the population BN scale is the "
           "variance s_l² = q^l - q^l_xy (variance=second-moment is refuted). With σ_b² = 0.5 the two differ by "
           "a factor ≈ 2 per layer."),
))


# --------------------------------------------------------------------------- claim 2: FIM bound


def _fim_point(config: RunConfig, p: dict, gamma: float, bn: bool, i: int) -> float:
    from bnproof.models.bn_backprop import fim_top_eigenvalue, ntk_gram

    rng = _rng(config, 100 + i, int(bn), int(round(gamma * 1000)))
    net = _net(rng, p, gamma, bn)
    X = rng.standard_normal((p["samples"], p["width"]))
    return fim_top_eigenvalue(ntk_gram(net, X))


def fim_sweep(claim: Claim, config: RunConfig, p: dict, variance: str) -> list[dict]:
    """Empirical λ_max (per network) and both bound readings for no-BN and BN at every γ."""
    configs = [(False, 1.0)] + [(True, g) for g in p["gamma_list"]]
    out = []
    total = len(configs) * p["seeds"]
    for j, (bn, gamma) in enumerate(configs):
        th = mf.wei_order_parameters(p["depth"], p["sigma_w2"], p["sigma_b2"], gamma, bn, variance)
        lams = []
        for i in range(p["seeds"]):
            if config.progress:
                config.progress(claim.id, j * p["seeds"] + i, total)
            lams.append(_fim_point(config, p, gamma, bn, i))
        m, lo, hi = mean_ci(lams)
        out.append({"bn": bn, "gamma": gamma if bn else None, "lambda_max": m, "lambda_ci": [lo, hi],
                    "lambda_per_seed": lams,
                    "bound_hat": mf.wei_fim_bound(th, p["widths"], "hat")["bound"],
                    "bound_tilde": mf.wei_fim_bound(th, p["widths"], "tilde")["bound"]})
    return out


def _supported(rows: list[dict], tol: float) -> str:
    """The reading whose bound holds everywhere (within tol) and is tightest (median |log ratio|)."""
    score = {}
    for r in ("hat", "tilde"):
        ratios = [row["lambda_max"] / row[f"bound_{r}"] for row in rows]
        holds = all(x >= 1 - tol for x in ratios)
        score[r] = (not holds, float(np.median(np.abs(np.log(ratios)))))
    return min(score, key=lambda r: score[r])


def check_fim_bound(claim: Claim, config: RunConfig) -> Outcome:
    p = network_params(claim, config, {"width": 120, "samples": 200, "seeds": 2, "population": 2000})
    reading, variance, tol = (claim.param(config, k) for k in ("reading", "variance", "tol"))
    if not 0 < tol < 1:
        raise BadInput(f"--param tol must be in (0, 1), got {tol}")
    rows = fim_sweep(claim, config, p, variance)
    key = f"bound_{reading}"
    for r in rows:
        r["ratio"] = r["lambda_max"] / r[key]
        r["ratio_ci"] = [r["lambda_ci"][0] / r[key], r["lambda_ci"][1] / r[key]]
    worst = min(rows, key=lambda r: r["ratio"])
    supported = _supported(rows, tol)
    label = lambda r: "no BN" if not r["bn"] else f"BN γ = {r['gamma']:g}"  # noqa: E731
    measured = {"lambda_max": {label(r): r["lambda_max"] for r in rows},
                "bound_hat": {label(r): r["bound_hat"] for r in rows},
                "bound_tilde": {label(r): r["bound_tilde"] for r in rows},
                "ratio": {label(r): r["ratio"] for r in rows}, "rows": rows,
                "min_ratio": worst["ratio"], "supported_reading": supported}
    expected = {"claim": "λ_max(FIM) ≥ Σ_l f_l", "reading": reading,
                "f_l": ("N_{l-1} q̂_xy^{l-1} q̃_xy^l" if reading == "hat" else "N_{l-1} q̃_xy^{l-1} q̃_xy^l (as printed)"),
                "min_ratio": f"≥ {1 - tol:g}"}
    params = {"seed": config.seed, "reading": reading, "variance": variance, "gammas": p["gamma_list"],
              "width": p["width"], "depth": p["depth"], "samples": p["samples"], "sigma_w2": p["sigma_w2"],
              "sigma_b2": p["sigma_b2"], "population": p["population"], "seeds": p["seeds"], "outputs": 1,
              "fim": "JᵀJ/n over all W, b (per-sample gradients, BN statistics fixed); top eigenvalue of the n×n Gram"}
    n = f"({p['seeds']} networks per point, width {p['width']}, n = {p['samples']})"
    if worst["ratio_ci"][0] >= 1 - tol:
        verdict = VERIFIED
        reason = (f"reading '{reading}': empirical λ_max ≥ (1 - {tol:g})·Σf_l at every point; λ_max/Σf_l ranges "
                  f"{worst['ratio']:.3f}-{max(r['ratio'] for r in rows):.3f} (no BN and BN at γ ∈ {p['gamma_list']}); "
                  f"the numbers support reading '{supported}' {n}")
    elif worst["ratio_ci"][1] < 1 - tol:
        verdict = REFUTED
        reason = (f"reading '{reading}': the bound fails at {label(worst)}: λ_max = {worst['lambda_max']:.4g} "
                  f"[{worst['lambda_ci'][0]:.4g}, {worst['lambda_ci'][1]:.4g}] < (1 - {tol:g})·Σf_l = "
                  f"{(1 - tol) * worst[key]:.4g}; the numbers support reading '{supported}' {n}")
    else:
        verdict = INCONCLUSIVE
        reason = f"reading '{reading}': λ_max/Σf_l = {worst['ratio']:.3f} at {label(worst)}, CI straddles {1 - tol:g} {n}"
    bn_rows = [r for r in rows if r["bn"]]
    g = [r["gamma"] for r in bn_rows]
    nob = rows[0]
    series = {"panels": [{
        "title": "top FIM eigenvalue against γ", "xlabel": "γ", "ylabel": "λ_max", "xscale": "log", "yscale": "log",
        "x": g, "curves": [
            {"label": "empirical λ_max, BN", "y": [r["lambda_max"] for r in bn_rows]},
            {"label": "Σf_l (hat reading), BN", "y": [r["bound_hat"] for r in bn_rows], "style": "--"},
            {"label": "Σf_l (tilde, as printed), BN", "y": [r["bound_tilde"] for r in bn_rows], "style": ":"},
            {"label": "empirical λ_max, no BN", "y": [nob["lambda_max"]] * len(g), "style": "-"}],
        "hlines": [{"y": nob["bound_hat"], "label": "Σf_l (hat), no BN"}]}]}
    return Outcome(verdict, reason, expected, measured, {"ratio_min": 1 - tol, "confidence_level": CONFIDENCE_LEVEL},
                   params, {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"],
                            "confidence_level": CONFIDENCE_LEVEL, "eigensolver": "LAPACK eigvalsh / ARPACK Lanczos"},
                   series)


FIM_BOUND = register(Claim(
    id="wei2019.fim-bound",
    paper="wei2019",
    citation=CITATION,
    summary="mean-field lower bound λ_max(FIM) ≥ Σ_l f_l against the empirical FIM, with and without BN, over γ",
    statement=(r"\bar\lambda_{\max} \ge \sum_l f_l,\quad f_l = N_{l-1}\,\hat q^{l-1}_{xy}\,\tilde q^l_{xy}"
               r"\ \ (\text{printed: } N_{l-1}\tilde q^{l-1}_{xy}\tilde q^l_{xy})"),
    confidence="paper",
    assumptions=("fully connected, population BN statistics fixed", "N_l, n ≫ 1", "squared loss, one output"),
    check=check_fim_bound,
    params=_NET_PARAMS[:4] + (
        Param("population", 2000, "inputs used for the population BN statistics", int),
        Param("seeds", 4, "independent networks per point (Monte Carlo replicates; CIs are over these)", int),
    ) + (
        Param("reading", "hat", "f_l reading: hat = N q̂_xy^{l-1} q̃_xy^l (corrected), tilde = N q̃_xy^{l-1} q̃_xy^l "
              "(printed)", str, mf.FIM_READINGS),
        _CONVENTIONS[0],
        Param("gammas", "0.5,1,2,4", "BN scales γ (comma-separated, each in (0, 100])", str),
        Param("samples", 400, "inputs n of the empirical FIM", int),
        Param("tol", 0.1, "verified when λ_max ≥ (1 - tol)·Σf_l at every point (finite-size slack)", float),
    ),
    notes=("The printed fully connected f_l = N_{l-1} q̃_xy^{l-1} q̃_xy^l is flagged as a likely misprint; both readings "
           "are computed in every record (measured.bound_hat, measured.bound_tilde) and measured.supported_reading says "
           "which the numbers support. Σf_l with the hat reading is |E_x ∇f|² (a true lower bound by Jensen) and the "
           "bias gradients add Σ_l q̃^l_xy. q̃ uses the variance reading of s_l² unless --param variance is set."),
))


# --------------------------------------------------------------------------- claim 3: max learning rate


def train_momentum(net, X: np.ndarray, Y: np.ndarray, eta: float, mu: float, steps: int,
                   blowup: float = 1e3) -> list[float]:
    """Heavy-ball GD v ← μv - η∇L, θ ← θ + v on L = (1/2n)Σ(f - y)², BN statistics fixed.

    Stable on a quadratic with Hessian top eigenvalue λ iff η < 2(1+μ)/λ.  Returns the loss per
    step; stops early once the loss exceeds ``blowup`` × its initial value or is not finite.
    """
    from bnproof.models.bn_backprop import popnet_loss_grad

    vW = [np.zeros_like(W) for W in net.Ws]
    vb = [np.zeros_like(b) for b in net.bs]
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            loss, gW, gb = popnet_loss_grad(net, X, Y)
            losses.append(loss)
            if not math.isfinite(loss) or loss > blowup * losses[0]:
                break
            for l in range(net.L):
                vW[l] = mu * vW[l] - eta * gW[l]
                vb[l] = mu * vb[l] - eta * gb[l]
                net.Ws[l] = net.Ws[l] + vW[l]
                net.bs[l] = net.bs[l] + vb[l]
    return losses


def _classify(losses: list[float], rise: float) -> str:
    """convergent: never above ``rise`` × the initial loss and lower at the end; otherwise unstable
    (the quadratic-model instability that η* predicts), split into diverged (blew up, stopped) and
    catapult (rose above ``rise`` × initial, then came back below the initial loss)."""
    peak = max(losses) if all(math.isfinite(v) for v in losses) else math.inf
    if peak > rise * losses[0]:
        return "catapult" if math.isfinite(losses[-1]) and losses[-1] < losses[0] else "diverged"
    return "convergent" if losses[-1] < losses[0] else "unclear"


def check_max_lr(claim: Claim, config: RunConfig) -> Outcome:
    import copy

    from bnproof.models.bn_backprop import fim_top_eigenvalue, ntk_gram, popnet_forward

    p = network_params(claim, config, {"width": 64, "samples": 64, "seeds": 2, "population": 1000})
    mu, steps, rise = claim.param(config, "momentum"), claim.param(config, "steps"), claim.param(config, "rise")
    below = parse_floats(claim.param(config, "below"), "below")
    above = parse_floats(claim.param(config, "above"), "above")
    factors = sorted(set(below) | set(above))
    if config.quick and "steps" not in config.params:
        steps = 60
    if not 0 <= mu < 1:
        raise BadInput(f"--param momentum: μ must be in [0, 1), got {mu}")
    if not 10 <= steps <= 100_000:
        raise BadInput(f"--param steps: must be in [10, 100000], got {steps}")
    if not 1 < rise <= 1e3:
        raise BadInput(f"--param rise: must be in (1, 1000], got {rise}")
    blowup = 1e3
    configs = [(False, 1.0)] + [(True, g) for g in p["gamma_list"]]
    rows = []
    total = len(configs) * p["seeds"]
    for j, (bn, gamma) in enumerate(configs):
        lam_list, mf_list, runs = [], [], []
        for i in range(p["seeds"]):
            if config.progress:
                config.progress(claim.id, j * p["seeds"] + i, total)
            rng = _rng(config, 200 + i, int(bn), int(round(gamma * 1000)))
            net = _net(rng, p, gamma, bn)
            X = rng.standard_normal((p["samples"], p["width"]))
            teacher = _net(rng, p, 1.0, False)
            Y = popnet_forward(teacher, X)[3]
            Y = Y - Y.mean()  # a centred target of unit scale: the loss at init is O(1)
            Y = Y / (Y.std() + 1e-12)
            lam = fim_top_eigenvalue(ntk_gram(net, X))
            th = mf.wei_order_parameters(p["depth"], p["sigma_w2"], p["sigma_b2"], gamma, bn)
            lam_list.append(lam)
            mf_list.append(mf.wei_fim_bound(th, p["widths"], "hat")["bound"])
            eta_star = 2 * (1 + mu) / lam
            outcomes = {}
            for fct in factors:
                losses = train_momentum(copy.deepcopy(net), X, Y, fct * eta_star, mu, steps, blowup)
                outcomes[f"{fct:g}"] = {"class": _classify(losses, rise), "final_over_initial": _ratio(losses),
                                 "max_over_initial": _finite(max(losses) / losses[0]) if losses else None,
                                 "steps_run": len(losses)}
            runs.append({"lambda_max": lam, "eta_star": eta_star, "outcomes": outcomes})
        m, lo, hi = mean_ci(lam_list)
        rows.append({"bn": bn, "gamma": gamma if bn else None, "lambda_max": m, "lambda_ci": [lo, hi],
                     "lambda_mean_field": float(np.mean(mf_list)), "eta_star": 2 * (1 + mu) / m,
                     "eta_star_mean_field": 2 * (1 + mu) / float(np.mean(mf_list)), "runs": runs})
    # the decisive tests
    bad_below = [(r, f) for r in rows for run in r["runs"] for f in below if run["outcomes"][f"{f:g}"]["class"] != "convergent"]
    bad_above = [(r, f) for r in rows for run in r["runs"] for f in above if run["outcomes"][f"{f:g}"]["class"] == "convergent"]
    unclear = [(r, f) for r in rows for run in r["runs"] for f in factors if run["outcomes"][f"{f:g}"]["class"] == "unclear"]
    bn_rows = [r for r in rows if r["bn"]]
    lam_bn = [r["lambda_max"] for r in bn_rows]
    monotone = all(a < b for a, b in zip(lam_bn, lam_bn[1:]))
    label = lambda r: "no BN" if not r["bn"] else f"BN γ = {r['gamma']:g}"  # noqa: E731
    table = {label(r): {f"{f:g}": [run["outcomes"][f"{f:g}"]["class"] for run in r["runs"]] for f in factors}
             for r in rows}
    measured = {"lambda_max": {label(r): r["lambda_max"] for r in rows},
                "eta_star": {label(r): r["eta_star"] for r in rows},
                "eta_star_mean_field": {label(r): r["eta_star_mean_field"] for r in rows},
                "outcomes": table, "lambda_increasing_in_gamma": monotone, "rows": rows}
    expected = {"eta_star": "2(1+μ)/λ̄_max", "below": f"convergent at η/η* ∈ {below}",
                "above": f"unstable (loss above {rise:g}× its initial value) at η/η* ∈ {above}",
                "lambda_increasing_in_gamma": True}
    params = {"seed": config.seed, "momentum": mu, "steps": steps, "below": below, "above": above, "rise": rise,
              "gammas": p["gamma_list"], "width": p["width"], "depth": p["depth"], "samples": p["samples"],
              "sigma_w2": p["sigma_w2"], "sigma_b2": p["sigma_b2"], "population": p["population"],
              "seeds": p["seeds"], "teacher": "random no-BN network of the same shape, target standardised",
              "loss": "(1/2n)Σ(f - y)²", "bn_statistics": "population, fixed during training",
              "lambda": "top eigenvalue of the empirical FIM on the training inputs (= Gauss-Newton at init)"}
    n = f"({p['seeds']} networks per point, width {p['width']}, n = {p['samples']}, {steps} steps, μ = {mu:g})"
    if bad_above:
        r, f = bad_above[0]
        verdict, reason = REFUTED, (f"η = {f:g}·η* is convergent for {label(r)} (loss never above {rise:g}× its "
                                    f"initial value): 2(1+μ)/λ_max does not bound the stable step sizes {n}")
    elif bad_below:
        r, f = bad_below[0]
        cls = [run["outcomes"][f"{f:g}"]["class"] for run in r["runs"]]
        verdict, reason = REFUTED, f"η = {f:g}·η* is not convergent for {label(r)} ({', '.join(cls)}) {n}"
    elif not monotone:
        verdict, reason = REFUTED, f"λ_max with BN does not increase with γ: {[round(x, 4) for x in lam_bn]} {n}"
    elif unclear:
        verdict, reason = INCONCLUSIVE, "some runs neither converged nor became unstable; raise --param steps"
    else:
        n_cat = sum(run["outcomes"][f"{f:g}"]["class"] == "catapult" for r in rows for run in r["runs"] for f in above)
        verdict, reason = VERIFIED, (
            f"every run converges at η/η* ∈ {below} and is unstable (loss > {rise:g}× initial; {n_cat} of them "
            f"catapult back afterwards) at η/η* ∈ {above}, no BN and BN at γ ∈ {p['gamma_list']}; λ_max with BN increases with γ "
            f"({', '.join(f'{x:.3g}' for x in lam_bn)}) against {rows[0]['lambda_max']:.3g} without BN {n}")
    g = [r["gamma"] for r in bn_rows]
    series = {"panels": [
        {"title": "λ̄_max against γ", "xlabel": "γ", "ylabel": "λ_max", "xscale": "log", "yscale": "log", "x": g,
         "curves": [{"label": "BN (empirical FIM)", "y": lam_bn},
                    {"label": "BN (mean-field Σf_l)", "y": [r["lambda_mean_field"] for r in bn_rows], "style": "--"},
                    {"label": "no BN (empirical)", "y": [rows[0]["lambda_max"]] * len(g), "style": "-"}]},
        {"title": "η* = 2(1+μ)/λ̄_max against γ", "xlabel": "γ", "ylabel": "η*", "xscale": "log", "yscale": "log",
         "x": g, "curves": [{"label": "BN", "y": [r["eta_star"] for r in bn_rows]},
                            {"label": "no BN", "y": [rows[0]["eta_star"]] * len(g), "style": "-"}]},
        {"title": "loss ratio after training (network 0)", "xlabel": "η/η*", "ylabel": "final/initial loss",
         "xscale": "log", "yscale": "log", "x": factors,
         "curves": [{"label": label(r), "y": [r["runs"][0]["outcomes"][f"{f:g}"]["final_over_initial"] for f in factors]}
                    for r in rows],
         "hlines": [{"y": 1.0, "label": "initial loss"}]},
    ]}
    return Outcome(verdict, reason, expected, measured, {"rise": rise, "stop_at": blowup}, params,
                   {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"], "confidence_level": CONFIDENCE_LEVEL},
                   series)


def _finite(x: float) -> float | None:
    """JSON-safe: None for NaN/inf."""
    return float(x) if math.isfinite(x) else None


def _ratio(losses: list[float]) -> float | None:
    if not losses or not math.isfinite(losses[-1]) or losses[0] <= 0:
        return None
    return float(losses[-1] / losses[0])


MAX_LR = register(Claim(
    id="wei2019.max-learning-rate",
    paper="wei2019",
    citation=CITATION,
    summary="η* = 2(1+μ)/λ̄_max: GD with momentum converges below η*, blows up above; λ̄_max grows with γ",
    statement=r"\eta^* = \frac{2(1+\mu)}{\bar\lambda_{\max}},\qquad \frac{\partial\bar\lambda_{\max}}{\partial\gamma} > 0",
    confidence="paper",
    assumptions=("squared loss (FIM = Gauss-Newton matrix at init)", "full-batch GD with heavy-ball momentum μ",
                 "population BN statistics fixed"),
    check=check_max_lr,
    params=(Param("width", 100, "hidden width N (and input dimension N_0)", int),) + _NET_PARAMS[1:4] + (
        Param("population", 2000, "inputs used for the population BN statistics", int),
        Param("seeds", 2, "independent networks per γ", int),
        Param("gammas", "0.5,1,2,4", "BN scales γ (comma-separated)", str),
        Param("samples", 64, "training inputs n", int),
        Param("momentum", 0.9, "heavy-ball momentum μ", float),
        Param("steps", 100, "GD steps per run", int),
        Param("below", "0.5", "η/η* values that must converge (e.g. '0.5,4': the mutated claim that 4η* converges, "
              "refuted)", str),
        Param("above", "2,4", "η/η* values that must be unstable", str),
        Param("rise", 2.0, "a run is unstable once its loss exceeds rise × the initial loss", float),
    ),
    notes=("η* uses the empirical FIM top eigenvalue on the training inputs (the Gauss-Newton part of the Hessian at "
           "init); the mean-field value 2(1+μ)/Σf_l is reported alongside. Runs are classified convergent (final loss "
           "below the initial loss, never above rise × initial) or unstable: diverged (stopped once above 1000×) or "
           "catapult (above rise × initial, then back below the initial loss: the catapult phase of Lewkowycz et al. "
           "2020, which a quadratic model does not have; it is counted as unstable because the loss does rise, which is "
           "what η* predicts). Width 100, 64 samples, 100 steps by default to stay within the time budget."),
))


def render_derivation() -> tuple[dict[str, str], list[str]]:
    """``derivations/wei2019.md`` (run by ``bnproof derive``)."""
    from bnproof.symbolic import meanfield as smf

    ids = smf.wei_identities()
    return {"wei2019.md": smf.wei_markdown(ids)}, [i.name for i in ids if not i.holds]


def _register_derivation() -> None:
    from bnproof.symbolic.render import register_derivation

    register_derivation("wei2019", render_derivation)


_register_derivation()
