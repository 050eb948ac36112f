"""GD + weight-decay runs shared by the dynamics claims (norm dynamics, Edge of Stability, flow).

The sphere toy T1 (D = 3, α = ½; reference notes §3 and §6): Γ is the great circle
θ = (cos φ, sin φ, 0) and the spherical sharpness on it is λ₁ = 1 + ½cos²φ, so every predicted
quantity has a closed form.  :func:`t1_eos_run` runs it through phase 2 (the norm shrinks) into
the Edge of Stability, recording the cheap observables every step and λ₁ every few steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.models.scale_invariant import (
    SphereToy,
    gd,
    make_model,
    normalize_groups,
    spherical_sharpness,
)
from bnproof.papers.lyu2022.common import GDSettings, check_horizon

__all__ = ["ALPHA", "t1_sharpness", "entry_prediction", "model_and_start", "ToyRun", "t1_eos_run"]

ALPHA = 0.5  # the toy's h = 1 + α θ₀²


def t1_sharpness(phi: float, alpha: float = ALPHA) -> float:
    """λ₁ of T1 at the point of Γ with angle φ: 1 + α cos²φ."""
    return 1 + alpha * math.cos(phi) ** 2


def entry_prediction(eta_eff0: float, lam1: float, intrinsic: float, threshold: float) -> float:
    """Steps for η̃λ₁ to grow from η̃₀λ₁ to ``threshold`` at rate (1 − ηλ)^(−2) per step (notes §2.4)."""
    return math.log(threshold / (eta_eff0 * lam1)) / (-2.0 * math.log(1.0 - intrinsic))


def model_and_start(kind: str, seed: int):
    """A toy (``t1`` | ``t2`` | ``t3``) and its start: T1 near Γ at φ = 0.3; T2/T3 a random point, groups at unit norm."""
    rng = np.random.default_rng(seed)
    if kind == "t1":
        model = SphereToy()
        return model, model.start(0.3, 0.2, 1.0)
    model = make_model(kind, rng, n=8, d=10 if kind == "t2" else 5, width=4)
    return model, normalize_groups(model, rng.standard_normal(model.dim))


@dataclass
class ToyRun:
    """A sphere-toy run: cheap observables every ``every`` steps, spherical sharpness every ``sharp_every``."""

    t: np.ndarray
    x: np.ndarray  # ‖w_t‖²
    G: np.ndarray  # ‖∇L(θ_t)‖² = ‖w_t‖²‖∇L(w_t)‖²
    phi: np.ndarray  # angle of the projection onto Γ, atan2(w₁, w₀)
    t_sharp: np.ndarray
    sharp: np.ndarray  # λ₁(∇²L(θ_t))
    x_sharp: np.ndarray  # ‖w‖² at the sharpness samples
    underflow: bool  # the gradient became exactly 0 (the normal component underflowed)

    def eff(self, lr: float) -> np.ndarray:
        """η̃_t λ₁(θ_t) at the sharpness samples."""
        return lr / self.x_sharp * self.sharp


def t1_eos_run(s: GDSettings, *, steps: int, radius: float, phi0: float, normal: float, noise: float, seed: int,
               every: int = 1, sharp_every: int = 10, progress=None, label: str = "", alpha: float = ALPHA) -> ToyRun:
    """GD+WD on the sphere toy T1 (D = 3, α = ½ unless ``alpha``) from w0 = radius·(cos φ₀, sin φ₀, normal)."""
    check_horizon(steps)
    model = SphereToy(alpha=alpha)
    sharp_every = max(1, sharp_every // every) * every

    def obs(t, w, g):
        x = float(w @ w)
        return {"x": x, "G": float(g @ g) * x, "phi": math.atan2(w[1], w[0]), "gzero": not g.any(),
                "sharp": spherical_sharpness(model, w) if t % sharp_every == 0 else None}

    bar = None if progress is None else (lambda t, T: progress(label, t, T))
    r = gd(model, model.start(phi0, normal, radius), lr=s.lr, weight_decay=s.weight_decay, steps=steps,
           convention=s.convention, noise=noise, seed=seed, every=every, observe=obs, progress=bar)
    t = np.array(r.t)
    x = np.array(r.obs["x"])
    mask = np.array([v is not None for v in r.obs["sharp"]])
    return ToyRun(t, x, np.array(r.obs["G"]), np.array(r.obs["phi"]), t[mask],
                  np.array([v for v in r.obs["sharp"] if v is not None]), x[mask], bool(any(r.obs["gzero"])))
