"""What the three claims of Nachum et al. 2024 share: the citation, the RC/RS/NL switches and the sizes."""

from __future__ import annotations

from bnproof.claims import Claim
from bnproof.core.params import RunConfig
from bnproof.core.records import INAPPLICABLE, Outcome
from bnproof.models import bn_init as bi

__all__ = ["CITATION", "components", "sizes", "narrow_width"]

CITATION = ("Nachum, Bondaschi, Gastpar, Khina. Batch Normalization Decomposed. arXiv:2412.02843, 2024")


def components(claim: Claim, config: RunConfig) -> bi.Components:
    """The BN components switched on by ``--param recenter/rescale/nonlinearity``."""
    return bi.Components(recenter=claim.param(config, "recenter"), rescale=claim.param(config, "rescale"),
                         nonlinearity=claim.param(config, "nonlinearity"))


def sizes(claim: Claim, config: RunConfig) -> tuple[int, int, int, int]:
    """(n, width, depth, seeds), validated (one-line BadInput)."""
    n, width, depth, seeds = (claim.param(config, k) for k in ("n", "width", "depth", "seeds"))
    bi.validate_sizes(n, width, depth, seeds)
    return n, width, depth, seeds


def narrow_width(n: int, width: int, seed: int) -> Outcome | None:
    """The ``inapplicable`` outcome when the width is below the batch size (the claims assume d ≥ n), else None."""
    if (why := bi.width_violation(n, width)) is None:
        return None
    return Outcome(INAPPLICABLE, why, expected={}, measured={}, params={"n": n, "width": width, "seed": seed})
