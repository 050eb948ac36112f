r"""The group-lasso convex program of two-layer ReLU networks over activation patterns.

Pilanci & Ergen (ICML 2020), applied by Ergen et al. (ICLR 2022) to BN networks on the
whitened data :math:`\tilde U = [U, c\mathbf 1]`:

.. math::
    \min_{\{q_i, q'_i\}}\ \tfrac12\Big\|\sum_{i=1}^P D_i A (q_i - q'_i) - y\Big\|_2^2
      + \beta \sum_i \big(\|q_i\|_2 + \|q'_i\|_2\big)
    \quad\text{s.t.}\quad (2D_i - I) A q_i \ge 0,\ (2D_i - I) A q'_i \ge 0,

with :math:`D_i = \operatorname{diag}(\mathbf 1[A g \ge 0])` the activation patterns of the
central hyperplane arrangement of the rows of :math:`A` (n×k, rank k).  This module is generic
in ``A``: the BN program uses :math:`A = \tilde U`, the plain ReLU network with a bias uses
:math:`A = [X, \mathbf 1]`.

* :func:`whiten` -- the reduction :math:`P_c X = U\Sigma V^\top`, :math:`\tilde U = [U, c\mathbf 1]`.
* :func:`exact_patterns` -- every pattern, by walking the extreme rays of the arrangement's cells
  (exact when the rows are in general position; the result says whether they were).
* :func:`sampled_patterns` -- patterns of Gaussian directions (a subset: an *upper bound* on p*).
* :func:`solve` -- cvxpy + Clarabel, vectorised over the patterns, with a tolerance fallback.
* :func:`sparsify` -- a vertex of the optimal face (HiGHS LP) with at most n active blocks.
* :func:`solve_exact` -- every pattern, then :func:`solve`.
* :func:`solve_network` -- the program of a network *as defined* on features M (no whitening):
  blocks (w, α) with pre-activation Mw + cα1 and norm ‖(Mw, α)‖ (BN's scaling) or ‖(w, α)‖
  (no scaling); its patterns by :func:`network_patterns`.
* :class:`ConvexRun` / :func:`convex_run` -- whiten, choose patterns (exact when cheap, else
  sampled), solve and sparsify, for one data set.

Hand-written here: the arrangement enumeration (no library enumerates cells of a hyperplane
arrangement in NumPy) and the sparsification LP's set-up; the solvers are cvxpy/Clarabel and
SciPy/HiGHS.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

__all__ = ["Whitened", "whiten", "shift_constant", "exact_patterns", "pattern_count_bound",
           "exact_cost", "sampled_patterns", "merge_patterns", "ConvexSolution", "solve", "solve_exact",
           "Sparse", "sparsify", "group_objective", "ConvexRun", "convex_run", "SOLVER_TOLS",
           "EXACT_MAX_CANDIDATES", "network_patterns", "solve_network"]

SOLVER_TOLS = (1e-9, 1e-8, 1e-7)  # Clarabel gap/feasibility tolerances, tried in order
EXACT_MAX_CANDIDATES = 300_000  # above this many candidate directions, enumerate by sampling
RANK_RTOL = 1e-10  # singular values below this (relative) count as zero
DEGENERATE_SAMPLES = 2000  # sampled directions completing the enumeration when rows are not in general position


@dataclass(frozen=True)
class Whitened:
    """P_c X = U Σ Vᵀ (compact, rank r) and Ũ = [U, c·1]."""

    U: np.ndarray  # n×r, orthonormal columns, Uᵀ1 = 0
    sigma: np.ndarray  # r singular values, descending
    V: np.ndarray  # d×r
    c: float
    mean: np.ndarray  # column means of X (d)

    @property
    def Ut(self) -> np.ndarray:
        return np.hstack([self.U, self.c * np.ones((self.U.shape[0], 1))])

    @property
    def r(self) -> int:
        return self.U.shape[1]


def shift_constant(convention: str, n: int) -> float:
    """The BN shift constant c: ``isometric`` -> 1/√n (PyTorch up to a global √n), ``one`` -> 1."""
    if convention == "isometric":
        return 1.0 / math.sqrt(n)
    if convention == "one":
        return 1.0
    raise ValueError(f"unknown shift convention {convention!r}")


def whiten(X: np.ndarray, c: float) -> Whitened:
    """Compact SVD of the centred data; directions with σ ≤ RANK_RTOL·σ_max are dropped."""
    X = np.asarray(X, float)
    mean = X.mean(axis=0)
    Xc = X - mean
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    r = int(np.sum(s > RANK_RTOL * max(s[0] if s.size else 0.0, 1e-300))) if s.size else 0
    return Whitened(U=U[:, :r], sigma=s[:r], V=Vt[:r].T, c=float(c), mean=mean)


def pattern_count_bound(n: int, k: int) -> int:
    """Maximum number of cells of a central arrangement of n hyperplanes in R^k: 2 Σ_{j<k} C(n-1, j)."""
    return 2 * sum(math.comb(n - 1, j) for j in range(k))


def exact_cost(n: int, k: int) -> int:
    """Number of candidate directions :func:`exact_patterns` evaluates."""
    return math.comb(n, k - 1) * 2 ** k


def exact_patterns(A: np.ndarray) -> tuple[np.ndarray, bool]:
    """All activation patterns 1[A g ≥ 0] of the rows of A (n×k, rank k) -> (n×P 0/1 array, general).

    Every cell of an essential central arrangement is a pointed cone with an extreme ray on
    which k-1 hyperplanes meet.  For each (k-1)-subset S of rows we take the ray ±g₀ (null
    vector of A_S) and step off it by ε·δ with A_S δ = s for every s ∈ {±1}^{k-1}; with ε
    below half the smallest |A_i g₀| (i ∉ S) the other signs are those of the ray.  In general
    position this meets every cell, so the list is complete (``general`` = True).  Otherwise
    degenerate rays are skipped and ``general`` = False (the caller should add sampled patterns).
    """
    A = np.asarray(A, float)
    n, k = A.shape
    scale = float(np.max(np.abs(A))) or 1.0
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=k - 1))).T  # (k-1)×2^{k-1}
    out, general = [], True
    for S in itertools.combinations(range(n), k - 1):
        S = list(S)
        AS = A[S]
        _, sv, Vt = np.linalg.svd(AS, full_matrices=True)
        if k > 1 and sv[-1] <= 1e-9 * scale:
            general = False
            continue
        g0 = Vt[-1]
        base = A @ g0
        rest = np.ones(n, bool)
        rest[S] = False
        gap = np.min(np.abs(base[rest])) if rest.any() else 1.0
        if gap <= 1e-9 * scale * np.linalg.norm(g0):
            general = False
            continue
        delta = np.linalg.lstsq(AS, signs, rcond=None)[0] if k > 1 else np.zeros((k, 1))  # k×2^{k-1}
        step = A @ delta
        eps = 0.5 * gap / max(1.0, float(np.max(np.abs(step))))
        for sgn in (-1.0, 1.0):
            G = sgn * base[:, None] + eps * step
            out.append(G > 0)
    D = np.unique(np.hstack(out), axis=1) if out else np.zeros((n, 0), bool)
    return D.astype(np.int8), general


def sampled_patterns(A: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct patterns 1[A g ≥ 0] of ``samples`` Gaussian directions g ~ N(0, I_k) (n×P)."""
    A = np.asarray(A, float)
    G = rng.standard_normal((A.shape[1], samples))
    return np.unique((A @ G >= 0).astype(np.int8), axis=1)


