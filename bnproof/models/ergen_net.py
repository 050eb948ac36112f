r"""The two-layer BN ReLU network of Ergen et al. (ICLR 2022): objective, gradient, training, recovery.

Model (reference notes §1; BN before the ReLU, full-batch statistics, ε = 0):

.. math::
    \mathrm{BN}_{\gamma,\alpha}(h) = \gamma\,\frac{P_c h}{\|P_c h\|_2} + \alpha c\,\mathbf 1,\qquad
    F = \sum_j \big(\mathrm{BN}_{\gamma_j,\alpha_j}(X w_j)\big)_+ v_j^\top,\qquad
    L = \tfrac12\|F - Y\|_F^2 + \tfrac\beta2\sum_j(\gamma_j^2 + \alpha_j^2 + \|v_j\|^2)
      \;[+\ \tfrac\beta2\|W\|_F^2 \text{ if first-layer weights are penalised}].

Y is n×C (C = 1 for scalar outputs).  The gradient is hand-derived (no autodiff library is a
dependency): with H = P_c X W, s_j = ‖H_{:j}‖, N = H/s, B = Nγ + c1αᵀ, A = B₊, R = AV − Y,
G = (R Vᵀ) ⊙ 1[B > 0]:

* ∂L/∂V = AᵀR + βV,  ∂L/∂γ_j = Σ_i G_ij N_ij + βγ_j,  ∂L/∂α_j = c Σ_i G_ij + βα_j,
* ∂L/∂W_{:j} = (P_c X)ᵀ (I − N_j N_jᵀ) γ_j G_{:j} / s_j  (+ βW_{:j}).

It is checked against finite differences in ``tests/models/test_ergen_net.py`` and against
50-digit mpmath differences in :mod:`bnproof.symbolic.ergen2022`.

Training: :func:`train` (SciPy L-BFGS-B from many starts, for optimal values) and
:func:`gd_steps` / :func:`gd_train` (plain full-batch GD with one step size on W and one on
(γ, α, v), optionally preconditioned on W, for the implicit bias of GD).  Inference:
:func:`predict` (BN with the training batch's statistics) and :func:`activation_patterns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy.optimize import minimize

from bnproof.core.blas import single_threaded_blas
from bnproof.solvers.group_lasso import Whitened

__all__ = ["Net", "pack", "unpack", "forward", "objective", "objective_and_grad", "random_net",
           "TrainResult", "train", "gd_steps", "gd_train", "predict", "activation_patterns", "rebuild",
           "whitened_forward"]


@dataclass(frozen=True)
class Net:
    W: np.ndarray  # d×m first-layer weights
    gamma: np.ndarray  # m
    alpha: np.ndarray  # m
    V: np.ndarray  # m×C output weights

    @property
    def m(self) -> int:
        return self.W.shape[1]


def pack(net: Net) -> np.ndarray:
    return np.concatenate([net.W.ravel(), net.gamma, net.alpha, net.V.ravel()])


def unpack(theta: np.ndarray, d: int, m: int, C: int) -> Net:
    i = 0
    W = theta[i:i + d * m].reshape(d, m); i += d * m
    g = theta[i:i + m]; i += m
    a = theta[i:i + m]; i += m
    V = theta[i:i + m * C].reshape(m, C)
    return Net(W, g, a, V)


def forward(X: np.ndarray, net: Net, c: float) -> np.ndarray:
    """Network outputs F (n×C)."""
    Xc = X - X.mean(axis=0)
    H = Xc @ net.W
    N = H / np.linalg.norm(H, axis=0)
    B = N * net.gamma + c * net.alpha
    return np.maximum(B, 0.0) @ net.V


def objective(X: np.ndarray, Y: np.ndarray, net: Net, beta: float, c: float, penalize_w: bool = False) -> float:
    Y = Y.reshape(X.shape[0], -1)
    F = forward(X, net, c)
    pen = np.sum(net.gamma ** 2) + np.sum(net.alpha ** 2) + np.sum(net.V ** 2)
    if penalize_w:
        pen += np.sum(net.W ** 2)
    return float(0.5 * np.sum((F - Y) ** 2) + 0.5 * beta * pen)


def objective_and_grad(theta: np.ndarray, Xc: np.ndarray, Y: np.ndarray, m: int, beta: float, c: float,
                       penalize_w: bool = False) -> tuple[float, np.ndarray]:
    """L and ∇L at the packed parameters; ``Xc`` is the *centred* data P_c X, Y is n×C."""
    n, d = Xc.shape
    C = Y.shape[1]
    net = unpack(theta, d, m, C)
    H = Xc @ net.W
    s = np.linalg.norm(H, axis=0)
    s = np.where(s > 0, s, 1e-300)  # a neuron with P_c X w = 0 is undefined; keep it finite
    N = H / s
    B = N * net.gamma + c * net.alpha
    act = B > 0
    A = np.where(act, B, 0.0)
    R = A @ net.V - Y
    pen = np.sum(net.gamma ** 2) + np.sum(net.alpha ** 2) + np.sum(net.V ** 2)
    G = (R @ net.V.T) * act
    gV = A.T @ R + beta * net.V
    gg = np.sum(G * N, axis=0) + beta * net.gamma
    ga = c * np.sum(G, axis=0) + beta * net.alpha
    dN = G * net.gamma
    dH = (dN - N * np.sum(N * dN, axis=0)) / s
    gW = Xc.T @ dH
    if penalize_w:
        pen += np.sum(net.W ** 2)
        gW = gW + beta * net.W
    L = 0.5 * np.sum(R ** 2) + 0.5 * beta * pen
    return float(L), np.concatenate([gW.ravel(), gg, ga, gV.ravel()])


def random_net(rng: np.random.Generator, d: int, m: int, C: int, scale: float = 0.5) -> Net:
    return Net(rng.standard_normal((d, m)), scale * rng.standard_normal(m), scale * rng.standard_normal(m),
               scale * rng.standard_normal((m, C)))


@dataclass(frozen=True)
class TrainResult:
    values: list[float]  # final objective of every start
    best: Net
    best_value: float
    iterations: list[int]
    converged: list[bool]


def train(X: np.ndarray, Y: np.ndarray, m: int, beta: float, c: float, *, starts: int, seed: int,
          maxiter: int = 3000, penalize_w: bool = False, inits: list[Net] | None = None,
          progress: Callable[[str, int, int], None] | None = None, label: str = "L-BFGS starts") -> TrainResult:
    """scipy L-BFGS-B (float64) from ``starts`` random inits (seeded) plus any given ``inits``."""
    X = np.asarray(X, float)
    n, d = X.shape
    Y = np.asarray(Y, float).reshape(n, -1)
    C = Y.shape[1]
    Xc = X - X.mean(axis=0)
    rng = np.random.default_rng(seed)
    nets = [random_net(rng, d, m, C) for _ in range(starts)] + list(inits or [])
    values, iters, conv, best, best_v = [], [], [], None, np.inf
    for k, net0 in enumerate(nets):
        mk = net0.m
        with single_threaded_blas():
            res = minimize(objective_and_grad, pack(net0), args=(Xc, Y, mk, beta, c, penalize_w), jac=True,
                           method="L-BFGS-B", options={"maxiter": maxiter, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-10})
        net = unpack(res.x, d, mk, C)
        v = objective(X, Y, net, beta, c, penalize_w)  # re-evaluated by the plain forward pass
        values.append(v)
        iters.append(int(res.nit))
        conv.append(bool(res.success))
        if v < best_v:
            best, best_v = net, v
        if progress is not None:
            progress(label, k + 1, len(nets))
    return TrainResult(values, best, float(best_v), iters, conv)


def gd_steps(theta: np.ndarray, Xc: np.ndarray, Y: np.ndarray, m: int, beta: float, c: float, eta_w: float,
             eta: float, steps: int, precondition: np.ndarray | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Full-batch GD on the packed parameters: yields (L(θ_t), θ_{t+1}) for t = 0, …, steps − 1.

    W_{t+1} = W_t − η_w P ∇_W L (P = diag(``precondition``) on the rows of W, default I) and
    (γ, α, v)_{t+1} = (γ, α, v)_t − η ∇L.  ``Xc`` is the centred data, Y is n×C.  The caller
    chooses the BLAS threading (:func:`bnproof.core.blas.single_threaded_blas` for speed).
    """
    k = Xc.shape[1] * m
    for _ in range(steps):
        L, g = objective_and_grad(theta, Xc, Y, m, beta, c)
        if precondition is None:
            step_w = eta_w * g[:k]
        else:
            step_w = (eta_w * precondition[:, None] * g[:k].reshape(-1, m)).ravel()
        theta = np.concatenate([theta[:k] - step_w, theta[k:] - eta * g[k:]])
        yield L, theta


