r"""``ergen2022.whitening-invariance``: BN whitens the data, so the optimum sees only col(P_c X).

Reference notes §2 and §6.2 [derived]: the BN network is a ReLU network on Ũ = [U, c·1] with
P_c X = UΣVᵀ; Σ and V drop out, so p* is unchanged under X → XA (A invertible), X → X + 1bᵀ
and X → P_c X.

The check does *not* go through the whitening: on each transformed data set it solves the
network's convex program written on the network's own features (:func:`group_lasso.solve_network`:
M = P_c X, block norm ‖(Mw, α)‖ -- BN's centring and scaling as defined) and, with ``starts``,
trains the BN network itself; the values are compared with those on X.  The same program
without BN's scaling, without its centring, or without either (``--param network=...``) is not
invariant and must be refuted; so must a transform outside the group (``transforms=square``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STATEMENT_FLIP, Control
from bnproof.core.data import Dataset
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, HLine, Panel, panels
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    GAP_FLOOR,
    REAL_TARGETS,
    VALUE_RTOL,
    beta_param,
    count_param,
    gap_panel,
    instance,
    lbfgs_iterations,
    random_orthogonal,
    shift_param,
    tex_sci,
)
from bnproof.solvers import group_lasso as cv

__all__ = ["TRANSFORMS", "NETWORKS", "transform", "network_value", "value_tolerance", "Setup", "read_setup", "Measurement", "measure_whitening_invariance",
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


# network -> (centred features P_c X, BN's scaling ‖(Mw, α)‖); only "bn" is the claim's network
NETWORKS = {"bn": (True, True), "bn-no-scale": (True, False), "bn-no-centre": (False, True), "plain": (False, False)}
DEGENERATE_RTOL = 1e-10  # ‖P_c X‖ ≤ this·‖X‖: the rows are identical to rounding, BN is undefined


def network_value(X: np.ndarray, y: np.ndarray, beta: float, c: float, network: str) -> tuple[cv.ConvexSolution, bool]:
    """The exact optimum of ``network``'s convex program on X, built from the network's definition (no SVD)."""
    centre, scaled = NETWORKS[network]
    M = X - X.mean(axis=0) if centre else X
    D, general = cv.network_patterns(M, c)
    return cv.solve_network(M, c, y, D, beta, scaled), general


@dataclass(frozen=True)
class Setup:
    X: np.ndarray
    y: np.ndarray
    beta: float
    c: float
    network: str
    transforms: tuple[str, ...]
    condition: float
    starts: int
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    beta, shift, which = claim.param(config, "beta"), claim.param(config, "shift"), claim.param(config, "transforms")
    condition, starts = claim.param(config, "condition"), claim.param(config, "starts")
    network = claim.param(config, "network")
    X, y, source = instance(config, claim.param(config, "n"), claim.param(config, "d"))
    n, d = X.shape
    if n < 2:
        raise BadInput(f"--data: at least 2 samples needed (BN's batch statistics), got n={n}")
    if y.shape != (n,):
        raise BadInput(f"--data: y must be a vector of {n} targets, got shape {y.shape}")
    if cv.exact_cost(n, min(n, d + 1)) > cv.EXACT_MAX_CANDIDATES:
        raise BadInput(f"n={n}, d={d}: too many patterns for the exact program (keep C(n, rank)·2^(rank+1) ≤ "
                       f"{cv.EXACT_MAX_CANDIDATES})")
    starts = claim.quick_cap(config, "starts", starts, 1)
    if network != "bn":
        starts = 0  # the trained network is the BN network; the variants are convex programs only
    c = cv.shift_constant(shift, n)
    names = TRANSFORMS if which == "all" else (which,)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c, "network": network,
              "transforms": list(names), "condition": condition, "starts": starts, "data": source}
    return Setup(X, y, beta, c, network, names, condition, starts, params)


@dataclass(frozen=True)
class Measurement:
    base: cv.ConvexSolution  # the network's program on the original data (from its definition)
    whitened_value: float | None  # the BN program on Ũ = [U, c1] of X (cross-check of the base, network bn)
    nobn_base: cv.ConvexSolution  # the plain network's program on the original data (the contrast)
    general: bool  # rows in general position (the enumeration is complete)
    rows: dict  # per transform: optimal values, deltas, patterns, best L-BFGS value
    failed: list  # transforms on which a solve failed
    nonconvex: dict  # per transform: best L-BFGS value (starts > 0)


def _transformed(s: Setup, name: str, Xt: np.ndarray, base, nobn_base, config: RunConfig) -> tuple[dict | None, str]:
    """One transform's row (None and the solver statuses if a solve failed)."""
    n = s.X.shape[0]
    sol, general = network_value(Xt, s.y, s.beta, s.c, s.network)
    nb, _ = network_value(Xt, s.y, s.beta, s.c, "plain")
    if not (sol.ok and nb.ok):
        return None, f"{name}: {sol.status}/{nb.status}"
    row = {"optimal_value": sol.value, "delta": sol.value - base.value, "patterns": int(sol.D.shape[1]),
           "rank_centred": int(np.linalg.matrix_rank(Xt - Xt.mean(axis=0))), "nobn_value": nb.value,
           "nobn_delta": nb.value - nobn_base.value, "general_position": general}
    if s.starts:
        tr = net.train(Xt, s.y, 2 * n, s.beta, s.c, starts=s.starts, seed=config.seed, maxiter=lbfgs_iterations(config))
        row["best_nonconvex_value"] = tr.best_value
        row["nonconvex_gap"] = tr.best_value - base.value
    return row, ""