def merge_patterns(*Ds: np.ndarray) -> np.ndarray:
    """Union of pattern sets (columns), deduplicated, in a deterministic order."""
    D = np.hstack([np.asarray(d, np.int8) for d in Ds if d is not None and d.size])
    return np.unique(D, axis=1)


def group_objective(A: np.ndarray, y: np.ndarray, D: np.ndarray, Q: np.ndarray, R: np.ndarray, beta: float) -> float:
    """Convex objective at (Q, R) (k×P each), evaluated in NumPy (constraints not checked)."""
    pred = np.sum(D * (A @ (Q - R)), axis=1)
    return float(0.5 * np.sum((pred - y) ** 2) + beta * (np.linalg.norm(Q, axis=0).sum() + np.linalg.norm(R, axis=0).sum()))


@dataclass(frozen=True)
class ConvexSolution:
    status: str  # cvxpy status ("optimal", "infeasible", ..., or "solver_error")
    value: float | None  # solver's optimal value
    Q: np.ndarray | None  # k×P, blocks with positive output weight
    R: np.ndarray | None  # k×P, blocks with negative output weight
    D: np.ndarray  # n×P patterns
    solver_tol: float | None  # Clarabel tolerance the solve succeeded at
    max_violation: float  # largest violation of the cone constraints, relative to ‖A‖·‖q‖
    solve_s: float  # wall time of the solve (compile + Clarabel)

    @property
    def ok(self) -> bool:
        return self.status == "optimal" and self.value is not None and self.Q is not None

    def fitted(self, A: np.ndarray) -> np.ndarray:
        return np.sum(self.D * (A @ (self.Q - self.R)), axis=1)


