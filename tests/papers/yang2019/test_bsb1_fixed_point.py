"""yang2019.bsb1-fixed-point: verdict, record contract, batch-size parameter, the no-centering control."""

import json
import math

import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.models import meanfield as mf
from bnproof.papers.yang2019.bsb1_fixed_point import claimed_c_star, decide_bsb1
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


def _at_b(c_ci, q_ci, c_star=0.25, q_star=0.5):
    return {"c": ((c_ci[0] + c_ci[1]) / 2, *c_ci), "q": ((q_ci[0] + q_ci[1]) / 2, *q_ci),
            "c_theory": c_star, "q_theory": q_star}


Q_OK = (0.499, 0.501)


@pytest.mark.parametrize("c_ci,q_ci,verdict", [
    ((0.2401, 0.2599), Q_OK, "verified"),          # |c - c*| + half-width just inside 0.01
    ((0.2399, 0.2599), Q_OK, "inconclusive"),      # just outside: the interval straddles 0.01
    ((0.2601, 0.2701), Q_OK, "refuted"),           # the whole interval just beyond 0.01
    ((0.2599, 0.2701), Q_OK, "inconclusive"),
    ((0.249, 0.251), (0.4901, 0.5099), "verified"),  # q: relative 2% of 1/2 = 0.01
    ((0.249, 0.251), (0.4899, 0.5099), "inconclusive"),
    ((0.249, 0.251), (0.5101, 0.52), "refuted"),
])
def test_bsb1_interval_rule_at_the_edges(c_ci, q_ci, verdict):
    assert decide_bsb1(_at_b(c_ci, q_ci), 0.01, 0.02) == verdict


def test_uncoupled_c_star_is_one_over_pi_and_refuted():
    assert claimed_c_star("uncoupled", 8) == pytest.approx(1 / math.pi)
    assert claimed_c_star("theorem", 8) == pytest.approx(mf.bsb1_c_star(8))
    rec = assert_rejected(BSB1, verdicts={"refuted"}, quick=True, params={"c_form": "uncoupled", "sweep": ""})
    assert rec["expected"]["c_star"] == pytest.approx(1 / math.pi) and "mutated" in rec["reason"]


@pytest.mark.parametrize("param,value", [("tol_c", "0.05"), ("tol_q", "0.2")])
def test_tolerances_that_lose_the_meaning_are_refused(param, value):
    with pytest.raises(BadInput):
        run_check(BSB1, quick=True, params={param: value})


def test_series_shows_the_closed_form_tolerances_and_window():
    from types import SimpleNamespace

    import numpy as np

    from bnproof.papers.yang2019.bsb1_fixed_point import bsb1_series

    p = {"sizes": [4, 8], "batch_size": 8, "seeds": 2, "depth": 6, "tol_c": 0.01, "tol_q": 0.02, "c_form": "theorem"}
    per = {b: {"c": (0.2, 0.19, 0.21), "q": (0.5, 0.49, 0.51), "q_theory": 0.5, "c_theory": mf.bsb1_c_star(b)}
           for b in p["sizes"]}
    runs = [{8: SimpleNamespace(gram_q=np.full((6, 3), 0.5), gram_c=np.full((6, 3), 0.25))} for _ in range(2)]
    c_panel, depth_panel = bsb1_series(per, runs, p, 3)["panels"]
    assert c_panel["curves"][0]["kind"] == "theory" and c_panel["bands"][0]["lo"] == [0.19, 0.19]
    assert [(s["lo"], s["hi"]) for s in depth_panel["spans"]] == [(4, 6)]
    assert {c["y"][0] for c in depth_panel["curves"] if c.get("kind") == "theory"} == {0.5, mf.bsb1_c_star(8)}
    tol = [b for b in depth_panel["bands"] if b.get("kind") == "theory"]
    assert tol[0]["lo"] == pytest.approx([0.49, 0.49]) and tol[1]["x"] == [4, 6]
