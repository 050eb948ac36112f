r"""``daneshmand2020.rank``: BN keeps the rank of deep random linear networks, products of random matrices lose it.

Without normalization H_ℓ = W_ℓ ⋯ W_1 X collapses towards rank one; with rescaling-only BN
(Daneshmand et al. 2021, Eq. (1)) the soft rank stays ≥ c·min(√d, n).  Forward passes: the
exact-in-law Gram chain :func:`bnproof.models.bn_init.chain_from_inputs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.stats import mean_halfwidth
from bnproof.claims import Claim, register
from bnproof.core.blas import single_threaded_blas
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.data import Dataset, validate
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, Span, panels
from bnproof.core.verdicts import interval_verdict
from bnproof.models import bn_init as bi

__all__ = ["CITATION", "CONTROLS", "identical_rows", "VANILLA_COLLAPSED", "RankSetup", "RankRuns", "rank_runs", "measure_rank", "decide_rank",
           "check_rank"]

CITATION = ("Daneshmand, Kohler, Bach, Hofmann, Lucchi. Batch normalization provably avoids rank collapse for "
            "randomly initialised deep networks. NeurIPS 2020 (arXiv:2003.01652)")
VANILLA_COLLAPSED = 2.0  # soft rank at or below this counts as collapsed


@dataclass(frozen=True)
class RankSetup:
    """The run's sizes and switches, after ``--quick`` and validation."""

    n: int
    widths: list[int]
    depth: int
    seeds: int
    tau: float
    rank_const: float
    normalize: bool
    inputs: np.ndarray | None = None  # d_in×n batch from --data (None: generic Gaussian inputs)

    @property
    def bn(self) -> bi.Components:
        return bi.Components(recenter=False, rescale=self.normalize, nonlinearity="linear")


@dataclass(frozen=True)
class RankRuns:
    """Per width d: the BN arm's and the vanilla arm's soft rank, summarised (``rows``) and per layer."""

    rows: dict[str, dict[str, float]]
    bn_per_layer: dict[int, list[float]]
    vanilla_per_layer: dict[int, list[float]]


def rank_runs(n: int, width: int, depth: int, seeds: int, comp: bi.Components, tau: float, seed: int,
              inputs: np.ndarray | None = None) -> np.ndarray:
    """Soft rank per layer, shape (depth+1, seeds), from generic Gaussian inputs or the given d_in×n batch.

    A given batch enters through its n×n Gram matrix: the chain's first layer maps it to width d
    (exact in law for any input width), one independent network per seed.
    """
    rng = np.random.default_rng([seed, width, int(comp.rescale)])
    observe = lambda R: {"rank": bi.soft_rank(R, tau)}  # noqa: E731
    if inputs is None:
        X = rng.standard_normal((seeds, width, n))
        return bi.chain_from_inputs(X, depth, comp, rng, observe)["rank"]
    R0 = np.repeat(bi.gram_factor(inputs.T @ inputs)[None], seeds, axis=0)
    with single_threaded_blas():
        return bi.gram_chain(R0, depth, width, comp, rng, observe)["rank"]


def _setup(claim: Claim, config: RunConfig) -> RankSetup:
    n, depth, seeds = claim.param(config, "n"), claim.param(config, "depth"), claim.param(config, "seeds")
    widths = claim.param(config, "widths")
    inputs = None if config.data is None else np.asarray(config.data.X, float).T  # samples are the batch's points
    if inputs is not None:
        n = inputs.shape[1]
    depth, seeds = claim.quick_cap(config, "depth", depth, 300), claim.quick_cap(config, "seeds", seeds, 4)
    if config.quick and "widths" not in config.params:
        widths = [w for w in widths if w <= 128] or widths[:1]
    for w in widths:
        bi.validate_sizes(n, w, depth, seeds)
    return RankSetup(n, widths, depth, seeds, claim.param(config, "tau"), claim.param(config, "rank_const"),
                     claim.param(config, "normalize"), inputs)


