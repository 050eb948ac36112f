"""bnproof.strategies.precision: drawn contexts compute at the drawn precision."""

from __future__ import annotations

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import bnproof.strategies as S
from bnproof.core.precision import FlintContext, MpmathContext


def _mid(ctx, x) -> mpmath.mpf:
    """A context number (for flint: the ball's midpoint) as an mpmath number, exactly enough."""
    return mpmath.mpf(ctx.to_str(x, ctx.dps + 20))


@given(S.contexts())
def test_contexts_work(ctx):
    assert isinstance(ctx, (MpmathContext, FlintContext))
    assert 30 <= ctx.dps <= 80
    with ctx.scope():
        two = ctx.num(2)
        root = ctx.namespace()["sqrt"](two)
        err = root * root - two
        third = ctx.num(1) / 3
        total = ctx.sum([third, third, third]) - 1
        tenth = ctx.num("0.1")
    # the working precision is the drawn one: errors near 10^-dps, far below float64's
    with mpmath.workdps(ctx.dps + 20):
        tol = mpmath.mpf(10) ** (-(ctx.dps - 3))
        assert abs(_mid(ctx, err)) < tol
        assert abs(_mid(ctx, total)) < tol
        assert abs(_mid(ctx, tenth) - mpmath.mpf("0.1")) < tol / 10
        assert abs(_mid(ctx, root) - mpmath.sqrt(2)) < tol
        # ... and not a higher one (sqrt(2) is irrational, so rounding to dps digits shows)
        assert abs(_mid(ctx, root) - mpmath.sqrt(2)) > mpmath.mpf(10) ** (-(ctx.dps + 12))


@given(S.contexts(dps=st.just(33)))
def test_contexts_fixed_dps(ctx):
    assert ctx.dps == 33


@given(S.contexts(dps=40))
def test_contexts_int_dps(ctx):
    assert ctx.dps == 40


@given(S.contexts(dps=(20, 22)))
def test_contexts_dps_range(ctx):
    assert 20 <= ctx.dps <= 22


@pytest.mark.parametrize("dps", [5, 14, (10, 40), 2.5])
def test_contexts_reject_fewer_than_15_digits(dps):
    with pytest.raises(InvalidArgument):
        S.contexts(dps=dps)
