"""bnproof.papers.lyu2022: the package registers its five claims in the paper's order; all quick
records verified and strict JSON; every record names its source."""

import json

from helpers import cli

from bnproof.claims import registry

CLAIMS = ["lyu2022.scale-invariance", "lyu2022.exp-lr-equivalence", "lyu2022.norm-dynamics",
          "lyu2022.edge-of-stability", "lyu2022.sharpness-flow"]


def test_claims_registered_in_order_with_a_source():
    claims = [c for c in registry().values() if c.paper == "lyu2022"]
    assert [c.id for c in claims] == CLAIMS
    assert all(c.source and c.check.__doc__ for c in claims)


def test_quick_records_are_strict_json(capsys):
    code, out, _ = cli(["check", "lyu2022", "--quick", "--json"], capsys)
    recs = json.loads(out)
    assert code == 0 and [r["verdict"] for r in recs] == ["verified"] * 5
    json.dumps(recs, allow_nan=False)
    eos = next(r for r in recs if r["claim"] == "lyu2022.edge-of-stability")
    flow = next(r for r in recs if r["claim"] == "lyu2022.sharpness-flow")
    assert isinstance(eos["measured"]["eos_level"], float)
    assert isinstance(flow["measured"]["c"], float) and isinstance(flow["measured"]["tracking_rms"], float)
    norm = "lyu2022.norm-dynamics"
    assert all("fp_remedy" in r["params"] for r in recs if r["claim"] in (norm, eos["claim"], flow["claim"]))
    assert all(r["source"] for r in recs)
