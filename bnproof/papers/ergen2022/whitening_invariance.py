r"""``ergen2022.whitening-invariance``: BN whitens the data, so the optimum sees only col(P_c X).

Reference notes §2 and §6.2 [derived]: the BN network is a ReLU network on Ũ = [U, c·1] with
P_c X = UΣVᵀ; Σ and V drop out, so p* is unchanged under X → XA (A invertible), X → X + 1bᵀ
and X → P_c X.  The plain ReLU network with a bias (no BN: the same program on [X, 1]) is the
contrast that does change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import (
    INAPPLICABLE,
    INCONCLUSIVE,
    REFUTED,
    VERIFIED,
    Curve,
    HLine,
    Outcome,
    Panel,
    panels,
)
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    REAL_TARGETS,
    VALUE_RTOL,
    beta_param,
    count_param,
    instance,
    lbfgs_iterations,
    random_orthogonal,
    shift_param,
)
from bnproof.solvers import group_lasso as cv

__all__ = ["TRANSFORMS", "transform", "Setup", "read_setup", "Measurement", "measure_whitening_invariance",
           "decide_whitening_invariance", "check_whitening_invariance"]

TRANSFORMS = ("linear", "shift", "center")  # the claim's transforms; "square" is a mutation (negative control)


def transform(X: np.ndarray, name: str, rng: np.random.Generator, condition: float) -> np.ndarray:
    """X → XA (A = Q₁ diag(logspace(0, log10 κ)) Q₂), X + 1bᵀ (b ~ N(0, 25I)), P_c X, or X∘X (not affine)."""
    n, d = X.shape
    if name == "linear":
        A = random_orthogonal(rng, d) @ np.diag(np.logspace(0, math.log10(condition), d)) @ random_orthogonal(rng, d)
        return X @ A
    if name == "shift":
        return X + 5.0 * rng.standard_normal(d)
    if name == "center":
        return X - X.mean(axis=0)
    if name == "square":
        return X * X
    raise ValueError(name)


def _nobn(X: np.ndarray) -> np.ndarray:
    """The data of the plain ReLU network with a bias: [X, 1]."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


@dataclass(frozen=True)
class Setup:
    X: np.ndarray
    y: np.ndarray
    beta: float
    c: float
    transforms: tuple[str, ...]
    condition: float
    starts: int
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    beta, shift, which = claim.param(config, "beta"), claim.param(config, "shift"), claim.param(config, "transforms")
    condition, starts = claim.param(config, "condition"), claim.param(config, "starts")
    X, y, source = instance(config, claim.param(config, "n"), claim.param(config, "d"))
    n, d = X.shape
    if cv.exact_cost(n, min(n - 1, d) + 1) > cv.EXACT_MAX_CANDIDATES:
        raise BadInput(f"n={n}, d={d}: too many patterns for the exact program (keep C(n, rank)·2^(rank+1) ≤ "
                       f"{cv.EXACT_MAX_CANDIDATES})")
    if config.quick:
        starts = min(starts, 1)
    c = cv.shift_constant(shift, n)
    names = TRANSFORMS if which == "all" else (which,)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c, "transforms": list(names),
              "condition": condition, "starts": starts, "data": source}
    return Setup(X, y, beta, c, names, condition, starts, params)


@dataclass(frozen=True)
class Measurement:
    base: cv.ConvexSolution  # the BN program on the original data
    nobn_base: cv.ConvexSolution  # the no-BN program on the original data
    general: bool  # rows of Ũ in general position (the enumeration is complete)
    rows: dict  # per transform: optimal values, deltas, patterns, rank, best L-BFGS value
    failed: list  # transforms on which a solve failed
    nonconvex: dict  # per transform: best L-BFGS value (starts > 0)


