r"""Nachum, Bondaschi, Gastpar, Khina. Batch Normalization Decomposed. arXiv:2412.02843, 2024.

Model: per-neuron recentering (RC), rescaling (RS) and ReLU (NL) as switches over i.i.d. Gaussian
weights (:mod:`bnproof.models.bn_init`).

Claims:

* ``nachum2024.odd-point-invariance`` (:mod:`.invariance`) -- n−1 identical points and one odd point
  are an exact fixed configuration of RC + ReLU (and of RC + RS + ReLU): after a layer, odd point and
  cluster have disjoint supports (cosine exactly 0) and E‖odd‖²/E‖cluster point‖² = (n−1)².
* ``nachum2024.odd-point-emergence`` (:mod:`.emergence`) -- from generic inputs, deep random RC + ReLU
  networks drive the batch to one tight cluster plus one odd point orthogonal to it.
* ``nachum2024.stability`` (:mod:`.stability`) -- the configuration, perturbed by ε, stays within O(ε)
  of itself [recon]; at infinite width it is a saddle [derived] (cluster-preserving perturbations reset
  in one layer, an in-cluster spread grows by n/√((n−1)² + 1) per layer), so the reading is refuted
  as a reconstruction, not as the paper's result.

Where the statements come from: reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md``
§(a).  The paper's theorem statements were not available: the model is [recon], the fixed-point
geometry is [derived] here (:mod:`bnproof.symbolic.bn_init`, rendered to ``derivations/nachum2024.md``),
not quoted.
"""

# imported in the paper's order: it is the order claims register in, and so `bnproof list` shows them
from bnproof.papers.nachum2024 import common, invariance, emergence, stability  # noqa: I001
from bnproof.papers.nachum2024.common import CITATION

__all__ = ["CITATION", "common", "invariance", "emergence", "stability"]
