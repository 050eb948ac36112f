r"""Hard-margin SVM through the origin, solved with cvxpy + Clarabel and checked by KKT.

.. math::
    w_{mm} = \arg\min_w \tfrac12\|w\|_2^2 \quad\text{s.t.}\quad y_i\langle w, x_i\rangle \ge 1.

This is the limit direction of plain GD on separable data with the exponential or logistic
loss (Soudry, Hoffer, Nacson, Gunasekar, Srebro, JMLR 2018) -- the baseline against which
Cao et al. 2023 contrast BN's uniform margin.  The solution is certified by its KKT
conditions: w = Σ α_i y_i x_i with α ≥ 0, primal feasibility, and complementary slackness;
the residuals are returned with the solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnproof.core.errors import BadInput, NumericalFailure

__all__ = ["MaxMarginSolution", "max_margin", "uniform_margin_direction"]

_SOLVER_TOLS = (1e-12, 1e-10, 1e-8)  # tried in order; 1e-8 is Clarabel's default


@dataclass(frozen=True)
class MaxMarginSolution:
    w: np.ndarray  # the SVM solution (not normalised): min_i y_i⟨w, x_i⟩ = 1
    alpha: np.ndarray  # dual variables, α_i ≥ 0
    margin: float  # geometric margin 1/‖w‖ of the unit direction
    support: np.ndarray  # boolean mask of support vectors (α_i > tol)
    kkt: dict  # residuals: stationarity, primal, dual, complementarity
    solver: str
    solver_tol: float = 1e-12  # Clarabel gap/feasibility tolerance the solve succeeded at

    @property
    def direction(self) -> np.ndarray:
        return self.w / np.linalg.norm(self.w)


def max_margin(X: np.ndarray, y: np.ndarray, *, tol: float = 1e-7) -> MaxMarginSolution:
    """Solve the hard-margin SVM (no bias) and certify it by KKT; BadInput if not separable."""
    import cvxpy as cp

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w = cp.Variable(d)
    cons = [cp.multiply(y, X @ w) >= 1]
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w)), cons)
    for solver_tol in _SOLVER_TOLS:
        try:
            prob.solve(solver=cp.CLARABEL, tol_gap_abs=solver_tol, tol_gap_rel=solver_tol, tol_feas=solver_tol)
            break
        except cp.error.SolverError:
            # Clarabel can stop with InsufficientProgress at the tightest tolerances on perfectly
            # good separable data; retry looser -- the KKT residuals below still certify the result.
            continue
    else:
        raise NumericalFailure(f"cvxpy/CLARABEL failed on the hard-margin SVM at every tolerance {_SOLVER_TOLS}")
    if prob.status not in ("optimal", "optimal_inaccurate") or w.value is None:
        raise BadInput(f"the data are not linearly separable through the origin (solver status {prob.status})")
    wv = np.asarray(w.value, dtype=float)
    alpha = np.maximum(np.asarray(cons[0].dual_value, dtype=float), 0.0)
    margins = y * (X @ wv)
    scale = max(1.0, float(np.linalg.norm(wv)))
    kkt = {
        "stationarity": float(np.linalg.norm(wv - X.T @ (alpha * y)) / scale),
        "primal": float(max(0.0, 1.0 - margins.min())),
        "dual": float(max(0.0, -np.min(cons[0].dual_value))),
        "complementarity": float(np.max(np.abs(alpha * (margins - 1.0)))),
    }
    return MaxMarginSolution(w=wv, alpha=alpha, margin=1.0 / float(np.linalg.norm(wv)),
                             support=alpha > tol * max(1.0, alpha.max()), kkt=kkt, solver="cvxpy/CLARABEL",
                             solver_tol=solver_tol)


def uniform_margin_direction(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unit ŵ ∝ Xᵀ(XXᵀ)⁺y, the minimum-norm w with y_i⟨w, x_i⟩ = 1 (when it exists).

    For patch data pass the stacked patches (n·P rows) and the repeated labels.
    """
    w, *_ = np.linalg.lstsq(np.asarray(X, float), np.asarray(y, float), rcond=None)
    return w / np.linalg.norm(w)