def _transformed(s: Setup, name: str, Xt: np.ndarray, base, nobn_base, config: RunConfig) -> tuple[dict | None, str]:
    """One transform's row (None and the solver statuses if a solve failed)."""
    n = s.X.shape[0]
    wht = cv.whiten(Xt, s.c)
    sol, general = cv.solve_exact(wht.Ut, s.y, s.beta)
    nb, _ = cv.solve_exact(_nobn(Xt), s.y, s.beta)
    if not (sol.ok and nb.ok):
        return None, f"{name}: {sol.status}/{nb.status}"
    row = {"optimal_value": sol.value, "delta": sol.value - base.value, "patterns": int(sol.D.shape[1]),
           "rank_centred": wht.r, "nobn_value": nb.value, "nobn_delta": nb.value - nobn_base.value,
           "general_position": general}
    if s.starts:
        tr = net.train(Xt, s.y, 2 * n, s.beta, s.c, starts=s.starts, seed=config.seed, maxiter=lbfgs_iterations(config))
        row["best_nonconvex_value"] = tr.best_value
    return row, ""


def measure_whitening_invariance(s: Setup, base, nobn_base, general: bool, config: RunConfig) -> Measurement:
    """Solve the BN and the no-BN program exactly on every transformed data set (and train, if ``starts``)."""
    rng = np.random.default_rng([config.seed, 11])
    rows, failed, nonconvex = {}, [], {}
    for name in s.transforms:
        row, why = _transformed(s, name, transform(s.X, name, rng, s.condition), base, nobn_base, config)
        if row is None:
            failed.append(why)
            continue
        rows[name] = row
        if "best_nonconvex_value" in row:
            nonconvex[name] = row["best_nonconvex_value"]
    return Measurement(base, nobn_base, general, rows, failed, nonconvex)


def _figure(rows: dict, tol: float) -> dict:
    labels = list(rows)
    return panels(Panel(
        "optimal value after each transform", "transform: " + ", ".join(f"{i} {k}" for i, k in enumerate(labels, 1)),
        "|Δ optimal value|", x=list(range(1, len(labels) + 1)), yscale="log",
        curves=[Curve("BN (convex program on [U, c1])", [max(abs(rows[k]["delta"]), 1e-16) for k in labels]),
                Curve("no BN (ReLU + bias)", [max(abs(rows[k]["nobn_delta"]), 1e-16) for k in labels])],
        hlines=[HLine(tol, "tolerance")]))


def decide_whitening_invariance(s: Setup, m: Measurement) -> Outcome:
    """Inconclusive if a solve failed; refuted if a BN optimum moved or L-BFGS went below it; else verified."""
    base, rows = m.base, m.rows
    tol = VALUE_RTOL * max(1.0, abs(base.value))
    changed = [name for name, row in rows.items() if abs(row["optimal_value"] - base.value) > tol]
    measured = {"optimal_value": base.value, "nobn_optimal_value": m.nobn_base.value, "transforms": rows,
                "patterns": int(base.D.shape[1]), "general_position": m.general,
                "max_abs_delta": max((abs(r["delta"]) for r in rows.values()), default=None),
                "max_abs_nobn_delta": max((abs(r["nobn_delta"]) for r in rows.values()), default=None)}
    common = dict(expected={"optimal_value": base.value, "max_abs_delta": 0.0}, measured=measured,
                  tolerance={"value_abs": tol, "value_rtol": VALUE_RTOL, "solver_tol": base.solver_tol},
                  params=s.params, series=_figure(rows, tol),
                  precision={"context": "float64", "solver": "cvxpy/CLARABEL", "solver_tol": base.solver_tol})
    below = {k: v for k, v in m.nonconvex.items() if v < base.value - tol}
    if m.failed:
        return Outcome(INCONCLUSIVE, f"the convex solver failed on: {', '.join(m.failed)}", **common)
    if changed or below:
        what = ", ".join(f"{k} (Δ = {rows[k]['delta']:.3g})" for k in changed)
        what += "".join(f"; non-convex {v:.9g} below the optimum after {k}" for k, v in below.items())
        return Outcome(REFUTED, f"the BN optimum {base.value:.9g} changed under: {what} (tolerance {tol:.1e})", **common)
    return Outcome(VERIFIED, f"BN optimum {base.value:.9g} unchanged to {measured['max_abs_delta']:.1e} under "
                   f"{', '.join(rows)}; without BN the optimum moves by up to {measured['max_abs_nobn_delta']:.3g}",
                   **common)


