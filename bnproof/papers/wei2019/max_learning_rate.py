r"""``wei2019.max-learning-rate``: η* = 2(1+μ)/λ̄_max bounds the stable step sizes of GD with momentum.

Training is full-batch heavy-ball GD on a teacher regression
(:func:`bnproof.models.bn_backprop.popnet_train_momentum`, BN statistics fixed); λ̄_max is the
top eigenvalue of the empirical FIM on the training inputs (the Gauss-Newton matrix at init).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.controls import STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import (
    fim_top_eigenvalue,
    ntk_gram,
    popnet_forward,
    popnet_train_momentum,
)
from bnproof.papers.wei2019.network import (
    CITATION,
    arm_label,
    arms,
    gammas_param,
    network_params,
    network_rng,
    random_network,
    read_network,
)

__all__ = ["Schedule", "classify_run", "measure_max_learning_rate", "decide_max_learning_rate", "lr_series",
           "check_max_learning_rate", "MAX_LR"]

_FACTORS = ListOf(float, 0, 100, lo_open=True, unique_sorted=False)  # η/η* values, as given


@dataclass(frozen=True)
class Schedule:
    """The training runs: heavy-ball momentum μ, steps, the η/η* factors that must converge
    (``below``) and must be unstable (``above``), and the rise that counts as unstable."""

    momentum: float
    steps: int
    rise: float
    below: list[float]
    above: list[float]
    blowup: float = 1e3  # a run stops once its loss exceeds blowup × the initial loss

    @property
    def min_steps(self) -> int:
        """Fewest steps that can decide: 5 momentum time scales, 5/(1 - μ) (50 at μ = 0.9); a
        heavy-ball run needs ~1/(1 - μ) steps before its velocity, and so its (in)stability, shows."""
        return math.ceil(round(5 / (1 - self.momentum), 9))

    @property
    def factors(self) -> list[float]:
        return sorted(set(self.below) | set(self.above))


def classify_run(losses: list[float], rise: float) -> str:
    """convergent: never above ``rise`` × the initial loss and lower at the end; otherwise unstable
    (the quadratic-model instability that η* predicts), split into diverged (blew up, stopped) and
    catapult (rose above ``rise`` × initial, then came back below the initial loss)."""
    peak = max(losses) if all(math.isfinite(v) for v in losses) else math.inf
    if peak > rise * losses[0]:
        return "catapult" if math.isfinite(losses[-1]) and losses[-1] < losses[0] else "diverged"
    return "convergent" if losses[-1] < losses[0] else "unclear"


def _final_over_initial(losses: list[float]) -> float | None:
    if not losses or not math.isfinite(losses[-1]) or losses[0] <= 0:
        return None
    return float(losses[-1] / losses[0])


def _teacher_task(rng: np.random.Generator, p: dict) -> tuple[np.ndarray, np.ndarray]:
    """Training inputs and the standardised outputs of a random no-BN teacher of the same shape."""
    X = rng.standard_normal((p["samples"], p["width"]))
    Y = popnet_forward(random_network(rng, p, 1.0, False), X)[3]
    Y = Y - Y.mean()  # a centred target of unit scale: the loss at init is O(1)
    return X, Y / (Y.std() + 1e-12)


def _train_network(config: RunConfig, p: dict, s: Schedule, bn: bool, gamma: float, i: int) -> tuple[dict, float]:
    """Network ``i`` of one arm: λ_max, η*, and the class of a run at every η/η*; the mean-field Σf_l."""
    rng = network_rng(config, 200 + i, int(bn), int(round(gamma * 1000)))
    net = random_network(rng, p, gamma, bn)
    X, Y = _teacher_task(rng, p)
    lam = fim_top_eigenvalue(ntk_gram(net, X))
    th = mf.wei_order_parameters(p["depth"], p["sigma_w2"], p["sigma_b2"], gamma, bn)
    eta_star = 2 * (1 + s.momentum) / lam
    outcomes = {}
    for fct in s.factors:
        losses = popnet_train_momentum(copy.deepcopy(net), X, Y, fct * eta_star, s.momentum, s.steps, s.blowup)
        outcomes[f"{fct:g}"] = {"class": classify_run(losses, s.rise),
                                "final_over_initial": _final_over_initial(losses),
                                "max_over_initial": max(losses) / losses[0] if losses else None,
                                "steps_run": len(losses)}
    run = {"lambda_max": lam, "eta_star": eta_star, "outcomes": outcomes}
    return run, mf.wei_fim_bound(th, p["widths"], "hat")["bound"]


def measure_max_learning_rate(claim: Claim, config: RunConfig, p: dict, s: Schedule) -> list[dict]:
    """One row per arm (no BN; BN at each γ): λ̄_max with its CI, η*, mean-field values, the runs."""
    rows = []
    configs = arms(p["gammas"])
    for j, (bn, gamma) in enumerate(configs):
        runs, mf_list = [], []
        for i in range(p["seeds"]):
            if config.progress:
                config.progress(claim.id, j * p["seeds"] + i, len(configs) * p["seeds"])
            run, bound = _train_network(config, p, s, bn, gamma, i)
            runs.append(run)
            mf_list.append(bound)
        m, lo, hi = mean_ci([run["lambda_max"] for run in runs])
        rows.append({"bn": bn, "gamma": gamma if bn else None, "lambda_max": m, "lambda_ci": [lo, hi],
                     "lambda_mean_field": float(np.mean(mf_list)), "eta_star": 2 * (1 + s.momentum) / m,
                     "eta_star_mean_field": 2 * (1 + s.momentum) / float(np.mean(mf_list)), "runs": runs})
    return rows


def _runs_where(rows: list[dict], factors: list[float], test) -> list[tuple[dict, float]]:
    """(row, factor) for every run whose class at η = factor·η* passes ``test``."""
    return [(r, f) for r in rows for run in r["runs"] for f in factors if test(run["outcomes"][f"{f:g}"]["class"])]


def _increasing(values: list[float]) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


def decide_max_learning_rate(rows: list[dict], s: Schedule, context: str) -> tuple[str, str]:
    """Inconclusive when the runs are shorter than ``s.min_steps``; refuted by a convergent run
    above η*, a non-convergent run below it, or λ̄_max not increasing in γ; inconclusive while a
    run is unclear; verified otherwise."""
    if s.steps < s.min_steps:
        return INCONCLUSIVE, (f"{s.steps} steps are too few to tell stable from unstable runs at momentum "
                              f"μ = {s.momentum:g}: at least 5/(1 - μ) = {s.min_steps} are needed (--param steps) "
                              f"{context}")
    bad_above = _runs_where(rows, s.above, lambda c: c == "convergent")
    bad_below = _runs_where(rows, s.below, lambda c: c != "convergent")
    lam_bn = [r["lambda_max"] for r in rows if r["bn"]]
    if bad_above:
        r, f = bad_above[0]
        return REFUTED, (f"η = {f:g}·η* is convergent for {arm_label(r)} (loss never above {s.rise:g}× its "
                         f"initial value): 2(1+μ)/λ_max does not bound the stable step sizes {context}")
    if bad_below:
        r, f = bad_below[0]
        cls = [run["outcomes"][f"{f:g}"]["class"] for run in r["runs"]]
        return REFUTED, f"η = {f:g}·η* is not convergent for {arm_label(r)} ({', '.join(cls)}) {context}"
    if not _increasing(lam_bn):
        return REFUTED, f"λ_max with BN does not increase with γ: {[round(x, 4) for x in lam_bn]} {context}"
    if _runs_where(rows, s.factors, lambda c: c == "unclear"):
        return INCONCLUSIVE, "some runs neither converged nor became unstable; raise --param steps"
    n_cat = len(_runs_where(rows, s.above, lambda c: c == "catapult"))
    gammas = [r["gamma"] for r in rows if r["bn"]]
    return VERIFIED, (
        f"every run converges at η/η* ∈ {s.below} and is unstable (loss > {s.rise:g}× initial; {n_cat} of them "
        f"catapult back afterwards) at η/η* ∈ {s.above}, no BN and BN at γ ∈ {gammas}; λ_max with BN increases "
        f"with γ ({', '.join(f'{x:.3g}' for x in lam_bn)}) against {rows[0]['lambda_max']:.3g} without BN {context}")


def _lr_measured(rows: list[dict], factors: list[float]) -> dict:
    table = {arm_label(r): {f"{f:g}": [run["outcomes"][f"{f:g}"]["class"] for run in r["runs"]] for f in factors}
             for r in rows}
    by_arm = lambda field: {arm_label(r): r[field] for r in rows}  # noqa: E731
    return {"lambda_max": by_arm("lambda_max"), "eta_star": by_arm("eta_star"),
            "eta_star_mean_field": by_arm("eta_star_mean_field"), "outcomes": table,
            "lambda_increasing_in_gamma": _increasing([r["lambda_max"] for r in rows if r["bn"]]), "rows": rows}


def _sharpness_panels(rows: list[dict]) -> tuple[Panel, Panel]:
    """λ̄_max and η* against γ with BN: measured (range over networks as a band) next to the mean-field values."""
    bn_rows, nob = [r for r in rows if r["bn"]], rows[0]
    g = [r["gamma"] for r in bn_rows]
    lam, eta = r"BN: empirical $\bar\lambda_{\max}$", r"BN: $\eta^*$ from the empirical $\bar\lambda_{\max}$"
    per_net = [[run["lambda_max"] for run in r["runs"]] for r in bn_rows]
    mu_factor = bn_rows[0]["eta_star"] * bn_rows[0]["lambda_max"]  # 2(1 + μ)
    spread = f"range over {len(per_net[0])} networks"
    return (Panel(r"sharpness against $\gamma$", r"BN scale $\gamma$", r"$\bar\lambda_{\max}$", g, [
                Curve(lam, [r["lambda_max"] for r in bn_rows]),
                Curve(r"BN: mean field $\Sigma_l\, f_l$", [r["lambda_mean_field"] for r in bn_rows], kind="theory")],
                xscale="log", yscale="log", bands=[Band(f"{lam}, {spread}", [min(v) for v in per_net],
                                                        [max(v) for v in per_net])],
                hlines=[HLine(nob["lambda_max"], r"no BN: empirical $\bar\lambda_{\max}$", "reference")]),
            Panel(r"largest stable step $\eta^*$", r"BN scale $\gamma$", r"$\eta^* = 2(1+\mu)/\bar\lambda_{\max}$", g, [
                Curve(eta, [r["eta_star"] for r in bn_rows]),
                Curve(r"BN: mean field $2(1+\mu)/\Sigma_l\, f_l$", [r["eta_star_mean_field"] for r in bn_rows],
                      kind="theory")],
                xscale="log", yscale="log", bands=[Band(f"{eta}, {spread}", [mu_factor / max(v) for v in per_net],
                                                        [mu_factor / min(v) for v in per_net])],
                hlines=[HLine(nob["eta_star"], r"no BN: $\eta^*$", "reference")]))


def lr_series(rows: list[dict], s: Schedule) -> dict:
    """λ̄_max and η* against γ; then the verdict's runs: peak loss over the initial loss of every run against
    η/η*, with the instability threshold (``rise``) and the predicted boundary η = η*."""
    factors = s.factors
    curves = [Curve(f"{arm_label(r)}" if i == 0 else "", [run["outcomes"][f"{f:g}"]["max_over_initial"] for f in factors],
                    style=f"C{j}o-")
              for j, r in enumerate(rows) for i, run in enumerate(r["runs"])]
    peaks = [v for c in curves for v in c.y if v is not None and math.isfinite(v) and v > 0]
    curves.append(Curve(r"predicted boundary $\eta = \eta^*$", [min(peaks + [1.0]) / 2, max(peaks + [1.0]) * 2], x=[1, 1],
                        kind="theory"))
    runs = Panel("peak loss of every run (all networks)", r"$\eta / \eta^*$", "peak loss / initial loss", factors,
                 curves, xscale="log", yscale="log",
                 hlines=[HLine(s.rise, f"unstable above {s.rise:g}× the initial loss", "bound"),
                         HLine(1.0, "initial loss", "reference")])
    return panels(*_sharpness_panels(rows), runs)


def check_max_learning_rate(claim: Claim, config: RunConfig) -> Outcome:
    r"""GD with momentum μ converges below η* = 2(1+μ)/λ̄_max and not above it; λ̄_max grows with γ.

    Statement: η* = 2(1+μ)/λ̄_max is the largest stable learning rate of heavy-ball GD, and
    ∂λ̄_max/∂γ > 0 with BN.

    Source: Wei et al., the maximal learning rate of GD with momentum, and Fig. 1 (λ̄_max and η*
    against γ); reference notes §c2.1 and §c2.3, check proposal §c2.4.

    Measured: per network (``seeds`` per arm: no BN, BN at each γ in ``gammas``), λ̄_max of the
    empirical FIM on ``samples`` training inputs, η* from it, and ``steps`` of heavy-ball GD at
    η = f·η* for every f in ``below`` and ``above`` on a standardised random-teacher regression.
    Each run is convergent, unclear, or unstable (diverged: stopped above 1000× the initial
    loss; catapult: above ``rise``× initial, then back below it).

    Decision: inconclusive if ``steps`` < 5/(1 - μ) (five momentum time scales); refuted if a
    run at f ∈ ``above`` converges, a run at f ∈ ``below`` does not, or
    λ̄_max with BN does not increase with γ; inconclusive if a run is unclear; else verified.

    Negative controls (declared below): ``--param below=0.5,4`` (4η* converges),
    ``--param below=0.5,2`` (2η* converges) and ``--param above=0.5`` (0.5η* is unstable) are
    refuted; 10 steps are inconclusive.
    """
    p = read_network(claim, config, {"width": 64, "samples": 64, "seeds": 2, "population": 1000, "steps": 60})
    s = Schedule(p["momentum"], p["steps"], p["rise"], p["below"], p["above"])
    rows = measure_max_learning_rate(claim, config, p, s)
    context = (f"({p['seeds']} networks per point, width {p['width']}, n = {p['samples']}, {s.steps} steps, "
               f"μ = {s.momentum:g})")
    verdict, reason = decide_max_learning_rate(rows, s, context)
    expected = {"eta_star": "2(1+μ)/λ̄_max", "below": f"convergent at η/η* ∈ {s.below}",
                "above": f"unstable (loss above {s.rise:g}× its initial value) at η/η* ∈ {s.above}",
                "lambda_increasing_in_gamma": True}
    params = {"seed": config.seed, "momentum": s.momentum, "steps": s.steps, "below": s.below, "above": s.above,
              "rise": s.rise, "gammas": p["gammas"],
              **{k: p[k] for k in ("width", "depth", "samples", "sigma_w2", "sigma_b2", "population", "seeds")},
              "teacher": "random no-BN network of the same shape, target standardised",
              "loss": "(1/2n)Σ(f - y)²", "bn_statistics": "population, fixed during training",
              "lambda": "top eigenvalue of the empirical FIM on the training inputs (= Gauss-Newton at init)"}
    return Outcome(verdict, reason, expected, _lr_measured(rows, s.factors), {"rise": s.rise, "stop_at": s.blowup},
                   params, {"arithmetic": "float64", "monte_carlo_seeds": p["seeds"],
                            "confidence_level": CONFIDENCE_LEVEL},
                   lr_series(rows, s))


MAX_LR = register(Claim(
    id="wei2019.max-learning-rate", typical_s=0.88,
    measured_keys=("lambda_max", "eta_star", "eta_star_mean_field", "outcomes", "lambda_increasing_in_gamma", "rows"),
    paper="wei2019",
    citation=CITATION,
    summary="η* = 2(1+μ)/λ̄_max: GD with momentum converges below η*, blows up above; λ̄_max grows with γ",
    statement=r"\eta^* = \frac{2(1+\mu)}{\bar\lambda_{\max}},\qquad \frac{\partial\bar\lambda_{\max}}{\partial\gamma} > 0",
    confidence="paper",
    assumptions=("squared loss (FIM = Gauss-Newton matrix at init)", "full-batch GD with heavy-ball momentum μ",
                 "population BN statistics fixed"),
    check=check_max_learning_rate,
    source="Wei et al.: η* = 2(1+μ)/λ̄_max and Fig. 1 (λ̄_max against γ); reference notes §c2.1, §c2.3, §c2.4",
    params=network_params(100, 2, "independent networks per γ") + (
        gammas_param("BN scales γ (comma-separated)"),
        Param("samples", 64, "training inputs n", int, lo=8, hi=5000),
        Param("momentum", 0.9, "heavy-ball momentum μ", float, lo=0, hi=1, hi_open=True),
        Param("steps", 100, "GD steps per run", int, lo=10, hi=100_000),
        Param("below", "0.5", "η/η* values that must converge (e.g. '0.5,4': the mutated claim that 4η* converges, "
              "refuted)", _FACTORS),
        Param("above", "2,4", "η/η* values that must be unstable", _FACTORS),
        Param("rise", 2.0, "a run is unstable once its loss exceeds rise × the initial loss (1.5 to 100: a smaller "
              "rise would count momentum's transient overshoot as instability)", float, lo=1.5, hi=100,
              tolerance=True),
    ),
    controls=(
        Control("4-eta-star-converges", STATEMENT_FLIP, "the mutated claim that 4η* still converges",
                params={"below": "0.5,4", "gammas": "1"}),
        Control("2-eta-star-converges", STATEMENT_FLIP, "a factor just above the threshold: 2η* claimed stable",
                params={"below": "0.5,2", "above": "4", "gammas": "1"}),
        Control("half-eta-star-unstable", STATEMENT_FLIP, "the mutated claim that 0.5η* is unstable",
                params={"below": "0.25", "above": "0.5", "gammas": "1"}),
        Control("ten-steps", STARVED, "10 steps at μ = 0.9: one momentum time scale, too short to tell stable from unstable",
                params={"steps": 10, "gammas": "1"}),
    ),
    notes=("η* uses the empirical FIM top eigenvalue on the training inputs (the Gauss-Newton part of the Hessian at "
           "init); the mean-field value 2(1+μ)/Σf_l is reported alongside. Runs are classified convergent (final loss "
           "below the initial loss, never above rise × initial) or unstable: diverged (stopped once above 1000×) or "
           "catapult (above rise × initial, then back below the initial loss: the catapult phase of Lewkowycz et al. "
           "2020, which a quadratic model does not have; it is counted as unstable because the loss does rise, which is "
           "what η* predicts). Width 100, 64 samples, 100 steps by default to stay within the time budget."),
))
