r"""Random deep networks with batch normalization at initialization, BN components as switches.

The model behind the claims of Daneshmand et al. 2020 and 2021 and Nachum et al. 2024.

Model.  A batch of n points in width d is a matrix H ∈ R^{d×n} (rows = neurons, columns = samples).
One layer draws W ∈ R^{d×d} with i.i.d. N(0, 1/d) entries, forms Z = W H and applies, row by row
(per neuron, across the batch), the components that are switched on, in this order:

* **RC** (recentering): Z ← Z − mean over the batch (Nachum et al. 2024);
* **RS** (rescaling):   Z ← diag(Z Zᵀ)^{-1/2} Z / √d, i.e. every row to norm 1/√d — exactly
  Daneshmand et al. 2021, Eq. (1), so that ‖H‖_F = 1 when nothing follows;
* **NL** (non-linearity): ReLU, or ``linear`` (identity).

With every switch off the layer is the vanilla linear network H ← W H.  (The usual BN divides
by the batch standard deviation instead of the row norm: the two differ by the constant √n per
row, which no observable here sees, since all are scale invariant.)

Two ways to run a network:

* :func:`forward` multiplies by explicit d×d weights (cost d²n per layer): the reference
  implementation, used in tests and for small widths.
* :func:`gram_chain` runs the *same Markov chain* at cost d·n² per layer, vectorised over seeds.
  It rests on an exact identity (derived here; checked in ``tests/models/test_bn_init.py``): if
  H = Q R with Q ∈ R^{d×n} having orthonormal columns and R ∈ R^{n×n} (thin QR, or the polar/
  SVD form), then W H = (W Q) R and G = W Q has i.i.d. N(0, 1/d) entries.  Every layer acts on
  rows and every observable (Gram matrix, cosines, norms, singular values) depends on H only
  through HᵀH = RᵀR, so drawing G directly and keeping only R gives the chain {H_ℓᵀ H_ℓ} its
  exact law.  Widths 4096 and 1000 layers cost seconds instead of hours.
  :func:`chain_from_inputs` starts it from input batches (the Monte Carlo over seeds).

All observables are scale invariant, so the chain renormalizes ‖H‖_F = 1 after every layer
(this keeps the vanilla chain in floating-point range and is a no-op for RS-only BN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from bnproof.core.blas import single_threaded_blas
from bnproof.core.data import check_memory
from bnproof.core.errors import BadInput

__all__ = [
    "NONLINEARITIES",
    "Components",
    "validate_sizes",
    "chain_bytes",
    "validate_batch",
    "gaussian_batch",
    "bn_layer",
    "forward",
    "gram_chain",
    "gram_factor",
    "chain_from_inputs",
    "orthogonality_gap",
    "lyapunov",
    "soft_rank",
    "odd_point_stats",
    "width_violation",
    "degenerate_batch",
]

NONLINEARITIES = ("relu", "linear")


@dataclass(frozen=True)
class Components:
    """Which BN components a layer applies (the paper's decomposition: RC, RS, NL)."""

    recenter: bool = False
    rescale: bool = True
    nonlinearity: str = "linear"

    def __post_init__(self) -> None:
        if self.nonlinearity not in NONLINEARITIES:
            raise BadInput(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {self.nonlinearity!r}")

    @property
    def label(self) -> str:
        parts = [p for p, on in (("RC", self.recenter), ("RS", self.rescale)) if on]
        if self.nonlinearity != "linear":
            parts.append(self.nonlinearity.upper() if self.nonlinearity != "relu" else "ReLU")
        return "+".join(parts) if parts else "vanilla linear"

    def to_dict(self) -> dict:
        return {"recenter": self.recenter, "rescale": self.rescale, "nonlinearity": self.nonlinearity}


# Live float64 arrays of shape (seeds, width, n) at the peak of one layer of gram_chain: the inputs
# X, the Gaussian G, G·R, BN's copies (centred, rescaled, rectified) and the unit-norm H.
CHAIN_ARRAYS = 8
CHAIN_OBSERVABLES = 4  # statistics an observer returns per layer (odd_point_stats: 3)


def chain_bytes(n: int, width: int, depth: int, seeds: int) -> int:
    """Bytes :func:`chain_from_inputs` needs for ``seeds`` chains of width d over ``depth`` layers:
    ``CHAIN_ARRAYS`` (seeds, d, n) arrays, a few (seeds, n, n) Gram factors, and the per-layer
    observations (one (seeds,) array per statistic and layer, ~100 bytes of header each)."""
    return (8 * CHAIN_ARRAYS * seeds * width * n + 8 * 4 * seeds * n * n
            + 2 * CHAIN_OBSERVABLES * (depth + 1) * (112 + 8 * seeds))


def validate_sizes(n: int, width: int, depth: int, seeds: int | None = None) -> None:
    """BadInput (one line) for a batch size < 2, width < 1, depth < 1 or seeds < 1; and, given
    ``seeds``, when the chain would not fit in memory (:func:`chain_bytes` against
    :func:`bnproof.core.data.memory_budget`) -- checked here, before anything is allocated."""
    if n < 2:
        raise BadInput(f"--param n: batch size must be >= 2, got {n}")
    if width < 1:
        raise BadInput(f"--param width: width must be >= 1, got {width}")
    if depth < 1:
        raise BadInput(f"--param depth: depth must be >= 1, got {depth}")
    if seeds is not None and seeds < 1:
        raise BadInput(f"--param seeds: must be >= 1, got {seeds}")
    if seeds is not None:
        check_memory(chain_bytes(n, width, depth, seeds), f"--param n={n}, width={width}, depth={depth}, seeds={seeds}")


def width_violation(n: int, widths) -> str | None:
    """The reason an assumption d ≥ n fails (Daneshmand et al. 2021, §2.1; the wide regime of Nachum et al.), else None.

    A valid but too narrow width is not bad input: the claims are then *inapplicable*.
    """
    narrow = [int(w) for w in np.atleast_1d(widths) if int(w) < n]
    if narrow:
        return f"width d = {narrow[0]} < batch size n = {n}: the claim assumes d ≥ n"
    return None


def degenerate_batch(X: np.ndarray, rtol: float = 1e-10) -> str | None:
    """Why a d×n input batch (columns = points) violates the generic-input assumption, else None.

    Identical points: every neuron has zero variance over the batch, so BN in its batch-standard-
    deviation form is undefined (and recentering leaves a zero row); more generally a batch of rank
    r < n: linear layers and per-neuron rescaling never raise the rank, so a rank test would read the
    input's degeneracy, not the network's (a *relative* test, σ_i > τ·σ_max, counts identical points
    as rank 1).  The rank is counted with singular values above ``rtol``·σ_max.
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[1]
    scale = np.max(np.abs(X))
    for j in range(1, n):
        same = np.flatnonzero(np.all(np.abs(X[:, :j] - X[:, j:j + 1]) <= rtol * scale, axis=0))
        if same.size:
            return (f"points {int(same[0])} and {j} are identical: BN is undefined (zero variance over the batch at "
                    "every neuron) and the batch has rank 1 in their span; the claim assumes generic inputs")
    s = np.linalg.svd(X, compute_uv=False)
    rank = int(np.sum(s > rtol * s[0])) if s.size and s[0] > 0 else 0
    if rank < n:
        return (f"the input batch has rank {rank} < n = {n}: linear layers and BN's rescaling never raise the rank, "
                "so the rank measured is the input's; the claim assumes generic inputs (rank n)")
    return None


def validate_batch(X: np.ndarray) -> np.ndarray:
    """A finite d×n input batch with n ≥ 2 and no zero column (BN would divide by zero)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise BadInput(f"input batch must be a d×n matrix, got shape {X.shape}")
    d, n = X.shape
    if n < 2:
        raise BadInput(f"batch size must be >= 2, got {n}")
    if d < 1:
        raise BadInput("input width must be >= 1")
    if not np.all(np.isfinite(X)):
        raise BadInput("input batch has NaN or infinite entries")
    zero = np.flatnonzero(~np.any(X != 0, axis=0))
    if zero.size:
        raise BadInput(f"input column {int(zero[0])} is zero: BN divides by zero")
    return X


def gaussian_batch(rng: np.random.Generator, d: int, n: int, correlation: float = 0.0) -> np.ndarray:
    """d×n generic Gaussian batch; with ``correlation`` c the columns share a common component (cos ≈ c)."""
    c = min(max(correlation, 0.0), 1.0)
    common = rng.standard_normal((d, 1))
    own = rng.standard_normal((d, n))
    return math.sqrt(c) * common + math.sqrt(1 - c) * own


def bn_layer(Z: np.ndarray, comp: Components) -> np.ndarray:
    """Apply RC, RS, NL (those switched on) row by row to pre-activations Z of shape (..., d, n)."""
    d = Z.shape[-2]
    if comp.recenter:
        Z = Z - Z.mean(axis=-1, keepdims=True)
    if comp.rescale:
        norms = np.sqrt(np.einsum("...ij,...ij->...i", Z, Z))[..., None]
        # a zero row (probability 0 for Gaussian weights) stays zero instead of becoming NaN
        Z = np.divide(Z, norms * math.sqrt(d), out=np.zeros_like(Z), where=norms > 0)
    if comp.nonlinearity == "relu":
        Z = np.maximum(Z, 0.0)
    return Z


def _unit_frobenius(H: np.ndarray) -> np.ndarray:
    nrm = np.sqrt(np.einsum("...ij,...ij->...", H, H))[..., None, None]
    return np.divide(H, nrm, out=np.zeros_like(H), where=nrm > 0)


def forward(X: np.ndarray, depth: int, comp: Components, rng: np.random.Generator,
            width: int | None = None, weights: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """Explicit-weight forward pass: [H_0, H_1, ..., H_depth], each with ‖H‖_F = 1.

    ``weights`` (d×d each) replaces the random draws; the input must then already have width d.
    The input is projected to width d by a first random layer only when its width differs.
    """
    X = validate_batch(X)
    d = width or X.shape[0]
    validate_sizes(X.shape[1], d, depth)
    H = X
    if H.shape[0] != d:
        H = rng.standard_normal((d, H.shape[0])) @ H / math.sqrt(H.shape[0])
    out = [_unit_frobenius(H)]
    for layer in range(depth):
        W = weights[layer] if weights is not None else rng.standard_normal((d, d)) / math.sqrt(d)
        out.append(_unit_frobenius(bn_layer(W @ out[-1], comp)))
    return out


def gram_factor(C: np.ndarray) -> np.ndarray:
    """R = Λ^{1/2} Qᵀ from C = Q Λ Qᵀ, so RᵀR = C (an n×n factor of a Gram matrix, any rank).

    Used instead of a thin QR of H (which is what the identity in the module docstring needs:
    any R with RᵀR = HᵀH serves, since (W Q') R' has the law of W H for every such pair).
    The eigendecomposition of the n×n Gram matrix costs nothing next to a QR of the d×n H,
    and tolerates rank deficiency (the vanilla chain); it loses singular values below
    ~1e-8·σ_max, far below every threshold used here.
    """
    lam, Q = np.linalg.eigh(C)
    return np.sqrt(np.clip(lam, 0.0, None))[..., :, None] * np.swapaxes(Q, -1, -2)


def gram_chain(R0: np.ndarray, depth: int, width: int, comp: Components, rng: np.random.Generator,
               observe: Callable[[np.ndarray], Mapping[str, np.ndarray]],
               progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Run the chain in its n×n factor form, vectorised over seeds; observe every layer.

    ``R0``: (seeds, n, n) or (n, n) with R0ᵀR0 = H_0ᵀH_0 (e.g. ``gram_factor(X.T @ X)``).
    ``observe(R)`` gets R of shape (seeds, n, n) (HᵀH = RᵀR) and returns arrays of shape (seeds,).
    Returns name -> array (depth + 1, seeds) of observations at layers 0..depth.
    Exact in law (see the module docstring); cost O(seeds·width·n²) per layer.
    """
    R = np.asarray(R0, dtype=float)
    if R.ndim == 2:
        R = R[None]
    seeds, n, _ = R.shape
    validate_sizes(n, width, depth, seeds)
    if not np.all(np.isfinite(R)):
        raise BadInput("input batch has NaN or infinite entries")
    norms = np.linalg.norm(R, axis=-2)  # column norms = ‖x_j‖ (an eigh factor leaves ~1e-16 in a zero column)
    zero = np.argwhere(norms <= 1e-12 * norms.max(axis=-1, keepdims=True))
    if zero.size:
        raise BadInput(f"input column {int(zero[0][1])} is zero: BN divides by zero")
    R = _unit_frobenius(R)
    obs = {k: [np.asarray(v, float)] for k, v in observe(R).items()}
    for layer in range(depth):
        G = rng.standard_normal((seeds, width, n)) / math.sqrt(width)
        H = _unit_frobenius(bn_layer(np.einsum("sdi,sij->sdj", G, R, optimize=True), comp))
        R = gram_factor(np.einsum("sdi,sdj->sij", H, H, optimize=True))
        for k, v in observe(R).items():
            obs[k].append(np.asarray(v, float))
        if progress is not None and (layer % 25 == 0 or layer == depth - 1):
            progress(layer + 1, depth)
    return {k: np.stack(v) for k, v in obs.items()}


def chain_from_inputs(X: np.ndarray, depth: int, comp: Components, rng: np.random.Generator,
                      observe: Callable[[np.ndarray], Mapping[str, np.ndarray]],
                      progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """:func:`gram_chain` of width d started at the input batches ``X`` of shape (seeds, d, n).

    The Monte Carlo over seeds of every deep run: one independent network per batch, all
    advanced together.  BLAS runs single-threaded: on a loaded 2-core machine multi-threaded
    OpenBLAS was measured ~10x slower on these small products.
    """
    with single_threaded_blas():
        R0 = gram_factor(np.swapaxes(X, -1, -2) @ X)
        return gram_chain(R0, depth, X.shape[-2], comp, rng, observe, progress)


# --------------------------------------------------------------------------- observables


def _gram(R: np.ndarray) -> np.ndarray:
    return np.swapaxes(R, -1, -2) @ R


def orthogonality_gap(R: np.ndarray) -> np.ndarray:
    """V(H) = ‖HᵀH/‖H‖_F² − I/n‖_F (Daneshmand et al. 2021, Eq. (2)); H given as H or its R factor."""
    C = _gram(R)
    n = C.shape[-1]
    tr = np.trace(C, axis1=-2, axis2=-1)[..., None, None]
    return np.linalg.norm(C / tr - np.eye(n) / n, axis=(-2, -1))


def lyapunov(R: np.ndarray) -> np.ndarray:
    """V̂(H) = 1/n − σ_n(H)² at ‖H‖_F = 1 (Daneshmand et al. 2021, Eq. (11))."""
    s = np.linalg.svd(R, compute_uv=False)
    s2 = s**2 / np.sum(s**2, axis=-1, keepdims=True)
    return 1.0 / s.shape[-1] - s2[..., -1]


def soft_rank(R: np.ndarray, tau: float) -> np.ndarray:
    """Number of singular values of H above τ·σ_max (the thresholded rank; Daneshmand et al. 2020 [recon])."""
    s = np.linalg.svd(R, compute_uv=False)
    return np.sum(s > tau * s[..., :1], axis=-1).astype(float)


def odd_point_stats(R: np.ndarray) -> dict[str, np.ndarray]:
    """Cluster-plus-odd-point statistics of a batch (Nachum et al. 2024), from its Gram matrix.

    The odd point o is the largest-norm point; the cluster is the other n−1.
    * ``cos_odd``: cos(x_o, cluster mean);
    * ``cos_within``: mean pairwise cosine within the cluster;
    * ``norm_ratio``: ‖x_o‖ / mean_{j≠o} ‖x_j‖ (n−1 at the exact configuration under RC+ReLU).
    """
    C = _gram(R)
    n = C.shape[-1]
    norms = np.sqrt(np.clip(np.diagonal(C, axis1=-2, axis2=-1), 0, None))
    o = np.argmax(norms, axis=-1)
    idx = np.arange(n)
    cluster = idx[None, :] != o[:, None]  # (seeds, n)
    Co = np.take_along_axis(C, o[:, None, None], axis=-2)[:, 0, :]  # row o: ⟨x_o, x_j⟩
    m = cluster.astype(float) / (n - 1)  # weights of the cluster mean
    dot_om = np.sum(Co * m, axis=-1)
    mm = np.einsum("si,sij,sj->s", m, C, m)
    no = norms[np.arange(len(o)), o]
    cos_odd = np.divide(dot_om, no * np.sqrt(np.clip(mm, 0, None)), out=np.zeros_like(dot_om),
                        where=(no > 0) & (mm > 0))
    outer = np.einsum("si,sj->sij", norms, norms)
    cos = np.divide(C, outer, out=np.zeros_like(C), where=outer > 0)
    pair = cluster[:, :, None] & cluster[:, None, :] & ~np.eye(n, dtype=bool)[None]
    cos_within = np.sum(cos * pair, axis=(-2, -1)) / max(1, (n - 1) * (n - 2))
    mean_cl = np.sum(norms * cluster, axis=-1) / (n - 1)
    ratio = np.divide(no, mean_cl, out=np.full_like(no, np.inf), where=mean_cl > 0)
    return {"cos_odd": cos_odd, "cos_within": cos_within, "norm_ratio": ratio}
