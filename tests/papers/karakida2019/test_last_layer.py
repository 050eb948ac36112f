"""karakida2019.last-layer: the FIM's top eigenvalue against width, with and without last-layer centring."""

import pytest
from helpers import cli

from bnproof.testing import assert_rejected, run_check

CID = "karakida2019.last-layer"


def test_quick_verified():
    rec = run_check(CID, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["slope_plain"] - 1) < 0.25 and m["slope_normalized"] < 0.35
    assert all(a > b for a, b in zip(m["lambda_max_plain"], m["lambda_max_normalized"]))
    assert rec["confidence"] == "recon" and "[recon]" in rec["notes"]
    assert rec["params"]["seeds"] == 3 and rec["precision"]["confidence_level"] == 0.95


def test_middle_layer_mean_subtraction_is_refuted():
    rec = assert_rejected(CID, verdicts={"refuted"}, quick=True,
                          params={"position": "middle", "widths": "32,64,128,256", "samples": 256})
    assert rec["measured"]["slope_normalized"] > 0.6


@pytest.mark.parametrize("param,value", [("widths", "64,128"), ("widths", "4,8,16"), ("samples", "2"),
                                         ("depth", "1"), ("seeds", "1"), ("position", "first"), ("sigma_w2", "0")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", CID, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(CID)["verdict"] == "verified"
