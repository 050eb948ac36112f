"""Several claims on the executor: records in the given order, equal to the in-process ones."""

from bnproof.claims import get_claim, run_claim
from bnproof.core.params import RunConfig
from bnproof.sweeps.checks import check_in_parallel

CLAIMS = ["lyu2022.exp-lr-equivalence", "lyu2022.scale-invariance", "lyu2022.edge-of-stability"]
TIMINGS = ("elapsed_s", "environment")


def _strip(rec):
    return {k: v for k, v in rec.items() if k not in TIMINGS}


def test_records_in_order_and_as_in_process():
    claims = [get_claim(c) for c in CLAIMS]
    params = [{}, {}, {}]
    got = list(check_in_parallel(claims, params, {"quick": True}, workers=2, processes=False))
    assert [r["claim"] for r in got] == CLAIMS
    direct = [run_claim(c, RunConfig(quick=True)) for c in claims]
    assert [_strip(r) for r in got] == [_strip(r) for r in direct]
