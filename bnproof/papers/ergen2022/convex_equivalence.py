r"""``ergen2022.convex-equivalence``: the BN ReLU network's optimum is a group-lasso convex program.

Reference notes §2 [derived]: with P_c X = UΣVᵀ a BN output is Ũz, Ũ = [U, c·1], so the
two-layer BN network with weight decay on (γ, α, v) is a bias-free ReLU network on Ũ, and its
optimal value is that of the group lasso over the activation patterns of Ũ (Pilanci & Ergen
2020 applied to Ũ).  Checked from both sides: the program's solution, rebuilt as a BN network,
attains the convex value in the non-convex forward pass; no trained network goes below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.controls import ASSUMPTION_DROPPED, STARVED, STATEMENT_FLIP, Control
from bnproof.core.data import Dataset
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.core.series import Curve, Panel, panels
from bnproof.models import ergen_net as net
from bnproof.papers.ergen2022.common import (
    CITATION,
    COMMON_ASSUMPTIONS,
    GAP_FLOOR,
    REAL_TARGETS,
    SHIFTS,
    VALUE_RTOL,
    beta_param,
    count_param,
    counterexample,
    gap_panel,
    instance,
    lbfgs_iterations,
)
from bnproof.papers.ergen2022.soft_threshold import closed_form
from bnproof.solvers import group_lasso as cv

__all__ = ["Setup", "read_setup", "Measurement", "measure_convex_equivalence", "decide_convex_equivalence",
           "check_convex_equivalence"]

POLISH_MAXITER = 500  # L-BFGS iterations polishing the rebuilt network


@dataclass(frozen=True)
class Setup:
    """The run's data and settings; ``params`` is the record's ``params`` block."""

    X: np.ndarray
    y: np.ndarray
    beta: float
    c: float  # BN shift constant of the network
    c_program: float  # BN shift constant of the convex program (≠ c: negative control)
    patterns: str
    samples: int
    starts: int
    width: int
    penalize_w: bool
    closed_form_applies: bool  # isometric on both sides: compare with the n ≤ d closed form when rank = n − 1
    params: dict


def read_setup(claim: Claim, config: RunConfig) -> Setup:
    shift, program_shift = claim.param(config, "shift"), claim.param(config, "program_shift")
    program_shift = shift if program_shift == "match" else program_shift
    beta, mode, samples = claim.param(config, "beta"), claim.param(config, "patterns"), claim.param(config, "samples")
    starts, penalize_w = claim.param(config, "starts"), claim.param(config, "penalize_w")
    X, y, source = instance(config, claim.param(config, "n"), claim.param(config, "d"))
    n, d = X.shape
    width = claim.param(config, "width") or 2 * n
    starts = claim.quick_cap(config, "starts", starts, 4)
    c, c_prog = cv.shift_constant(shift, n), cv.shift_constant(program_shift, n)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c,
              "program_shift": program_shift, "c_program": c_prog, "patterns": mode, "samples": samples,
              "starts": starts, "width": width, "penalize_w": penalize_w, "data": source,
              "loss": "0.5*||f-y||^2",
              "penalty": "beta/2*(gamma^2+alpha^2+v^2)" + (" + beta/2*||w||^2" if penalize_w else "")}
    return Setup(X, y, beta, c, c_prog, mode, samples, starts, width, penalize_w,
                 shift == "isometric" and program_shift == "isometric", params)


@dataclass(frozen=True)
class Measurement:
    """Both sides of the equivalence on one instance."""

    run: cv.ConvexRun  # patterns, the convex solution and its sparse rewrite
    values: list[float]  # final objectives of the random L-BFGS starts
    best: float
    rebuilt: float  # objective of the BN network rebuilt from the sparse solution
    rebuilt_full: float  # ... from every block of the interior-point solution
    polished: float  # the sparse rebuild after L-BFGS
    full_blocks: np.ndarray  # every block [Q, R] of the interior-point solution
    closed: float | None  # the n ≤ d closed form, where it applies


def measure_convex_equivalence(s: Setup, run: cv.ConvexRun, trained: net.TrainResult, seed: int) -> Measurement:
    """Rebuild BN networks from the solved program (all blocks; sparse, then polished) and evaluate them."""
    sol = run.solution
    full_blocks = np.hstack([sol.Q, sol.R])
    full_signs = np.concatenate([np.ones(sol.Q.shape[1]), -np.ones(sol.R.shape[1])])
    live = np.linalg.norm(full_blocks, axis=0) > 0
    full_net = net.rebuild(run.wh, full_blocks[:, live], full_signs[live], s.c)
    rebuilt_full = net.objective(s.X, s.y, full_net, s.beta, s.c)
    sp = run.sparse
    sparse_net = net.rebuild(run.wh, sp.blocks, sp.signs, s.c)
    rebuilt = net.objective(s.X, s.y, sparse_net, s.beta, s.c)
    polished = net.train(s.X, s.y, sp.m, s.beta, s.c, starts=0, seed=seed, inits=[sparse_net], maxiter=POLISH_MAXITER,
                         penalize_w=False).values[0] if sp.m else rebuilt
    n = s.X.shape[0]
    closed = closed_form(s.y, s.beta)[0] if run.wh.r == n - 1 and s.closed_form_applies else None
    return Measurement(run, trained.values, trained.best_value, rebuilt, rebuilt_full, polished, full_blocks, closed)


def _measured(m: Measurement) -> dict:
    sol, sp, p = m.run.solution, m.run.sparse, m.run.solution.value
    block_norms = np.linalg.norm(m.full_blocks, axis=0)
    return {"optimal_value": p, "best_nonconvex_value": m.best, "rebuilt_value": m.rebuilt,
            "rebuilt_full_value": m.rebuilt_full, "polished_rebuilt_value": m.polished, "m_star": sp.m,
            "active_blocks_interior": int(np.sum(block_norms > 1e-6 * np.abs(m.full_blocks).max())),
            "patterns": int(m.run.D.shape[1]), "patterns_max": m.run.bound, "patterns_exact": m.run.exact,
            "nonconvex_values": [float(v) for v in m.values], "nonconvex_median": float(np.median(m.values)),
            "best_gap_rel": (m.best - p) / max(1.0, abs(p)), "solve_s": round(sol.solve_s, 3),
            "solver_status": sol.status, "max_constraint_violation": sol.max_violation,
            "rank_centred": m.run.wh.r}


def _figure(m: Measurement, width: int, n: int) -> dict:
    """The verdict's two sides: every network's gap to p (with the tolerance), and the blocks (m* ≤ n + 1)."""
    sp = m.run.sparse
    groups = [(f"L-BFGS runs, width {width} (sorted)", sorted(m.values)),
              ("rebuilt: $m^*$ blocks, all blocks, polished", [m.rebuilt, m.rebuilt_full, m.polished])]
    if m.closed is not None:
        groups.append(("closed form (n ≤ d)", [m.closed]))
    gaps = gap_panel("every network against the convex optimum $p^*$", m.run.solution.value, groups)
    norms = np.linalg.norm(m.full_blocks, axis=0)
    interior = [max(v, GAP_FLOOR) for v in sorted(norms.tolist(), reverse=True)[:max(40, n + 2)]]
    sparse = sorted(np.linalg.norm(sp.blocks, axis=0).tolist(), reverse=True)
    bottom, top = min(interior), max(interior + sparse)
    blocks = Panel("block norms of the convex solution", "block $i$ (sorted)", r"$\|q_i\|$",
                   x=list(range(1, len(interior) + 1)),
                   curves=[Curve("interior point", interior),
                           Curve(f"sparsified ($m^*={sp.m}$)", sparse, x=list(range(1, sp.m + 1))),
                           Curve(r"$m^* \leq n + 1$", [bottom, top], x=[n + 1, n + 1], kind="bound")],
                   yscale="log")
    return panels(gaps, blocks)


def decide_convex_equivalence(s: Setup, m: Measurement, precision: dict) -> Outcome:
    """Refuted if any trained or polished network is below the optimum, or a rebuild misses it; else verified."""
    sol, sp, n = m.run.solution, m.run.sparse, s.X.shape[0]
    p = sol.value
    tol = VALUE_RTOL * max(1.0, abs(p))
    measured = _measured(m)
    common = dict(expected={"optimal_value": m.closed, "nonconvex_lower_bound": p, "rebuilt_value": p,
                            "m_star_at_most": n + 1},
                  tolerance={"value_abs": tol, "value_rtol": VALUE_RTOL, "solver_tol": sol.solver_tol},
                  params=s.params, precision=precision, series=_figure(m, s.width, n))
    caveat = "" if m.run.exact else (" (patterns sampled, plus the trained network's: the convex value is an upper "
                                     "bound on the exact program's)")
    below = [v for v in m.values + [m.polished] if v < p - tol]
    if below and not m.run.exact:
        return Outcome(INCONCLUSIVE, f"a non-convex BN network reached {min(below):.9g} < {p:.9g}, the optimum over "
                       f"{m.run.D.shape[1]} sampled patterns (max {m.run.bound}): an upper bound, not the exact program; "
                       f"more --param samples or patterns=exact would decide", measured=measured, **common)
    if below:
        measured["counterexample"] = counterexample(s.X, s.y, below, "non-convex objective below the convex optimum")
        return Outcome(REFUTED, f"a non-convex BN network reached {min(below):.9g} < convex optimum {p:.9g} − {tol:.1e}"
                       f"{caveat}", measured=measured, **common)
    if abs(m.rebuilt - p) > tol or abs(m.rebuilt_full - p) > tol:
        measured["counterexample"] = counterexample(s.X, s.y, [m.rebuilt, m.rebuilt_full], "rebuilt network ≠ convex value")
        return Outcome(REFUTED, f"the BN network rebuilt from the convex solution has objective {m.rebuilt:.9g} "
                       f"(all blocks {m.rebuilt_full:.9g}), not the convex optimum {p:.9g} (tolerance {tol:.1e})",
                       measured=measured, **common)
    if not m.run.exact:
        return Outcome(INCONCLUSIVE, f"consistent but not decisive: the optimum {p:.9g} over {m.run.D.shape[1]} "
                       f"sampled patterns (max {m.run.bound}) is an upper bound on the exact program's, attained by a "
                       f"rebuilt network, with no L-BFGS run below; patterns=exact would decide", measured=measured,
                       **common)
    return Outcome(VERIFIED, f"convex optimum {p:.9g} over {m.run.D.shape[1]} patterns (max {m.run.bound}) is attained "
                   f"by a rebuilt {sp.m}-neuron BN network ({m.rebuilt:.9g}); none of {len(m.values)} L-BFGS runs "
                   f"(best {m.best:.9g}, gap {measured['best_gap_rel']:.2%}) nor the polished rebuild went below{caveat}",
                   measured=measured, **common)


def check_convex_equivalence(claim: Claim, config: RunConfig) -> Outcome:
    r"""p* (non-convex BN network) = min of the group lasso over the patterns of Ũ = [U, c·1].

    **Statement.** min_θ ½‖Σ_j (BN_{γ_j,α_j}(Xw_j))₊ v_j − y‖² + (β/2) Σ_j (γ_j² + α_j² + v_j²)
    = min_{q,q'} ½‖Σ_i D_i Ũ (q_i − q'_i) − y‖² + β Σ_i (‖q_i‖ + ‖q'_i‖) s.t. (2D_i − I) Ũ q_i ≥ 0,
    for width m ≥ m* (nonzero blocks of an optimal solution, m* ≤ n + 1).

    **Source.** Reference notes §2 [derived] (the reduction and the program) and §6.1 (the
    check); the paper's main two-layer theorem is recalled to have this form [recon].

    **Measured.** The program's optimum p (cvxpy + Clarabel; patterns enumerated exactly when
    cheap, else sampled plus the trained network's own, then p is an upper bound); the
    objectives of BN networks rebuilt from its blocks (all, and the sparsified m*-block
    rewrite, also polished by L-BFGS); ``starts`` random L-BFGS runs of width ``width``.

    **Decision.** Tolerance 1e-6·max(1, |p|).  Refuted if any L-BFGS run or the polished
    rebuild is below p − tol, or either rebuild misses p by more than tol; verified otherwise
    (an L-BFGS best above p is expected local search, not a failure).  With sampled patterns p
    is only an upper bound, so a network below it -- or none -- is inconclusive, not a verdict.  Solver
    failure: inconclusive; P_c X = 0 (identical rows, to rounding): inapplicable.

    **Negative controls.** ``--param program_shift=one`` with ``shift=isometric`` (the rebuild
    misses p) and ``--param shift=one --param program_shift=isometric`` (L-BFGS goes below p):
    both refuted.  Starved: ``--param patterns=sampled --param samples=1`` (an upper bound only:
    never verified, at most inconclusive).  Assumption dropped: ``--data`` with identical rows:
    inapplicable.
    """
    s = read_setup(claim, config)
    Xc = s.X - s.X.mean(axis=0)
    if cv.whiten(s.X, s.c_program).r == 0 or np.linalg.norm(Xc) <= 1e-10 * max(np.linalg.norm(s.X), 1e-300):
        return Outcome(INAPPLICABLE, "P_c X = 0 (all rows equal): BN of X w is undefined", {}, {}, params=s.params)
    run = cv.convex_run(s.X, s.y, s.beta, s.c_program, s.patterns, s.samples, config.seed)
    precision = {"context": "float64", "solver": "cvxpy/CLARABEL", "solver_tol": run.solution.solver_tol}
    if not run.solution.ok:
        return Outcome(INCONCLUSIVE, f"the convex solver did not reach optimality (status {run.solution.status})",
                       {}, {"solver_status": run.solution.status, "patterns": int(run.D.shape[1])}, params=s.params,
                       precision=precision)
    trained = net.train(s.X, s.y, s.width, s.beta, s.c, starts=s.starts, seed=config.seed, penalize_w=s.penalize_w,
                        maxiter=lbfgs_iterations(config), progress=config.progress)
    if not run.exact:  # sampled patterns: add the trained network's own, then p_cvx ≤ its objective
        run.add_patterns(net.activation_patterns(s.X, [trained.best], s.c))
        if not run.solution.ok:
            return Outcome(INCONCLUSIVE, f"the convex re-solve did not reach optimality (status {run.solution.status})",
                           {}, {"solver_status": run.solution.status}, params=s.params, precision=precision)
    return decide_convex_equivalence(s, measure_convex_equivalence(s, run, trained, config.seed), precision)



def _identical_rows(seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(np.tile(rng.standard_normal((1, 2)), (8, 1)), rng.standard_normal(8), None,
                   f"identical rows (seed={seed})")


register(Claim(
    id="ergen2022.convex-equivalence", typical_s=3.8, paper="ergen2022", citation=CITATION,
    measured_keys=(  # every record's measured keys, whatever the verdict
        "optimal_value", "best_nonconvex_value", "rebuilt_value", "rebuilt_full_value", "polished_rebuilt_value",
        "m_star", "active_blocks_interior", "patterns", "patterns_max", "patterns_exact", "nonconvex_values",
        "nonconvex_median", "best_gap_rel", "solve_s", "solver_status", "max_constraint_violation", "rank_centred",
        "counterexample"
    ),
    source="reference notes §2 (reduction to Ũ = [U, c1], convex program) and §6.1 [derived]",
    summary="two-layer BN ReLU net optimum = group-lasso convex program on whitened data [U, c1]",
    statement=(r"\min_\theta \tfrac12\|\textstyle\sum_j (\mathrm{BN}_{\gamma_j,\alpha_j}(Xw_j))_+v_j - y\|^2 + "
               r"\tfrac\beta2\sum_j(\gamma_j^2+\alpha_j^2+v_j^2) = \min_{q,q'} \tfrac12\|\sum_i D_i\tilde U(q_i-q'_i)-y\|^2"
               r" + \beta\sum_i(\|q_i\|+\|q'_i\|)\ \text{s.t.}\ (2D_i-I)\tilde U q_i \ge 0,\ \tilde U=[U, c\mathbf 1]"),
    confidence="derived",
    assumptions=COMMON_ASSUMPTIONS + ("width m ≥ m* (number of nonzero blocks of an optimal solution)",),
    check=check_convex_equivalence,
    params=(count_param("n", 12, "samples (ignored with --data)", lo=2),
            count_param("d", 2, "features (ignored with --data)"),
            beta_param(0.05),
            Param("shift", "isometric", "BN shift constant c of the network: isometric (1/√n) or one (1)", str, SHIFTS),
            Param("program_shift", "match", "c used in the convex program: match (= shift) or a deliberate mismatch "
                  "(negative control)", str, ("match",) + SHIFTS),
            Param("patterns", "auto", "exact enumeration, sampled, or auto (exact when cheap)", str,
                  ("auto", "exact", "sampled")),
            count_param("samples", 2000, "Gaussian directions when sampling patterns (exact enumeration too costly)"),
            count_param("starts", 20, "random L-BFGS starts of the non-convex network"),
            count_param("width", 0, "non-convex width m (0: 2n)", lo=0),
            Param("penalize_w", False, "also penalise (β/2)‖w‖² (infimum unchanged by BN's scale invariance)", bool)),
    takes_data=True, **REAL_TARGETS,
    controls=(
        Control("program-shift-one", STATEMENT_FLIP, "the program with c = 1 for a network with c = 1/√n",
                params={"n": 9, "program_shift": "one", "starts": 2}),
        Control("network-shift-one", STATEMENT_FLIP, "the program with c = 1/√n for a network with c = 1",
                params={"n": 9, "shift": "one", "program_shift": "isometric", "starts": 4}),
        Control("one-sample", STARVED, "one sampled direction: the program is an upper bound only",
                params={"n": 9, "patterns": "sampled", "samples": 1, "starts": 1}),
        Control("identical-rows", ASSUMPTION_DROPPED, "identical rows: P_c X = 0, BN undefined",
                data=_identical_rows, expect=(INAPPLICABLE,)),
    ),
    notes=("[derived] in the reference notes (full text unavailable): the paper's constants, its BN shift convention "
           "(α/√n·1 recalled, unconfirmed) and whether w is penalised are parameters. Patterns: exact enumeration of the "
           "arrangement's cells (complete in general position) when cheap, else sampled Gaussian directions plus the "
           "trained network's patterns (then the convex value is an upper bound on the exact program's). m* is the "
           "width of the sparsified rebuilt network (LP vertex + merging parallel blocks), an upper bound on the minimal "
           "width. L-BFGS not reaching the optimum is expected local-search behaviour, not a failure."),
))
