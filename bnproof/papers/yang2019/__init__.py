r"""Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz. A Mean Field Theory of Batch Normalization.
ICLR 2019 (arXiv 1902.08129).

Claims (one module each):

* ``yang2019.bsb1-fixed-point`` (:mod:`.bsb1_fixed_point`) -- with full BN (centre, divide by
  the batch std, ReLU) the B×B Gram matrix h^l h^{lT}/N of a deep random network approaches
  q*[(1-c*)I + c*11ᵀ], q* = 1/2, c* = J(-1/(B-1)).
* ``yang2019.gradient-explosion`` (:mod:`.gradient_explosion`) -- the squared gradient norm
  grows by λ per layer going backwards: λ(B) in closed form for ReLU (decreasing to π/(π-1)),
  (B-2)/(B-3) for φ = id, the Gegenbauer series of Thm 9 for other φ, λ > 1 for every
  non-constant φ.

The simulated networks, their parameters and the citation are in :mod:`.networks`.

Statements: reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md`` §c1
(the ICLR submission's theorems; the ReLU closed form is the submission's Thm 8).
Simulation: :func:`bnproof.models.bn_backprop.batch_bn_gradients` (hand-written backprop through
the batch statistics); theory: :mod:`bnproof.models.meanfield`; derivations:
:func:`bnproof.symbolic.meanfield.render_yang2019`.
"""

# imported in the paper's order, which is the order `bnproof list` shows
from bnproof.papers.yang2019 import bsb1_fixed_point, gradient_explosion
from bnproof.papers.yang2019.networks import CITATION

__all__ = ["CITATION", "bsb1_fixed_point", "gradient_explosion"]
