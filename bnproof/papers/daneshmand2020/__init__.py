r"""Daneshmand, Kohler, Bach, Hofmann, Lucchi. Batch normalization provably avoids rank collapse for
randomly initialised deep networks. NeurIPS 2020 (arXiv:2003.01652).

Claims:

* ``daneshmand2020.rank`` (:mod:`.rank`) -- the soft rank of deep random linear networks collapses
  without normalization and stays of order √d (capped at the batch size) with rescaling-only BN.

Where the statements come from: reference notes ``shared/reference/bn_at_init_daneshmand_nachum_yang_wei.md``
§(b2), low confidence -- only the abstract and a NeurIPS review were available.  The Ω(√d) bound is
[recon] (quoted by the review); the rank measure and the constant c are this tool's conventions.
The model is the one of Daneshmand et al. 2021, Eq. (1) (:mod:`bnproof.models.bn_init`).
"""

from bnproof.papers.daneshmand2020 import rank
from bnproof.papers.daneshmand2020.rank import CITATION

__all__ = ["CITATION", "rank"]
