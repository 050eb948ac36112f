r"""Ergen, Sahiner, Ozturkler, Pauly, Mardani, Pilanci (ICLR 2022): convex programs of BN ReLU networks.

Claims checked here (reference notes ``shared/reference/ergen2022_convex_bn.md``):

* ``ergen2022.convex-equivalence`` -- the two-layer ReLU network with BN before the ReLU and
  weight decay on (γ, α, v) has the optimal value of the group-lasso program over the
  activation patterns of the whitened data Ũ = [U, c·1] (§2).  Checked by solving the program
  (cvxpy + Clarabel, every pattern enumerated), rebuilding a BN network from its sparsified
  solution (it must attain the convex value in the *non-convex* forward pass) and training
  the non-convex network from many starts (scipy L-BFGS, float64): none may go below.
* ``ergen2022.closed-form`` -- for n ≤ d (rank P_c X = n − 1) and c = 1/√n the optimum is
  block soft-thresholding of y₊ and y₋, value φ(‖y₊‖) + φ(‖y₋‖), two neurons; per class for
  one-hot outputs (§3).  With c = 1 the formula is expected to fail (negative control).

The other claims of the paper are in :mod:`bnproof.papers.ergen2022_whitening`.  The
statements are [derived] in the reference notes (the paper's full text was not available);
the BN shift constant c and whether w is penalised are parameters, and every record says
which were used.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.claims import Claim, register
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED, Outcome
from bnproof.models import ergen_net as net
from bnproof.solvers import group_lasso as cv
from bnproof.symbolic.render import register_derivation

__all__ = ["CITATION", "REAL_TARGETS", "instance", "phi", "closed_form", "ConvexRun", "convex_run", "check_convex_equivalence",
           "check_closed_form", "VALUE_RTOL"]

CITATION = ("Ergen, Sahiner, Ozturkler, Pauly, Mardani, Pilanci. Demystifying Batch Normalization in ReLU "
            "Networks: Equivalent Convex Optimization Models and Implicit Regularization. ICLR 2022 (arXiv 2103.01499)")

VALUE_RTOL = 1e-6  # relative agreement demanded of optimal values (Clarabel solves to 1e-9)
MAXITER, QUICK_MAXITER = 3000, 500  # L-BFGS iterations per start (default / --quick)
EXACT_N_MAX = 12  # n ≤ d: 2^n patterns; beyond this the exact convex solve is skipped
SHIFTS = ("isometric", "one")
# --data for these claims may carry real-valued targets y (regression), not only ±1 labels
REAL_TARGETS = {"targets": "real"}


# --------------------------------------------------------------------------- inputs


def _positive(name: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise BadInput(f"--param {name}: must be a finite number > 0, got {value}")
    return value


def _at_least(name: str, value: int, lo: int) -> int:
    if value < lo:
        raise BadInput(f"--param {name}: must be >= {lo}, got {value}")
    return value


def instance(config: RunConfig, n: int, d: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(X, y, source): ``--data`` if given (labels or real targets), else X ~ N(0,1)^{n×d}, y ~ N(0,1)^n."""
    if config.data is not None:
        ds = config.data
        if ds.X.ndim != 2:
            raise BadInput(f"--data: X must be n×d, got shape {ds.X.shape}")
        return np.asarray(ds.X, float), np.asarray(ds.y, float), ds.source
    _at_least("n", n, 2)
    _at_least("d", d, 1)
    rng = np.random.default_rng(config.seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    return X, y, f"generated(seed={config.seed}, X~N(0,1)^({n}x{d}), y~N(0,1)^{n})"


def phi(t: float, beta: float) -> float:
    """φ(t) = βt − β²/2 if t > β else t²/2: the optimal value of min_{s ≥ 0} ½(s − t)² + βs."""
    return beta * t - beta * beta / 2 if t > beta else t * t / 2


def closed_form(Y: np.ndarray, beta: float) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Value, fitted values and BN outputs of the n ≤ d closed form (reference notes §3).

    Scalar y (n,): columns y₊, −y₋.  One-hot Y (n×C): the columns y_k.  Each column t gets the
    BN output p = (1 − β/‖t₊‖)₊ t₊; value Σ φ(‖t₊‖).  Returns the live outputs with their sign.
    """
    Y = np.asarray(Y, float)
    cols = [(np.maximum(Y, 0), 1.0), (np.maximum(-Y, 0), -1.0)] if Y.ndim == 1 else \
        [(Y[:, k], k) for k in range(Y.shape[1])]
    value, outs = 0.0, []
    fit = np.zeros_like(Y)
    for col, tag in cols:
        t = float(np.linalg.norm(col))
        value += phi(t, beta)
        if t > beta:
            p = (1 - beta / t) * col
            outs.append((p, tag))
            if Y.ndim == 1:
                fit += tag * p
            else:
                fit[:, tag] += p
    return value, fit, outs


def _shift(config_value: str, n: int) -> float:
    return cv.shift_constant(config_value, n)


# --------------------------------------------------------------------------- the convex side


class ConvexRun:
    """Patterns, solve and sparse rebuild of the convex program for one data set."""

    def __init__(self, X, y, beta, c_prog, mode, samples, seed):
        self.wh = cv.whiten(X, c_prog)
        self.A = self.wh.Ut
        n, k = self.A.shape
        self.bound = cv.pattern_count_bound(n, k)
        rng = np.random.default_rng([seed, 7])
        self.exact = False
        if mode == "exact" or (mode == "auto" and cv.exact_cost(n, k) <= cv.EXACT_MAX_CANDIDATES):
            D, general = cv.exact_patterns(self.A)
            self.exact = general
            if not general:  # degenerate rays were skipped: add sampled patterns (now an upper bound)
                D = cv.merge_patterns(D, cv.sampled_patterns(self.A, samples, rng))
        else:
            D = cv.sampled_patterns(self.A, samples, rng)
        self.D = D
        self.y = np.asarray(y, float)
        self.beta = beta
        self.solution = cv.solve(self.A, self.y, D, beta)
        self.sparse = cv.sparsify(self.A, self.y, self.solution, beta) if self.solution.ok else None

    def add_patterns(self, D_extra: np.ndarray) -> None:
        """Re-solve with extra patterns (those of trained networks, when sampling)."""
        self.D = cv.merge_patterns(self.D, D_extra)
        self.solution = cv.solve(self.A, self.y, self.D, self.beta)
        self.sparse = cv.sparsify(self.A, self.y, self.solution, self.beta) if self.solution.ok else None


def convex_run(X, y, beta, c_prog, mode="auto", samples=20000, seed=0) -> ConvexRun:
    return ConvexRun(X, y, beta, c_prog, mode, samples, seed)


def _net_patterns(X: np.ndarray, nets: list[net.Net], c: float) -> np.ndarray:
    """Activation patterns 1[BN output > 0] of the neurons of trained networks (n×·)."""
    cols = []
    Xc = X - X.mean(axis=0)
    for nt in nets:
        H = Xc @ nt.W
        B = H / np.linalg.norm(H, axis=0) * nt.gamma + c * nt.alpha
        cols.append((B > 0).astype(np.int8))
    return np.hstack(cols) if cols else np.zeros((X.shape[0], 0), np.int8)


def _counterexample(X, y, values, tag) -> dict:
    return {"X": np.asarray(X).tolist(), "y": np.asarray(y).tolist(), "values": [float(v) for v in values],
            "what": tag}


# --------------------------------------------------------------------------- claim 1


def check_convex_equivalence(claim: Claim, config: RunConfig) -> Outcome:
    n, d = claim.param(config, "n"), claim.param(config, "d")
    beta = _positive("beta", claim.param(config, "beta"))
    shift = claim.param(config, "shift")
    prog_shift = claim.param(config, "program_shift")
    prog_shift = shift if prog_shift == "match" else prog_shift
    mode = claim.param(config, "patterns")
    samples = _at_least("samples", claim.param(config, "samples"), 1)
    starts = _at_least("starts", claim.param(config, "starts"), 1)
    penalize_w = claim.param(config, "penalize_w")
    X, y, source = instance(config, n, d)
    n, d = X.shape
    width = claim.param(config, "width") or 2 * n
    _at_least("width", width, 1)
    if config.quick:
        starts = min(starts, 4)
    c_net, c_prog = _shift(shift, n), _shift(prog_shift, n)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c_net,
              "program_shift": prog_shift, "c_program": c_prog, "patterns": mode, "samples": samples,
              "starts": starts, "width": width, "penalize_w": penalize_w, "data": source,
              "loss": "0.5*||f-y||^2", "penalty": "beta/2*(gamma^2+alpha^2+v^2)" + (" + beta/2*||w||^2" if penalize_w else "")}
    wh = cv.whiten(X, c_prog)
    if wh.r == 0:
        return Outcome(INAPPLICABLE, "P_c X = 0 (all rows equal): BN of X w is undefined", {}, {}, params=params)

    run = convex_run(X, y, beta, c_prog, mode, samples, config.seed)
    sol = run.solution
    precision = {"context": "float64", "solver": "cvxpy/CLARABEL", "solver_tol": sol.solver_tol}
    if not sol.ok:
        return Outcome(INCONCLUSIVE, f"the convex solver did not reach optimality (status {sol.status})",
                       {}, {"solver_status": sol.status, "patterns": int(run.D.shape[1])}, params=params,
                       precision=precision)

    nonconvex = net.train(X, y, width, beta, c_net, starts=starts, seed=config.seed, penalize_w=penalize_w,
                          maxiter=QUICK_MAXITER if config.quick else MAXITER, progress=config.progress)
    if not run.exact:  # sampled patterns: add the trained networks' own patterns, then p_cvx ≤ each of them
        run.add_patterns(_net_patterns(X, [nonconvex.best], c_net))
        sol = run.solution
        if not sol.ok:
            return Outcome(INCONCLUSIVE, f"the convex re-solve did not reach optimality (status {sol.status})",
                           {}, {"solver_status": sol.status}, params=params, precision=precision)
    p = sol.value
    tol = VALUE_RTOL * max(1.0, abs(p))
    full_blocks = np.hstack([sol.Q, sol.R])
    full_signs = np.concatenate([np.ones(sol.Q.shape[1]), -np.ones(sol.R.shape[1])])
    live = np.linalg.norm(full_blocks, axis=0) > 0
    rebuilt_full = net.objective(X, y, net.rebuild(run.wh, full_blocks[:, live], full_signs[live], c_net), beta, c_net)
    sp = run.sparse
    sparse_net = net.rebuild(run.wh, sp.blocks, sp.signs, c_net)
    rebuilt = net.objective(X, y, sparse_net, beta, c_net)
    polish = net.train(X, y, sp.m, beta, c_net, starts=0, seed=config.seed, inits=[sparse_net], maxiter=500,
                       penalize_w=False).values[0] if sp.m else rebuilt
    values = nonconvex.values
    best = nonconvex.best_value
    closed = None
    if wh.r == n - 1 and prog_shift == "isometric" and shift == "isometric":
        closed = closed_form(y, beta)[0]

    measured = {"optimal_value": p, "best_nonconvex_value": best, "rebuilt_value": rebuilt,
                "rebuilt_full_value": rebuilt_full, "polished_rebuilt_value": polish, "m_star": sp.m,
                "active_blocks_interior": int(np.sum(np.linalg.norm(full_blocks, axis=0) > 1e-6 * np.abs(full_blocks).max())),
                "patterns": int(run.D.shape[1]), "patterns_max": run.bound, "patterns_exact": run.exact,
                "nonconvex_values": [float(v) for v in values], "nonconvex_median": float(np.median(values)),
                "best_gap_rel": (best - p) / max(1.0, abs(p)), "solve_s": round(sol.solve_s, 3),
                "solver_status": sol.status, "max_constraint_violation": sol.max_violation,
                "rank_centred": wh.r}
    expected = {"optimal_value": closed, "nonconvex_lower_bound": p, "rebuilt_value": p, "m_star_at_most": n + 1}
    tolerance = {"value_abs": tol, "value_rtol": VALUE_RTOL, "solver_tol": sol.solver_tol}
    ordered = sorted(values)
    series = {"panels": [
        {"title": "non-convex L-BFGS runs vs convex optimum", "xlabel": "run (sorted)", "ylabel": "objective",
         "xscale": "linear", "yscale": "linear", "x": list(range(1, len(ordered) + 1)),
         "curves": [{"label": f"L-BFGS, width {width}", "y": ordered}],
         "hlines": [{"y": p, "label": "convex optimum"}] + ([{"y": closed, "label": "closed form"}] if closed else [])},
        {"title": "block norms of the convex solution", "xlabel": "block (sorted)", "ylabel": "||q_i||",
         "xscale": "linear", "yscale": "log",
         "x": list(range(1, 41)),
         "curves": [{"label": "interior point", "y": sorted(np.linalg.norm(full_blocks, axis=0).tolist(), reverse=True)[:40]},
                    {"label": f"sparsified (m*={sp.m})", "y": sorted(np.linalg.norm(sp.blocks, axis=0).tolist(), reverse=True),
                     "x": list(range(1, sp.m + 1))}]},
    ]}
    caveat = "" if run.exact else (" (patterns sampled, plus the trained network's: the convex value is an upper "
                                   "bound on the exact program's)")
    below = [v for v in values + [polish] if v < p - tol]
    common = dict(expected=expected, tolerance=tolerance, params=params, precision=precision, series=series)
    if below:
        measured["counterexample"] = _counterexample(X, y, below, "non-convex objective below the convex optimum")
        return Outcome(REFUTED, f"a non-convex BN network reached {min(below):.9g} < convex optimum {p:.9g} − {tol:.1e}"
                       f"{caveat}", measured=measured, **common)
    if abs(rebuilt - p) > tol or abs(rebuilt_full - p) > tol:
        measured["counterexample"] = _counterexample(X, y, [rebuilt, rebuilt_full], "rebuilt network ≠ convex value")
        return Outcome(REFUTED, f"the BN network rebuilt from the convex solution has objective {rebuilt:.9g} "
                       f"(all blocks {rebuilt_full:.9g}), not the convex optimum {p:.9g} (tolerance {tol:.1e})",
                       measured=measured, **common)
    return Outcome(VERIFIED, f"convex optimum {p:.9g} over {run.D.shape[1]} patterns (max {run.bound}) is attained by a "
                   f"rebuilt {sp.m}-neuron BN network ({rebuilt:.9g}); none of {len(values)} L-BFGS runs "
                   f"(best {best:.9g}, gap {measured['best_gap_rel']:.2%}) nor the polished rebuild went below{caveat}",
                   measured=measured, **common)


# --------------------------------------------------------------------------- claim 2


def _onehot(y: np.ndarray, classes: int, rng: np.random.Generator, n: int, given: bool) -> np.ndarray:
    if given:
        labels = np.unique(y, return_inverse=True)[1]
    else:
        labels = np.concatenate([np.arange(classes), rng.integers(0, classes, n - classes)]) if n >= classes else \
            rng.integers(0, classes, n)
        labels = rng.permutation(labels)
    Y = np.zeros((n, labels.max() + 1))
    Y[np.arange(n), labels] = 1.0
    return Y


def _column_norms(Y: np.ndarray) -> list[float]:
    """‖y₊‖, ‖y₋‖ (scalar) or ‖y_k‖ per class: a neuron is live iff its norm exceeds β."""
    if Y.ndim == 1:
        return [float(np.linalg.norm(np.maximum(Y, 0))), float(np.linalg.norm(np.maximum(-Y, 0)))]
    return [float(v) for v in np.linalg.norm(Y, axis=0)]


def check_closed_form(claim: Claim, config: RunConfig) -> Outcome:
    n, d = claim.param(config, "n"), claim.param(config, "d")
    beta = _positive("beta", claim.param(config, "beta"))
    shift = claim.param(config, "shift")
    output = claim.param(config, "output")
    classes = _at_least("classes", claim.param(config, "classes"), 1)
    starts = _at_least("starts", claim.param(config, "starts"), 1)
    X, y, source = instance(config, n, d)
    n, d = X.shape
    if config.quick:
        starts = min(starts, 4)
    c = _shift(shift, n)
    if output == "onehot":
        Y = _onehot(y, classes, np.random.default_rng([config.seed, 3]), n, config.data is not None)
    else:
        Y = y
    C = 1 if Y.ndim == 1 else Y.shape[1]
    width = claim.param(config, "width") or (6 if C == 1 else 2 * C + 2)
    _at_least("width", width, 1)
    params = {"seed": config.seed, "n": n, "d": d, "beta": beta, "shift": shift, "c": c, "output": output,
              "classes": C, "starts": starts, "width": width, "data": source, "penalize_w": False,
              "loss": "0.5*||F-Y||^2", "penalty": "beta/2*(gamma^2+alpha^2+||v||^2)"}
    wh = cv.whiten(X, c)
    if wh.r != n - 1:
        return Outcome(INAPPLICABLE, f"the closed form needs rank(P_c X) = n − 1 (n ≤ d regime); here rank "
                       f"{wh.r} < {n - 1}", {}, {"rank_centred": wh.r}, params=params)
    value, fit, outs = closed_form(Y, beta)
    # the closed-form network: BN output p for each live column, output weight ±1 or e_k
    blocks = np.array([np.linalg.solve(wh.Ut, p) for p, _ in outs]).reshape(len(outs), n).T
    dirs = np.array([[tag] if C == 1 else np.eye(C)[tag] for _, tag in outs]).reshape(len(outs), C)
    cf_net = net.rebuild(wh, blocks, dirs, c)
    cf_value = net.objective(X, Y, cf_net, beta, c)
    tol = VALUE_RTOL * max(1.0, abs(value))
    precision = {"context": "float64", "solver": "cvxpy/CLARABEL"}

    p, fit_err, m_star, status = None, None, None, "not run"
    if C == 1 and n <= EXACT_N_MAX:
        run = convex_run(X, Y, beta, c)
        precision["solver_tol"] = run.solution.solver_tol
        status = run.solution.status
        if not run.solution.ok:
            return Outcome(INCONCLUSIVE, f"the convex solver did not reach optimality (status {status})",
                           {"optimal_value": value}, {"solver_status": status}, params=params, precision=precision)
        p = run.solution.value
        fit_err = float(np.max(np.abs(run.solution.fitted(run.A) - fit)))
        m_star = run.sparse.m
    trained = net.train(X, Y, width, beta, c, starts=starts, seed=config.seed, maxiter=QUICK_MAXITER if config.quick else MAXITER,
                        progress=config.progress)
    best = trained.best_value
    measured = {"optimal_value": p, "best_nonconvex_value": best, "closed_form_network_value": cf_value,
                "closed_form_neurons": len(outs), "m_star": m_star, "fitted_max_abs_error": fit_err,
                "nonconvex_values": [float(v) for v in trained.values], "solver_status": status,
                "best_gap_rel": (best - value) / max(1.0, abs(value)),
                "column_norms": _column_norms(Y)}
    expected = {"optimal_value": value, "closed_form_network_value": value, "neurons_at_most": 2 if C == 1 else C,
                "best_nonconvex_value_at_least": value}
    tolerance = {"value_abs": tol, "value_rtol": VALUE_RTOL, "fitted_abs": 1e-3}
    ordered = sorted(trained.values)
    hl = [{"y": value, "label": "closed form"}] + ([{"y": p, "label": "convex solver"}] if p is not None else [])
    series = {"panels": [{"title": f"closed form vs L-BFGS ({output}, c={shift})", "xlabel": "run (sorted)",
                          "ylabel": "objective", "xscale": "linear", "yscale": "linear",
                          "x": list(range(1, len(ordered) + 1)), "curves": [{"label": f"L-BFGS, width {width}", "y": ordered}],
                          "hlines": hl}]}
    common = dict(expected=expected, tolerance=tolerance, params=params, precision=precision, series=series)
    problems = []
    if p is not None and abs(p - value) > tol:
        problems.append(f"convex optimum {p:.9g} ≠ closed form {value:.9g}")
    if abs(cf_value - value) > tol:
        problems.append(f"the closed-form network's objective is {cf_value:.9g}, not {value:.9g}")
    if best < value - tol:
        problems.append(f"L-BFGS reached {best:.9g} < closed form {value:.9g}")
    if fit_err is not None and fit_err > tolerance["fitted_abs"]:
        problems.append(f"convex fitted values differ from f* by {fit_err:.2e}")
    if problems:
        measured["counterexample"] = _counterexample(X, Y, [v for v in (p, cf_value, best) if v is not None],
                                                     "; ".join(problems))
        return Outcome(REFUTED, "; ".join(problems) + f" (c = {shift}, tolerance {tol:.1e})", measured=measured, **common)
    cvx = f"convex optimum {p:.9g}" if p is not None else "(no exact convex program for vector outputs)"
    return Outcome(VERIFIED, f"closed form {value:.9g} = {cvx} = value of the {len(outs)}-neuron "
                   f"closed-form network; best of {len(trained.values)} L-BFGS runs {best:.9g} (gap "
                   f"{measured['best_gap_rel']:.2%}), none below", measured=measured, **common)


# --------------------------------------------------------------------------- registry

_COMMON = ("full-batch BN before the ReLU, ε = 0: BN(h) = γ P_c h/‖P_c h‖ + α c 1",
           "squared loss ½‖f − y‖², weight decay (β/2)(γ² + α² + v²), β > 0",
           "P_c X ≠ 0")

register(Claim(
    id="ergen2022.convex-equivalence", paper="ergen2022", citation=CITATION,
    summary="two-layer BN ReLU net optimum = group-lasso convex program on whitened data [U, c1]",
    statement=(r"\min_\theta \tfrac12\|\textstyle\sum_j (\mathrm{BN}_{\gamma_j,\alpha_j}(Xw_j))_+v_j - y\|^2 + "
               r"\tfrac\beta2\sum_j(\gamma_j^2+\alpha_j^2+v_j^2) = \min_{q,q'} \tfrac12\|\sum_i D_i\tilde U(q_i-q'_i)-y\|^2"
               r" + \beta\sum_i(\|q_i\|+\|q'_i\|)\ \text{s.t.}\ (2D_i-I)\tilde U q_i \ge 0,\ \tilde U=[U, c\mathbf 1]"),
    confidence="derived", assumptions=_COMMON + ("width m ≥ m* (number of nonzero blocks of an optimal solution)",),
    check=check_convex_equivalence,
    params=(Param("n", 12, "samples (ignored with --data)", int),
            Param("d", 2, "features (ignored with --data)", int),
            Param("beta", 0.05, "weight decay β > 0", float),
            Param("shift", "isometric", "BN shift constant c of the network: isometric (1/√n) or one (1)", str, SHIFTS),
            Param("program_shift", "match", "c used in the convex program: match (= shift) or a deliberate mismatch "
                  "(negative control)", str, ("match",) + SHIFTS),
            Param("patterns", "auto", "exact enumeration, sampled, or auto (exact when cheap)", str,
                  ("auto", "exact", "sampled")),
            Param("samples", 2000, "Gaussian directions when sampling patterns (exact enumeration too costly)", int),
            Param("starts", 20, "random L-BFGS starts of the non-convex network", int),
            Param("width", 0, "non-convex width m (0: 2n)", int),
            Param("penalize_w", False, "also penalise (β/2)‖w‖² (infimum unchanged by BN's scale invariance)", bool)),
    takes_data=True, **REAL_TARGETS,
    notes=("[derived] in the reference notes (full text unavailable): the paper's constants, its BN shift convention "
           "(α/√n·1 recalled, unconfirmed) and whether w is penalised are parameters. Patterns: exact enumeration of the "
           "arrangement's cells (complete in general position) when cheap, else sampled Gaussian directions plus the "
           "trained network's patterns (then the convex value is an upper bound on the exact program's). m* is the "
           "width of the sparsified rebuilt network (LP vertex + merging parallel blocks), an upper bound on the minimal "
           "width. L-BFGS not reaching the optimum is expected local-search behaviour, not a failure."),
))

register(Claim(
    id="ergen2022.closed-form", paper="ergen2022", citation=CITATION,
    summary="n ≤ d: optimum = φ(‖y₊‖)+φ(‖y₋‖) by block soft-thresholding, two neurons (per class for one-hot)",
    statement=(r"n\le d,\ c=1/\sqrt n:\ f^*=(1-\beta/\|y_+\|)_+y_+-(1-\beta/\|y_-\|)_+y_-,\ "
               r"p^*=\varphi(\|y_+\|)+\varphi(\|y_-\|),\ \varphi(t)=\beta t-\beta^2/2\ (t>\beta),\ t^2/2\ \text{else}"),
    confidence="derived", assumptions=_COMMON + ("rank(P_c X) = n − 1 (n ≤ d, X of full row rank)",
                                                 "isometric shift c = 1/√n"),
    check=check_closed_form,
    params=(Param("n", 8, "samples (ignored with --data); exact convex solve for n ≤ 12", int),
            Param("d", 20, "features (ignored with --data)", int),
            Param("beta", 0.1, "weight decay β > 0", float),
            Param("shift", "isometric", "BN shift constant: isometric (1/√n, the formula's convention) or one "
                  "(negative control: the formula fails)", str, SHIFTS),
            Param("output", "scalar", "scalar y, or onehot (vector outputs, per-class closed form)", str, ("scalar", "onehot")),
            Param("classes", 3, "classes for generated one-hot labels", int),
            Param("starts", 10, "random L-BFGS starts", int),
            Param("width", 0, "non-convex width (0: 6 scalar, 2C+2 one-hot)", int)),
    takes_data=True, **REAL_TARGETS,
    notes=("[derived] closed form (reference notes §3), the paper's constants unconfirmed ([recon]: "
           "w₁ = X†(y)₊, second-layer ±√(‖(±y)₊‖ − β)). One-hot outputs: no exact convex program (copositive), so the "
           "check is the closed-form network's value and L-BFGS lower bound only; measured.optimal_value is null there."),
))


def _render():
    from bnproof.symbolic import ergen2022 as sym

    return sym.render()


register_derivation("ergen2022", _render)
