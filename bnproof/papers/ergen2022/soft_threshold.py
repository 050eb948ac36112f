r"""The n ≤ d closed form of Ergen et al. (ICLR 2022) (reference notes §3 [derived]).

When rank(P_c X) = n − 1 and c = 1/√n, Ũ = [U, c·1] is orthogonal, every BN output b ∈ Rⁿ is
reachable at cost ‖b‖, and the program splits into min_{p ≥ 0} ½‖p − t‖² + β‖p‖ for t = y₊
and t = y₋ (or t = y_k per class): block soft-thresholding p* = (1 − β/‖t‖)₊ t, value φ(‖t‖).
Used by ``ergen2022.closed-form`` (the claim) and ``ergen2022.convex-equivalence`` (its
expected value when n ≤ d).
"""

from __future__ import annotations

import numpy as np

__all__ = ["phi", "closed_form", "column_norms"]


def phi(t: float, beta: float) -> float:
    """φ(t) = βt − β²/2 if t > β else t²/2: the optimal value of min_{s ≥ 0} ½(s − t)² + βs."""
    return beta * t - beta * beta / 2 if t > beta else t * t / 2


def closed_form(Y: np.ndarray, beta: float) -> tuple[float, np.ndarray, list[tuple[np.ndarray, float | int]]]:
    """Value, fitted values and BN outputs of the n ≤ d closed form.

    Scalar y (n,): columns y₊, −y₋.  One-hot Y (n×C): the columns y_k.  Each column t gets the
    BN output p = (1 − β/‖t₊‖)₊ t₊; value Σ φ(‖t₊‖).  Returns the live outputs with their sign
    (±1.0, scalar y) or class index k (one-hot).
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


def column_norms(Y: np.ndarray) -> list[float]:
    """‖y₊‖, ‖y₋‖ (scalar) or ‖y_k‖ per class: a neuron is live iff its norm exceeds β."""
    if Y.ndim == 1:
        return [float(np.linalg.norm(np.maximum(Y, 0))), float(np.linalg.norm(np.maximum(-Y, 0)))]
    return [float(v) for v in np.linalg.norm(Y, axis=0)]