def measure_whitening_invariance(s: Setup, base, nobn_base, general: bool, whitened_value, config: RunConfig) -> Measurement:
    """Solve the network's and the plain network's program on every transformed data set (and train, if ``starts``)."""
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
    return Measurement(base, whitened_value, nobn_base, general, rows, failed, nonconvex)


_TRANSFORM_TEX = {"linear": r"$XA$", "shift": r"$X + \mathbf{1}b^\top$", "center": r"$P_cX$",
                  "square": r"$X \circ X$"}


def _figure(m: Measurement, tol: float, network: str) -> dict:
    """|Δp*| per transform (BN network, and the plain network as the contrast) against the tolerance;
    beside it the cross-check on Ũ = [U, c1] and the L-BFGS runs, none of which may go below p*."""
    labels = list(m.rows)
    x = list(range(1, len(labels) + 1))
    moved = Panel(r"$|p^*(T(X)) - p^*(X)|$ per transform $T$",
                  "transform $T$: " + ", ".join(f"{i} {_TRANSFORM_TEX.get(k, k)}" for i, k in zip(x, labels)),
                  r"$|\Delta p^*|$", x=x, yscale="log",
                  curves=[Curve(f"{network} network (claim)", [max(abs(m.rows[k]["delta"]), GAP_FLOOR) for k in labels],
                                style="C0o"),
                          Curve("no BN (ReLU + bias): contrast", [max(abs(m.rows[k]["nobn_delta"]), GAP_FLOOR)
                                                                 for k in labels], style="C1s")],
                  hlines=[HLine(tol, f"tolerance {tex_sci(tol)}", kind="bound")])
    groups = [(r"program on $\tilde U = [U, c\mathbf{1}]$", [m.whitened_value])] if m.whitened_value is not None else []
    groups += [(f"L-BFGS best after {k}", [v]) for k, v in m.nonconvex.items()]
    if not groups:
        return panels(moved)
    return panels(moved, gap_panel("cross-checks against $p^*(X)$", m.base.value, groups))


def value_tolerance(value: float) -> float:
    """The agreement demanded of two optimal values: VALUE_RTOL·max(1, |p*|)."""
    return VALUE_RTOL * max(1.0, abs(value))


