"""Karakida et al. 2019: last-layer mean subtraction and the FIM's top eigenvalue against width."""

import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.cli import main
from bnproof.core.params import RunConfig
from bnproof.papers.karakida2019 import loglog_slope

CID = "karakida2019.last-layer"


def check(**kw):
    params = {k: str(v) for k, v in kw.pop("params", {}).items()}
    return run_claim(get_claim(CID), RunConfig(params=params, **kw))


def test_loglog_slope():
    assert loglog_slope([1, 2, 4, 8], [3, 6, 12, 24]) == pytest.approx(1.0)
    assert loglog_slope([1, 2, 4], [5, 5, 5]) == pytest.approx(0.0)


def test_quick_verified():
    rec = check(quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["slope_plain"] - 1) < 0.25 and m["slope_normalized"] < 0.35
    assert all(a > b for a, b in zip(m["lambda_max_plain"], m["lambda_max_normalized"]))
    assert rec["confidence"] == "recon" and "[recon]" in rec["notes"]
    assert rec["params"]["seeds"] == 3 and rec["precision"]["confidence_level"] == 0.95


def test_middle_layer_mean_subtraction_is_refuted():
    rec = check(quick=True, params={"position": "middle", "widths": "32,64,128,256", "samples": 256})
    assert rec["verdict"] == "refuted" and rec["measured"]["slope_normalized"] > 0.6


@pytest.mark.parametrize("param,value", [("widths", "64,128"), ("widths", "4,8,16"), ("samples", "2"),
                                         ("depth", "1"), ("seeds", "1"), ("position", "first"), ("sigma_w2", "0")])
def test_bad_input_exits_2(param, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", CID, "--param", f"{param}={value}", "--json"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1


@pytest.mark.slow
def test_defaults_verified():
    assert check()["verdict"] == "verified"
