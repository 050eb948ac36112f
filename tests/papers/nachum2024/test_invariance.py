"""nachum2024.odd-point-invariance: the cluster-plus-odd-point batch is an exact fixed configuration of RC+ReLU."""

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024 import invariance as inv
from bnproof.strategies import bn_components
from bnproof.testing import assert_rejected, run_check

INV = "nachum2024.odd-point-invariance"
DERIVATIONS = Path(__file__).resolve().parents[3] / "derivations"


# --------------------------------------------------------------------------- derivation


def test_one_layer_exact_on_small_batch():
    rng = np.random.default_rng(3)
    X = inv.odd_point_batch(rng, 12, 5)
    for comp in (bi.Components(True, False, "relu"), bi.Components(True, True, "relu")):
        H1 = bi.forward(X, 1, comp, rng)[1]
        st_ = inv.layer_stats(H1)
        assert st_["cos"] == 0.0 and st_["spread"] <= inv.SPREAD_TOL
        # disjoint supports: a neuron is active on the odd point or on the cluster, never both
        assert not np.any((H1[:, -1] > 0) & (H1[:, 0] > 0))


# --------------------------------------------------------------------------- the claim


def test_invariance_verified_with_contract_fields():
    r = run_check(INV, params={"n": 8, "width": 256}, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    assert r["measured"]["cosine"] == 0.0
    assert abs(r["measured"]["norm_ratio"] - 7) <= r["measured"]["norm_ratio_ci99"]
    assert r["params"]["n"] == 8 and r["params"]["width"] == 256
    assert "[derived]" in r["source"]
    json.dumps(r)


def test_invariance_with_rescaling_verified():
    assert run_check(INV, params={"n": 6, "width": 256, "rescale": "true"}, quick=True)["verdict"] == "verified"


@pytest.mark.parametrize("mutation", [{"recenter": "false"}, {"nonlinearity": "linear"}])
def test_invariance_negative_controls_refuted(mutation):
    r = assert_rejected(INV, verdicts={"refuted"}, params={"n": 8, "width": 128, **mutation}, quick=True)
    assert r["measured"]["cosine"] > 0.1


def test_invariance_reproducible_from_seed():
    a = run_check(INV, params={"n": 4, "width": 64}, seed=5, quick=True)
    b = run_check(INV, params={"n": 4, "width": 64}, seed=5, quick=True)
    assert a["measured"] == b["measured"]


@pytest.mark.parametrize("param", ["n=1", "width=0", "depth=0", "seeds=0", "nonlinearity=tanh", "n=abc"])
def test_invariance_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", INV, "--param", param, "--json"], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_width_below_batch_size_is_inapplicable():
    r = assert_rejected(INV, verdicts={"inapplicable"}, params={"n": 8, "width": 4}, quick=True)
    assert "d ≥ n" in r["reason"]
    json.dumps(r)


def test_decide_invariance_needs_exact_zeros_and_a_covering_interval():
    comp = bi.Components(True, False, "relu")
    exact = {"cosine": 0.0, "spread": 0.0, "mean": 7.1, "half": 0.3, "finite": 5, "ratios": np.full(5, 7.1)}
    assert inv.decide_invariance(8, 64, 2, 5, comp, exact, [], 11)[0] == "verified"
    assert inv.decide_invariance(8, 64, 2, 5, comp, {**exact, "cosine": 1e-17}, [], 11)[0] == "refuted"
    assert inv.decide_invariance(8, 64, 2, 5, comp, {**exact, "mean": 8.0}, [], 11)[0] == "refuted"
    assert inv.decide_invariance(8, 64, 2, 5, comp, {**exact, "finite": 1}, [], 11)[0] == "inconclusive"
    assert inv.decide_invariance(8, 64, 2, 5, comp, exact, ["rc_odd"], 11)[0] == "inconclusive"


@settings(max_examples=30, deadline=None)
@given(comp=bn_components(recenter=True, nonlinearity="relu"), n=st.integers(2, 12), d=st.integers(1, 40),
       seed=st.integers(0, 2**32 - 1))
def test_invariance_property_one_layer_exact(comp, n, d, seed):
    """For every width, batch size and RS switch, one RC(+RS)+ReLU layer keeps the configuration exactly."""
    rng = np.random.default_rng(seed)
    H = bi.forward(inv.odd_point_batch(rng, d, n), 1, comp, rng)[1]
    st_ = inv.layer_stats(H)
    assert st_["cos"] == 0.0 and st_["spread"] <= inv.SPREAD_TOL


def test_invariance_ratio_resolution_boundary():
    comp = bi.Components(True, False, "relu")
    base = {"cosine": 0.0, "spread": 0.0, "finite": 20, "ratios": np.ones(20)}
    edge = inv.RATIO_RESOLUTION * 15
    assert inv.decide_invariance(16, 1024, 2, 20, comp, {**base, "mean": 15.0, "half": edge}, [], 1)[0] == "verified"
    assert inv.decide_invariance(16, 1024, 2, 20, comp, {**base, "mean": 15.0, "half": edge * 1.01}, [], 1)[0] == "inconclusive"
    assert inv.decide_invariance(16, 1024, 2, 20, comp, {**base, "mean": 15.0, "half": 0.5}, [], 1, 16.0)[0] == "refuted"
    assert inv.decide_invariance(16, 1024, 2, 20, comp, {**base, "mean": 15.6, "half": 0.5}, [], 1, 16.0)[0] == "verified"


def test_invariance_two_seeds_inconclusive_and_ratio_flip_refuted():
    assert_rejected("nachum2024.odd-point-invariance", verdicts={"inconclusive"}, params={"seeds": 2}, quick=True)
    assert_rejected("nachum2024.odd-point-invariance", verdicts={"refuted"},
                    params={"predicted_ratio": 16, "depth": 1, "seeds": 40})


def test_series_shows_the_verdicts_ci_and_the_derived_values():
    m = {"ratios": np.array([14.0, 15.0, 16.0]), "mean": 15.0, "half": 1.5, "cos_layers": np.zeros(2),
         "spread_layers": np.zeros(2)}
    ratio, exact = inv.invariance_series(16, 64, 2, 3, m)["panels"]
    assert ratio["bands"][0]["lo"] == [13.5, 13.5] and ratio["bands"][0]["hi"] == [16.5, 16.5]
    assert [(h["y"], h.get("kind")) for h in ratio["hlines"]] == [(15.0, "theory")]
    assert {(h["y"], h.get("kind")) for h in exact["hlines"]} == {(0.0, "theory"), (inv.SPREAD_TOL, "bound")}


def test_decide_invariance_edges_and_the_zero_cluster_count():
    comp = bi.Components(True, False, "relu")
    exact = {"cosine": 0.0, "spread": inv.SPREAD_TOL, "mean": 7.25, "half": 0.25, "finite": 2,
             "ratios": np.full(5, 7.1)}
    # spread at the tolerance, two finite ratios, |mean − 7| = half exactly: all inside
    assert inv.decide_invariance(8, 64, 2, 5, comp, exact, [], 11)[0] == "verified"
    verdict, why = inv.decide_invariance(8, 64, 2, 5, comp, {**exact, "finite": 1}, [], 11)
    assert verdict == "inconclusive" and "the cluster point was zero in 4 of 5 seeds" in why
