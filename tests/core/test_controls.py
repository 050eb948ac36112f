"""bnproof.core.controls: a negative control's kind and expected verdicts are checked when it is declared."""

from __future__ import annotations

import dataclasses

import pytest

from bnproof.core.controls import ASSUMPTION_DROPPED, KINDS, STARVED, STATEMENT_FLIP, Control
from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERIFIED


def test_kinds():
    assert KINDS == (STATEMENT_FLIP, ASSUMPTION_DROPPED, STARVED)


@pytest.mark.parametrize("kind, expect", [
    (STATEMENT_FLIP, (REFUTED,)),
    (ASSUMPTION_DROPPED, (INAPPLICABLE, REFUTED)),
    (STARVED, (INCONCLUSIVE,)),
])
def test_each_kind_gets_its_default_expectation(kind, expect):
    assert Control("c", kind, "why").expect == expect


def test_an_explicit_expectation_wins_over_the_default():
    ctl = Control("c", STATEMENT_FLIP, "why", expect=(REFUTED, INCONCLUSIVE))
    assert ctl.expect == (REFUTED, INCONCLUSIVE)
    assert Control("c", STARVED, "why", expect=[INCONCLUSIVE, INAPPLICABLE]).expect == (INCONCLUSIVE, INAPPLICABLE)


def test_every_non_verified_verdict_may_be_expected_at_once():
    """The largest allowed expectation: all three non-verified verdicts (the edge of the subset rule)."""
    ctl = Control("c", STARVED, "why", expect=(REFUTED, INCONCLUSIVE, INAPPLICABLE))
    assert set(ctl.expect) == {REFUTED, INCONCLUSIVE, INAPPLICABLE}


@pytest.mark.parametrize("kind", ["flip", "", "Statement-Flip"])
def test_an_unknown_kind_is_refused(kind):
    with pytest.raises(ValueError, match="unknown control kind"):
        Control("c", kind, "why")


@pytest.mark.parametrize("expect", [(VERIFIED,), (REFUTED, VERIFIED), ("proved",), (REFUTED, "proved")])
def test_verified_or_an_unknown_verdict_is_never_an_expectation(expect):
    with pytest.raises(ValueError, match="expect must be non-verified verdicts"):
        Control("c", STATEMENT_FLIP, "why", expect=expect)


def test_a_control_is_frozen():
    ctl = Control("c", STATEMENT_FLIP, "why", params={"k": 3})
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctl.name = "d"
    assert ctl.params == {"k": 3} and ctl.options == {} and ctl.data is None
