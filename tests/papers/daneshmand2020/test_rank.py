"""daneshmand2020.rank: BN avoids rank collapse (soft rank vs depth, BN vs vanilla)."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import validate
from bnproof.papers.daneshmand2020 import rank
from bnproof.testing import assert_rejected, run_check

RANK = "daneshmand2020.rank"
SMALL = {"n": 16, "widths": "16,64", "depth": 300, "seeds": 4}


def test_rank_verified_bn_keeps_vanilla_collapses():
    r = run_check(RANK, params=SMALL, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    rows = r["measured"]["per_width"]
    assert rows["16"]["vanilla_rank_final"] <= 2
    assert all(v["bn_rank_avg_last_half"] >= v["required"] for v in rows.values())
    assert r["source"].startswith("reference notes §(b2) [recon]")
    json.dumps(r)


def test_rank_without_normalization_refuted():
    assert_rejected(RANK, verdicts={"refuted"}, params={**SMALL, "normalize": "false"}, quick=True)


def test_rank_mutated_constant_refuted():
    """Claiming rank ≥ 3·min(√d, n) is too strong for BN at d = n: the checker must reject it."""
    assert_rejected(RANK, verdicts={"refuted"}, params={**SMALL, "rank_const": 3.0}, quick=True)


@pytest.mark.parametrize("param", ["n=1", "widths=0,16", "widths=64", "tau=0", "tau=2", "rank_const=-1", "depth=0"])
def test_rank_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", RANK, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_rank_width_below_batch_is_inapplicable():
    assert_rejected(RANK, verdicts={"inapplicable"}, params={"n": 16, "widths": "8,64", "depth": 20, "seeds": 2},
                    quick=True)


def test_identical_rows_are_inapplicable_not_rank_one():
    """Identical samples (BN undefined): inapplicable with the reason, before any relative rank test counts 1."""
    r = run_check(RANK, params=SMALL, quick=True, data=rank.identical_rows(0))
    assert r["verdict"] == "inapplicable", r["reason"]
    assert "identical" in r["reason"] and "BN is undefined" in r["reason"]
    assert r["measured"] == {}


def test_rank_deficient_data_is_inapplicable():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 3)) @ rng.standard_normal((3, 40))  # 16 samples of rank 3
    r = run_check(RANK, params=SMALL, quick=True, data=validate(X, np.ones(16), source="rank 3"))
    assert r["verdict"] == "inapplicable" and "rank 3 < n = 16" in r["reason"]


def test_generic_data_is_checked():
    X = np.random.default_rng(2).standard_normal((16, 40))
    r = run_check(RANK, params=SMALL, quick=True, data=validate(X, np.ones(16), source="generic"))
    assert r["verdict"] == "verified", r["reason"]
    assert r["params"]["n"] == 16 and r["params"]["inputs"].startswith("--data")


def test_rank_starved_run_inconclusive():
    assert_rejected(RANK, verdicts={"inconclusive"}, params={"depth": 20, "seeds": 2}, quick=True)
