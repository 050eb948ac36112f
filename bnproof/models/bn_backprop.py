r"""Hand-derived forward and backward passes through BN networks (NumPy).

Why no autodiff dependency: the only derivatives needed are (i) the backward map of batch
normalisation with the gradient flowing through the batch mean and variance, whose Jacobian
has the closed form below, and (ii) per-sample gradients of a fully connected ReLU network with
*frozen* statistics, which are outer products δ^l h^{l-1 T}.  Both are a few lines of NumPy,
vectorised over many independent batches at once (the expensive part), and the per-sample
structure is what makes the empirical FIM cheap (its n×n Gram matrix, below).  An autodiff
framework (torch/jax) would be a large dependency for this; the tests check every backward
pass here against central finite differences (:func:`bnproof.testing.assert_gradient`).

Two network families:

* **Batch BN** (Yang et al. 2019): z^l = W^l h^{l-1}, h^l = φ(n(z^l)) with, per neuron over a
  batch of B, n(z) = √B·Gz/‖Gz‖, G = I - 11ᵀ/B (centre, divide by the biased std; ε = 0).
  Jacobian (√B/‖Gz‖)(I - n̂n̂ᵀ)G with n̂ = Gz/‖Gz‖, so the backward map is
  g_z = (√B/‖Gz‖)(g_n - n̂⟨n̂, g_n⟩) - mean (G n̂ = n̂; the mean removal is G).
  Arrays have shape (N, K, B): N neurons, K independent batches, B samples per batch.
* **Population BN** (Wei et al. 2019): h^l = relu(γ(z^l - μ^l)/s^l) with μ, s the population
  mean and standard deviation per neuron, computed once and then held fixed (no gradient
  through them), last layer linear.  The per-sample Jacobian of f w.r.t. all (W, b) gives
  JJᵀ = Σ_l (D_l D_lᵀ) ∘ (H_{l-1}H_{l-1}ᵀ + 1) (D_l: rows δ^l(x), H: rows h(x)), whose
  nonzero eigenvalues are those of the FIM JᵀJ/n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

__all__ = [
    "ACTIVATIONS", "activation", "bn_forward", "bn_backward", "BatchBNRun", "batch_bn_gradients",
    "PopNet", "popnet_init", "popnet_forward", "popnet_deltas", "ntk_gram", "fim_top_eigenvalue",
    "fim_top_eigenvalue_jacobian",
    "per_sample_jacobian", "popnet_loss_grad", "popnet_params", "popnet_set_params", "popnet_train_momentum",
]

ACTIVATIONS = ("relu", "linear", "tanh", "sin", "constant")


def activation(name: str):
    """(φ, φ') for a named activation; ``constant`` is φ ≡ 1 (the negative control)."""
    if name == "relu":
        return (lambda x: np.maximum(x, 0.0)), (lambda x: (x > 0).astype(float))
    if name == "linear":
        return (lambda x: x), (lambda x: np.ones_like(x))
    if name == "tanh":
        return np.tanh, (lambda x: 1.0 - np.tanh(x) ** 2)
    if name == "sin":
        return np.sin, np.cos
    if name == "constant":
        return (lambda x: np.ones_like(x)), (lambda x: np.zeros_like(x))
    raise ValueError(f"unknown activation {name!r}")


# --------------------------------------------------------------------------- batch BN (Yang)


def bn_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """n = √B·Gz/‖Gz‖ over the last axis; returns (n, ‖Gz‖ with a kept last axis)."""
    B = Z.shape[-1]
    Zc = Z - Z.mean(axis=-1, keepdims=True)
    norm = np.sqrt(np.sum(Zc * Zc, axis=-1, keepdims=True))
    # a neuron constant over the batch (e.g. after a constant activation) normalises to 0, the
    # ε → 0 limit of (z - μ)/√(σ² + ε)
    return np.sqrt(B) * _safe_div(Zc, norm), norm


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def bn_backward(g_n: np.ndarray, n: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Vector-Jacobian product of :func:`bn_forward`: g_z = (√B/‖Gz‖) G(I - n̂n̂ᵀ) g_n."""
    B = n.shape[-1]
    nh = n / np.sqrt(B)
    g = g_n - nh * np.sum(nh * g_n, axis=-1, keepdims=True)
    g = g - g.mean(axis=-1, keepdims=True)
    return np.sqrt(B) * _safe_div(g, norm)


@dataclass(frozen=True)
class BatchBNRun:
    """Per-layer statistics of one random BN network applied to K independent batches."""

    grad_sq: np.ndarray  # (L, K): ‖∂f/∂z^l‖² per layer l = 1..L and batch
    gram_q: np.ndarray  # (L, K): mean diagonal of h^l h^lᵀ/N (post-activation), per batch
    gram_c: np.ndarray  # (L, K): mean off-diagonal / mean diagonal
    gram_offdiag: np.ndarray  # (L, K): mean off-diagonal of h^l h^lᵀ/N


def batch_bn_gradients(rng: np.random.Generator, *, width: int, depth: int, batches: list[int], K: int,
                       act: str = "relu", center: bool = True, backward: bool = True) -> dict[int, BatchBNRun]:
    """One network (W^l ~ N(0, 1/N), no biases: BN makes them irrelevant) applied to K
    independent Gaussian batches of each size in ``batches`` (same weights for all).

    Loss per batch: f = Σ_b ⟨v, h^L_b⟩ with v ~ N(0, I) (a random linear readout); the backward
    pass records ‖∂f/∂z^l‖² (Frobenius over neurons and the batch) for every layer.
    ``center=False`` drops the mean subtraction (rescaling by the root mean square only).
    """
    phi, dphi = activation(act)
    N = width
    sizes = [int(b) for b in batches]
    tot = sum(sizes)
    H = rng.standard_normal((N, K, tot))
    v = rng.standard_normal((N, 1, 1))
    cuts = np.cumsum([0] + sizes)
    saved = []
    stats = {B: ([], [], []) for B in sizes}
    for _ in range(depth):
        W = rng.standard_normal((N, N)) / np.sqrt(N)
        Z = (W @ H.reshape(N, -1)).reshape(N, K, tot)
        Nn = np.empty_like(Z)
        norms = []
        for B, a, b in zip(sizes, cuts[:-1], cuts[1:]):
            Zb = Z[:, :, a:b]
            if center:
                nb, nrm = bn_forward(Zb)
            else:
                nrm = np.sqrt(np.sum(Zb * Zb, axis=-1, keepdims=True))
                nb = np.sqrt(B) * _safe_div(Zb, nrm)
            Nn[:, :, a:b] = nb
            norms.append(nrm)
        H = phi(Nn)
        for B, a, b in zip(sizes, cuts[:-1], cuts[1:]):
            Hb = H[:, :, a:b]
            Hk = np.ascontiguousarray(Hb.transpose(1, 2, 0))  # (K, B, N)
            gram = Hk @ Hk.transpose(0, 2, 1) / N
            diag = np.einsum("kii->k", gram) / B
            off = (gram.sum(axis=(1, 2)) - diag * B) / (B * (B - 1))
            stats[B][0].append(diag)
            stats[B][1].append(off / np.where(diag == 0, np.nan, diag))
            stats[B][2].append(off)
        if backward:
            saved.append((W, Nn, norms))
    grads = {B: [] for B in sizes}
    if backward:
        g_h = np.broadcast_to(v, H.shape).copy()
        for W, Nn, norms in reversed(saved):
            g_n = dphi(Nn) * g_h
            g_z = np.empty_like(g_n)
            for B, a, b, nrm in zip(sizes, cuts[:-1], cuts[1:], norms):
                if center:
                    g_z[:, :, a:b] = bn_backward(g_n[:, :, a:b], Nn[:, :, a:b], nrm)
                else:  # n = √B z/‖z‖: Jacobian (√B/‖z‖)(I - n̂n̂ᵀ)
                    nh = Nn[:, :, a:b] / np.sqrt(B)
                    g = g_n[:, :, a:b]
                    g_z[:, :, a:b] = np.sqrt(B) * _safe_div(g - nh * np.sum(nh * g, axis=-1, keepdims=True), nrm)
            for B, a, b in zip(sizes, cuts[:-1], cuts[1:]):
                grads[B].append(np.sum(g_z[:, :, a:b] ** 2, axis=(0, 2)))
            g_h = (W.T @ g_z.reshape(N, -1)).reshape(g_z.shape)
    out = {}
    for B in sizes:
        gs = np.array(grads[B][::-1]) if backward else np.zeros((0, K))
        out[B] = BatchBNRun(gs, np.array(stats[B][0]), np.array(stats[B][1]), np.array(stats[B][2]))
    return out


# --------------------------------------------------------------------------- population BN (Wei)


@dataclass
class PopNet:
    """FC net: hidden layers l = 1..L-1 (linear, optional population BN with scale γ, ReLU),
    linear readout layer L.  ``Ws[l-1]`` has shape (N_l, N_{l-1}); ``mus``/``sds`` per hidden layer
    (None without BN).  ``center_layer``: index of a hidden layer where only the population mean
    is subtracted (no rescaling, γ = 1) in a network without BN, or None."""

    Ws: list
    bs: list
    gamma: float
    bn: bool
    mus: list
    sds: list
    center_layer: int | None = None

    @property
    def L(self) -> int:
        return len(self.Ws)


def popnet_init(rng: np.random.Generator, widths: list[int], sigma_w2: float, sigma_b2: float, gamma: float,
                bn: bool, population: np.ndarray, center_layer: int | None = None) -> PopNet:
    """Random weights W ~ N(0, σ_w²/N_{l-1}), b ~ N(0, σ_b²); BN statistics from ``population``
    (rows are inputs), computed layer by layer through the already-normalised lower layers."""
    Ws = [rng.standard_normal((widths[l], widths[l - 1])) * np.sqrt(sigma_w2 / widths[l - 1])
          for l in range(1, len(widths))]
    bs = [rng.standard_normal(widths[l]) * np.sqrt(sigma_b2) for l in range(1, len(widths))]
    net = PopNet(Ws, bs, gamma, bn, [None] * len(Ws), [None] * len(Ws), center_layer)
    if not bn and center_layer is None:
        return net  # no statistics to compute
    H = population
    for l in range(len(Ws) - 1):
        Z = H @ Ws[l].T + bs[l]
        if bn:
            net.mus[l], net.sds[l] = Z.mean(axis=0), Z.std(axis=0)
        elif center_layer == l + 1:
            net.mus[l] = Z.mean(axis=0)
        H = _hidden(net, l, Z)[0]
    return net


def _hidden(net: PopNet, l: int, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h = relu(a(Z)) and da/dz (a per-neuron vector) for hidden layer index l (0-based)."""
    if net.bn:
        U = net.gamma * (Z - net.mus[l]) / net.sds[l]
        scale = net.gamma / net.sds[l]
    elif net.mus[l] is not None:
        U, scale = Z - net.mus[l], np.ones(Z.shape[1])
    else:
        U, scale = Z, np.ones(Z.shape[1])
    return np.maximum(U, 0.0), (U > 0) * scale


def popnet_forward(net: PopNet, X: np.ndarray) -> tuple[list, list, np.ndarray]:
    """Rows of X are inputs.  Returns (Hs: h^0..h^{L-1}, Zs: z^1..z^{L-1}, slopes, f (n × N_L))."""
    Hs, Zs, slopes = [X], [], []
    H = X
    for l in range(net.L - 1):
        Z = H @ net.Ws[l].T + net.bs[l]
        H, s = _hidden(net, l, Z)
        Zs.append(Z)
        slopes.append(s)
        Hs.append(H)
    f = H @ net.Ws[-1].T + net.bs[-1]
    return Hs, Zs, slopes, f


def popnet_deltas(net: PopNet, slopes: list, out: int = 0) -> list:
    """δ^l(x) = ∂f_out/∂z^l for l = 1..L (rows: inputs); δ^L = e_out."""
    n = slopes[0].shape[0] if slopes else 1
    D = np.zeros((n, net.Ws[-1].shape[0]))
    D[:, out] = 1.0
    Ds = [D]
    for l in range(net.L - 2, -1, -1):
        D = (D @ net.Ws[l + 1]) * slopes[l]
        Ds.append(D)
    return Ds[::-1]


def ntk_gram(net: PopNet, X: np.ndarray, out: int = 0) -> np.ndarray:
    """JJᵀ (n × n) for the per-sample gradients of f_out w.r.t. every W^l and b^l."""
    Hs, _, slopes, _ = popnet_forward(net, X)
    Ds = popnet_deltas(net, slopes, out)
    K = np.zeros((X.shape[0], X.shape[0]))
    for D, H in zip(Ds, Hs):
        K += (D @ D.T) * (H @ H.T + 1.0)
    return K


def fim_top_eigenvalue(K: np.ndarray, center: bool = False) -> float:
    """λ_max of the empirical FIM JᵀJ/n from the Gram K = JJᵀ (same nonzero spectrum).

    ``center``: the FIM of the output with its mean over the n samples subtracted, gradient
    through the mean (J → (I - 11ᵀ/n)J).  Lanczos (ARPACK eigsh) for the top eigenvalue (the
    dense eigvalsh of a 400×400 Gram is ~10× slower), LAPACK eigvalsh for n ≤ 40.
    """
    n = K.shape[0]
    if center:
        K = K - K.mean(axis=0, keepdims=True)
        K = K - K.mean(axis=1, keepdims=True)
    if n <= 40:  # tiny Gram: ARPACK needs n > k + 1; a dense symmetric eigensolver is exact
        return float(np.linalg.eigvalsh(K / n)[-1])
    v0 = np.ones(n) / np.sqrt(n) + 1e-3 * np.arange(n) / n
    return float(eigsh(K / n, k=1, which="LA", v0=v0, return_eigenvectors=False, tol=1e-12)[0])


def fim_top_eigenvalue_jacobian(J: np.ndarray) -> float:
    """λ_max of JᵀJ/n by Lanczos on the P×P operator v ↦ Jᵀ(Jv)/n, never forming JᵀJ
    (the direct route; :func:`fim_top_eigenvalue` on the n×n Gram gives the same number)."""
    n, P = J.shape
    if P <= 40:
        return float(np.linalg.eigvalsh(J.T @ J / n)[-1])
    op = LinearOperator((P, P), matvec=lambda v: J.T @ (J @ v) / n, dtype=float)
    v0 = np.ones(P) / np.sqrt(P)
    return float(eigsh(op, k=1, which="LA", v0=v0, return_eigenvectors=False, tol=1e-12)[0])


def popnet_params(net: PopNet) -> np.ndarray:
    """All weights and biases as one vector, layer by layer (W^l row-major, then b^l)."""
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(net.Ws, net.bs)])


