"""What the Lyu–Li–Arora claims share: the citation, the GD + weight-decay parameters, and
small helpers for records (significant digits, sampled series, run horizons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.models.scale_invariant import shrink_factor

__all__ = ["CITATION", "LA19", "GD_PARAMS", "GDSettings", "gd_settings", "positive_int", "noise_level",
           "fp_remedy", "MAX_STEPS", "check_horizon", "sample_series", "sig", "window_means", "tex_number"]

CITATION = ("Lyu, Li, Arora. Understanding the Generalization Benefit of Normalization Layers: Sharpness "
            "Reduction. NeurIPS 2022 (arXiv 2206.07085)")
LA19 = "Li, Arora. An Exponential Learning Rate Schedule for Deep Learning. ICLR 2020 (arXiv 1910.07454)"

GD_PARAMS = (
    Param("lr", 0.1, "learning rate η", float),
    Param("weight_decay", 1e-3, "weight decay λ (0: no WD)", float),
    Param("convention", "coupled", "weight-decay convention: coupled w ← (1−ηλ)w − η∇L (the paper's), or decoupled "
          "w ← (1−λ)w − η∇L (SGDW)", str, ("coupled", "decoupled")),
)


@dataclass(frozen=True)
class GDSettings:
    """Validated (lr, weight_decay, convention) and what they imply."""

    lr: float
    weight_decay: float
    convention: str

    @property
    def q(self) -> float:
        """The per-step shrink factor of the weights: 1 − ηλ (coupled) or 1 − λ (decoupled)."""
        return shrink_factor(self.lr, self.weight_decay, self.convention)

    @property
    def intrinsic(self) -> float:
        """The intrinsic LR 1 − q (= ηλ in the paper's coupled convention)."""
        return 1.0 - self.q

    def to_params(self) -> dict:
        return {"lr": self.lr, "weight_decay": self.weight_decay, "convention": self.convention,
                "intrinsic_lr": self.intrinsic}


def gd_settings(claim: Claim, config: RunConfig) -> GDSettings:
    """``lr`` > 0, ``weight_decay`` ≥ 0 and a per-step shrink factor in (0, 1]; else BadInput.

    (Non-finite values never get here: :class:`~bnproof.core.params.Param` rejects them.)
    """
    lr, wd = claim.param(config, "lr"), claim.param(config, "weight_decay")
    if not lr > 0:
        raise BadInput(f"--param lr: must be > 0, got {lr}")
    if not wd >= 0:
        raise BadInput(f"--param weight_decay: must be >= 0, got {wd}")
    conv = claim.param(config, "convention")
    s = GDSettings(lr, wd, conv)
    if not 0 < s.q <= 1:
        raise BadInput(f"--param weight_decay: the per-step shrink factor {s.q:g} must lie in (0, 1] "
                       f"({'1 − ηλ' if conv == 'coupled' else '1 − λ'})")
    return s


def positive_int(claim: Claim, config: RunConfig, name: str, lo: int = 1) -> int:
    """An int parameter ≥ ``lo``; else BadInput."""
    v = claim.param(config, name)
    if v < lo:
        raise BadInput(f"--param {name}: must be >= {lo}, got {v}")
    return v


def noise_level(claim: Claim, config: RunConfig) -> float:
    """The ``noise`` parameter (the floating-point remedy): a number ≥ 0; else BadInput."""
    v = claim.param(config, "noise")
    if not (math.isfinite(v) and v >= 0):
        raise BadInput(f"--param noise: must be a finite number >= 0, got {v}")
    return v


def fp_remedy(noise: float, start: str) -> str:
    """``params.fp_remedy``: the noise used against the underflow trap, and the start."""
    return "; ".join([f"isotropic noise {noise:g}·‖w‖ per step" if noise > 0 else "no noise", start])


MAX_STEPS = 5_000_000  # ≈ 2 min of the sphere toy; horizons scale like 1/(ηλ)


def check_horizon(steps: int) -> None:
    """A horizon of 1/(ηλ)-many steps must stay runnable: BadInput beyond ``MAX_STEPS``."""
    if steps > MAX_STEPS:
        raise BadInput(f"the horizon needs {steps:.3g} GD steps (it scales like 1/(ηλ)); more than {MAX_STEPS:.0e}: "
                       "raise --param lr or --param weight_decay")


def sample_series(values: list, n: int = 300) -> list:
    """At most ``n`` evenly spaced entries (figures stay small)."""
    if len(values) <= n:
        return list(values)
    idx = np.linspace(0, len(values) - 1, n).round().astype(int)
    return [values[i] for i in idx]


def tex_number(value: float) -> str:
    """``value`` as mathtext for figure labels: ``1e-12`` -> ``$10^{-12}$``, ``3.03e-05`` ->
    ``$3.03\\times10^{-5}$``; plain between 1e-3 and 1e4 (``0.05`` -> ``$0.05$``)."""
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa, k = mantissa.rstrip("0").rstrip("."), int(exponent)
    if 1e-3 <= abs(value) < 1e4:
        return f"${value:.3g}$"
    return f"$10^{{{k}}}$" if mantissa == "1" else rf"${mantissa}\times10^{{{k}}}$"


def sig(x: float | None, digits: int = 4) -> float | None:
    """``x`` rounded to ``digits`` significant digits for a record; None if missing or not finite."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def window_means(values: np.ndarray, size: int) -> np.ndarray:
    """Means over consecutive windows of ``size`` samples (a trailing partial window is dropped)."""
    n = len(values) // size
    return values[: n * size].reshape(n, size).mean(axis=1) if n else np.array([])
