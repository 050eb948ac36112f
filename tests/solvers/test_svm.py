r"""Property tests for bnproof.svm (hard-margin SVM through the origin; uniform-margin direction).

Facts checked ([derived], reference notes §2):
* the SVM solution satisfies its KKT conditions and its geometric margin is at least that of
  any known separator;
* with G = XXᵀ invertible and α = D_y G⁻¹ y, the uniform-margin direction ŵ ∝ Xᵀ G⁻¹ y equals
  the SVM direction iff α > 0 entrywise (every point a support vector: ŵ = Σ α_i y_i x_i
  is then a KKT point); if some α_i < 0 the two differ;
* data that no hyperplane through the origin separates raise BadInput.
"""

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from bnproof.core.errors import BadInput
from bnproof.solvers.svm import max_margin, uniform_margin_direction
from bnproof.strategies import separable_data

ANGLE_SAME, ANGLE_DIFFERENT = 1e-6, 1e-4


def _angle(u, v):
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    return 2 * np.arcsin(min(1.0, np.linalg.norm(u - v) / 2))


@st.composite
def full_row_rank_problems(draw):
    """Gaussian X (n ≤ d) with anisotropic columns, random ±1 labels; G well conditioned.

    Anisotropy and d close to n give some α_i < 0; d ≫ n gives all α_i > 0: both branches occur.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(2, 8))
    d = draw(st.integers(n, 4 * n + 4))
    spread = draw(st.floats(0.0, 1.5))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.exp(spread * rng.standard_normal(d))
    y = rng.choice(np.array([-1.0, 1.0]), size=n)
    sv = np.linalg.svd(X, compute_uv=False)
    assume(sv[-1] > 1e-3 * sv[0])
    return X, y


@given(separable_data(n=st.integers(2, 10), d=st.integers(1, 8)))
def test_kkt_residuals_small_and_margin_optimal(ds):
    sol = max_margin(ds.X, ds.y)
    assert max(sol.kkt.values()) < 1e-6, sol.kkt
    margins = ds.y * (ds.X @ sol.w)
    assert margins.min() == pytest.approx(1.0, abs=1e-6)
    assert np.all(sol.alpha >= 0) and np.allclose(sol.w, ds.X.T @ (sol.alpha * ds.y), atol=1e-6)
    # points strictly beyond the margin carry no weight (complementary slackness, stated directly;
    # the converse fails on degenerate duals: a point on the margin may have α = 0)
    beyond = margins > 1 + 1e-4
    assert np.all(sol.alpha[beyond] <= 1e-6 * max(1.0, sol.alpha.max()))
    # optimality against the known separator w0 (unit, margin >= 0.1 by construction)
    known = float(np.min(ds.y * (ds.X @ ds.w0)))
    assert sol.margin >= known * (1 - 1e-6)


@given(full_row_rank_problems())
def test_uniform_direction_equals_svm_iff_alpha_positive(problem):
    X, y = problem
    alpha = y * np.linalg.solve(X @ X.T, y)
    rel = alpha.min() / np.abs(alpha).max()
    assume(rel > 1e-6 or rel < -1e-3)  # stay off the boundary where a point just leaves the support
    w_hat = uniform_margin_direction(X, y)
    assert np.linalg.norm(w_hat) == pytest.approx(1.0)
    m = y * (X @ w_hat)
    assert np.ptp(m) < 1e-8 * m.mean() and m.mean() > 0
    sol = max_margin(X, y)
    event("every α_i > 0" if rel > 0 else "some α_i < 0")
    if rel > 0:
        assert _angle(w_hat, sol.direction) < ANGLE_SAME
        assert sol.support.all()
    else:
        assert _angle(w_hat, sol.direction) > ANGLE_DIFFERENT
        assert not sol.support.all()


def test_both_branches_by_construction():
    # orthogonal points: α = (1, 1) > 0, every point a support vector, the classifiers coincide
    X, y = np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1.0, -1.0])
    assert _angle(uniform_margin_direction(X, y), max_margin(X, y).direction) < ANGLE_SAME
    # x2 far beyond the margin of x1: α = G⁻¹1 = (7, -2), the SVM is e1, ŵ ∝ (1, -2)
    X, y = np.array([[1.0, 0.0], [3.0, 1.0]]), np.array([1.0, 1.0])
    sol = max_margin(X, y)
    assert np.allclose(sol.direction, [1.0, 0.0], atol=1e-8)
    assert np.allclose(uniform_margin_direction(X, y), np.array([1.0, -2.0]) / np.sqrt(5), atol=1e-12)
    assert list(sol.support) == [True, False]


@given(separable_data(n=st.integers(2, 8), d=st.integers(1, 6)), st.integers(0, 7))
def test_non_separable_raises_badinput(ds, j):
    j = j % ds.n
    # x_j and -x_j with the same label: y⟨w, x_j⟩ >= 1 and -y⟨w, x_j⟩ >= 1 cannot both hold
    X = np.vstack([ds.X, -ds.X[j]])
    y = np.append(ds.y, ds.y[j]).astype(float)
    with pytest.raises(BadInput, match="not linearly separable"):
        max_margin(X, y)


def test_clarabel_insufficient_progress_is_retried():
    """Regression (found by this file's Hypothesis search): at tol 1e-12 Clarabel stops with
    InsufficientProgress on this well-conditioned separable instance; max_margin used to raise
    cvxpy's SolverError.  It now retries at looser tolerances and the KKT residuals certify it."""
    X = np.array([[1.38345854, -0.52993775, 0.30066045, 0.1368808, 1.14710219, 0.47563299],
                  [-1.47313946, -1.09639314, 0.15680766, -0.21524187, -0.67112016, -0.33146682],
                  [0.11787952, -0.09545262, 0.14854403, 0.2277496, 0.49914427, -0.51064577],
                  [-0.25874679, -0.06363674, -0.0200271, -0.97382231, -0.35037598, -0.47262106],
                  [0.54893694, -1.42896486, -0.09881172, 0.45869398, 1.72245533, 0.59081681],
                  [-0.62296701, 0.78215145, -0.05593937, -0.45020967, -2.36617551, 0.31195197]])
    y = np.array([1.0, 1.0, 1.0, 1.0, -1.0, -1.0])
    sol = max_margin(X, y)
    assert sol.solver_tol > 1e-12 and max(sol.kkt.values()) < 1e-6
    # square invertible X: the SVM is the min-norm solution on its support set
    alpha = y * np.linalg.solve(X @ X.T, y)
    assert (alpha.min() > 0) == bool(sol.support.all())


def test_solver_failing_at_every_tolerance_is_an_inconclusive_record(monkeypatch):
    """A solver that fails everywhere gives the verdict inconclusive with its message, not a traceback."""
    import cvxpy as cp

    from bnproof.claims import get_claim, run_claim
    from bnproof.core.errors import NumericalFailure
    from bnproof.core.params import RunConfig

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("simulated failure")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    X, y = np.eye(3), np.array([1.0, -1.0, 1.0])
    with pytest.raises(NumericalFailure):
        max_margin(X, y)
    rec = run_claim(get_claim("cao2023.nobn.max-margin"), RunConfig(quick=True))
    assert rec["verdict"] == "inconclusive" and "CLARABEL failed" in rec["reason"]


def test_stationarity_residual_is_relative_to_the_weight_norm():
    """A margin of 1e-3 (‖w‖ = 1000): the residual ‖w − Xᵀ(αy)‖ is reported relative to max(1, ‖w‖)."""
    X = np.array([[1.0, 1e-3], [1.0, -1e-3], [2.0, 3e-3]])
    y = np.array([1.0, -1.0, 1.0])
    sol = max_margin(X, y)
    w_norm = float(np.linalg.norm(sol.w))
    assert w_norm == pytest.approx(1000.0, rel=1e-6)
    residual = float(np.linalg.norm(sol.w - X.T @ (sol.alpha * y)))
    assert sol.kkt["stationarity"] == pytest.approx(residual / w_norm, rel=1e-9)
