"""The two candidate limits of linear GD on separable data, and an instance on which they differ.

Without BN, GD on ⟨w, x⟩ converges in direction to the ℓ2 max-margin SVM direction w_mm
(Soudry et al. 2018); with BN, to the uniform-margin direction ŵ = XᵀG⁻¹y (reference notes §2).
They coincide exactly when every point is a support vector, α = D_y G⁻¹ y ≥ 0; a contrast needs
data with some α_i < 0 (reference notes §2, test-design warning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from bnproof.claims import Claim
from bnproof.core.data import Dataset, gaussian_instance
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.records import INAPPLICABLE, Outcome
from bnproof.models.bn_linear import uniform_margin_exists
from bnproof.solvers.svm import MaxMarginSolution, max_margin, uniform_margin_direction

__all__ = ["Limits", "limits", "angle", "contrast_instance", "limits_instance", "svm_record", "inapplicable",
           "SEARCH_SEPARATION", "SEARCH_ATTEMPTS"]

SEARCH_SEPARATION = 0.3  # rad: the generated instance's two limits must be at least this far apart
SEARCH_ATTEMPTS = 50


def angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between two directions, 2·asin(‖û - v̂‖/2): accurate also for tiny angles."""
    u = np.asarray(u, float) / np.linalg.norm(u)
    v = np.asarray(v, float) / np.linalg.norm(v)
    return float(2 * math.asin(min(1.0, np.linalg.norm(u - v) / 2)))


@dataclass(frozen=True)
class Limits:
    """The two candidate limit directions on a data set, and why either may be missing."""

    svm: MaxMarginSolution | None
    separable_reason: str
    w_mm: np.ndarray | None  # unit ℓ2 max-margin direction
    w_hat: np.ndarray | None  # unit uniform-margin direction (minimum norm)
    uniform_reason: str
    alpha: np.ndarray | None  # D_y G⁻¹ y (uncentred, G invertible): w_mm = ŵ iff all α_i ≥ 0
    separation: float | None  # angle(ŵ, w_mm)

    @property
    def kkt_max(self) -> float:
        return max(self.svm.kkt.values()) if self.svm is not None else math.inf


def limits(data: Dataset, center: bool = False) -> Limits:
    """w_mm by the SVM (KKT-certified), ŵ by least norm, α = D_y G⁻¹ y (reference notes §2)."""
    try:
        svm = max_margin(data.X, data.y)
        sep_reason = f"separable through the origin, ℓ2 margin {svm.margin:.6g}"
    except BadInput as exc:  # not separable: an assumption of the theorem, not a user error
        svm, sep_reason = None, str(exc)
    ok, um_reason = uniform_margin_exists(data, center)
    Xc = data.X - data.X.mean(axis=0) if center else data.X
    w_hat = uniform_margin_direction(Xc, data.y) if ok else None
    alpha = None
    G = data.X @ data.X.T
    if np.linalg.cond(G) < 1e12:
        alpha = data.y * np.linalg.solve(G, data.y.astype(float))
    w_mm = svm.direction if svm is not None else None
    sep = angle(w_hat, w_mm) if (w_hat is not None and w_mm is not None) else None
    return Limits(svm, sep_reason, w_mm, w_hat, um_reason, alpha, sep)


def contrast_instance(seed: int, n: int, d: int, w0_scale: float) -> Dataset:
    """First Gaussian instance, in a sequence fixed by ``seed``, whose two limits differ clearly.

    Attempt k draws ``gaussian_instance`` with seed SeedSequence([seed, k]); it is kept when the
    data are separable, a uniform margin exists and angle(ŵ, w_mm) ≥ 0.3 rad (then some
    α_i < 0: not every point is a support vector).  Deterministic in (seed, n, d, w0_scale).
    When no attempt qualifies (e.g. n > d: no uniform margin; d ≫ n: every point a support
    vector), attempt 0 is returned and the claims' assumption checks say what fails.
    """
    if n < 2 or d < 1:
        raise BadInput(f"--param n must be >= 2 and d >= 1, got n={n}, d={d}")

    def attempt(k: int) -> Dataset:
        sub = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        return gaussian_instance(sub, n, d, w0_scale)

    if n <= d:  # with n > d a uniform margin exists for no Gaussian instance (y ∉ range X a.s.)
        for k in range(SEARCH_ATTEMPTS):
            ds = attempt(k)
            lim = limits(ds)
            if lim.separation is not None and lim.separation >= SEARCH_SEPARATION:
                return replace(ds, source=f"generated(seed={seed}, attempt={k}, n={n}, d={d}, w0_scale={w0_scale})")
    return replace(attempt(0), source=(f"generated(seed={seed}, attempt=0, n={n}, d={d}, w0_scale={w0_scale}; "
                                       f"no attempt had limits ≥ {SEARCH_SEPARATION} rad apart)"))


def limits_instance(claim: Claim, config: RunConfig) -> Dataset:
    """--data, or :func:`contrast_instance` of ``n``, ``d``, ``w0_scale`` and the seed."""
    if config.data is not None:
        return config.data
    return contrast_instance(config.seed, claim.param(config, "n"), claim.param(config, "d"),
                             claim.param(config, "w0_scale"))


def svm_record(lim: Limits) -> dict:
    """The SVM's solver, margin, support and KKT residuals (and α when defined), for the record."""
    svm = lim.svm
    out = {"solver": svm.solver, "margin": f"{svm.margin:.15g}", "support_vectors": int(svm.support.sum()),
           "kkt": {k: float(f"{v:.3g}") for k, v in svm.kkt.items()}}
    if lim.alpha is not None:
        out["alpha_uniform"] = [round(float(a), 10) for a in lim.alpha]
    return out


def inapplicable(why: str, config: RunConfig, data: Dataset, lim: Limits | None = None) -> Outcome:
    """The ``inapplicable`` outcome of a violated assumption, with α and the separation when known."""
    measured = {}
    if lim is not None and lim.alpha is not None:
        measured["alpha"] = [round(float(a), 10) for a in lim.alpha]
    if lim is not None and lim.separation is not None:
        measured["separation"] = f"{lim.separation:.6g}"
    return Outcome(INAPPLICABLE, f"assumption violated: {why}", expected={}, measured=measured,
                   params={"seed": config.seed, "n": data.n, "d": data.d, "data": data.source})
