r"""``ergen2022.closed-form``: for n ≤ d the optimum is block soft-thresholding of y₊ and y₋.

Reference notes §3 [derived]: with rank(P_c X) = n − 1 and c = 1/√n, p* = φ(‖y₊‖) + φ(‖y₋‖)
with at most two neurons (one per class for one-hot outputs); with c = 1 the formula fails.
The formula itself is :mod:`bnproof.papers.ergen2022.soft_threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STATEMENT_FLIP, Control
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, HLine, Panel, panels
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    COMMON_ASSUMPTIONS,
    REAL_TARGETS,
    VALUE_RTOL,
    beta_param,
    count_param,
    counterexample,
    gap_panel,
    instance,
    lbfgs_iterations,
    shift_param,
)
from bnproof.papers.ergen2022.soft_threshold import closed_form, column_norms
from bnproof.solvers import group_lasso as cv

__all__ = ["EXACT_N_MAX", "FITTED_ATOL", "onehot", "Setup", "read_setup", "Measurement", "measure_closed_form",
           "decide_closed_form", "check_closed_form"]

EXACT_N_MAX = 12  # n ≤ d: 2^n patterns; beyond this the exact convex solve is skipped
FITTED_ATOL = 1e-3  # the convex fitted values against f*, absolute


def onehot(y: np.ndarray, classes: int, rng: np.random.Generator, n: int, given: bool) -> np.ndarray:
    """One-hot targets: the classes of given labels ``y``, or random labels covering every class (n ≥ classes)."""
    if given:
        labels = np.unique(y, return_inverse=True)[1]
    else:
        labels = np.concatenate([np.arange(classes), rng.integers(0, classes, n - classes)]) if n >= classes else \
            rng.integers(0, classes, n)
        labels = rng.permutation(labels)
    Y = np.zeros((n, labels.max() + 1))
    Y[np.arange(n), labels] = 1.0
    return Y


@dataclass(frozen=True)
class Setup:
    """The instance (X, targets Y: n or n×C) and settings; ``params`` is the record's ``params`` block."""

    X: np.ndarray
    Y: np.ndarray
    beta: float
    c: float
    starts: int
    width: int
    threshold: float  # the soft-threshold level as a multiple of β (1: the formula)
    v_exponent: float  # second-layer weight ‖p‖^e of the closed-form network (1/2: the paper's constant)
    params: dict

    @property
    def classes(self) -> int:
        return 1 if self.Y.ndim == 1 else self.Y.shape[1]


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    beta, shift, output = claim.param(config, "beta"), claim.param(config, "shift"), claim.param(config, "output")
    starts, classes = claim.param(config, "starts"), claim.param(config, "classes")
    threshold, v_exponent = claim.param(config, "threshold"), claim.param(config, "v_exponent")
    X, y, source = instance(config, claim.param(config, "n"), claim.param(config, "d"))
    n, d = X.shape
    starts = claim.quick_cap(config, "starts", starts, 4)
    c = cv.shift_constant(shift, n)
    if output == "onehot":
        Y = onehot(y, classes, np.random.default_rng([config.seed, 3]), n, config.data is not None)
    else:
        Y = y
    C = 1 if Y.ndim == 1 else Y.shape[1]
    width = claim.param(config, "width") or (6 if C == 1 else 2 * C + 2)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c, "output": output,
              "classes": C, "starts": starts, "width": width, "data": source, "penalize_w": False,
              "loss": "0.5*||F-Y||^2", "penalty": "beta/2*(gamma^2+alpha^2+||v||^2)",
              "threshold": threshold, "v_exponent": v_exponent}
    return Setup(X, Y, beta, c, starts, width, threshold, v_exponent, params)


@dataclass(frozen=True)
class Measurement:
    value: float  # the closed form Σ φ(‖t‖)
    network_value: float  # objective of the explicitly built closed-form network
    neurons: int  # its live neurons
    optimal: float | None  # the convex solver's optimum (scalar y, n ≤ EXACT_N_MAX), else None
    fitted_error: float | None  # max |convex fitted values − f*|
    m_star: int | None  # width of the sparse convex solution
    status: str  # solver status ("not run" without a solve)
    trained: net.TrainResult


