"""The precision audit (bnproof.engines.audit): a rerun at more digits says how many digits a run kept."""

import pytest

from bnproof.core.precision import FlintContext, MpmathContext
from bnproof.engines.audit import agreeing_digits, precision_audit
from bnproof.engines.runner import run


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


# --- relative agreement and the record's rounding (mutation testing, benchmarks/mutation.py) --------


def test_agreeing_digits_are_relative_to_the_magnitude():
    # 1000 vs 1001: relative difference 1/1001, so 3.0004 digits whatever the scale of the numbers
    got = agreeing_digits(["1000", "0.001"], ["1001", "0.001001"], cap=30)
    assert got[0] == pytest.approx(3.000434, abs=1e-6) and got[1] == pytest.approx(got[0], abs=1e-12)


def test_audit_record_rounds_digits_to_two_and_seconds_to_three_decimals_and_is_frozen():
    import dataclasses

    from bnproof.engines.audit import Audit

    a = Audit(50, 110, {"gap": 12.34567}, {"gap": [12.34567]}, 1.234567)
    d = a.to_dict()
    assert d["agreeing_digits"] == {"gap": 12.35} and d["audit_elapsed_s"] == 1.235
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.dps = 60
