"""Runner, checkpoints and the precision audit."""

import mpmath
import pytest

from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.engines.audit import agreeing_digits, precision_audit
from bnproof.engines.runner import log_checkpoints, run


def test_checkpoints_are_log_spaced_and_end_at_the_horizon():
    cps = log_checkpoints(10_000, per_decade=10)
    assert cps[0] == 0 and cps[1] == 1 and cps[-1] == 10_000
    assert cps == sorted(set(cps))
    assert 35 <= len(cps) <= 45


def _logistic_map(ctx):
    # x <- 3.9 x (1 - x): chaotic, so digits are lost at a known rate (~0.25 digits/step)
    def step(x):
        return (ctx.mid(ctx.num("3.9") * x * (1 - x)),)

    def observe(x):
        return {"x": x}

    with ctx.scope():
        x0 = ctx.num("0.3")
    return step, (x0,), observe


@pytest.mark.parametrize("ctx", [MpmathContext(30), FlintContext(30)], ids=["mpmath", "flint"])
def test_audit_detects_lost_digits(ctx):
    step, s0, obs = _logistic_map(ctx)
    hi = ctx.with_dps(60)
    a = run(ctx, step, s0, 150, obs, checkpoints=[0, 10, 50, 150])
    step2, s2, obs2 = _logistic_map(hi)
    b = run(hi, step2, s2, 150, obs2, checkpoints=[0, 10, 50, 150])
    audit = precision_audit(a, b, ["x"])
    digits = audit.per_checkpoint["x"]
    assert digits[0] >= 29  # t = 0 agrees
    assert digits[-1] < 10  # chaos ate the digits by t = 150: the audit must say so
    assert audit.agreeing_digits["x"] == min(digits)


def test_agreeing_digits():
    assert agreeing_digits(["1.0000001"], ["1.0000002"], cap=30)[0] == pytest.approx(7, abs=0.1)
    assert agreeing_digits(["5"], ["5"], cap=30) == [30.0]


def test_float64_run_records_strings():
    ctx = Float64Context()
    tr = run(ctx, lambda x: (x / 2,), (1.0,), 10, lambda x: {"x": x})
    assert tr.t[-1] == 10 and tr.values["x"][-1] == repr(2.0**-10)
    with mpmath.workdps(20):
        assert tr.log10["x"][-1] == pytest.approx(-10 * 0.30103, rel=1e-4)