def measure_rank(setup: RankSetup, seed: int, progress=None) -> RankRuns:
    """Both arms at every width: the BN rank averaged over the last half of the layers, the vanilla final rank."""
    vanilla = bi.Components(recenter=False, rescale=False, nonlinearity="linear")
    half = setup.depth // 2
    rows, bn_layers, va_layers = {}, {}, {}
    for i, d in enumerate(setup.widths):
        r_bn = rank_runs(setup.n, d, setup.depth, setup.seeds, setup.bn, setup.tau, seed, setup.inputs)
        r_va = rank_runs(setup.n, d, setup.depth, setup.seeds, vanilla, setup.tau, seed, setup.inputs)
        avg, h = (float(x) for x in mean_halfwidth(r_bn[half:].mean(axis=0)))  # time average over the last half, per seed
        va_final, va_h = (float(x) for x in mean_halfwidth(r_va[-1]))
        rows[str(d)] = {"bn_rank_avg_last_half": avg, "bn_rank_ci95": h, "required": setup.rank_const * min(math.sqrt(d), setup.n),
                        "vanilla_rank_final": va_final, "vanilla_rank_ci95": va_h, "bn_rank_final": float(r_bn[-1].mean())}
        bn_layers[d] = [float(v) for v in r_bn.mean(axis=1)]
        va_layers[d] = [float(v) for v in r_va.mean(axis=1)]
        if progress:
            progress("rank: widths", i + 1, len(setup.widths))
    return RankRuns(rows, bn_layers, va_layers)


def decide_rank(setup: RankSetup, runs: RankRuns) -> tuple[str, str, bool]:
    """(verdict, reason, vanilla collapsed at the smallest width).

    Per width, the BN rank's 95% CI against [c·min(√d, n), ∞) (:func:`interval_verdict`): below refutes,
    straddling is inconclusive; the vanilla arm must end below the BN arm at every width and at
    ≤ ``VANILLA_COLLAPSED`` at the smallest width, else inconclusive.
    """
    against, unsure = [], []
    for d in setup.widths:
        row = runs.rows[str(d)]
        avg, h, need = row["bn_rank_avg_last_half"], row["bn_rank_ci95"], row["required"]
        side = interval_verdict(avg - h, avg + h, (need, math.inf))
        if side == REFUTED:
            against.append(f"d = {d}: {setup.bn.label} rank {avg:.3g} ± {h:.2g} < {need:.3g}")
        elif side == INCONCLUSIVE:
            unsure.append(f"d = {d}: rank CI straddles {need:.3g}")
        if not row["vanilla_rank_final"] < avg:
            unsure.append(f"d = {d}: vanilla rank {row['vanilla_rank_final']:.3g} not below the BN rank")
    first = runs.rows[str(setup.widths[0])]["vanilla_rank_final"]
    collapsed = first <= VANILLA_COLLAPSED
    if not collapsed:
        unsure.append(f"vanilla rank at d = {setup.widths[0]} is {first:.3g} > {VANILLA_COLLAPSED} after {setup.depth} layers")
    where = f"n = {setup.n}, τ = {setup.tau:g}, {setup.depth} layers, {setup.seeds} seeds, 95% CIs"
    summary = "; ".join(f"d = {d}: BN {runs.rows[str(d)]['bn_rank_avg_last_half']:.3g} vs c·min(√d, n) = "
                        f"{runs.rows[str(d)]['required']:.3g}, vanilla {runs.rows[str(d)]['vanilla_rank_final']:.3g}"
                        for d in setup.widths)
    if against:
        return REFUTED, f"the rank is not kept: {'; '.join(against)} ({where})", collapsed
    if unsure:
        return INCONCLUSIVE, f"{'; '.join(unsure)} ({summary}; {where})", collapsed
    return (VERIFIED, f"vanilla collapses, BN keeps rank ≥ c·min(√d, n) with c = {setup.rank_const:g}: {summary} ({where})",
            collapsed)