def popnet_set_params(net: PopNet, theta: np.ndarray) -> None:
    """Inverse of :func:`popnet_params`: write ``theta`` back into the layers (in place)."""
    i = 0
    for l, (W, b) in enumerate(zip(net.Ws, net.bs)):
        net.Ws[l] = theta[i:i + W.size].reshape(W.shape)
        i += W.size
        net.bs[l] = theta[i:i + b.size].copy()
        i += b.size


def per_sample_jacobian(net: PopNet, X: np.ndarray, out: int = 0) -> np.ndarray:
    """Explicit J (n × P), ordering as :func:`popnet_params` (for tests and small nets)."""
    Hs, _, slopes, _ = popnet_forward(net, X)
    Ds = popnet_deltas(net, slopes, out)
    cols = []
    for D, H in zip(Ds, Hs):
        cols.append(np.einsum("ni,nj->nij", D, H).reshape(X.shape[0], -1))
        cols.append(D)
    return np.concatenate(cols, axis=1)


def popnet_loss_grad(net: PopNet, X: np.ndarray, Y: np.ndarray) -> tuple[float, list, list]:
    """Squared loss (1/2n)Σ‖f(x) - y‖² and its gradient w.r.t. (Ws, bs), statistics frozen."""
    Hs, _, slopes, f = popnet_forward(net, X)
    n = X.shape[0]
    R = (f - Y) / n
    loss = 0.5 * float(np.sum((f - Y) ** 2)) / n
    gW, gb = [None] * net.L, [None] * net.L
    D = R
    for l in range(net.L - 1, -1, -1):
        gW[l] = D.T @ Hs[l]
        gb[l] = D.sum(axis=0)
        if l > 0:
            D = (D @ net.Ws[l]) * slopes[l - 1]
    return loss, gW, gb


def popnet_train_momentum(net: PopNet, X: np.ndarray, Y: np.ndarray, eta: float, mu: float, steps: int,
                          blowup: float = 1e3) -> list[float]:
    """Full-batch heavy-ball GD v ← μv - η∇L, θ ← θ + v on L = (1/2n)Σ‖f(x) - y‖², statistics frozen.

    Trains ``net`` in place.  On a quadratic with Hessian top eigenvalue λ the iteration is
    stable iff η < 2(1+μ)/λ.  Returns the loss before each step; stops early once the loss is
    not finite or exceeds ``blowup`` × its initial value.
    """
    vW = [np.zeros_like(W) for W in net.Ws]
    vb = [np.zeros_like(b) for b in net.bs]
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows before it is stopped
        for _ in range(steps):
            loss, gW, gb = popnet_loss_grad(net, X, Y)
            losses.append(loss)
            if not math.isfinite(loss) or loss > blowup * losses[0]:
                break
            for l in range(net.L):
                vW[l] = mu * vW[l] - eta * gW[l]
                vb[l] = mu * vb[l] - eta * gb[l]
                net.Ws[l] = net.Ws[l] + vW[l]
                net.bs[l] = net.bs[l] + vb[l]
    return losses