def _solve_with_tolerances(prob, tols: tuple[float, ...]) -> tuple[str, float | None]:
    """Solve with Clarabel at each tolerance in turn until optimal: (status, tolerance used)."""
    import cvxpy as cp  # lazily, as in the solvers below: cvxpy takes 1.5-2 s to import

    status, used = "solver_error", None
    for tol in tols:
        try:
            with warnings.catch_warnings():  # "Solution may be inaccurate": reported through the status
                warnings.simplefilter("ignore")
                prob.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
        except cp.error.SolverError:
            continue
        status, used = prob.status, tol
        if status == "optimal":
            break
    return status, used


def solve(A: np.ndarray, y: np.ndarray, D: np.ndarray, beta: float, tols: tuple[float, ...] = SOLVER_TOLS) -> ConvexSolution:
    """The group-lasso program with cvxpy + Clarabel, vectorised over the P patterns.

    Tried at each tolerance of ``tols`` in turn (Clarabel may stop with InsufficientProgress
    at tight tolerances); a failure at all of them is returned as status ``solver_error``.
    """
    import cvxpy as cp  # 1.5-2 s to import: only a solve pays for it, not every `bnproof` command

    A = np.asarray(A, float)
    y = np.asarray(y, float)
    D = np.asarray(D, float)
    n, k = A.shape
    P = D.shape[1]
    t0 = time.perf_counter()
    Q = cp.Variable((k, P))
    R = cp.Variable((k, P))
    S = 2.0 * D - 1.0
    AQ, AR = A @ Q, A @ R
    pred = cp.sum(cp.multiply(D, AQ - AR), axis=1)
    obj = 0.5 * cp.sum_squares(pred - y) + beta * (cp.sum(cp.norm(Q, 2, axis=0)) + cp.sum(cp.norm(R, 2, axis=0)))
    prob = cp.Problem(cp.Minimize(obj), [cp.multiply(S, AQ) >= 0, cp.multiply(S, AR) >= 0])
    status, used = _solve_with_tolerances(prob, tols)
    elapsed = time.perf_counter() - t0
    if status != "optimal" or Q.value is None:
        return ConvexSolution(status, None, None, None, D.astype(np.int8), used, math.inf, elapsed)
    Qv, Rv = np.asarray(Q.value, float), np.asarray(R.value, float)
    scale = np.linalg.norm(A, 2) * max(1e-300, float(max(np.abs(Qv).max(), np.abs(Rv).max())))
    viol = max(float(np.max(np.maximum(0, -(S * (A @ Qv))))), float(np.max(np.maximum(0, -(S * (A @ Rv)))))) / scale
    return ConvexSolution(status, float(prob.value), Qv, Rv, D.astype(np.int8), used, viol, elapsed)


@dataclass(frozen=True)
class Sparse:
    """A sparse optimal solution: blocks (k×m), signs (m), patterns (n×m) and its objective."""

    blocks: np.ndarray
    signs: np.ndarray
    patterns: np.ndarray
    value: float

    @property
    def m(self) -> int:
        return self.blocks.shape[1]