def _figure(setup: RankSetup, runs: RankRuns) -> dict:
    """BN arm (with c·min(√d, n) and the time-averaged rank's CI over the averaged layers) beside the vanilla arm."""
    layers, half = list(range(setup.depth + 1)), setup.depth // 2
    window = [half, setup.depth]
    bn, vanilla, bands = [], [], []
    for i, d in enumerate(setup.widths):
        row, colour = runs.rows[str(d)], f"C{i % 10}"
        bn.append(Curve(f"$d = {d}$", runs.bn_per_layer[d], style=f"{colour}-"))
        bn.append(Curve(f"bound $c\\,\\min(\\sqrt{{d}}, n)$, $d = {d}$", [row["required"]] * 2, x=window,
                        style=colour, kind="bound"))
        avg, h = row["bn_rank_avg_last_half"], row["bn_rank_ci95"]
        bands.append(Band(f"$d = {d}$", [avg - h] * 2, [avg + h] * 2, x=window))
        vanilla.append(Curve(f"$d = {d}$", runs.vanilla_per_layer[d], style=f"{colour}-"))
    title = f"$n = {setup.n}$, $\\tau = {setup.tau:g}$"
    return panels(
        Panel(f"{setup.bn.label}: soft rank vs depth ({title})", r"layer $\ell$", r"soft rank $\mathrm{rank}_\tau(H_\ell)$",
              layers, bn, yscale="log", bands=bands,
              spans=[Span(half, setup.depth, "averaged layers (95% CI band)")]),
        Panel(f"vanilla: soft rank vs depth ({title})", r"layer $\ell$", r"soft rank $\mathrm{rank}_\tau(H_\ell)$",
              layers, vanilla, yscale="log",
              hlines=[HLine(VANILLA_COLLAPSED, f"collapsed: rank $\\leq {VANILLA_COLLAPSED:g}$"),
                      HLine(1.0, "rank one (the limit)", kind="theory")]))


def check_rank(claim: Claim, config: RunConfig) -> Outcome:
    r"""Vanilla deep linear networks collapse to rank one; rescaling-only BN keeps rank ≥ c·min(√d, n).

    Statement: with H_{ℓ+1} = W_ℓ H_ℓ (vanilla), rank_τ(H_ℓ) → 1; with H_{ℓ+1} = BN(W_ℓ H_ℓ)/√d,
    (1/L) Σ_ℓ rank_τ(H_ℓ) ≥ c·min(√d, n), where rank_τ counts singular values above τ·σ_max.
    Source: reference notes §(b2) [recon] -- the abstract (rank collapse without BN, a rank lower
    bound with BN in deep linear networks) and the Ω(√d) bound quoted by a NeurIPS review.
    Measured: per width d, ``seeds`` networks per arm from generic Gaussian inputs; the BN rank's
    time average over the last half of the layers (mean and 95% Student-t CI over seeds) and the
    vanilla arm's final rank.
    Decision (:func:`decide_rank`): refuted if a BN CI lies below c·min(√d, n); inconclusive if one
    straddles it or the vanilla arm does not collapse; else verified.
    With ``--data`` (X n×d: the n samples are the batch) the chain starts from X's Gram matrix;
    identical samples (BN undefined) or any batch of rank < n are *inapplicable* before any rank is
    measured (:func:`bnproof.models.bn_init.degenerate_batch`): a relative rank test would count
    identical samples as rank 1, a fact about the data, not the network.
    Negative controls (``controls=``): ``--param normalize=false`` (the BN arm is vanilla too) and
    ``--param rank_const=3`` (a bound too strong at d = n) are refuted; ``--param n=16 --param
    widths=8,64`` (d < n) and ``--data`` with identical rows are inapplicable; depth 20 with 2
    seeds is inconclusive (the vanilla arm has not collapsed yet).
    """
    setup = _setup(claim, config)
    why = None if setup.inputs is None else bi.degenerate_batch(setup.inputs)  # the data's defect first
    why = why or bi.width_violation(setup.n, setup.widths)
    if why is not None:
        return Outcome(INAPPLICABLE, why, expected={}, measured={},
                       params={"n": setup.n, "widths": setup.widths, "seed": config.seed,
                               "inputs": "generic Gaussian" if setup.inputs is None else "--data"})
    runs = measure_rank(setup, config.seed, config.progress)
    verdict, why, collapsed = decide_rank(setup, runs)
    c = setup.rank_const
    return Outcome(
        verdict, why,
        expected={"bn_rank": f">= {c:g} * min(sqrt(d), n)", "vanilla_rank": f"-> 1 (<= {VANILLA_COLLAPSED} at the smallest width)"},
        measured={"per_width": runs.rows, "vanilla_collapsed_at_smallest_width": collapsed, "seeds": setup.seeds},
        tolerance={"ci": "95% Student-t CI over seeds of the per-seed time average over the last half of the layers"},
        params={"n": setup.n, "widths": setup.widths, "depth": setup.depth, "seeds": setup.seeds, "seed": config.seed,
                "inputs": "generic Gaussian" if setup.inputs is None else "--data (its Gram matrix)",
                "tau": setup.tau, "rank_const": c, "normalize": setup.normalize,
                "rank_measure": "#{σ_i > τ σ_max} (soft rank) [recon]", **setup.bn.to_dict()},
        precision={"arithmetic": "float64; singular values below ~1e-8 σ_max are not resolved by the chain (τ ≥ 1e-6 advised)"},
        series=_figure(setup, runs))


