"""The group-lasso convex program (bnproof.solvers.group_lasso): reduction, pattern enumeration, solve,
sparsify, and the per-data-set run (exact or sampled patterns)."""

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings

from bnproof.solvers import group_lasso as cv
from bnproof.strategies import regression_data


def _instance(seed, n, d):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal(n)


def test_whitening_reduction():
    X, _ = _instance(0, 10, 3)
    wh = cv.whiten(X, 1 / math.sqrt(10))
    Xc = X - X.mean(axis=0)
    assert wh.r == 3
    assert np.allclose(wh.U.T @ wh.U, np.eye(3)) and np.allclose(wh.U.T @ np.ones(10), 0)
    assert np.allclose(Xc, wh.U @ np.diag(wh.sigma) @ wh.V.T)
    # isometric shift: Ũ has orthonormal columns; shift one: it does not
    assert np.allclose(wh.Ut.T @ wh.Ut, np.eye(4))
    assert not np.allclose(cv.whiten(X, 1.0).Ut.T @ cv.whiten(X, 1.0).Ut, np.eye(4))
    with pytest.raises(ValueError):
        cv.shift_constant("half", 4)


@pytest.mark.parametrize("n,d", [(12, 2), (9, 3), (6, 10)])
def test_exact_patterns_reach_the_cell_count_and_contain_every_sample(n, d):
    X, _ = _instance(1, n, d)
    A = cv.whiten(X, 1 / math.sqrt(n)).Ut
    D, general = cv.exact_patterns(A)
    k = A.shape[1]
    assert general
    assert D.shape[1] == cv.pattern_count_bound(n, k)  # generic data: every cell is there
    S = cv.sampled_patterns(A, 20000, np.random.default_rng(0))
    assert cv.merge_patterns(D, S).shape[1] == D.shape[1]  # no sampled pattern is missing


def test_n_le_d_gives_all_patterns():
    X, _ = _instance(2, 6, 10)
    D, _ = cv.exact_patterns(cv.whiten(X, 1 / math.sqrt(6)).Ut)
    assert D.shape[1] == 2 ** 6
    assert {tuple(c) for c in D.T} == set(itertools.product((0, 1), repeat=6))


def test_solve_n12_d2_under_two_seconds_and_matches_numpy_objective():
    X, y = _instance(0, 12, 2)
    A = cv.whiten(X, 1 / math.sqrt(12)).Ut
    D, _ = cv.exact_patterns(A)
    cv.solve(A, y, D[:, :4], 0.05)  # warm the cvxpy import
    t0 = time.perf_counter()
    sol = cv.solve(A, y, D, 0.05)
    assert time.perf_counter() - t0 < 2.0
    assert sol.ok and sol.solver_tol <= 1e-8 and sol.max_violation < 1e-8
    assert sol.value == pytest.approx(cv.group_objective(A, y, sol.D, sol.Q, sol.R, 0.05), rel=1e-9)
    assert sol.value == pytest.approx(0.989728, abs=1e-6)  # reference notes §6.0, same instance


def test_sparsify_keeps_the_value_and_is_sparse():
    X, y = _instance(0, 12, 2)
    A = cv.whiten(X, 1 / math.sqrt(12)).Ut
    D, _ = cv.exact_patterns(A)
    sol = cv.solve(A, y, D, 0.05)
    sp = cv.sparsify(A, y, sol, 0.05)
    assert sp.m <= 13  # Carathéodory: at most n + 1
    assert sp.value == pytest.approx(sol.value, rel=1e-6)
    assert np.all((2 * sp.patterns - 1) * (A @ sp.blocks) >= -1e-12)


def test_subset_of_patterns_is_an_upper_bound():
    X, y = _instance(3, 10, 2)
    A = cv.whiten(X, 1 / math.sqrt(10)).Ut
    D, _ = cv.exact_patterns(A)
    full = cv.solve(A, y, D, 0.1).value
    part = cv.solve(A, y, D[:, ::3], 0.1).value
    assert part >= full - 1e-7


def test_solver_failure_is_a_status_not_an_exception():
    X, y = _instance(0, 6, 2)
    A = cv.whiten(X, 1 / math.sqrt(6)).Ut
    D, _ = cv.exact_patterns(A)
    sol = cv.solve(A, y, D, 0.1, tols=())  # no tolerance tried: nothing solved
    assert not sol.ok and sol.status == "solver_error" and sol.value is None


@settings(max_examples=8, deadline=None)
@given(regression_data(n=(3, 7), d=(1, 3)))
def test_exact_patterns_complete_on_random_data(ds):
    A = cv.whiten(ds.X, 1 / math.sqrt(ds.n)).Ut
    D, general = cv.exact_patterns(A)
    if general:
        S = cv.sampled_patterns(A, 4000, np.random.default_rng(0))
        assert cv.merge_patterns(D, S).shape[1] == D.shape[1]
        assert D.shape[1] <= cv.pattern_count_bound(ds.n, A.shape[1])


def test_solve_exact_is_solve_over_every_pattern():
    X, y = _instance(0, 8, 2)
    A = cv.whiten(X, 1 / math.sqrt(8)).Ut
    sol, general = cv.solve_exact(A, y, 0.1)
    D, _ = cv.exact_patterns(A)
    assert general and sol.ok and np.array_equal(sol.D, D)
    assert sol.value == pytest.approx(cv.solve(A, y, D, 0.1).value, rel=1e-12)


