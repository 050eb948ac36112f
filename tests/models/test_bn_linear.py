"""bnproof.models.bn_linear: the certificate bound on the gap is exact zero, not rounding noise."""

from __future__ import annotations

import numpy as np

from bnproof.core.data import validate
from bnproof.models.bn_linear import RANGE_RTOL, gap_lower_bound, uniform_margin_exists


def _solvable(seed: int = 3, n: int = 8, d: int = 24):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))  # d > n: y is in range(X) for any labels
    y = np.where(rng.standard_normal(n) > 0, 1, -1)
    return validate(X, y, None, source="test")


def test_a_solvable_instance_has_bound_exactly_zero():
    data = _solvable()
    assert uniform_margin_exists(data, center=False)[0]
    assert gap_lower_bound(data, center=False) == 0.0  # was ~1e-15: float64 rounding reported as a bound


def test_just_outside_the_range_the_bound_is_positive():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 2))
    y = np.array([1, -1, 1, 1, -1, -1])
    data = validate(X, y, None, source="test")
    resid_rel = gap_lower_bound(data, False) * np.sqrt(6) / np.linalg.norm(y)
    assert resid_rel > RANGE_RTOL and not uniform_margin_exists(data, False)[0]


# --- the patch instance and the CNN's linearisation (mutation testing, benchmarks/mutation.py) -------


def test_patch_instance_has_both_labels_and_needs_two_samples():
    import pytest

    from bnproof.core.errors import BadInput
    from bnproof.models.bn_linear import gaussian_patch_instance

    assert set(gaussian_patch_instance(0, 16, 2, 5).y.tolist()) == {-1, 1}
    for n, P, d in ((1, 2, 5), (2, 0, 5), (2, 2, 0)):
        with pytest.raises(BadInput, match="n must be >= 2, P >= 1 and d >= 1"):
            gaussian_patch_instance(0, n, P, d)


def test_patchwise_bound_is_the_rms_distance_to_the_range():
    from bnproof.models.bn_linear import gaussian_patch_instance, patchwise_solution, stacked

    data = gaussian_patch_instance(1, 4, 3, 2)  # nP = 12 > d = 2: inconsistent
    Xs, yp = stacked(data)
    dist = np.linalg.norm(Xs @ np.linalg.lstsq(Xs, yp, rcond=None)[0] - yp)
    exists, _, bound = patchwise_solution(data)
    assert not exists and bound == np.float64(dist / np.sqrt(12))


def test_slow_eigenvalue_is_that_of_qk_rho_b_plus_i_on_the_complement_of_one():
    """(I + (√(ρ+1) − 1)B)² = I + ρB for the projector B, so the symmetric form has the eigenvalues of
    Q K (ρB + I) on 1⊥ (B commutes with Q)."""
    from bnproof.models.bn_linear import gaussian_patch_instance, slow_eigenvalue, stacked

    data = gaussian_patch_instance(2, 3, 2, 8)
    Xs, yp = stacked(data)
    K = (yp[:, None] * (Xs @ Xs.T)) * yp[None, :]
    N, rho = 6, 3.0
    B = np.kron(np.eye(3), np.full((2, 2), 0.5))
    basis = np.linalg.svd(np.eye(N) - np.full((N, N), 1.0 / N))[0][:, : N - 1]
    direct = np.linalg.eigvals(basis.T @ K @ (rho * B + np.eye(N)) @ basis).real.min()
    assert abs(slow_eigenvalue(data, rho) - direct) < 1e-9 * abs(direct)


def test_asymptotic_rate_is_the_large_rho_limit_of_the_slow_eigenvalue():
    from bnproof.models.bn_linear import asymptotic_rate, gaussian_patch_instance, slow_eigenvalue

    data = gaussian_patch_instance(2, 3, 2, 8)
    n, P = 3, 2
    lam = asymptotic_rate(data, 1.0, 1.0) * 2 * n * P * P**2  # c = 1 (sum pooling), s = 1
    slow = slow_eigenvalue(data, 1e7)
    assert abs(lam - slow) < 1e-4 * abs(slow)
