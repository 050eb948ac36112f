r"""Karakida, Akaho, Amari. The Normalization Method for Alleviating Pathological Sharpness in Wide
Neural Networks. NeurIPS 2019.

Claim:

* ``karakida2019.last-layer`` (:mod:`.last_layer`) -- in wide random ReLU networks the top
  eigenvalue of the empirical FIM grows linearly in the width M (log-log slope ≈ 1);
  subtracting the output's mean over the samples (the mean-subtraction part of BN in the
  *last* layer, gradient through the mean) removes the growth (slope ≈ 0) when the sample
  count n is large compared to M.  Mean subtraction in a middle layer does not
  (``position=middle``: the negative control).

Statements: reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md`` §c3,
from the abstract only (low confidence; the mechanism is [recon]).  Networks and FIM:
:mod:`bnproof.models.bn_backprop`.
"""

from bnproof.papers.karakida2019 import last_layer
from bnproof.papers.karakida2019.last_layer import CITATION

__all__ = ["CITATION", "last_layer"]
