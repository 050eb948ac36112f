r"""Scale-invariant toy models, their curvature, and GD with weight decay (Lyu, Li, Arora 2022).

A loss L is *scale-invariant* on a group of weights w_g when L(c·w_g) = L(w_g) for c > 0, as
for weights placed before a normalization layer.  The reference notes
(``shared/reference/lyu2022_sharpness_reduction.md`` §3) suggest three toy families; each is a
small frozen dataclass with a ``loss`` and a ``grad`` written *complex-step safe* (no ``abs``,
``np.linalg.norm`` or conjugation: norms are ``sqrt(sum(w*w))``), so that Hessian-vector
products are exact to rounding by the complex step

    ∇²L(w)·v = Im ∇L(w + i·h·v) / h,   h = 1e-30   (error O(h²) = 1e-60, no cancellation).

* :class:`SphereToy` (T1) — L(w) = ½ h(θ) Σ_{j∈N} θ_j², θ = w/‖w‖, h = 1 + α θ₀²: the minimiser
  manifold on the sphere is Γ = {θ_j = 0, j ∈ N} and the spherical sharpness on Γ is h(θ), so
  the sharpness-minimising point (θ₀ = 0) is known.  Closed-form Hessian.
* :class:`BNRegression` (T2) — over-parameterised linear regression with full-batch BN on the
  output, f = γ (Xw − mean)/std, MSE to standardised targets; d > n so Γ has positive dimension.
* :class:`BNMLP` (T3) — two-layer net, BN (full batch, no affine) on each hidden unit, tanh, a
  fixed output layer; each row of W₁ is its own scale-invariant group.

``bn_eps`` > 0 puts ε inside the BN standard deviation; that breaks scale invariance (the
negative control of ``lyu2022.scale-invariance``).

Curvature: :func:`dense_hessian` (closed form for T1, else complex-step columns),
:func:`top_eigenvalue` (dense ``eigvalsh`` for D ≤ ``DENSE_MAX``, else Lanczos —
``scipy.sparse.linalg.eigsh`` on a ``LinearOperator`` of HVPs), :func:`spherical_sharpness`
(per scale-invariant group, at the per-group normalised point).

Dynamics: :func:`gd` — full-batch GD with weight decay, the convention a parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "COUPLED", "DECOUPLED", "CONVENTIONS", "DENSE_MAX", "COMPLEX_STEP",
    "SphereToy", "BNRegression", "BNMLP", "make_model",
    "norm", "hvp", "dense_hessian", "third_derivative_along", "top_eigenvalue", "normalize_groups",
    "spherical_sharpness", "shrink_factor", "gd", "GDRun",
]

COUPLED, DECOUPLED = "coupled", "decoupled"
CONVENTIONS = (COUPLED, DECOUPLED)
DENSE_MAX = 200  # above this dimension the top eigenvalue is found by Lanczos on HVPs
COMPLEX_STEP = 1e-30


def norm(x: np.ndarray):
    """Euclidean norm written as sqrt(Σx²): analytic, so it survives the complex step (unlike abs)."""
    return np.sqrt(np.sum(x * x))


# --------------------------------------------------------------------------- T1: the sphere toy


@dataclass(frozen=True)
class SphereToy:
    r"""T1: L(w) = ½ (1 + α θ₀²) Σ_{j ≥ D−k} θ_j²,  θ = w/‖w‖  (reference notes §3 T1, §6).

    Γ = unit vectors with the last k coordinates zero (a great (D−k−1)-sphere); on Γ the
    spherical sharpness is λ₁ = 1 + α θ₀² (the normal block of the Hessian is h·I_k).  The notes'
    toy is D = 3, k = 1, α = ½: λ₁ = 1 + ½cos²φ on the circle θ = (cos φ, sin φ, 0).
    """

    D: int = 3
    k: int = 1
    alpha: float = 0.5
    name: str = "t1"

    def __post_init__(self):
        if not (self.D >= 3 and 1 <= self.k <= self.D - 2 and self.alpha >= 0):
            raise ValueError(f"SphereToy needs D >= 3, 1 <= k <= D-2, alpha >= 0 (got {self.D}, {self.k}, {self.alpha})")

    @property
    def dim(self) -> int:
        return self.D

    @property
    def groups(self) -> tuple[slice, ...]:
        return (slice(0, self.D),)

    def _f(self, th):
        """The θ-expression f(θ), its ambient gradient g and ambient Hessian F (as a function on R^D)."""
        nrm = slice(self.D - self.k, self.D)
        S = np.sum(th[nrm] * th[nrm])
        h = 1 + self.alpha * th[0] ** 2
        f = 0.5 * h * S
        g = np.zeros_like(th)
        g[0] = self.alpha * th[0] * S
        g[nrm] = h * th[nrm]
        return f, g, h, S, nrm

    def loss(self, w):
        r = norm(w)
        return self._f(w / r)[0]

    def grad(self, w):
        # chain rule through θ = w/‖w‖: ∇L(w) = (I − θθᵀ) g(θ) / ‖w‖
        if self.D == 3 and self.k == 1 and isinstance(w, np.ndarray) and w.dtype == np.float64:
            return self._grad3(w)
        r = norm(w)
        th = w / r
        g = self._f(th)[1]
        return (g - th * (th @ g)) / r

    def _grad3(self, w):
        """The same formula in scalar float arithmetic for the D = 3 toy (≈10x faster: the EoS runs
        take 10⁵ steps)."""
        a, b, c = w.tolist()
        r = math.sqrt(a * a + b * b + c * c)
        t0, t1, t2 = a / r, b / r, c / r
        h = 1.0 + self.alpha * t0 * t0
        g0, g2 = self.alpha * t0 * t2 * t2, h * t2
        dot = t0 * g0 + t2 * g2
        return np.array([(g0 - t0 * dot) / r, -t1 * dot / r, (g2 - t2 * dot) / r])

    def hess(self, w):
        r"""Closed form: H = (P F P − (θ·g) P − θ(Pg)ᵀ − (Pg)θᵀ)/‖w‖², P = I − θθᵀ (hand-derived; tested
        against the complex step and against SymPy)."""
        r = norm(w)
        th = w / r
        _, g, h, S, nrm = self._f(th)
        F = np.zeros((self.D, self.D), dtype=th.dtype)
        F[0, 0] = self.alpha * S
        F[0, nrm] = F[nrm, 0] = 2 * self.alpha * th[0] * th[nrm]
        idx = np.arange(self.D - self.k, self.D)
        F[idx, idx] = h
        P = np.eye(self.D) - np.outer(th, th)
        Pg = P @ g
        return (P @ F @ P - (th @ g) * P - np.outer(th, Pg) - np.outer(Pg, th)) / r ** 2

    def sharpness_on_manifold(self, theta0: float) -> float:
        """λ₁ at a point of Γ with first coordinate θ₀."""
        return 1.0 + self.alpha * theta0 ** 2

    def start(self, phi: float, normal: float, radius: float) -> np.ndarray:
        """w = radius·(cos φ, sin φ, 0…, normal·1_k) — near Γ when ``normal`` is small."""
        w = np.zeros(self.D)
        w[0], w[1] = math.cos(phi), math.sin(phi)
        w[self.D - self.k:] = normal
        return radius * w


# --------------------------------------------------------------------------- T2: BN regression


def _standardise(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, float) - np.mean(y)
    return y / np.sqrt(np.mean(y * y))


@dataclass(frozen=True)
class BNRegression:
    r"""T2: f(X) = γ·(Xw − mean)/std over the full batch, L = (1/2n)‖f − y‖², y standardised, γ = 1.

    With u = QXw (Q = I − 11ᵀ/n) and s² = ‖u‖²/n + ε: f = γu/s.  For ε = 0 the loss depends on
    w only through u/‖u‖: scale-invariant, Γ = {θ : QXθ ∝ y, positively}, of dimension d − n + 1
    on the sphere when y ∈ range(QX) (generic for d ≥ n).
    """

    X: np.ndarray
    y: np.ndarray
    gamma: float = 1.0
    bn_eps: float = 0.0
    name: str = "t2"
    A: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        X = np.asarray(self.X, float)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", _standardise(self.y))
        object.__setattr__(self, "A", X - X.mean(axis=0))

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def groups(self) -> tuple[slice, ...]:
        return (slice(0, self.dim),)

    def _out(self, w):
        n = self.X.shape[0]
        u = self.A @ w
        s = np.sqrt(np.sum(u * u) / n + self.bn_eps)
        return u, s, self.gamma * u / s

    def loss(self, w):
        out = self._out(w)[2]
        r = out - self.y
        return np.sum(r * r) / (2 * len(self.y))

    def grad(self, w):
        n = len(self.y)
        u, s, out = self._out(w)
        r = out - self.y
        # ∂f/∂u = γ/s·I − γ u uᵀ/(n s³)
        du = self.gamma / (n * s) * r - self.gamma * (u @ r) / (n * n * s ** 3) * u
        return self.A.T @ du


# --------------------------------------------------------------------------- T3: two-layer BN net


@dataclass(frozen=True)
class BNMLP:
    r"""T3: out(x) = Σ_j a_j tanh(BN(w_jᵀx)), BN over the full batch without affine, a fixed.

    L(W) = (1/2n)‖out − y‖²; W (m × d_in) is flattened row-major, each row w_j is one
    scale-invariant group (BN normalises each hidden unit separately), so L is also jointly
    scale-invariant.
    """

    X: np.ndarray
    y: np.ndarray
    a: np.ndarray
    bn_eps: float = 0.0
    name: str = "t3"
    A: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        X = np.asarray(self.X, float)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", np.asarray(self.y, float))
        object.__setattr__(self, "a", np.asarray(self.a, float))
        object.__setattr__(self, "A", X - X.mean(axis=0))

    @property
    def width(self) -> int:
        return len(self.a)

    @property
    def dim(self) -> int:
        return self.width * self.X.shape[1]

    @property
    def groups(self) -> tuple[slice, ...]:
        d = self.X.shape[1]
        return tuple(slice(j * d, (j + 1) * d) for j in range(self.width))

    def _forward(self, w):
        n, d = self.X.shape
        W = w.reshape(self.width, d)
        U = self.A @ W.T  # n × m, centred pre-activations
        s = np.sqrt(np.sum(U * U, axis=0) / n + self.bn_eps)
        Z = U / s
        Hd = np.tanh(Z)
        return U, s, Z, Hd, Hd @ self.a

    def loss(self, w):
        out = self._forward(w)[4]
        r = out - self.y
        return np.sum(r * r) / (2 * len(self.y))

    def grad(self, w):
        n = len(self.y)
        U, s, Z, Hd, out = self._forward(w)
        r = out - self.y
        dZ = (r[:, None] * self.a[None, :] / n) * (1 - Hd * Hd)
        # through z = u/s, s² = ‖u‖²/n + ε (per column)
        dU = dZ / s - U * (np.sum(U * dZ, axis=0) / (n * s ** 3))
        return (dU.T @ self.A).reshape(-1)


def make_model(kind: str, rng: np.random.Generator, *, bn_eps: float = 0.0, D: int = 3, alpha: float = 0.5,
               n: int = 6, d: int = 10, width: int = 4):
    """A model of family ``kind`` ('t1' | 't2' | 't3') drawn from ``rng`` (T1 is deterministic)."""
    if kind == "t1":
        return SphereToy(D=D, k=1, alpha=alpha)
    if kind == "t2":
        return BNRegression(rng.standard_normal((n, d)), rng.standard_normal(n), bn_eps=bn_eps)
    if kind == "t3":
        X = rng.standard_normal((n, d))
        return BNMLP(X, np.tanh(X @ rng.standard_normal(d) / math.sqrt(d)),
                     rng.choice([-1.0, 1.0], size=width) / math.sqrt(width), bn_eps=bn_eps)
    raise ValueError(f"unknown model kind {kind!r}")


# --------------------------------------------------------------------------- curvature


def hvp(model, w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """∇²L(w)·v by the complex step (exact to rounding: no subtractive cancellation)."""
    h = COMPLEX_STEP
    return np.imag(model.grad(np.asarray(w, float) + 1j * h * np.asarray(v, float))) / h


def dense_hessian(model, w: np.ndarray) -> np.ndarray:
    """The full Hessian: closed form when the model has one, else D complex-step HVPs (symmetrised)."""
    w = np.asarray(w, float)
    if hasattr(model, "hess"):
        return np.real(model.hess(w))
    H = np.column_stack([hvp(model, w, e) for e in np.eye(len(w))])
    return 0.5 * (H + H.T)


def third_derivative_along(model, w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """∇³L(w)[v] (a D×D matrix): complex step of the closed-form Hessian (T1), else a central
    difference of complex-step Hessians (accuracy ~1e-8 relative)."""
    w, v = np.asarray(w, float), np.asarray(v, float)
    if hasattr(model, "hess"):
        return np.imag(model.hess(w + 1j * COMPLEX_STEP * v)) / COMPLEX_STEP
    e = 1e-4 * float(np.sqrt(w @ w)) / max(float(np.sqrt(v @ v)), 1e-300)
    return (dense_hessian(model, w + e * v) - dense_hessian(model, w - e * v)) / (2 * e)


def top_eigenvalue(model, w: np.ndarray, method: str = "auto", block: slice | None = None) -> float:
    """λ₁ of ∇²L(w) (or of its diagonal block ``block``): dense ``eigvalsh`` or Lanczos (``eigsh``)."""
    w = np.asarray(w, float)
    D = len(w)
    sl = block if block is not None else slice(0, D)
    m = len(range(D)[sl])
    if method == "auto":
        method = "dense" if m <= DENSE_MAX else "lanczos"
    if method == "dense":
        H = dense_hessian(model, w)[sl, sl]
        return float(np.linalg.eigvalsh(H)[-1])
    if method != "lanczos":
        raise ValueError(f"unknown eigenvalue method {method!r}")
    # scipy.sparse.linalg is heavy to import and only needed above DENSE_MAX: imported on first use
    from scipy.sparse.linalg import LinearOperator, eigsh

    def mv(v):
        full = np.zeros(D)
        full[sl] = np.ravel(v)
        return hvp(model, w, full)[sl]

    op = LinearOperator((m, m), matvec=mv, dtype=float)
    v0 = np.random.default_rng(0).standard_normal(m)  # fixed start vector: reproducible
    return float(eigsh(op, k=1, which="LA", tol=1e-12, v0=v0, return_eigenvectors=False)[0])


def normalize_groups(model, w: np.ndarray) -> np.ndarray:
    """θ: every scale-invariant group scaled to unit norm."""
    th = np.array(w, float)
    for g in model.groups:
        th[g] = th[g] / np.sqrt(th[g] @ th[g])
    return th


def spherical_sharpness(model, w: np.ndarray, group: int | None = None, method: str = "auto") -> float:
    """Spherical sharpness: λ₁ of the Hessian at θ (each group at unit norm).

    ``group=None``: the whole Hessian at θ (for one group this is the paper's λ₁(∇²L(w/‖w‖)));
    ``group=j``: the diagonal block of group j at θ — the per-group spherical sharpness, equal
    to ‖w_j‖²·λ₁(∇²_{jj}L(w)) by the scaling identity.
    """
    th = normalize_groups(model, w)
    block = None if group is None else model.groups[group]
    return top_eigenvalue(model, th, method, block)


# --------------------------------------------------------------------------- GD + weight decay


def shrink_factor(lr: float, weight_decay: float, convention: str) -> float:
    """Per-step multiplicative decay q of the weights: 1 − ηλ (coupled) or 1 − λ (decoupled)."""
    if convention == COUPLED:
        return 1.0 - lr * weight_decay
    if convention == DECOUPLED:
        return 1.0 - weight_decay
    raise ValueError(f"unknown weight-decay convention {convention!r}")


@dataclass
class GDRun:
    """Observations of a GD run: ``obs`` maps a name to a list (one entry per observed step)."""

    t: list[int]
    obs: dict[str, list]
    w: np.ndarray  # final iterate


def gd(model, w0: np.ndarray, *, lr: float, weight_decay: float, steps: int, convention: str = COUPLED,
       noise: float = 0.0, seed: int = 0, every: int = 1,
       observe: Callable[[int, np.ndarray, np.ndarray], dict] | None = None,
       schedule: Callable[[int], float] | None = None,
       progress: Callable[[int, int], None] | None = None) -> GDRun:
    r"""Full-batch GD with weight decay, float64:

    * ``coupled`` (default; the paper's form, = SGD's ``weight_decay``): w ← (1 − ηλ)w − η∇L(w);
    * ``decoupled`` (Loshchilov–Hutter SGDW): w ← (1 − λ)w − η∇L(w), λ a per-step decay.

    ``schedule(t)`` replaces η at step t (for plain GD with the exponential schedule of LA'19).
    ``observe(t, w_t, ∇L(w_t))`` is called every ``every`` steps and at the end (with the
    gradient at that iterate) and returns a dict of observations.

    Why not the Cao multiprecision engine (:mod:`bnproof.engines.runner`): these toy runs need no more
    than float64 — the quantities checked (η̃λ₁ ≈ 2, angles along Γ of order 0.01–1 rad, the
    norm recursion to 1e-12) are far above its rounding, while a Python-level step is needed
    per iteration for sharpness, noise and schedules.  The one float64 trap is **underflow of
    the component normal to Γ**: below the Edge of Stability it contracts by ≈ (1 − η̃λ₁) per
    step and reaches exactly 0 (after ~10³–10⁴ steps), after which GD sits exactly on Γ, no
    oscillation can start and η̃ grows without bound.  The remedy is explicit: ``noise`` > 0 adds
    isotropic Gaussian noise of relative size ``noise``·‖w‖ per step (1e-12 by default in the
    claims), or the run starts near EoS; the claims record which remedy was used.
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown weight-decay convention {convention!r}")
    rng = np.random.default_rng(seed)
    w = np.array(w0, dtype=float)
    D = len(w)
    out: dict[str, list] = {}
    ts: list[int] = []
    chunk = 4096
    buf = rng.standard_normal((chunk, D)) if noise > 0 else None
    for t in range(steps + 1):
        g = model.grad(w)
        if observe is not None and (t % every == 0 or t == steps):
            ts.append(t)
            for k, v in observe(t, w, g).items():
                out.setdefault(k, []).append(v)
        if t == steps:
            break
        eta = lr if schedule is None else schedule(t)
        q = shrink_factor(eta, weight_decay, convention)
        w = q * w - eta * g
        if noise > 0:
            i = t % chunk
            if i == 0 and t > 0:
                buf = rng.standard_normal((chunk, D))
            w += (noise * math.sqrt(float(w @ w))) * buf[i]
        if progress is not None and t % 5000 == 0:
            progress(t, steps)
    return GDRun(ts, out, w)
