"""Hypothesis strategy for high-precision arithmetic contexts (:mod:`bnproof.core.precision`)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from bnproof.core.precision import FlintContext, MpmathContext
from bnproof.strategies.validation import Size, sizes

__all__ = ["contexts"]


def contexts(dps: Size = (30, 80)) -> SearchStrategy[MpmathContext | FlintContext]:
    """High-precision arithmetic contexts: ``MpmathContext(dps)`` or ``FlintContext(dps)``.

    ``dps`` (decimal digits, at least 15) is an int, a pair (lo, hi) or a strategy of ints.  The
    drawn context is immutable; its precision applies inside ``with ctx.scope():``.
    """
    dps_st = sizes(dps, "dps", 15, 100_000)
    return st.tuples(st.sampled_from((MpmathContext, FlintContext)), dps_st).map(lambda t: t[0](dps=t[1]))
