r"""``ergen2022.gd-preconditioning``: GD on the BN network is preconditioned GD on whitened data.

Reference notes §4 [derived]: the loss depends on w only through a = ΣVᵀw (P_c X = UΣVᵀ), so
∇_w L = VΣ∇_a L and the GD step w ← w − η∇_w L is, exactly, a ← a − ηΣ²∇_a L.  Hence
directions with large singular values are learned faster: GD-trained networks concentrate on
the top singular directions of the centred data (the mechanism behind the paper's implicit
regularization, §6.4 (a), (b)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.analysis.stats import mean_ci
from bnproof.claims import Claim, register
from bnproof.core.blas import single_threaded_blas
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Band, Curve, HLine, Panel, panels
from bnproof.core.verdicts import CONFIDENCE_LEVEL, interval_verdict
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    GAP_FLOOR,
    GD_ETA,
    beta_param,
    count_param,
    gd_step_count,
    random_orthogonal,
    shift_param,
    spectrum_param,
    spectrum_text,
    spread_spectrum,
    tex_sci,
)
from bnproof.solvers import group_lasso as cv

__all__ = ["IDENTITY_TOL", "IDENTITY_STEPS", "spread_instance", "gd_pair", "gd_pair_trace", "top_fraction", "Setup", "read_setup",
           "Measurement", "measure_gd_preconditioning", "decide_gd_preconditioning", "check_gd_preconditioning"]

IDENTITY_TOL = 1e-10  # relative agreement of the two GD trajectories
IDENTITY_STEPS = 200  # at most this many steps of the side-by-side run
_PRECONDITIONER_TEX = {"sigma2": r"\Sigma^2", "sigma": r"\Sigma", "identity": "I"}


def spread_instance(rng: np.random.Generator, n: int, sigma: np.ndarray):
    """Data with prescribed centred singular values: X = U diag(σ) Vᵀ + 1μᵀ (U centred, orthonormal) -> (X, y, U, V)."""
    r = sigma.size
    G = rng.standard_normal((n, r))
    G -= G.mean(axis=0)
    U = np.linalg.qr(G)[0]
    V = random_orthogonal(rng, r)
    X = U @ np.diag(sigma) @ V.T + rng.standard_normal(r)
    y = rng.standard_normal(n)
    return X, y, U, V


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, np.abs(b).max()))


def gd_pair(X, y, net0: net.Net, beta, c, eta_w, eta, steps, preconditioner="sigma2"):
    """Run GD on w (data space) and the a-space recursion a ← a − η_w P ∇_a L side by side.

    P = Σ² is the claim; ``preconditioner`` = ``sigma`` or ``identity`` are mutations.  Returns the
    largest relative difference of a_t vs ΣVᵀw_t, of the other parameters and of the losses, and
    both loss curves; :func:`gd_pair_trace` also gives the per-step difference (the figure's).
    """
    worst, losses_w, losses_a, _ = gd_pair_trace(X, y, net0, beta, c, eta_w, eta, steps, preconditioner)
    return worst, losses_w, losses_a


def gd_pair_trace(X, y, net0: net.Net, beta, c, eta_w, eta, steps, preconditioner="sigma2"):
    """:func:`gd_pair` plus, per step, the largest of the three relative differences."""
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = int(np.sum(s > 1e-10 * s[0]))
    U, s, V = U[:, :r], s[:r], Vt[:r].T
    m, Y = net0.m, y.reshape(n, -1)
    P = {"sigma2": s ** 2, "sigma": s, "identity": np.ones(r)}[preconditioner]
    th_w = net.pack(net0)
    th_a = np.concatenate([(s[:, None] * (V.T @ net0.W)).ravel(), th_w[d * m:]])
    worst = {"a": 0.0, "rest": 0.0, "loss": 0.0}
    losses_w, losses_a, trace = [], [], []
    in_w = net.gd_steps(th_w, Xc, Y, m, beta, c, eta_w, eta, steps)
    in_a = net.gd_steps(th_a, U, Y, m, beta, c, eta_w, eta, steps, precondition=P)  # the same network on U
    with single_threaded_blas():
        for (Lw, th_w), (La, th_a) in zip(in_w, in_a):
            losses_w.append(Lw)
            losses_a.append(La)
            a_from_w = s[:, None] * (V.T @ th_w[:d * m].reshape(d, m))
            step = {"a": _relative(a_from_w, th_a[:r * m].reshape(r, m)),
                    "rest": _relative(th_w[d * m:], th_a[r * m:]), "loss": abs(Lw - La) / max(1.0, abs(La))}
            worst = {k: max(v, step[k]) for k, v in worst.items()}
            trace.append(max(step.values()))
    return worst, losses_w, losses_a, trace


def top_fraction(X, W0, W1, which: str = "top") -> float:
    """Share of the movement Σ_j ‖Δa_j‖² (a = ΣVᵀw) along the top (or bottom) singular direction."""
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    dA = s[:, None] * (Vt @ (W1 - W0))
    k = 0 if which == "top" else len(s) - 1
    return float(np.sum(dA[k] ** 2) / np.sum(dA ** 2))


@dataclass(frozen=True)
class Setup:
    n: int
    sigma: np.ndarray  # singular values, descending
    beta: float
    c: float
    preconditioner: str
    direction: str
    seeds: int
    steps: int
    width: int
    eta_w: float
    eta: float
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    n = claim.param(config, "n")
    sigma = spread_spectrum(claim, config, n)
    beta, shift = claim.param(config, "beta"), claim.param(config, "shift")
    pre, target = claim.param(config, "preconditioner"), claim.param(config, "direction")
    seeds, steps, width = claim.param(config, "seeds"), gd_step_count(claim, config), claim.param(config, "width")
    seeds = claim.quick_cap(config, "seeds", seeds, 6)
    if config.steps is None:  # an explicit --steps, like an explicit --param, wins over --quick
        steps = claim.quick_cap(config, "gd_steps", steps, 100)
    c = cv.shift_constant(shift, n)
    eta, eta_w = GD_ETA, GD_ETA / sigma[0] ** 2
    params = {"seed": config.seed, "n": n, "spectrum": sigma.tolist(), "beta": beta, "shift": shift, "c": c,
              "preconditioner": pre, "direction": target, "seeds": seeds, "steps": steps, "width": width,
              "eta_w": eta_w, "eta": eta, "flat_spectrum": [float(sigma[0])] * sigma.size,
              "init": "a_j(0) ~ N(0, I_r), gamma, alpha, v ~ N(0, 0.25)"}
    return Setup(n, sigma, beta, c, pre, target, seeds, steps, width, eta_w, eta, params)


@dataclass(frozen=True)
class Measurement:
    worst: dict  # (a) largest relative differences: a vs ΣVᵀw, the other parameters, the losses
    losses_w: list
    losses_a: list
    spread: list  # (b) per seed: movement share along ``direction``, spread spectrum
    flat: list  # ... the same whitened problem and init with a flat spectrum
    identity_trace: list = ()  # (a) per step: the largest relative difference (the figure draws it)

    @property
    def identity_error(self) -> float:
        return max(self.worst.values())


def _identity_run(s: Setup, seed: int):
    """(a) the side-by-side run on the seed's first instance."""
    rng = np.random.default_rng([seed, 21])
    X, y, U, V = spread_instance(rng, s.n, s.sigma)
    a0 = rng.standard_normal((s.sigma.size, s.width))
    net0 = net.Net(V @ (a0 / s.sigma[:, None]), 0.5 * rng.standard_normal(s.width), 0.5 * rng.standard_normal(s.width),
                   0.5 * rng.standard_normal((s.width, 1)))
    return gd_pair_trace(X, y, net0, s.beta, s.c, s.eta_w, s.eta, min(s.steps, IDENTITY_STEPS), s.preconditioner)


def _concentration(s: Setup, seed: int, k: int) -> tuple[float, float]:
    """(b) one seed: the movement share after GD on the spread data and on its flat-spectrum twin."""
    rk = np.random.default_rng([seed, 22, k])
    Xs, yk, Uk, Vk = spread_instance(rk, s.n, s.sigma)
    flat = np.full(s.sigma.size, s.sigma[0])
    Xf = Uk @ np.diag(flat) @ Vk.T
    a0 = rk.standard_normal((s.sigma.size, s.width))
    rest = (0.5 * rk.standard_normal(s.width), 0.5 * rk.standard_normal(s.width), 0.5 * rk.standard_normal((s.width, 1)))
    out = []
    for Xk, sig in ((Xs, s.sigma), (Xf, flat)):
        W0 = Vk @ (a0 / sig[:, None])
        trained = net.gd_train(Xk, yk, net.Net(W0, *rest), s.beta, s.c, s.eta_w, s.eta, s.steps)
        out.append(top_fraction(Xk, W0, trained.W, s.direction))
    return out[0], out[1]


def measure_gd_preconditioning(s: Setup, config: RunConfig) -> Measurement:
    worst, lw, la, trace = _identity_run(s, config.seed)
    spread, flat = [], []
    for k in range(s.seeds):
        fs, ff = _concentration(s, config.seed, k)
        spread.append(fs)
        flat.append(ff)
        if config.progress is not None:
            config.progress("GD seeds", k + 1, s.seeds)
    return Measurement(worst, lw, la, spread, flat, trace)


def _figure(s: Setup, m: Measurement, spectrum: str, ci: tuple[float, float, float]) -> dict:
    """(a) the two runs and their per-step difference against the tolerance; (b) the shares per seed and
    their difference with its 95% interval, which the verdict needs above 0."""
    steps = list(range(1, len(m.losses_w) + 1))
    losses = Panel(r"GD on $w$ vs preconditioned GD on $a = \Sigma V^\top w$", "step $t$", r"loss $L_t$", x=steps,
                   curves=[Curve(r"GD on $w$", m.losses_w),
                           Curve(rf"GD on $a$, $P = {_PRECONDITIONER_TEX[s.preconditioner]}$ (identity)", m.losses_a,
                                 kind="theory")], xscale="log")
    identity = Panel("(a) identity: relative difference per step", "step $t$", "max relative difference",
                     x=steps, curves=[Curve(r"$a_t$ vs $\Sigma V^\top w_t$, other params, loss",
                                            [max(v, GAP_FLOOR) for v in m.identity_trace])],
                     xscale="log", yscale="log", hlines=[HLine(IDENTITY_TOL, f"tolerance {tex_sci(IDENTITY_TOL)}",
                                                               kind="bound")])
    seeds = list(range(1, s.seeds + 1))
    shares = Panel(f"(b) share of the movement along the {s.direction} direction", "seed",
                   rf"$(\Delta a)_{{\mathrm{{{s.direction}}}}}^2\,/\,\|\Delta a\|^2$", x=seeds,
                   curves=[Curve(f"spectrum {spectrum}", m.spread, style="C0o"),
                           Curve("flat spectrum", m.flat, style="C1s")])
    mean, lo, hi = ci
    diff = [a - b for a, b in zip(m.spread, m.flat)]
    bands = [Band("mean, 95% CI", [lo] * len(seeds), [hi] * len(seeds), x=seeds)] if math.isfinite(lo - hi) else []
    gap = Panel("(b) share difference: spread − flat", "seed", "difference of shares", x=seeds,
                curves=[Curve("per seed", diff, style="C2o"), Curve("mean, 95% CI", [mean] * len(seeds), style="C2-")],
                bands=bands, hlines=[HLine(0.0, "0: CI must be above", kind="bound")])
    return panels(losses, identity, shares, gap)


def decide_gd_preconditioning(s: Setup, m: Measurement, spectrum: str) -> Outcome:
    """Refuted if the identity fails; inapplicable without a spread spectrum; else the CI of the share difference."""
    mean, lo, hi = mean_ci(np.array(m.spread) - np.array(m.flat), CONFIDENCE_LEVEL)
    err, ratio = m.identity_error, float(s.sigma[0] / s.sigma[-1])
    measured = {"identity_max_rel_diff": err, "identity_parts": m.worst, "identity_steps": min(s.steps, IDENTITY_STEPS),
                "fraction_spread_mean": float(np.mean(m.spread)), "fraction_flat_mean": float(np.mean(m.flat)),
                "fraction_diff_mean": mean, "fraction_diff_ci95": [lo, hi], "seeds": s.seeds,
                "fractions_spread": m.spread, "fractions_flat": m.flat, "spread_ratio": ratio}
    common = dict(expected={"identity_max_rel_diff": 0.0, "fraction_diff_ci95_lower_above": 0.0}, measured=measured,
                  tolerance={"identity_rel": IDENTITY_TOL, "ci": "95% t-interval over seeds"}, params=s.params,
                  precision={"context": "float64"}, series=_figure(s, m, spectrum, (mean, lo, hi)))
    if not err <= IDENTITY_TOL:  # NaN fails too
        return Outcome(REFUTED, f"GD on w and GD on a with preconditioner {s.preconditioner} differ by "
                       f"{err:.2e} (> {IDENTITY_TOL:.0e})", **common)
    if ratio < 2:
        return Outcome(INAPPLICABLE, f"the concentration part needs a spread spectrum; σ_max/σ_min = {ratio:.3g} "
                       f"< 2 (identity holds to {err:.1e})", **common)
    verdict = interval_verdict(lo, hi, (0.0, math.inf))
    reason = {VERIFIED: f"identity holds to {err:.1e}; the {s.direction}-direction share of the movement is "
                        f"{np.mean(m.spread):.3f} (spectrum {spectrum}) vs {np.mean(m.flat):.3f} (flat), "
                        f"difference 95% CI [{lo:.3f}, {hi:.3f}] over {s.seeds} seeds",
              REFUTED: f"the {s.direction}-direction share is lower with the spread spectrum: difference 95% CI "
                       f"[{lo:.3f}, {hi:.3f}] over {s.seeds} seeds",
              INCONCLUSIVE: f"difference of shares 95% CI [{lo:.3f}, {hi:.3f}] contains 0 ({s.seeds} seeds)"}[verdict]
    return Outcome(verdict, reason, **common)


def check_gd_preconditioning(claim: Claim, config: RunConfig) -> Outcome:
    r"""GD on w = GD on a = ΣVᵀw preconditioned by Σ² (exact); GD concentrates on the top singular directions.

    **Statement.** (a) w_{t+1} = w_t − η∇_w L ⇔ a_{t+1} = a_t − ηΣ²∇_a L with a = ΣVᵀw,
    P_c X = UΣVᵀ; (b) hence, with a spread spectrum, GD moves the first layer mostly along the
    top singular direction of the centred data.

    **Source.** Reference notes §4 (the identity, [derived]) and §6.4 (a), (b) (the checks);
    the paper states that GD has an algorithmic bias [paper], the mechanism here is [derived].

    **Measured.** (a) GD on w and the a-space recursion run side by side for min(steps, 200)
    steps (η_w = 0.05/σ_max² on W, η = 0.05 on γ, α, v): the largest relative difference of
    a_t vs ΣVᵀw_t, of the other parameters and of the losses.  (b) over ``seeds`` seeds, the
    share Σ_j (Δa_j)_k² / Σ_j ‖Δa_j‖² of the ``direction`` (k = top or bottom) after GD on data
    with singular values ``spectrum``, minus the same on a flat spectrum (all σ_max, same
    whitened problem and init).

    **Decision.** (a) a difference > 1e-10: refuted.  σ_max/σ_min < 2: inapplicable.  (b) the
    95% t-interval of the share difference above 0: verified; below 0: refuted; else inconclusive.

    **Negative controls.** ``--param preconditioner=sigma`` or ``identity`` (refuted by (a)),
    ``--param direction=bottom`` (refuted by (b)), ``--param spectrum=1,1,1`` (inapplicable),
    ``--param seeds=2 --param gd_steps=2`` (starved: inconclusive).
    """
    s = read_setup(claim, config)
    return decide_gd_preconditioning(s, measure_gd_preconditioning(s, config), spectrum_text(claim, config))


register(Claim(
    id="ergen2022.gd-preconditioning", typical_s=0.65, paper="ergen2022", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "identity_max_rel_diff", "identity_parts", "identity_steps", "fraction_spread_mean", "fraction_flat_mean",
        "fraction_diff_mean", "fraction_diff_ci95", "seeds", "fractions_spread", "fractions_flat", "spread_ratio"
    ),
    source="reference notes §4 (GD step identity) and §6.4 (a), (b) [derived]",
    summary="GD on w = GD on a = ΣVᵀw preconditioned by Σ² (exact); GD concentrates on top singular directions",
    statement=(r"w_{t+1} = w_t - \eta\nabla_w L \iff a_{t+1} = a_t - \eta\Sigma^2\nabla_a L,\quad a = \Sigma V^\top w,\ "
               r"P_c X = U\Sigma V^\top"),
    confidence="derived",
    assumptions=("full-batch BN before the ReLU (loss depends on w only through P_c X w)",
                 "spread singular values of the centred data for the concentration part"),
    check=check_gd_preconditioning,
    params=(count_param("n", 12, "samples", lo=3),
            spectrum_param("singular values of the centred data (the flat control uses σ_max for all)"),
            beta_param(0.01),
            shift_param(),
            Param("preconditioner", "sigma2", "a-space preconditioner: sigma2 (the claim), sigma or identity "
                  "(negative controls)", str, ("sigma2", "sigma", "identity")),
            Param("direction", "top", "singular direction whose share is compared: top (the claim) or bottom "
                  "(negative control)", str, ("top", "bottom")),
            count_param("seeds", 12, "Monte Carlo seeds for the concentration part", lo=2),
            count_param("gd_steps", 300, "GD steps (overridden by --steps)"),
            count_param("width", 4, "neurons")),
    defaults={"steps": None},
    controls=(
        Control("preconditioner-sigma", STATEMENT_FLIP, "GD on w read as GD on a preconditioned by Σ (not Σ²)",
                params={"preconditioner": "sigma", "seeds": 2}),
        Control("preconditioner-identity", STATEMENT_FLIP, "GD on w read as plain GD on a",
                params={"preconditioner": "identity", "seeds": 2}),
        Control("bottom-direction", STATEMENT_FLIP, "GD concentrates on the bottom singular direction",
                params={"direction": "bottom"}),
        Control("two-seeds-two-steps", STARVED, "two seeds, two GD steps: the concentration interval is too wide",
                params={"seeds": 2, "gd_steps": 2}),
        Control("flat-spectrum", ASSUMPTION_DROPPED, "flat spectrum: nothing to concentrate on",
                params={"spectrum": "1,1,1"}, expect=(INAPPLICABLE,)),
    ),
    notes=("[derived] identity (reference notes §4): the loss depends on w only through a = ΣVᵀw, so ∇_w L = VΣ∇_a L. "
           "Step sizes: η_w = 0.05/σ_max² on W, η = 0.05 on (γ, α, v), the same in both runs. The concentration share "
           "is Σ_j (Δa_j)_k² / Σ_j ‖Δa_j‖² for the top (k = 1) direction; the flat control has the same whitened "
           "problem and init with all singular values σ_max."),
))
