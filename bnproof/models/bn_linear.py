"""The BN linear model and the BN linear CNN of Cao et al. (2023) as data: when a (patch-wise)
uniform margin exists, how close GD can get, and the linearised late-time rates.

Linear model: f(x) = γ⟨w, x⟩/s with s² = (1/n)Σ⟨w, x_i⟩² (uncentred) or the variance of
⟨w, x_i⟩ (centred BN); the margins are m_i = y_i⟨w, x_i⟩/s.  Reference notes
(cao2023_implicit_bias.md) §2-3.

Two-layer single-filter linear CNN (reference notes §1.3, [recon]): patches x_i^(p), one filter w,
BN statistics pooled over the batch and the patches, f(x_i) = γ·c·Σ_p⟨w, x_i^(p)⟩/s with
s² = (1/(nP))Σ_{i,p}⟨w, x_i^(p)⟩² and c = 1/P (average pooling) or 1 (sum pooling); the patch
margins are m_ip = y_i⟨w, x_i^(p)⟩/s.  Everything depends on w through the nP stacked patches.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.core.data import Dataset, validate
from bnproof.core.errors import BadInput

__all__ = ["centred", "uniform_margin_exists", "gap_lower_bound", "linearized_rate",
           "gaussian_patch_instance", "stacked", "patchwise_solution", "slow_eigenvalue", "asymptotic_rate"]


def centred(X: np.ndarray, center: bool) -> np.ndarray:
    return X - X.mean(axis=0) if center else X


RANGE_RTOL = 1e-8  # relative residual below which y ∈ range(X) (float64 least squares is accurate to ~1e-15)


def uniform_margin_exists(data: Dataset, center: bool) -> tuple[bool, str]:
    """Does some w give y_i⟨w, x_i⟩ = 1 for all i?  Iff y ∈ range(X) (centred X with ``center``)."""
    y = data.y.astype(float)
    resid = _range_residual(data, center) / np.linalg.norm(y)
    if resid > RANGE_RTOL:
        extra = " (centred BN also needs Σ y_i = 0)" if center and abs(y.sum()) > 0 else ""
        return False, (f"no uniform-margin solution: y is not in the range of "
                       f"{'the centred ' if center else ''}X (relative residual {resid:.2e}){extra}")
    return True, "a uniform-margin solution exists (y ∈ range(X))"


def gap_lower_bound(data: Dataset, center: bool) -> float:
    """dist(y, range X)/√n: no w has a smaller gap (0 iff a uniform-margin solution exists).

    The margins are m = D_y v/s with v ∈ range(X) (sign(γ) only flips v), so
    gap = max_i |m_i - 1| ≥ ‖m - 1‖/√n = ‖v/s - y‖/√n ≥ dist(y, range X)/√n.
    """
    y = data.y.astype(float)
    resid = _range_residual(data, center)
    if resid <= RANGE_RTOL * np.linalg.norm(y):
        return 0.0  # y ∈ range(X) up to float64 rounding: the bound is exactly 0, not the rounding noise
    return float(resid / math.sqrt(data.n))


def _range_residual(data: Dataset, center: bool) -> float:
    """dist(y, range X) by least squares (float64)."""
    Xc = centred(data.X, center)
    y = data.y.astype(float)
    sol, *_ = np.linalg.lstsq(Xc, y, rcond=None)
    return float(np.linalg.norm(Xc @ sol - y))


def linearized_rate(data: Dataset, center: bool, s_final: float) -> float:
    """c = λ_min(QKQ restricted to 1^⊥) / (n s_∞²), K = D_y G D_y (reference notes §3, [derived])."""
    Xc = centred(data.X, center)
    n = data.n
    Dy = np.diag(data.y.astype(float))
    K = Dy @ (Xc @ Xc.T) @ Dy
    # orthonormal basis of 1^⊥
    basis = np.linalg.svd(np.eye(n) - np.ones((n, n)) / n)[0][:, : n - 1]
    lam = np.linalg.eigvalsh(basis.T @ K @ basis)
    return float(lam.min() / (n * s_final**2))


# --- the two-layer linear CNN (patch data X of shape n×P×d) ----------------------------------


def gaussian_patch_instance(seed: int, n: int, P: int, d: int, w0_scale: float = 1.0) -> Dataset:
    """x_i^(p) ~ N(0, I_d) i.i.d., random ±1 labels, w0 ~ N(0, I_d) scaled to norm ``w0_scale``."""
    if n < 2 or P < 1 or d < 1:
        raise BadInput(f"--param n must be >= 2, P >= 1 and d >= 1, got n={n}, P={P}, d={d}")
    if not (math.isfinite(w0_scale) and w0_scale > 0):
        raise BadInput(f"--param w0_scale must be a positive number, got {w0_scale}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, P, d))
    y = rng.choice(np.array([-1, 1]), size=n)
    w0 = rng.standard_normal(d)
    w0 *= w0_scale / np.linalg.norm(w0)
    return validate(X, y, w0, source=f"generated patches(seed={seed}, n={n}, P={P}, d={d}, w0_scale={w0_scale})")


def stacked(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(X_s, ỹ): the nP×d stacked patches (sample-major) and the labels repeated per patch."""
    return data.X.reshape(data.n * data.P, data.d), np.repeat(data.y.astype(float), data.P)