def check_whitening_invariance(claim: Claim, config: RunConfig) -> Outcome:
    r"""p*(XA) = p*(X + 1bᵀ) = p*(P_c X) = p*(X) for invertible A: the optimum depends on col(P_c X) only.

    **Statement.** The BN network's optimal value is invariant under X → XA (A invertible),
    X → X + 1bᵀ and X → P_c X.

    **Source.** Reference notes §2 (the reduction to Ũ = [U, c1], "BN whitens the data") and
    §6.2 [derived]: a corollary of the reduction, consistent with the paper's "whitening" keyword.

    **Measured.** The exact convex optimum (every pattern enumerated) on X and on each
    transformed data set; the same for the no-BN program on [X, 1] (the contrast, which moves);
    with ``starts`` > 0, the best L-BFGS objective on each transformed set (width 2n).

    **Decision.** Tolerance 1e-6·max(1, |p*|).  Refuted if a transformed BN optimum differs by
    more than tol or L-BFGS goes below p* − tol; verified otherwise.  Solver failure:
    inconclusive; P_c X = 0: inapplicable.

    **Negative control.** ``--param transforms=square`` (X∘X, not affine): refuted.
    """
    s = read_setup(claim, config)
    wh0 = cv.whiten(s.X, s.c)
    if wh0.r == 0:
        return Outcome(INAPPLICABLE, "P_c X = 0: BN undefined", {}, {}, params=s.params)
    base, general = cv.solve_exact(wh0.Ut, s.y, s.beta)
    nobn_base, _ = cv.solve_exact(_nobn(s.X), s.y, s.beta)
    if not (base.ok and nobn_base.ok):
        return Outcome(INCONCLUSIVE, f"solver status {base.status} / {nobn_base.status}", {}, {}, params=s.params)
    return decide_whitening_invariance(s, measure_whitening_invariance(s, base, nobn_base, general, config))


register(Claim(
    id="ergen2022.whitening-invariance", paper="ergen2022", citation=CITATION,
    source="reference notes §2 (reduction: Σ and V drop out) and §6.2 [derived]",
    summary="the BN network's optimum is unchanged under X→XA, X→X+1bᵀ, X→P_cX (it depends on col(P_c X) only)",
    statement=r"p^*(XA) = p^*(X + \mathbf 1 b^\top) = p^*(P_c X) = p^*(X),\quad A \text{ invertible}",
    confidence="derived",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay on (γ, α, v), β > 0", "A invertible"),
    check=check_whitening_invariance,
    params=(count_param("n", 12, "samples (ignored with --data)", lo=2),
            count_param("d", 2, "features (ignored with --data)"),
            beta_param(0.05),
            shift_param("BN shift constant c: isometric (1/√n) or one"),
            Param("transforms", "all", "all (linear, shift, center) or one of them; square = X∘X, not affine "
                  "(negative control)", str, ("all",) + TRANSFORMS + ("square",)),
            Param("condition", 100.0, "condition number of the random A in X → XA", float, lo=1.0),
            count_param("starts", 2, "L-BFGS starts on each transformed data set (lower-bound check; 0: none)", lo=0)),
    takes_data=True, **REAL_TARGETS,
    notes=("[derived] corollary of the reduction to Ũ = [U, c1] (reference notes §2, §6.2). Exact pattern enumeration; "
           "contrast: the plain ReLU network with bias (the same program on [X, 1]) changes under X → XA."),
))