def test_convex_run_exact_and_sampled():
    X, y = _instance(0, 12, 2)
    exact = cv.convex_run(X, y, 0.05, 1 / math.sqrt(12))
    assert exact.exact and exact.D.shape[1] == exact.bound == 134
    assert exact.solution.value == pytest.approx(0.989728, abs=1e-6)  # reference notes §6.0, same instance
    assert exact.sparse.value == pytest.approx(exact.solution.value, rel=1e-6)
    sampled = cv.convex_run(X, y, 0.05, 1 / math.sqrt(12), mode="sampled", samples=30, seed=1)
    assert not sampled.exact and sampled.D.shape[1] < exact.D.shape[1]
    assert sampled.solution.value >= exact.solution.value - 1e-7  # a subset of patterns: an upper bound
    before = sampled.D.shape[1]
    sampled.add_patterns(exact.D)
    assert sampled.D.shape[1] == exact.D.shape[1] > before
    assert sampled.solution.value == pytest.approx(exact.solution.value, rel=1e-6)


def test_solve_network_bn_equals_the_whitened_program_and_scaling_matters():
    rng = np.random.default_rng(5)
    X, y, c, beta = rng.standard_normal((7, 2)), rng.standard_normal(7), 0.4, 0.1
    M = X - X.mean(axis=0)
    D, general = cv.network_patterns(M, c)
    ref, _ = cv.solve_exact(cv.whiten(X, c).Ut, y, beta)
    assert general and D.shape[1] == cv.exact_patterns(cv.whiten(X, c).Ut)[0].shape[1]
    bn = cv.solve_network(M, c, y, D, beta, scaled=True)
    assert bn.ok and bn.value == pytest.approx(ref.value, rel=1e-7) and bn.Q.shape == (3, D.shape[1])
    # X -> 3X: the BN program is unchanged, the unscaled one is not
    assert cv.solve_network(3 * M, c, y, D, beta, scaled=True).value == pytest.approx(ref.value, rel=1e-7)
    plain = cv.solve_network(M, c, y, D, beta, scaled=False).value
    assert abs(cv.solve_network(3 * M, c, y, D, beta, scaled=False).value - plain) > 1e-4


def test_network_patterns_rank_deficient_features():
    x = np.random.default_rng(6).standard_normal((6, 1))
    M = np.hstack([x, 2 * x]) - np.hstack([x, 2 * x]).mean(axis=0)
    D, _ = cv.network_patterns(M, 0.5)
    D1, _ = cv.network_patterns(M[:, :1], 0.5)
    assert {tuple(col) for col in D.T} == {tuple(col) for col in D1.T}


def test_sparsify_pruning_never_raises_the_penalty(monkeypatch):
    """From an interior solution (the vertex LP made to fail), greedy pruning may drop a block only if
    the others reproduce f at no larger Σt.  Blocks (1,−1)/√2 and (−1,1)/√2 (ReLU outputs e1/√2, e2/√2;
    their sum is 0, so they cannot be merged) and a (1,1)/√2 block of norm ε: dropping the small block
    first would raise Σt from 2 + ε to 2(1 + ε); dropping the first block instead reaches the optimum
    1 + ε with the (1,1) block alone."""
    from types import SimpleNamespace

    real = cv.linprog
    calls = []

    def first_call_fails(*args, **kwargs):
        calls.append(1)
        return SimpleNamespace(status=2, x=None) if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(cv, "linprog", first_call_fails)
    eps, r = 0.01, 1 / math.sqrt(2)
    Q = np.array([[r, -r, eps * r], [-r, r, eps * r]])
    sol = cv.ConvexSolution("optimal", 0.0, Q, np.zeros((2, 0)), np.ones((2, 3), bool), 1e-9, 0.0, 0.0)
    sp = cv.sparsify(np.eye(2), np.array([1.0, 1.0]), sol, 0.1)
    assert np.linalg.norm(sp.blocks, axis=0).sum() == pytest.approx(1 + eps, rel=1e-9)


def test_exact_patterns_of_a_single_column():
    """k = 1: the ray is ±1 itself and no step is taken off it: the two patterns of sign(a_i g)."""
    D, general = cv.exact_patterns(np.array([[1.0], [-2.0], [3.0]]))
    assert general and sorted(map(tuple, D.T.astype(int))) == [(0, 1, 0), (1, 0, 1)]


def test_sparsify_merges_nearly_parallel_blocks_by_default():
    """Outputs (1, 0) and (1, 1e-6): both blocks are needed at the vertex, and merging them into one
    neuron changes the objective by far less than the default merge_rtol: one block."""
    Q = np.array([[1.0, 1.0], [0.0, 1e-6]])
    sol = cv.ConvexSolution("optimal", 0.0, Q, np.zeros((2, 0)), np.ones((2, 2), bool), 1e-9, 0.0, 0.0)
    assert cv.sparsify(np.eye(2), np.array([2.0, 0.0]), sol, 0.1).m == 1
    assert cv.sparsify(np.eye(2), np.array([2.0, 0.0]), sol, 0.1, merge_rtol=-1.0).m == 2  # merging off