def patchwise_solution(data: Dataset) -> tuple[bool, str, float]:
    """Does some w give y_i⟨w, x_i^(p)⟩ = 1 for every i, p?  Iff ỹ ∈ range(X_s).

    Returns (exists, reason, lower bound).  The bound b = dist(ỹ, range(X_s))/sqrt(nP) holds for
    *every* w: sign(γ)·m(w) lies in D_ỹ·range(X_s), so max_ip |sign(γ) m_ip - 1| ≥ ‖m - 1‖/sqrt(nP) ≥ b.
    """
    Xs, yp = stacked(data)
    sol, *_ = np.linalg.lstsq(Xs, yp, rcond=None)
    dist = float(np.linalg.norm(Xs @ sol - yp))
    resid = dist / float(np.linalg.norm(yp))
    if resid > 1e-8:
        return False, (f"no patch-wise uniform-margin solution: the stacked {Xs.shape[0]}×{Xs.shape[1]} system "
                       f"y_i⟨w, x_i^(p)⟩ = 1 is inconsistent (relative residual {resid:.2e}; nP > d?)"), \
            dist / math.sqrt(len(yp))
    return True, "a patch-wise uniform-margin solution exists (the stacked system is consistent)", 0.0


def _patch_K(data: Dataset) -> np.ndarray:
    """K = D_ỹ G D_ỹ on the nP patches."""
    Xs, yp = stacked(data)
    return (yp[:, None] * (Xs @ Xs.T)) * yp[None, :]


def _block_projector(n: int, P: int) -> np.ndarray:
    """B: the average over the P patches of each sample."""
    return np.kron(np.eye(n), np.full((P, P), 1.0 / P))


def slow_eigenvalue(data: Dataset, rho: float) -> float:
    """λ_min of Q K (ρB + I) on 1^⊥ (real: similar to Q D^{1/2} K D^{1/2} Q since Q and B commute).

    The linearised CNN dynamics Δδ ≈ -η γ c r(γ̃)/(n s²) · Q K (ρB + I) δ ([derived], reference
    notes §3 and ``symbolic.bn_cnn.prove_linearisation``) contract slowest along this eigenvalue.
    """
    N = data.n * data.P
    half = np.eye(N) + (math.sqrt(rho + 1.0) - 1.0) * _block_projector(data.n, data.P)
    basis = np.linalg.svd(np.eye(N) - np.full((N, N), 1.0 / N))[0][:, : N - 1]
    return float(np.linalg.eigvalsh(basis.T @ half @ _patch_K(data) @ half @ basis).min())


def asymptotic_rate(data: Dataset, c: float, s_final: float) -> float | None:
    """c∞ in ln gap ≈ -c∞ log²(η(cP)² t): λ_min(K_NN - K_NR K_RR⁻¹ K_RN)/(2nPs²(cP)²) ([derived]).

    ``c`` is the pooling factor (1/P average, 1 sum).  N = ker B (within-sample patch deviations),
    R = range B ∩ 1^⊥; the limit ρ → ∞ of the slow eigenvalues of Q K (ρB + I).  None when P = 1
    (no within-sample modes: the linear model).
    """
    n, P = data.n, data.P
    if P < 2:
        return None
    N = n * P
    B = _block_projector(n, P)
    R = np.linalg.svd(B - np.full((N, N), 1.0 / N))[0][:, : n - 1]
    Nb = np.linalg.svd(np.eye(N) - B)[0][:, : N - n]
    K = _patch_K(data)
    KRR, KRN, KNN = R.T @ K @ R, R.T @ K @ Nb, Nb.T @ K @ Nb
    lam = float(np.linalg.eigvalsh(KNN - KRN.T @ np.linalg.solve(KRR, KRN)).min())
    cP = c * P
    return lam / (2 * n * P * s_final**2 * cP**2)
