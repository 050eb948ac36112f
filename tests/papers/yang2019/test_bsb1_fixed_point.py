"""yang2019.bsb1-fixed-point: verdict, record contract, batch-size parameter, the no-centering control."""

import json
import math

import pytest
from helpers import cli

from bnproof.models import meanfield as mf
from bnproof.testing import assert_rejected, run_check

BSB1 = "yang2019.bsb1-fixed-point"


@pytest.fixture(scope="module")
def bsb1_quick():
    return run_check(BSB1, quick=True, params={"sweep": "4,16"})


def test_bsb1_quick_verified_with_contract_fields(bsb1_quick):
    rec = bsb1_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m, e = rec["measured"], rec["expected"]
    assert abs(e["c_star"] - mf.bsb1_c_star(8)) < 1e-15 and e["q_star"] == pytest.approx(0.5)
    assert abs(m["c_star"] - e["c_star"]) < 0.01 and abs(m["q_star"] - 0.5) < 0.01
    assert m["c_star_ci"][0] <= m["c_star"] <= m["c_star_ci"][1]
    assert set(m["sweep"]) == {"4", "8", "16"}
    assert rec["params"]["seeds"] == 3 and rec["precision"]["confidence_level"] == 0.95
    json.dumps(rec, allow_nan=False)


def test_bsb1_batch_size_param_and_determinism():
    a = run_check(BSB1, quick=True, params={"batch_size": 4, "sweep": ""})
    b = run_check(BSB1, quick=True, params={"batch_size": 4, "sweep": ""})
    assert a["params"]["batch_size"] == 4 and a["expected"]["c_star"] == pytest.approx(mf.bsb1_c_star(4))
    assert a["measured"] == b["measured"] and a["verdict"] == "verified"


def test_bsb1_without_centering_is_refuted():
    rec = assert_rejected(BSB1, verdicts={"refuted"}, quick=True, params={"center": "false", "sweep": ""})
    assert rec["measured"]["c_star"] > 0.4


def test_cli_record_for_batch_size(capsys):
    code, out, err = cli(["check", BSB1, "--quick", "--param", "batch_size=16", "--param", "sweep=", "--json"], capsys)
    rec = json.loads(out)
    assert code == 0 and rec["params"]["batch_size"] == 16
    assert math.isclose(rec["expected"]["c_star"], mf.bsb1_c_star(16))


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(BSB1)["verdict"] == "verified"