def gd_train(X: np.ndarray, y: np.ndarray, net0: Net, beta: float, c: float, eta_w: float, eta: float,
             steps: int) -> Net:
    """The network after ``steps`` of plain GD in data space from ``net0`` (step η_w on W, η on γ, α, v)."""
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    Y = y.reshape(n, -1)
    theta = pack(net0)
    with single_threaded_blas():
        for _, theta in gd_steps(theta, Xc, Y, net0.m, beta, c, eta_w, eta, steps):
            pass
    return unpack(theta, d, net0.m, Y.shape[1])


def predict(X_train: np.ndarray, X_new: np.ndarray, net: Net, c: float) -> np.ndarray:
    """Outputs on new points with BN in inference mode: the training batch's mean and norms."""
    mu = X_train.mean(axis=0)
    norms = np.linalg.norm((X_train - mu) @ net.W, axis=0)
    B = ((X_new - mu) @ net.W) / norms * net.gamma + c * net.alpha
    return np.maximum(B, 0.0) @ net.V


def activation_patterns(X: np.ndarray, nets: list[Net], c: float) -> np.ndarray:
    """The patterns 1[BN output > 0] of every neuron of ``nets`` on X, as columns (n×Σm, int8)."""
    cols = []
    Xc = X - X.mean(axis=0)
    for net in nets:
        H = Xc @ net.W
        B = H / np.linalg.norm(H, axis=0) * net.gamma + c * net.alpha
        cols.append((B > 0).astype(np.int8))
    return np.hstack(cols) if cols else np.zeros((X.shape[0], 0), np.int8)