def sparsify(A: np.ndarray, y: np.ndarray, sol: ConvexSolution, beta: float, drop_rtol: float = 1e-9,
             merge_rtol: float = 1e-8) -> Sparse:
    """Fewest-blocks rewrite of an interior-point solution (Carathéodory, by a vertex LP).

    Interior-point solutions spread weight over many blocks.  Write each active block as
    t_i·u_i with u_i = s_i D_i A q̂_i (q̂_i = q_i/‖q_i‖) and t_i = ‖q_i‖; the fitted values
    f = Σ t_i u_i and the penalty β Σ t_i.  A vertex of {t ≥ 0 : Σ t_i u_i = f} minimising
    Σ t_i (HiGHS dual simplex) keeps f, does not raise the penalty, and has at most rank ≤ n
    nonzero t_i.  Rescaling q̂_i by t_i ≥ 0 keeps every cone constraint.
    """
    A = np.asarray(A, float)
    y = np.asarray(y, float)
    cols, blocks, signs, pats = [], [], [], []
    tmax = max(np.linalg.norm(sol.Q, axis=0).max(initial=0), np.linalg.norm(sol.R, axis=0).max(initial=0))
    for M, s in ((sol.Q, 1.0), (sol.R, -1.0)):
        norms = np.linalg.norm(M, axis=0)
        for i in np.flatnonzero(norms > drop_rtol * max(tmax, 1e-300)):
            qh = M[:, i] / norms[i]
            # the ReLU output itself, not D_i A q̂: tiny blocks of an interior-point solution
            # violate their cone constraint relatively more, and rescaling would amplify that
            cols.append(s * np.maximum(A @ qh, 0.0))
            blocks.append((qh, norms[i]))
            signs.append(s)
            pats.append((A @ qh > 0).astype(np.int8))
    if not cols:
        n = A.shape[0]
        return Sparse(np.zeros((A.shape[1], 0)), np.zeros(0), np.zeros((n, 0), np.int8), float(0.5 * y @ y))
    Umat = np.array(cols).T
    t0 = np.array([b[1] for b in blocks])
    f = Umat @ t0
    res = linprog(np.ones(len(t0)), A_eq=Umat, b_eq=f, bounds=(0, None), method="highs-ds")
    t = res.x if res.status == 0 else t0
    if res.status == 0 and t.sum() > t0.sum() * (1 + 1e-9):  # cannot happen at a true optimum; keep t0
        t = t0
    keep = list(np.flatnonzero(t > 1e-12 * max(t.max(), 1e-300)))
    # greedy pruning: a vertex has ≤ n blocks, not necessarily the fewest; drop a block when the
    # others still reproduce f at no larger penalty
    best = float(t.sum())
    for i in sorted(keep, key=lambda j: t[j]):
        rest = [j for j in keep if j != i]
        if not rest:
            break
        r2 = linprog(np.ones(len(rest)), A_eq=Umat[:, rest], b_eq=f, bounds=(0, None), method="highs-ds")
        if r2.status == 0 and r2.x.sum() <= best * (1 + 1e-9) + 1e-12:
            t = np.zeros_like(t)
            t[rest] = r2.x
            keep = [j for j in rest if t[j] > 1e-12 * max(t.max(), 1e-300)]
            best = float(t.sum())
    Bk = np.array([blocks[i][0] * t[i] for i in keep]).T.reshape(A.shape[1], -1)
    sg = np.array([signs[i] for i in keep], float)
    Bk, sg = _merge_parallel(A, y, Bk, sg, beta, merge_rtol)
    value = _network_value(A, y, Bk, sg, beta)
    Pk = (A @ Bk > 0).astype(np.int8)
    return Sparse(Bk, sg, Pk, value)


def _network_value(A, y, B, sg, beta) -> float:
    fit = np.sum(np.maximum(A @ B, 0.0) * sg, axis=1)
    return float(0.5 * np.sum((fit - y) ** 2) + beta * np.linalg.norm(B, axis=0).sum())


