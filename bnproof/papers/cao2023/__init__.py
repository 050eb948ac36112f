r"""Cao, Zou, Li, Gu. The Implicit Bias of Batch Normalization in Linear Models and Two-layer
Linear CNNs. COLT 2023, PMLR 195:5699-5753; arXiv 2306.11680.

Claims (``bnproof check cao2023`` runs them all):

* ``cao2023.linear.uniform-margin`` (:mod:`.linear`) -- GD on (w, γ) of the BN linear model drives
  every normalised margin sign(γ)·m_i to 1.
* ``cao2023.linear.rate`` (:mod:`.linear`) -- at rate exp(-Ω(log² t)); the record reports the
  fitted exponent (our linearisation predicts log³ [derived]).
* ``cao2023.cnn.patchwise-uniform`` (:mod:`.cnn`) -- the two-layer linear CNN with BN drives every
  normalised *patch* margin to 1.
* ``cao2023.cnn.rate`` (:mod:`.cnn`) -- at rate exp(-Ω(log² t)) [recon], tight for the CNN [derived].
* ``cao2023.examples.uniform-beats-max`` (:mod:`.examples`) -- on patch data the patch-wise
  uniform-margin classifier has lower test error than the max-margin one (our constructions).
* ``cao2023.nobn.max-margin`` (:mod:`.nobn`) -- without BN, GD converges to the ℓ2 max-margin
  direction like 1/log t (Soudry et al. 2018, the baseline).
* ``cao2023.contrast`` (:mod:`.contrast`) -- same data, same start: BN and plain GD reach
  different limits at different speeds.

Where the statements come from: the full text was not available; the abstract is [paper], the
rest is the reference notes ``shared/reference/cao2023_implicit_bias.md`` (§3 T1-T4), [recon]
where not confirmed.  Every check's docstring and the record's ``source`` say which.

Supporting modules: :mod:`.common` (citation, shared parameters and option validation),
:mod:`.audited_run` (the one audited run behind the linear and CNN claims: engine choice,
audits, cross-validation, precision record), :mod:`.linear_model` and :mod:`.cnn_model` (the
two BN models in that run: their engines and the read-out of margins and direction), :mod:`.limits` (the two candidate limits),
:mod:`.nobn_run` (audited plain GD), :mod:`.profiles` (1/log t versus super-polynomial decay).
Derivations: :func:`bnproof.symbolic.cao2023.render_cao2023` (``derivations/cao2023.md``).
"""

# Importing the claim modules registers the claims; the order of these lines is the claims' order
# in `bnproof list` (the list above).
from bnproof.papers.cao2023 import linear  # noqa: I001
from bnproof.papers.cao2023 import cnn
from bnproof.papers.cao2023 import examples
from bnproof.papers.cao2023 import nobn
from bnproof.papers.cao2023 import contrast
from bnproof.papers.cao2023.common import CITATION
from bnproof.engines.bn_linear import simulate  # the linear model's multiprecision run, for bench and users

__all__ = ["CITATION", "simulate", "linear", "cnn", "examples", "nobn", "contrast"]
