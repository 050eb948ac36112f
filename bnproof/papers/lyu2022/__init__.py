r"""Lyu, Li, Arora. Understanding the Generalization Benefit of Normalization Layers: Sharpness
Reduction. NeurIPS 2022 (arXiv 2206.07085).  Background: Li & Arora, ICLR 2020 (the exponential
learning-rate schedule); Arora, Li, Lyu, ICLR 2019; Cohen et al., ICLR 2021 (Edge of Stability).

Claims, one module each:

* ``lyu2022.scale-invariance`` (:mod:`.scale_invariance`) -- L(cw) = L(w) gives ⟨w,∇L⟩ = 0 and the
  scalings of ∇L, ∇²L, ∇³L, ∇²L·w = −∇L, ∇³L[w] = −2∇²L (SymPy proofs and float64 on T1-T3);
* ``lyu2022.exp-lr-equivalence`` (:mod:`.exp_lr_equivalence`) -- GD+WD has the directions of plain
  GD with LR η(1 − ηλ)^(−2t−1);
* ``lyu2022.norm-dynamics`` (:mod:`.norm_dynamics`) -- the exact ‖w‖² recursion, the norm
  equilibrium and the entry time into the Edge of Stability;
* ``lyu2022.edge-of-stability`` (:mod:`.edge_of_stability`) -- after entry η̃_t·λ₁(∇²L(θ_t)) ≈ 2;
* ``lyu2022.sharpness-flow`` (:mod:`.sharpness_flow`) -- at the EoS θ follows dθ/dτ = −c∇_Γ log λ₁,
  τ = ηλ·t, c = 2/(4 + ‖∇_Γ log λ₁‖²) [derived; the notes' c = 1/2 corrected], and the spherical
  sharpness falls.

Every claim declares its negative controls (``Claim.controls``; ``bnproof selftest lyu2022``).

Shared pieces: :mod:`.common` (citation, GD + weight-decay parameters, record helpers) and
:mod:`.runs` (the sphere-toy runs of the dynamics claims).  Models, curvature and the GD loop are
:mod:`bnproof.models.scale_invariant`; the SymPy proofs and ``derivations/lyu2022.md`` are
:mod:`bnproof.symbolic.lyu2022`.

Where the statements come from: the full text was not available; the specification is the
reference notes ``shared/reference/lyu2022_sharpness_reduction.md`` (§2.1-2.7), which tag each
statement [paper], [derived] or [recon]; each check's docstring and ``Claim.source`` say which.
"""

# importing registers the claims; the order of this line is the paper's (and `bnproof list`'s) order
from bnproof.papers.lyu2022 import scale_invariance, exp_lr_equivalence, norm_dynamics, edge_of_stability, sharpness_flow  # noqa: E501, F401, I001
from bnproof.papers.lyu2022.common import CITATION

__all__ = ["CITATION", "scale_invariance", "exp_lr_equivalence", "norm_dynamics", "edge_of_stability",
           "sharpness_flow"]
