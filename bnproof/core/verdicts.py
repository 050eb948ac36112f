"""Verdict rules shared by the claims: an interval against a band, sub-checks combined.

A claim decides from what it measured.  These are the rules, written once:

- :func:`interval_verdict`: a confidence interval inside the band the statement allows is
  ``verified``, disjoint from it ``refuted``, overlapping its edge ``inconclusive``;
- :func:`combine`: one verdict from several sub-checks (any refutation refutes; a violated
  assumption makes the whole ``inapplicable``; anything short of all verified is ``inconclusive``).
"""

from __future__ import annotations

import math
from typing import Iterable

from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED

__all__ = ["CONFIDENCE_LEVEL", "interval_verdict", "combine"]

CONFIDENCE_LEVEL = 0.95  # the level of every Monte Carlo interval a verdict is drawn from


def interval_verdict(low: float, high: float, band: tuple[float, float]) -> str:
    """``verified`` if [low, high] ⊆ band, ``refuted`` if disjoint from it, else ``inconclusive``.

    A band edge may be ±inf (a one-sided statement).  A NaN end is ``inconclusive``.
    """
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE
    if band[0] <= low and high <= band[1]:
        return VERIFIED
    if high < band[0] or low > band[1]:
        return REFUTED
    return INCONCLUSIVE


def combine(verdicts: Iterable[str]) -> str:
    """One verdict from sub-checks: refuted > inapplicable > verified (all) > inconclusive."""
    vs = list(verdicts)
    if REFUTED in vs:
        return REFUTED
    if INAPPLICABLE in vs:
        return INAPPLICABLE
    if vs and all(v == VERIFIED for v in vs):
        return VERIFIED
    return INCONCLUSIVE