def rebuild(wh: Whitened, blocks: np.ndarray, signs: np.ndarray, c_net: float) -> Net:
    """BN network from convex blocks q (columns of ``blocks``, (r+1)×m) with output signs.

    ``signs`` is (m,) of ±1 for scalar outputs, or m×C unit output directions u_j (then
    v_j = √‖q_j‖ u_j; for the one-hot closed form u_j = e_k).
    Recovery map (reference notes §2): z = q/√‖q‖, v = s√‖q‖; z = (a, α') with BN output
    Ũz = U a + α' c_prog 1; γ = ‖a‖, w = V Σ⁻¹ a/‖a‖ (so P_c X w = U â exactly), and the
    network's shift α = α' c_prog / c_net (equal output; the penalty matches only when
    c_net = c_prog).  A block with a = 0 gets γ = 0 and w = V[:, 0] (any w with P_c X w ≠ 0).
    """
    r = wh.r
    m = blocks.shape[1]
    W = np.zeros((wh.V.shape[0], m))
    dirs = np.asarray(signs, float)
    dirs = dirs.reshape(m, 1) if dirs.ndim == 1 else dirs.reshape(m, dirs.shape[-1])
    gamma, alpha, V = np.zeros(m), np.zeros(m), np.zeros(dirs.shape)
    for j in range(m):
        q = blocks[:, j]
        t = np.linalg.norm(q)
        if t == 0:
            W[:, j] = wh.V[:, 0]
            continue
        z = q / np.sqrt(t)
        a = z[:r]
        g = np.linalg.norm(a)
        W[:, j] = wh.V @ (a / g / wh.sigma) if g > 0 else wh.V[:, 0]
        gamma[j] = g
        alpha[j] = z[r] * wh.c / c_net
        V[j] = dirs[j] * np.sqrt(t)
    return Net(W, gamma, alpha, V)


def whitened_forward(Ut: np.ndarray, Z: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The equivalent bias-free ReLU network on Ũ: (Ũ Z)₊ V."""
    return np.maximum(Ut @ Z, 0.0) @ V