def decide_whitening_invariance(s: Setup, m: Measurement) -> Outcome:
    """Inconclusive if a solve failed; refuted if an optimum moved by more than the tolerance or L-BFGS went below it."""
    base, rows = m.base, m.rows
    tol = value_tolerance(base.value)
    changed = [name for name, row in rows.items() if abs(row["optimal_value"] - base.value) > tol]
    measured = {"optimal_value": base.value, "whitened_optimal_value": m.whitened_value,
                "nobn_optimal_value": m.nobn_base.value, "transforms": rows,
                "patterns": int(base.D.shape[1]), "general_position": m.general,
                "max_abs_delta": max((abs(r["delta"]) for r in rows.values()), default=None),
                "max_abs_nobn_delta": max((abs(r["nobn_delta"]) for r in rows.values()), default=None)}
    common = dict(expected={"optimal_value": base.value, "max_abs_delta": 0.0}, measured=measured,
                  tolerance={"value_abs": tol, "value_rtol": VALUE_RTOL, "solver_tol": base.solver_tol},
                  params=s.params, series=_figure(m, tol, s.network),
                  precision={"context": "float64", "solver": "cvxpy/CLARABEL", "solver_tol": base.solver_tol})
    below = {k: v for k, v in m.nonconvex.items() if v < base.value - tol}
    if m.failed:
        return Outcome(INCONCLUSIVE, f"the convex solver failed on: {', '.join(m.failed)}", **common)
    if m.whitened_value is not None and abs(m.whitened_value - base.value) > tol:
        return Outcome(INCONCLUSIVE, f"the BN program on its features ({base.value:.9g}) and on Ũ = [U, c1] "
                       f"({m.whitened_value:.9g}) disagree beyond {tol:.1e}: the optimum is not pinned down", **common)
    label = "the BN optimum" if s.network == "bn" else f"the {s.network} network's optimum"
    complete = m.general and all(r["general_position"] for r in rows.values())
    if (changed or below) and not complete:
        return Outcome(INCONCLUSIVE, f"{label} {base.value:.9g} moved under {', '.join(changed) or 'L-BFGS'}, but the "
                       f"rows are not in general position: the pattern lists were completed by sampling, so the values "
                       f"are upper bounds and a difference is not decisive", **common)
    if changed or below:
        what = ", ".join(f"{k} (Δ = {rows[k]['delta']:.3g})" for k in changed)
        what += "".join(f"; non-convex {v:.9g} below the optimum after {k}" for k, v in below.items())
        return Outcome(REFUTED, f"{label} {base.value:.9g} changed under: {what} (tolerance {tol:.1e})", **common)
    return Outcome(VERIFIED, f"{label} {base.value:.9g} unchanged to {measured['max_abs_delta']:.1e} under "
                   f"{', '.join(rows)} (each solved on the transformed data); without BN the optimum moves by up to "
                   f"{measured['max_abs_nobn_delta']:.3g}", **common)


def check_whitening_invariance(claim: Claim, config: RunConfig) -> Outcome:
    r"""p*(XA) = p*(X + 1bᵀ) = p*(P_c X) = p*(X) for invertible A: the optimum depends on col(P_c X) only.

    **Statement.** The BN network's optimal value is invariant under X → XA (A invertible),
    X → X + 1bᵀ and X → P_c X.

    **Source.** Reference notes §2 (the reduction to Ũ = [U, c1], "BN whitens the data") and
    §6.2 [derived]: a corollary of the reduction, consistent with the paper's "whitening" keyword.

    **Measured.** On X and on each transformed data set, independently: the exact optimum of
    the network's convex program written on its own features (M = P_c X, pre-activation
    Mw + cα1, block norm ‖(Mw, α)‖: BN's centring and scaling as defined, every pattern of
    [M, c1] enumerated -- no whitening); with ``starts`` > 0, the best L-BFGS objective of the
    BN network itself (width 2n) on each transformed set.  Cross-check on X: the program on
    Ũ = [U, c1].  Contrast: the plain ReLU network with a bias (moves).

    **Decision.** Tolerance 1e-6·max(1, |p*|).  Refuted if a transformed optimum differs by
    more than tol or L-BFGS goes below p* − tol; verified otherwise.  Solver failure, the two
    formulations disagreeing on X, or a difference when the rows are not in general position
    (pattern lists completed by sampling): inconclusive; P_c X = 0 (identical rows): inapplicable.

    **Negative controls.** Statement flips, refuted: ``--param transforms=square`` (X∘X, not
    affine); ``--param network=bn-no-scale`` (BN without the division by ‖P_c Xw‖: moves under
    XA), ``network=bn-no-centre`` (moves under X + 1bᵀ), ``network=plain``.  Assumption dropped:
    ``--data`` with identical rows: inapplicable.
    """
    s = read_setup(claim, config)
    Xc = s.X - s.X.mean(axis=0)
    if np.linalg.norm(Xc) <= DEGENERATE_RTOL * max(np.linalg.norm(s.X), 1e-300):
        return Outcome(INAPPLICABLE, "P_c X = 0 (identical rows): BN's normalisation is undefined", {},
                       {"centred_norm": float(np.linalg.norm(Xc))}, params=s.params)
    base, general = network_value(s.X, s.y, s.beta, s.c, s.network)
    nobn_base, _ = network_value(s.X, s.y, s.beta, s.c, "plain")
    whitened_value = None
    if s.network == "bn":
        wh = cv.whiten(s.X, s.c)
        wsol = cv.solve(wh.Ut, s.y, cv.network_patterns(wh.U, s.c)[0], s.beta)  # patterns of [U, c1] = Ũ
        whitened_value = wsol.value if wsol.ok else None
    if not (base.ok and nobn_base.ok):
        return Outcome(INCONCLUSIVE, f"solver status {base.status} / {nobn_base.status}", {}, {}, params=s.params)
    return decide_whitening_invariance(s, measure_whitening_invariance(s, base, nobn_base, general, whitened_value,
                                                                       config))


