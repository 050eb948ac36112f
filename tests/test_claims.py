"""bnproof.claims: parameter parsing and ranges, registry order, run_claim's error handling."""

import pytest

from bnproof.claims import registry
from bnproof.core.errors import BadInput
from bnproof.core.params import Param


def test_float_params_reject_nan_and_inf():
    p = Param("x", 1.0, "help", float)
    assert p.parse("2.5") == 2.5
    for text in ("nan", "inf", "-inf"):
        with pytest.raises(BadInput, match="finite"):
            p.parse(text)


@pytest.mark.parametrize("kw, ok, bad, shown", [
    (dict(lo=0, lo_open=True), ["1e-300", "5"], ["0", "-1"], "(0, inf)"),
    (dict(lo=0, hi=1, lo_open=True), ["1", "0.5"], ["0", "1.5"], "(0, 1]"),
    (dict(lo=0, hi=1, hi_open=True), ["0", "0.99"], ["1", "-0.1"], "[0, 1)"),
])
def test_ranges_are_enforced_and_shown(kw, ok, bad, shown):
    p = Param("x", 0.5, "help", float, **kw)
    for text in ok:
        p.parse(text)
    for text in bad:
        with pytest.raises(BadInput, match=r"--param x: must be in"):
            p.parse(text)
    assert p.to_dict()["range"] == shown


def test_int_range():
    p = Param("per_decade", 24, "help", int, lo=1)
    assert p.parse("3") == 3
    with pytest.raises(BadInput, match=r"\[1, inf\)"):
        p.parse("0")


def test_every_declared_default_is_in_its_range():
    for claim in registry().values():
        for p in claim.params:
            if p.type in (int, float) and (p.lo is not None or p.hi is not None):
                assert p.bounds.contains(p.default), (claim.id, p.name)


def test_registry_is_grouped_by_paper():
    papers = [c.paper for c in registry().values()]
    assert papers == sorted(papers)


def test_records_are_json_ready_whatever_the_check_returns():
    import json
    import math

    import numpy as np

    from bnproof.claims import Claim, run_claim
    from bnproof.core.params import RunConfig
    from bnproof.core.records import Outcome, jsonable

    def check(claim, config):
        return Outcome("verified", "ok", expected={"a": np.float64(1.5)},
                       measured={"v": np.arange(3), "nan": math.nan, "t": (np.int64(2), np.bool_(True)), "s": "1e-400"})

    claim = Claim("t.x", "t", "cite", "s", "st", "derived", (), check)
    rec = run_claim(claim, RunConfig())
    assert json.loads(json.dumps(rec, allow_nan=False))["measured"] == {"v": [0, 1, 2], "nan": None, "t": [2, True],
                                                                          "s": "1e-400"}
    assert jsonable({1: np.float32(np.inf)}) == {"1": None}