def _closed_form_network_value(s: Setup, wh: cv.Whitened, outs: list) -> float:
    """Objective of the closed-form network: BN output p per live column, output weight ±‖p‖^e (or e_k‖p‖^e).

    e = ``v_exponent``; e = 1/2 is the paper's ±√(‖(±y)₊‖ − β) (the balanced split γ = |v|); any
    other e gives the same outputs at a larger penalty.
    """
    n, C = s.X.shape[0], s.classes
    blocks = np.array([np.linalg.solve(wh.Ut, p) for p, _ in outs]).reshape(len(outs), n).T
    dirs = np.array([[tag] if C == 1 else np.eye(C)[tag] for _, tag in outs]).reshape(len(outs), C)
    built = net.rebuild(wh, blocks, dirs, s.c)  # v = ±√‖q‖, BN part q/√‖q‖
    t = np.linalg.norm(blocks, axis=0) if outs else np.zeros(0)
    k = np.where(t > 0, t, 1.0) ** (s.v_exponent - 0.5)
    built = net.Net(built.W, built.gamma / k, built.alpha / k, built.V * k[:, None])
    return net.objective(s.X, s.Y, built, s.beta, s.c)


def measure_closed_form(s: Setup, wh: cv.Whitened, run: cv.ConvexRun | None, config: RunConfig) -> Measurement:
    """The closed form, its network, the convex optimum (``run``, solved) and ``starts`` L-BFGS runs."""
    value, fit, outs = closed_form(s.Y, s.threshold * s.beta)  # threshold ≠ 1: a misread constant
    cf_value = _closed_form_network_value(s, wh, outs)
    p, fit_err, m_star, status = None, None, None, "not run"
    if run is not None:
        status, p, m_star = run.solution.status, run.solution.value, run.sparse.m
        fit_err = float(np.max(np.abs(run.solution.fitted(run.A) - fit)))
    trained = net.train(s.X, s.Y, s.width, s.beta, s.c, starts=s.starts, seed=config.seed,
                        maxiter=lbfgs_iterations(config), progress=config.progress)
    return Measurement(value, cf_value, len(outs), p, fit_err, m_star, status, trained)


def _problems(m: Measurement, tol: float) -> list[str]:
    value, p, best = m.value, m.optimal, m.trained.best_value
    problems = []
    if p is not None and abs(p - value) > tol:
        problems.append(f"convex optimum {p:.9g} ≠ closed form {value:.9g}")
    if abs(m.network_value - value) > tol:
        problems.append(f"the closed-form network's objective is {m.network_value:.9g}, not {value:.9g}")
    if best < value - tol:
        problems.append(f"L-BFGS reached {best:.9g} < closed form {value:.9g}")
    if m.fitted_error is not None and m.fitted_error > FITTED_ATOL:
        problems.append(f"convex fitted values differ from f* by {m.fitted_error:.2e}")
    return problems


def _figure(s: Setup, m: Measurement) -> dict:
    """The objectives against the formula p*, and every network's gap to it with the verdict's tolerance."""
    ordered = sorted(m.trained.values)
    phi = r"\phi(\|y_+\|) + \phi(\|y_-\|)" if s.classes == 1 else r"\sum_k \phi(\|y_k\|)"
    c = r"$c = 1/\sqrt{n}$" if s.params["shift"] == "isometric" else r"$c = 1$"
    runs = Panel(f"L-BFGS vs the closed form ({s.params['output']} y, {c})", "L-BFGS run (sorted)", "objective",
                 x=list(range(1, len(ordered) + 1)), curves=[Curve(f"L-BFGS, width {s.width}", ordered)],
                 hlines=[HLine(m.value, f"$p^* = {phi}$", kind="theory")])
    groups = [(f"L-BFGS runs, width {s.width} (sorted)", ordered), ("closed-form network", [m.network_value])]
    if m.optimal is not None:
        groups.append(("convex program (all patterns)", [m.optimal]))
    return panels(runs, gap_panel("every network against the closed form $p^*$", m.value, groups))