def _identical_rows(seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(np.tile(rng.standard_normal((1, 2)), (8, 1)), rng.standard_normal(8), None,
                   f"identical rows (seed={seed})")


register(Claim(
    id="ergen2022.whitening-invariance", typical_s=1.5, paper="ergen2022", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "optimal_value", "whitened_optimal_value", "nobn_optimal_value", "transforms", "patterns", "general_position",
        "max_abs_delta", "max_abs_nobn_delta", "centred_norm"
    ),
    source="reference notes §2 (reduction: Σ and V drop out) and §6.2 [derived]",
    summary="the BN network's optimum is unchanged under X→XA, X→X+1bᵀ, X→P_cX (it depends on col(P_c X) only)",
    statement=r"p^*(XA) = p^*(X + \mathbf 1 b^\top) = p^*(P_c X) = p^*(X),\quad A \text{ invertible}",
    confidence="derived",
    assumptions=("full-batch BN before the ReLU, squared loss, weight decay on (γ, α, v), β > 0", "A invertible",
                 "P_c X ≠ 0"),
    check=check_whitening_invariance,
    params=(count_param("n", 12, "samples (ignored with --data)", lo=2),
            count_param("d", 2, "features (ignored with --data)"),
            beta_param(0.05),
            shift_param("BN shift constant c: isometric (1/√n) or one"),
            Param("transforms", "all", "all (linear, shift, center) or one of them; square = X∘X, not affine "
                  "(negative control)", str, ("all",) + TRANSFORMS + ("square",)),
            Param("network", "bn", "bn (the claim); bn-no-scale, bn-no-centre, plain: BN's scaling, centring or both "
                  "removed (negative controls)", str, tuple(NETWORKS)),
            Param("condition", 100.0, "condition number of the random A in X → XA", float, lo=1.0, hi=1e6),
            count_param("starts", 2, "L-BFGS starts on each transformed data set (lower-bound check; 0: none)", lo=0)),
    takes_data=True, **REAL_TARGETS,
    controls=(
        Control("square", STATEMENT_FLIP, "X∘X is not affine: col(P_c X) changes, so must the optimum",
                params={"n": 9, "transforms": "square", "starts": 0}),
        Control("no-scale", STATEMENT_FLIP, "without BN's scaling the network is not invariant under X → XA",
                params={"n": 9, "network": "bn-no-scale", "starts": 0}),
        Control("no-centre", STATEMENT_FLIP, "without BN's centring the network is not invariant under X → X + 1bᵀ",
                params={"n": 9, "network": "bn-no-centre", "transforms": "shift", "starts": 0}),
        Control("plain", STATEMENT_FLIP, "the plain ReLU network with bias is not invariant",
                params={"n": 9, "network": "plain", "starts": 0}),
        Control("identical-rows", ASSUMPTION_DROPPED, "identical rows: P_c X = 0, BN undefined",
                data=_identical_rows, expect=(INAPPLICABLE,)),
    ),
    notes=("[derived] corollary of the reduction to Ũ = [U, c1] (reference notes §2, §6.2). Measured without the "
           "reduction: the network's own convex program (exact pattern enumeration) and the trained BN network on "
           "each transformed data set; contrast: the plain ReLU network with bias, which changes under X → XA."),
))
