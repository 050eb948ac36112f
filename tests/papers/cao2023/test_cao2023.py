"""The cao2023 package as a whole (bnproof/papers/cao2023/__init__.py) reads like the paper's list of claims."""

import inspect

import pytest

import bnproof.papers.cao2023 as cao
from bnproof.claims import registry
from bnproof.engines.bn_linear import simulate

CLAIMS = ["cao2023.linear.uniform-margin", "cao2023.linear.rate", "cao2023.cnn.patchwise-uniform", "cao2023.cnn.rate",
          "cao2023.examples.uniform-beats-max", "cao2023.nobn.max-margin", "cao2023.contrast"]


def test_the_docstring_lists_every_claim_in_registry_order():
    ours = [cid for cid in registry() if cid.startswith("cao2023.")]
    assert ours == CLAIMS
    positions = [cao.__doc__.index(f"``{cid}``") for cid in CLAIMS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("cid", CLAIMS)
def test_every_check_says_its_source_measurement_decision_and_controls(cid):
    claim = registry()[cid]
    assert claim.source and ("[paper]" in claim.source or "[recon]" in claim.source)
    doc = inspect.getdoc(claim.check)
    for part in ("Source:", "Measured", "Decision", "Negative controls"):
        assert part in doc, (cid, part)
    assert "--param" in doc


def test_public_names():
    assert cao.simulate is simulate and cao.CITATION.startswith("Cao, Zou, Li, Gu")
