"""Ergen et al. 2022 as a package: every claim registered in the paper's order, bad input exits 2
with one line, and (slow) the default runs of the four [derived] claims are verified."""

import pytest
from helpers import cli

from bnproof.claims import registry
from bnproof.papers import ergen2022
from bnproof.testing import run_check

EQ, CF = "ergen2022.convex-equivalence", "ergen2022.closed-form"
CLAIMS = ["ergen2022.convex-equivalence", "ergen2022.closed-form", "ergen2022.whitening-invariance",
          "ergen2022.gd-preconditioning", "ergen2022.implicit-regularization"]


def test_claims_registered_in_order_with_their_source():
    claims = [c for c in registry().values() if c.paper == "ergen2022"]
    assert [c.id for c in claims] == CLAIMS
    assert all(c.source and c.citation == ergen2022.CITATION for c in claims)


@pytest.mark.parametrize("cid,param,value", [(EQ, "beta", "0"), (EQ, "beta", "-1"), (EQ, "n", "1"), (CF, "beta", "0"),
                                             (CF, "beta", "nan"), (CF, "n", "1"), (EQ, "starts", "0")])
def test_bad_input_exits_2(cid, param, value, capsys):
    code, out, err = cli(["check", cid, "--param", f"{param}={value}", "--quick"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("cid", [EQ, CF, "ergen2022.whitening-invariance", "ergen2022.gd-preconditioning"])
def test_default_runs_verified(cid):
    rec = run_check(cid)
    assert rec["verdict"] == "verified", rec["reason"]