def _merge_parallel(A, y, B, sg, beta, rtol):
    """Merge same-sign blocks whose ReLU outputs are parallel up to solver noise.

    At an optimum whose output lies on the boundary of several cells (e.g. b ∝ y₊ for n ≤ d)
    the interior point splits one neuron over those cells with nearly parallel outputs; the
    LP cannot merge them exactly.  Merging the most parallel pair is kept while the network
    objective rises by less than ``rtol``·max(1, value) in total.
    """
    base = _network_value(A, y, B, sg, beta)
    budget = rtol * max(1.0, abs(base))
    while B.shape[1] > 1:
        out = np.maximum(A @ B, 0.0)
        nrm = np.linalg.norm(out, axis=0)
        best = None
        for i in range(B.shape[1]):
            for j in range(i + 1, B.shape[1]):
                if sg[i] != sg[j] or nrm[i] == 0 or nrm[j] == 0:
                    continue
                cos = float(out[:, i] @ out[:, j] / (nrm[i] * nrm[j]))
                if best is None or cos > best[0]:
                    best = (cos, i, j)
        if best is None:
            break
        _, i, j = best
        keep = [k for k in range(B.shape[1]) if k not in (i, j)]
        B2 = np.hstack([B[:, keep], (B[:, i] + B[:, j])[:, None]])
        s2 = np.concatenate([sg[keep], [sg[i]]])
        if _network_value(A, y, B2, s2, beta) > base + budget:
            break
        B, sg = B2, s2
    return B, sg


def solve_exact(A: np.ndarray, y: np.ndarray, beta: float) -> tuple[ConvexSolution, bool]:
    """The program over every pattern of A (:func:`exact_patterns`) -> (solution, general position)."""
    D, general = exact_patterns(A)
    return solve(A, y, D, beta), general


class ConvexRun:
    """Patterns, solve and sparse rewrite of the BN program on Ũ = [U, c·1] for one data set (X, y).

    Patterns: ``exact`` enumeration, ``sampled`` Gaussian directions, or ``auto`` (exact when
    :func:`exact_cost` ≤ :data:`EXACT_MAX_CANDIDATES`).  ``exact`` is True only for a complete
    enumeration (exact mode and rows in general position); otherwise the optimum found is an
    upper bound on the exact program's.  Sampling draws from ``default_rng([seed, 7])``.
    """

    def __init__(self, X, y, beta, c_prog, mode, samples, seed):
        self.wh = whiten(X, c_prog)
        self.A = self.wh.Ut
        n, k = self.A.shape
        self.bound = pattern_count_bound(n, k)
        rng = np.random.default_rng([seed, 7])
        self.exact = False
        if mode == "exact" or (mode == "auto" and exact_cost(n, k) <= EXACT_MAX_CANDIDATES):
            D, general = exact_patterns(self.A)
            self.exact = general
            if not general:  # degenerate rays were skipped: add sampled patterns (now an upper bound)
                D = merge_patterns(D, sampled_patterns(self.A, samples, rng))
        else:
            D = sampled_patterns(self.A, samples, rng)
        self.D = D
        self.y = np.asarray(y, float)
        self.beta = beta
        self.solution = solve(self.A, self.y, D, beta)
        self.sparse = sparsify(self.A, self.y, self.solution, beta) if self.solution.ok else None

    def add_patterns(self, D_extra: np.ndarray) -> None:
        """Re-solve with extra patterns (those of trained networks, when sampling)."""
        self.D = merge_patterns(self.D, D_extra)
        self.solution = solve(self.A, self.y, self.D, self.beta)
        self.sparse = sparsify(self.A, self.y, self.solution, self.beta) if self.solution.ok else None


def convex_run(X, y, beta, c_prog, mode="auto", samples=20000, seed=0) -> ConvexRun:
    """:class:`ConvexRun` with the defaults: automatic pattern choice, 20000 samples if sampling."""
    return ConvexRun(X, y, beta, c_prog, mode, samples, seed)


