r"""Wei, Stokes, Schwab. Mean-field Analysis of Batch Normalization. arXiv 1903.02606, 2019
(ICLR 2019 submission).

Claims (one module each):

* ``wei2019.order-parameters`` (:mod:`.order_parameters`) -- the forward (q, q̂, q_xy, q̂_xy) and
  backward (q̃, q̃_xy) order-parameter recursions, with population BN and without BN.
* ``wei2019.fim-bound`` (:mod:`.fim_bound`) -- λ_max of the FIM ≥ Σ_l f_l (Claim 3.1, fully
  connected), for both readings of the flagged f_l misprint.
* ``wei2019.max-learning-rate`` (:mod:`.max_learning_rate`) -- η* = 2(1+μ)/λ̄_max separates
  convergent from unstable GD with momentum; λ̄_max grows with γ.

The network all three simulate, its parameters and the citation are in :mod:`.network`.

Statements: reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md`` §c2,
written from the ICLR-2019 submission (the arXiv version may differ).  Two flags of the notes
are parameters (default = our derivation): ``variance`` (how the population BN scale s_l²
enters the backward recursion) and ``base_case`` (q̂⁰, q̂⁰_xy); ``reading`` selects f_l.
Theory: :mod:`bnproof.models.meanfield`; derivations: :func:`bnproof.symbolic.meanfield.render_wei2019`.
"""

# imported in the paper's order, which is the order `bnproof list` shows
from bnproof.papers.wei2019 import order_parameters  # noqa: I001
from bnproof.papers.wei2019 import fim_bound, max_learning_rate
from bnproof.papers.wei2019.network import CITATION

__all__ = ["CITATION", "order_parameters", "fim_bound", "max_learning_rate"]