def decide_closed_form(s: Setup, m: Measurement, precision: dict) -> Outcome:
    """Refuted if the convex optimum, the closed-form network or L-BFGS contradicts the formula; else verified."""
    value, p, best, C = m.value, m.optimal, m.trained.best_value, s.classes
    tol = VALUE_RTOL * max(1.0, abs(value))
    measured = {"optimal_value": p, "best_nonconvex_value": best, "closed_form_network_value": m.network_value,
                "closed_form_neurons": m.neurons, "m_star": m.m_star, "fitted_max_abs_error": m.fitted_error,
                "nonconvex_values": [float(v) for v in m.trained.values], "solver_status": m.status,
                "best_gap_rel": (best - value) / max(1.0, abs(value)), "column_norms": column_norms(s.Y)}
    common = dict(expected={"optimal_value": value, "closed_form_network_value": value,
                            "neurons_at_most": 2 if C == 1 else C, "best_nonconvex_value_at_least": value},
                  tolerance={"value_abs": tol, "value_rtol": VALUE_RTOL, "fitted_abs": FITTED_ATOL},
                  params=s.params, precision=precision, series=_figure(s, m))
    problems = _problems(m, tol)
    if problems:
        measured["counterexample"] = counterexample(s.X, s.Y, [v for v in (p, m.network_value, best) if v is not None],
                                                    "; ".join(problems))
        return Outcome(REFUTED, "; ".join(problems) + f" (c = {s.params['shift']}, tolerance {tol:.1e})",
                       measured=measured, **common)
    cvx = f"convex optimum {p:.9g}" if p is not None else "(no exact convex program for vector outputs)"
    return Outcome(VERIFIED, f"closed form {value:.9g} = {cvx} = value of the {m.neurons}-neuron "
                   f"closed-form network; best of {len(m.trained.values)} L-BFGS runs {best:.9g} (gap "
                   f"{measured['best_gap_rel']:.2%}), none below", measured=measured, **common)


def check_closed_form(claim: Claim, config: RunConfig) -> Outcome:
    r"""n ≤ d, c = 1/√n: p* = φ(‖y₊‖) + φ(‖y₋‖), f* = block soft-thresholding of y₊ and y₋, ≤ 2 neurons.

    **Statement.** With rank(P_c X) = n − 1 and c = 1/√n: f* = (1 − β/‖y₊‖)₊ y₊ − (1 − β/‖y₋‖)₊ y₋,
    p* = φ(‖y₊‖) + φ(‖y₋‖), φ(t) = βt − β²/2 (t > β), t²/2 otherwise; for one-hot Y, Σ_k φ(‖y_k‖)
    with one neuron per class.

    **Source.** Reference notes §3 [derived]; the paper's constants (w₁ = X†(y)₊, second layer
    ±√(‖(±y)₊‖ − β)) are [recon].  Check design: notes §6.3.

    **Measured.** The closed form; the objective of the network built from it (forward pass);
    for scalar y and n ≤ 12, the convex optimum over all 2ⁿ patterns, its fitted values and
    sparse width; ``starts`` L-BFGS runs of width ``width``.

    **Decision.** Tolerance 1e-6·max(1, |p*|).  Refuted if the convex optimum or the network's
    objective differs from the formula by more than tol, an L-BFGS run goes below it, or the
    convex fitted values miss f* by more than 1e-3; verified otherwise.  rank(P_c X) < n − 1
    (n > d): inapplicable.  Solver failure: inconclusive.

    **Negative controls.** Statement flips, refuted: ``--param shift=one`` (c = 1: the convex
    optimum and L-BFGS go below the formula), also with ``--param output=onehot``;
    ``--param threshold=0.5`` (the formula read with threshold β/2: value and network miss);
    ``--param v_exponent=1`` (second layer ±(‖t‖ − β) instead of the paper's ±√(‖t‖ − β): the
    network's penalty exceeds the formula).  Assumption dropped: ``--param d=3`` (n > d):
    inapplicable.  Dead neurons: ``--param beta``
    above one or both of ‖y₊‖, ‖y₋‖ (still verified, with 1 or 0 neurons).
    """
    s = read_setup(claim, config)
    n = s.X.shape[0]
    wh = cv.whiten(s.X, s.c)
    if wh.r != n - 1:
        return Outcome(INAPPLICABLE, f"the closed form needs rank(P_c X) = n − 1 (n ≤ d regime); here rank "
                       f"{wh.r} < {n - 1}", {}, {"rank_centred": wh.r}, params=s.params)
    precision = {"context": "float64", "solver": "cvxpy/CLARABEL"}
    run = None
    if s.classes == 1 and n <= EXACT_N_MAX:
        run = cv.convex_run(s.X, s.Y, s.beta, s.c)
        precision["solver_tol"] = run.solution.solver_tol
        if not run.solution.ok:
            return Outcome(INCONCLUSIVE, f"the convex solver did not reach optimality (status {run.solution.status})",
                           {"optimal_value": closed_form(s.Y, s.threshold * s.beta)[0]}, {"solver_status": run.solution.status},
                           params=s.params, precision=precision)
    return decide_closed_form(s, measure_closed_form(s, wh, run, config), precision)


