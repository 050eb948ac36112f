"""Negative controls, declared as data next to each claim.

A verdict must be able to fail on its own statement.  Each claim lists runs that its checker
must *not* verify — the statement flipped, an assumption dropped, the run starved — each with
the verdicts it may get.  ``bnproof selftest`` runs them and prints the kill table; the default
test suite runs them on ``--quick`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERDICTS

__all__ = ["Control", "STATEMENT_FLIP", "ASSUMPTION_DROPPED", "STARVED", "KINDS"]

STATEMENT_FLIP = "statement-flip"  # the claim mutated: the checker must refute it
ASSUMPTION_DROPPED = "assumption-dropped"  # data violating a hypothesis: inapplicable (or refuted)
STARVED = "starved"  # too few steps, seeds or digits: inconclusive, never verified
KINDS = (STATEMENT_FLIP, ASSUMPTION_DROPPED, STARVED)

_DEFAULT_EXPECT = {STATEMENT_FLIP: (REFUTED,), ASSUMPTION_DROPPED: (INAPPLICABLE, REFUTED),
                   STARVED: (INCONCLUSIVE,)}


@dataclass(frozen=True)
class Control:
    """One negative control of a claim.

    ``params`` are ``--param`` values and ``options`` the other run options (``steps``, ``seed``,
    ``dps``, ``eta``, ``loss``, ``quick``); ``data``, for controls reached through ``--data``,
    builds the data set from a seed (``seed -> core.data.Dataset``).  ``expect``
    lists the verdicts the run may get (default by ``kind``: a flip is refuted, a dropped
    assumption inapplicable or refuted, a starved run inconclusive); ``verified`` is never one.
    """

    name: str
    kind: str
    why: str
    params: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    data: Callable[[int], Any] | None = None
    expect: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown control kind {self.kind!r}")
        expect = self.expect or _DEFAULT_EXPECT[self.kind]
        if "verified" in expect or not set(expect) <= set(VERDICTS):
            raise ValueError(f"control {self.name}: expect must be non-verified verdicts, got {expect}")
        object.__setattr__(self, "expect", tuple(expect))
