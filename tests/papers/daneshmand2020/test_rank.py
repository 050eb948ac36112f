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
    assert all(v is None for v in r["measured"].values())  # the claim's measured keys, none measured


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


@pytest.mark.parametrize("param", ["widths=64,1000000000000", "depth=1000000000000000", "n=1000000000"])
def test_sizes_far_beyond_memory_are_one_line_of_bad_input(param, capsys):
    code, out, err = cli(["check", "daneshmand2020.rank", "--param", param], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "needs about" in err and "more than the limit of" in err


# --- decide_rank at each boundary (mutation testing, benchmarks/mutation.py) ------------------------


def _decide(rows, widths=(16, 64)):
    setup = rank.RankSetup(n=8, widths=list(widths), depth=10, seeds=4, tau=0.1, rank_const=1.0, normalize=True)
    full = {str(d): {"bn_rank_avg_last_half": r[0], "bn_rank_ci95": r[1], "required": r[2], "vanilla_rank_final": r[3]}
            for d, r in zip(widths, rows)}
    return rank.decide_rank(setup, rank.RankRuns(full, {}, {}))


def test_decide_rank_verified_and_the_collapse_edge():
    verdict, why, collapsed = _decide([(6.0, 1.0, 4.0, 1.0), (7.0, 1.0, 4.0, 1.0)])
    assert (verdict, collapsed) == ("verified", True) and why.startswith("vanilla collapses, BN keeps rank")
    assert _decide([(6.0, 1.0, 4.0, rank.VANILLA_COLLAPSED), (7.0, 1.0, 4.0, 1.0)])[::2] == ("verified", True)
    verdict, why, collapsed = _decide([(6.0, 1.0, 4.0, 2.5), (7.0, 1.0, 4.0, 1.0)])
    assert (verdict, collapsed) == ("inconclusive", False) and why.startswith("vanilla rank at d = 16 is 2.5 > 2.0")


def test_decide_rank_interval_against_the_required_rank():
    verdict, why, _ = _decide([(6.0, 1.0, 5.0, 1.0), (7.0, 1.0, 4.0, 1.0)])  # CI [5, 7]: the edge is inside
    assert verdict == "verified"
    verdict, why, _ = _decide([(2.0, 1.0, 4.0, 1.0), (7.0, 1.0, 4.0, 1.0)])
    assert verdict == "refuted" and why.startswith("the rank is not kept: d = 16:")
    verdict, why, _ = _decide([(4.0, 1.0, 4.5, 1.0), (7.0, 1.0, 4.0, 1.0)])
    assert verdict == "inconclusive" and why.startswith("d = 16: rank CI straddles 4.5")
    verdict, _, _ = _decide([(2.0, 1.0, 4.0, 1.0), (4.0, 1.0, 4.5, 1.0)])  # a refutation wins over doubt
    assert verdict == "refuted"


def test_decide_rank_vanilla_must_end_strictly_below_bn():
    verdict, why, _ = _decide([(6.0, 1.0, 4.0, 1.0), (7.0, 1.0, 4.0, 7.0)])
    assert verdict == "inconclusive" and why.startswith("d = 64: vanilla rank 7 not below the BN rank")


def test_figure_separates_the_arms_and_marks_the_bound_and_the_averaged_layers():
    r = run_check(RANK, params={"n": 16, "widths": "16,64", "depth": 40, "seeds": 2}, quick=True)
    bn, vanilla = r["series"]["panels"]
    rows = r["measured"]["per_width"]
    bounds = [c for c in bn["curves"] if c.get("kind") == "bound"]
    assert [b["y"][0] for b in bounds] == [rows["16"]["required"], rows["64"]["required"]]
    assert all(b["x"] == [20, 40] for b in bounds) and bn["spans"][0]["lo"] == 20
    row = rows["16"]  # the band is the time average's 95% CI the verdict compares with the bound
    assert bn["bands"][0]["lo"][0] == pytest.approx(row["bn_rank_avg_last_half"] - row["bn_rank_ci95"])
    assert [h["y"] for h in vanilla["hlines"]] == [rank.VANILLA_COLLAPSED, 1.0]