register(Claim(
    id="ergen2022.closed-form", typical_s=0.41, paper="ergen2022", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "optimal_value", "best_nonconvex_value", "closed_form_network_value", "closed_form_neurons", "m_star",
        "fitted_max_abs_error", "nonconvex_values", "solver_status", "best_gap_rel", "column_norms", "counterexample",
        "rank_centred"
    ),
    source="reference notes §3 (closed form for n ≤ d) and §6.3 [derived]",
    summary="n ≤ d: optimum = φ(‖y₊‖)+φ(‖y₋‖) by block soft-thresholding, two neurons (per class for one-hot)",
    statement=(r"n\le d,\ c=1/\sqrt n:\ f^*=(1-\beta/\|y_+\|)_+y_+-(1-\beta/\|y_-\|)_+y_-,\ "
               r"p^*=\varphi(\|y_+\|)+\varphi(\|y_-\|),\ \varphi(t)=\beta t-\beta^2/2\ (t>\beta),\ t^2/2\ \text{else}"),
    confidence="derived", assumptions=COMMON_ASSUMPTIONS + ("rank(P_c X) = n − 1 (n ≤ d, X of full row rank)",
                                                           "isometric shift c = 1/√n"),
    check=check_closed_form,
    params=(count_param("n", 8, "samples (ignored with --data); exact convex solve for n ≤ 12", lo=2),
            count_param("d", 20, "features (ignored with --data)"),
            beta_param(0.1),
            shift_param("BN shift constant: isometric (1/√n, the formula's convention) or one "
                        "(negative control: the formula fails)"),
            Param("output", "scalar", "scalar y, or onehot (vector outputs, per-class closed form)", str, ("scalar", "onehot")),
            count_param("classes", 3, "classes for generated one-hot labels"),
            count_param("starts", 10, "random L-BFGS starts"),
            count_param("width", 0, "non-convex width (0: 6 scalar, 2C+2 one-hot)", lo=0),
            Param("threshold", 1.0, "soft-threshold level as a multiple of β (1: the formula; other values: a misread "
                  "constant, negative control)", float, lo=0.0, hi=10.0, lo_open=True),
            Param("v_exponent", 0.5, "second-layer weight ±‖p‖^e of the closed-form network (0.5: the paper's "
                  "±√(‖t‖ − β); other values: negative control)", float, lo=0.0, hi=2.0)),
    takes_data=True, **REAL_TARGETS,
    controls=(
        Control("shift-one", STATEMENT_FLIP, "c = 1: Ũ is not orthogonal, the formula is not the optimum",
                params={"shift": "one", "starts": 2}),
        Control("threshold-half", STATEMENT_FLIP, "the formula with threshold β/2 instead of β",
                params={"threshold": 0.5, "starts": 1}),
        Control("v-exponent-one", STATEMENT_FLIP, "second layer ±(‖t‖ − β) instead of ±√(‖t‖ − β)",
                params={"v_exponent": 1.0, "starts": 1}),
        Control("n-above-d", ASSUMPTION_DROPPED, "n > d: rank(P_c X) < n − 1, the closed form does not apply",
                params={"d": 3, "starts": 1}, expect=(INAPPLICABLE,)),
    ),
    notes=("[derived] closed form (reference notes §3), the paper's constants unconfirmed ([recon]: "
           "w₁ = X†(y)₊, second-layer ±√(‖(±y)₊‖ − β)). One-hot outputs: no exact convex program (copositive), so the "
           "check is the closed-form network's value and L-BFGS lower bound only; measured.optimal_value is null there."),
))
