r"""Daneshmand, Joudaki, Bach. Batch normalization orthogonalizes representations in deep random networks.
NeurIPS 2021 (arXiv:2106.03970).

Model (Eq. (1)): H_{ℓ+1} = BN(W_ℓ H_ℓ)/√d, BN(M) = diag(MMᵀ)^{-1/2} M, W_ℓ i.i.d. N(0, 1/d):
rescaling-only BN, linear activation, H ∈ R^{d×n}, ‖H_ℓ‖_F = 1 (:mod:`bnproof.models.bn_init`).
Orthogonality gap (Eq. (2)): V(H) = ‖HᵀH/‖H‖_F² − I_n/n‖_F; Lyapunov function V̂(H) = 1/n − σ_n(H)².

Claims:

* ``daneshmand2021.orthogonality`` (:mod:`.orthogonality`) -- Theorem 1 and Fig. 2: V(H_ℓ) decays
  geometrically in depth to a floor that shrinks like d^{-1/2} (paper's fitted slope −0.46).
* ``daneshmand2021.lemmas`` (:mod:`.lemmas`) -- Lemma 4, Lemmas 6/9 (E[C_{ℓ+1}] in closed form),
  Lemma 8, Lemma 10 and Theorem 5, in both readings of the flagged misprints.

Where the statements come from: the full text, as summarised in the reference notes
``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md`` §(b1) (with its flagged misprints).
The algebra (Lemma 4, Theorem 1's constant, Sawa's formula, Lemma 10) is derived in
:mod:`bnproof.symbolic.bn_init` and rendered to ``derivations/daneshmand2021.md``.
"""

# imported in the paper's order: it is the order claims register in, and so `bnproof list` shows them
from bnproof.papers.daneshmand2021 import common, integrals, orthogonality, lemmas  # noqa: I001
from bnproof.papers.daneshmand2021.common import CITATION

__all__ = ["CITATION", "common", "integrals", "orthogonality", "lemmas"]
