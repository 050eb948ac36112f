"""The BN linear model of Cao et al. (2023) as data: when a uniform margin exists, how close GD
can get, and the linearised late-time rate.

The model is f(x) = γ⟨w, x⟩/s with s² = (1/n)Σ⟨w, x_i⟩² (uncentred) or the variance of
⟨w, x_i⟩ (centred BN); the margins are m_i = y_i⟨w, x_i⟩/s.  Reference notes
(cao2023_implicit_bias.md) §2-3.
"""

from __future__ import annotations

import math

import numpy as np

from bnproof.core.data import Dataset

__all__ = ["centred", "uniform_margin_exists", "gap_lower_bound", "linearized_rate"]


def centred(X: np.ndarray, center: bool) -> np.ndarray:
    return X - X.mean(axis=0) if center else X


def uniform_margin_exists(data: Dataset, center: bool) -> tuple[bool, str]:
    """Does some w give y_i⟨w, x_i⟩ = 1 for all i?  Iff y ∈ range(X) (centred X with ``center``)."""
    Xc = centred(data.X, center)
    y = data.y.astype(float)
    sol, *_ = np.linalg.lstsq(Xc, y, rcond=None)
    resid = np.linalg.norm(Xc @ sol - y) / np.linalg.norm(y)
    if resid > 1e-8:
        extra = " (centred BN also needs Σ y_i = 0)" if center and abs(y.sum()) > 0 else ""
        return False, (f"no uniform-margin solution: y is not in the range of "
                       f"{'the centred ' if center else ''}X (relative residual {resid:.2e}){extra}")
    return True, "a uniform-margin solution exists (y ∈ range(X))"


def gap_lower_bound(data: Dataset, center: bool) -> float:
    """dist(y, range X)/√n: no w has a smaller gap (0 iff a uniform-margin solution exists).

    The margins are m = D_y v/s with v ∈ range(X) (sign(γ) only flips v), so
    gap = max_i |m_i - 1| ≥ ‖m - 1‖/√n = ‖v/s - y‖/√n ≥ dist(y, range X)/√n.
    """
    Xc = centred(data.X, center)
    y = data.y.astype(float)
    sol, *_ = np.linalg.lstsq(Xc, y, rcond=None)
    return float(np.linalg.norm(Xc @ sol - y) / math.sqrt(data.n))


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