def network_patterns(M: np.ndarray, c: float) -> tuple[np.ndarray, bool]:
    """Every pattern 1[Mw + cα1 ≥ 0] of the features M (n×d) -> (patterns, general position).

    Enumerated on the distinct rows of [M, c1] (repeated rows get the same sign), on those rows
    themselves when they have full column rank, else on an orthonormal basis of their column
    space (the patterns of a linear map depend only on its column space).  Rows not in general
    position: the enumeration is completed with :data:`DEGENERATE_SAMPLES` sampled directions
    and ``general`` is False (the list may then miss cells: an upper bound on p*).
    """
    A = np.hstack([np.asarray(M, float), np.full((M.shape[0], 1), float(c))])
    rows, inverse = np.unique(A, axis=0, return_inverse=True)  # repeated rows share their sign
    U, s, _ = np.linalg.svd(rows, full_matrices=False)
    r = int(np.sum(s > RANK_RTOL * max(float(s[0]) if s.size else 0.0, 1e-300)))
    B = rows if r == rows.shape[1] else U[:, :r]
    D, general = exact_patterns(B)
    if not general or D.shape[1] == 0:  # degenerate rays skipped: complete with sampled directions
        D = merge_patterns(D, sampled_patterns(B, DEGENERATE_SAMPLES, np.random.default_rng(0)))
        general = False
    return D[np.asarray(inverse).ravel()], general


def solve_network(M: np.ndarray, c: float, y: np.ndarray, D: np.ndarray, beta: float, scaled: bool,
                  tols: tuple[float, ...] = SOLVER_TOLS) -> ConvexSolution:
    """The group lasso of a two-layer ReLU network written on its own features M (n×d), no whitening.

    Neuron i with pattern D_i contributes D_i(M w_i + cα_i 1) (and the same with a negative
    output weight); its cost is β‖(M w_i, α_i)‖ when ``scaled`` (BN: output γ·unit + αc1 at cost
    ½(γ² + α² + v²), so the block norm is that of the reachable output) or β‖(w_i, α_i)‖ when
    not (a plain neuron with weight decay on (w, α, v)).  Constraints (2D_i − I)(Mw_i + cα_i1) ≥ 0.
    Returns a :class:`ConvexSolution` whose Q, R stack (w; α) blocks ((d+1)×P).
    """
    import cvxpy as cp  # heavy import: only a solve pays for it

    M = np.asarray(M, float)
    y = np.asarray(y, float)
    D = np.asarray(D, float)
    n, d = M.shape
    P = D.shape[1]
    t0 = time.perf_counter()
    Wq, Wr = cp.Variable((d, P)), cp.Variable((d, P))
    aq, ar = cp.Variable((1, P)), cp.Variable((1, P))
    ones = np.ones((n, 1))
    S = 2.0 * D - 1.0
    Hq, Hr = M @ Wq + c * ones @ aq, M @ Wr + c * ones @ ar
    pred = cp.sum(cp.multiply(D, Hq - Hr), axis=1)
    if scaled:
        norms = cp.norm(cp.vstack([M @ Wq, aq]), 2, axis=0), cp.norm(cp.vstack([M @ Wr, ar]), 2, axis=0)
    else:
        norms = cp.norm(cp.vstack([Wq, aq]), 2, axis=0), cp.norm(cp.vstack([Wr, ar]), 2, axis=0)
    obj = 0.5 * cp.sum_squares(pred - y) + beta * (cp.sum(norms[0]) + cp.sum(norms[1]))
    prob = cp.Problem(cp.Minimize(obj), [cp.multiply(S, Hq) >= 0, cp.multiply(S, Hr) >= 0])
    status, used = _solve_with_tolerances(prob, tols)
    elapsed = time.perf_counter() - t0
    if status != "optimal" or Wq.value is None:
        return ConvexSolution(status, None, None, None, D.astype(np.int8), used, math.inf, elapsed)
    Qv = np.vstack([np.asarray(Wq.value, float), np.asarray(aq.value, float)])
    Rv = np.vstack([np.asarray(Wr.value, float), np.asarray(ar.value, float)])
    A = np.hstack([M, c * ones])
    scale = np.linalg.norm(A, 2) * max(1e-300, float(max(np.abs(Qv).max(), np.abs(Rv).max())))
    viol = max(float(np.max(np.maximum(0, -(S * (A @ Qv))))), float(np.max(np.maximum(0, -(S * (A @ Rv)))))) / scale
    return ConvexSolution(status, float(prob.value), Qv, Rv, D.astype(np.int8), used, viol, elapsed)
