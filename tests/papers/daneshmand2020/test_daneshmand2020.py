"""Daneshmand et al. 2020: BN avoids rank collapse (soft rank vs depth, BN vs vanilla)."""

import json

import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.cli import main
from bnproof.core.params import RunConfig

RANK = "daneshmand2020.rank"
SMALL = {"n": 16, "widths": "16,64", "depth": 300, "seeds": 4}


def check(quick=True, seed=0, **params):
    return run_claim(get_claim(RANK), RunConfig(seed=seed, quick=quick, params={k: str(v) for k, v in params.items()}))


def test_rank_verified_bn_keeps_vanilla_collapses():
    r = check(**SMALL)
    assert r["verdict"] == "verified", r["reason"]
    rows = r["measured"]["per_width"]
    assert rows["16"]["vanilla_rank_final"] <= 2
    assert all(v["bn_rank_avg_last_half"] >= v["required"] for v in rows.values())
    json.dumps(r)


def test_rank_without_normalization_refuted():
    r = check(normalize=False, **SMALL)
    assert r["verdict"] == "refuted", r["reason"]


def test_rank_mutated_constant_refuted():
    """Claiming rank ≥ 3·min(√d, n) is too strong for BN at d = n: the checker must reject it."""
    assert check(rank_const=3.0, **SMALL)["verdict"] == "refuted"


@pytest.mark.parametrize("param", ["n=1", "widths=0,16", "tau=0", "tau=2", "rank_const=-1", "depth=0"])
def test_rank_bad_input_exit_2(param, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", RANK, "--quick", "--param", param])
    assert exc.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_rank_width_below_batch_is_inapplicable():
    r = check(n=16, widths="8,64", depth=20, seeds=2)
    assert r["verdict"] == "inapplicable"
