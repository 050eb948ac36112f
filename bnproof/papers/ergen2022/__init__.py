r"""Ergen, Sahiner, Ozturkler, Pauly, Mardani, Pilanci. *Demystifying Batch Normalization in ReLU
Networks: Equivalent Convex Optimization Models and Implicit Regularization.* ICLR 2022
(arXiv 2103.01499).

The two-layer ReLU network with full-batch BN before the ReLU and weight decay on (γ, α, v)
(:mod:`bnproof.models.ergen_net`) and its group-lasso convex program
(:mod:`bnproof.solvers.group_lasso`).  Claims, one module each:

* ``ergen2022.convex-equivalence`` (:mod:`.convex_equivalence`) -- the optimum equals the
  group lasso over the activation patterns of the whitened data Ũ = [U, c·1]  [derived, §2].
* ``ergen2022.closed-form`` (:mod:`.closed_form`) -- for n ≤ d and c = 1/√n the optimum is block
  soft-thresholding of y₊ and y₋, two neurons (one per class for one-hot Y)  [derived, §3].
* ``ergen2022.whitening-invariance`` (:mod:`.whitening_invariance`) -- the optimum depends on X
  only through col(P_c X)  [derived, §2, §6.2].
* ``ergen2022.gd-preconditioning`` (:mod:`.gd_preconditioning`) -- GD on w is GD on a = ΣVᵀw
  preconditioned by Σ² (exact), and concentrates on the top singular directions  [derived, §4].
* ``ergen2022.implicit-regularization`` (:mod:`.implicit_regularization`) -- raw-data pattern
  sampling mimics GD better than whitened sampling  [recon, §4, §6.4 (c)].

Shared pieces: :mod:`.common` (citation, conventions, instance, parameters) and
:mod:`.soft_threshold` (the n ≤ d closed form).  Derivations: :mod:`bnproof.symbolic.ergen2022`
(``derivations/ergen2022.md``).

Where the statements come from: the paper's full text was not available; §-numbers are those of
the reference notes ``shared/reference/ergen2022_convex_bn.md``, which derive the statements
from first principles ([derived]) and tag recollections of the paper [recon].  No theorem
numbers of the paper are cited (unconfirmed).  The BN shift constant c and whether w is
penalised are parameters, and every record says which were used.
"""

# importing registers the claims; the order of this line is the paper's (and `bnproof list`'s) order
from bnproof.papers.ergen2022 import convex_equivalence, closed_form, whitening_invariance, gd_preconditioning, implicit_regularization  # noqa: E501, F401, I001
from bnproof.papers.ergen2022.common import CITATION

__all__ = ["CITATION", "convex_equivalence", "closed_form", "whitening_invariance", "gd_preconditioning",
           "implicit_regularization"]