def identical_rows(seed: int) -> Dataset:
    """Data whose n = 32 samples are one point repeated (BN undefined; rank 1 by any relative test)."""
    x = np.random.default_rng(seed).standard_normal(64)
    return validate(np.tile(x, (32, 1)), np.ones(32), source="identical rows")


CONTROLS = (
    Control("rank-const-3", STATEMENT_FLIP, "rank ≥ 3·min(√d, n): more than n at d = n", params={"rank_const": 3}),
    Control("vanilla-bn-arm", ASSUMPTION_DROPPED, "no normalization in the BN arm: both arms collapse",
            params={"normalize": "false"}, expect=(REFUTED,)),
    Control("identical-rows", ASSUMPTION_DROPPED, "--data with identical samples: BN undefined, rank 1 from the input",
            data=identical_rows, expect=(INAPPLICABLE,)),
    Control("depth-20-two-seeds", STARVED, "20 layers: the vanilla arm has not collapsed yet",
            params={"depth": 20, "seeds": 2}),
)


register(Claim(
    id="daneshmand2020.rank", typical_s=6.9, paper="daneshmand2020", citation=CITATION,
    measured_keys=("per_width", "vanilla_collapsed_at_smallest_width", "seeds"),
    source="reference notes §(b2) [recon]: abstract; the Ω(√d) rank bound as quoted by a NeurIPS review",
    summary="soft rank vs depth: collapses without normalization, BN keeps it of order √d (capped at n)",
    statement=(r"\text{vanilla: } \mathrm{rank}_\tau(H_\ell) \to 1;\quad \text{BN: } \tfrac{1}{L}\sum_\ell "
               r"\mathrm{rank}_\tau(H_\ell) \ge c\,\min(\sqrt d, n)"),
    confidence="recon",
    assumptions=("deep linear network, Gaussian weights", "rescaling-only BN (no recentering)", "generic inputs",
                 "width d ≥ n"),
    check=check_rank,
    takes_data=True, data_kind="matrix",
    controls=CONTROLS,
    params=(Param("n", 32, "batch size", int),
            Param("widths", "32,128,512", "comma-separated widths d", ListOf(int, lo=1, min_len=2)),
            Param("depth", 600, "layers", int), Param("seeds", 8, "independent networks per width and arm", int),
            Param("tau", 0.01, "soft-rank threshold relative to σ_max", float, lo=0, hi=1, lo_open=True, hi_open=True),
            Param("rank_const", 1.0, "c in rank ≥ c·min(√d, n)", float, lo=0, lo_open=True),
            Param("normalize", True, "the BN arm's switch (negative control: false)", bool)),
    notes=("[recon]: the Ω(√d) rank bound is quoted from a NeurIPS review, not the paper; the rank measure and c are "
           "this tool's. The BN rank is the time average over the last half of the layers (the paper bounds an "
           "average over layers). Vanilla collapse slows as d grows (Lyapunov-exponent gaps ∝ 1/d), so it is "
           "required to reach ≤ 2 only at the smallest width; at every width it must end below the BN rank."),
))
