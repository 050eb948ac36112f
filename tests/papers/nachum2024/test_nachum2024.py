"""Nachum et al. 2024: the cluster-plus-odd-point configuration (invariance, emergence, stability)."""

import json

import numpy as np
import pytest
from helpers import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.claims import get_claim, run_claim
from bnproof.core.params import RunConfig
from bnproof.models import bn_init as bi
from bnproof.papers import nachum2024 as na
from bnproof.strategies.bn_init import components

INV, EMERGE, STAB = "nachum2024.odd-point-invariance", "nachum2024.odd-point-emergence", "nachum2024.stability"


def check(cid, quick=True, seed=0, **params):
    return run_claim(get_claim(cid), RunConfig(seed=seed, quick=quick, params={k: str(v) for k, v in params.items()}))


# --------------------------------------------------------------------------- derivation


def test_symbolic_identities_hold_and_are_not_vacuous():
    from bnproof.symbolic import bn_init as sb

    ids = na.identities()
    assert {"rc_cluster", "relu_disjoint_pos", "relu_disjoint_neg", "norm_ratio_sq", "abs_ratio"} <= {i.name for i in ids}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]
    wrong = sb._check("wrong", "x", sb.g / sb.n, sb.g / sb.k)  # a false identity must fail both tests
    assert not wrong.symbolic and wrong.numeric_error > 1e-3


def test_one_layer_exact_on_small_batch():
    rng = np.random.default_rng(3)
    X = na.odd_point_batch(rng, 12, 5)
    for comp in (bi.Components(True, False, "relu"), bi.Components(True, True, "relu")):
        H1 = bi.forward(X, 1, comp, rng)[1]
        st = na.layer_stats(H1)
        assert st["cos"] == 0.0 and st["spread"] <= na.SPREAD_TOL
        # disjoint supports: a neuron is active on the odd point or on the cluster, never both
        assert not np.any((H1[:, -1] > 0) & (H1[:, 0] > 0))


# --------------------------------------------------------------------------- invariance


def test_invariance_verified_with_contract_fields():
    r = check(INV, n=8, width=256)
    assert r["verdict"] == "verified", r["reason"]
    assert r["measured"]["cosine"] == 0.0
    assert abs(r["measured"]["norm_ratio"] - 7) <= r["measured"]["norm_ratio_ci99"]
    assert r["params"]["n"] == 8 and r["params"]["width"] == 256
    json.dumps(r)


def test_invariance_with_rescaling_verified():
    assert check(INV, n=6, width=256, rescale=True)["verdict"] == "verified"


@pytest.mark.parametrize("mutation", [{"recenter": False}, {"nonlinearity": "linear"}])
def test_invariance_negative_controls_refuted(mutation):
    r = check(INV, n=8, width=128, **mutation)
    assert r["verdict"] == "refuted", r["reason"]
    assert r["measured"]["cosine"] > 0.1


def test_invariance_reproducible_from_seed():
    a, b = check(INV, n=4, width=64, seed=5), check(INV, n=4, width=64, seed=5)
    assert a["measured"] == b["measured"]


@pytest.mark.parametrize("param", ["n=1", "width=0", "depth=0", "seeds=0", "nonlinearity=tanh", "n=abc"])
def test_invariance_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", INV, "--param", param, "--json"], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- emergence

EM_SMALL = {"n": 32, "width": 256, "depth": 200, "seeds": 6}


def test_emergence_verified_with_three_statistics():
    r = check(EMERGE, **EM_SMALL)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert m["cos_odd_cluster"] < 0.05 and m["cos_within_cluster"] > 0.8 and abs(m["norm_ratio"] / 31 - 1) < 0.15
    assert m["cos_within_cluster"] > m["cos_within_layer0"] + 0.5 and m["seeds"] == 6
    assert len(r["series"]["panels"]) == 3
    json.dumps(r)


def test_emergence_rescaling_only_not_verified():
    """Rescaling-only linear layers are Daneshmand's orthogonal regime: no cluster forms."""
    r = check(EMERGE, recenter=False, rescale=True, nonlinearity="linear", **EM_SMALL)
    assert r["verdict"] == "refuted", r["reason"]
    assert r["measured"]["cos_within_cluster"] < 0.2


@pytest.mark.parametrize("mutation", [{"rescale": True}, {"n": 4}])
def test_emergence_absent_with_full_bn_or_small_batch(mutation):
    r = check(EMERGE, **{**EM_SMALL, **mutation})
    assert r["verdict"] != "verified", r["reason"]


def test_emergence_verdict_rule_is_three_way():
    ok = {"cos_odd": (0.001, 0.001), "cos_within": (0.95, 0.01), "norm_ratio": (31.0, 0.5)}
    assert na._emergence_verdict(32, ok, True)[0] == "verified"
    assert na._emergence_verdict(32, ok, False)[0] == "inconclusive"
    assert na._emergence_verdict(32, {**ok, "cos_within": (0.82, 0.05)}, True)[0] == "inconclusive"
    assert na._emergence_verdict(32, {**ok, "cos_odd": (0.3, 0.01)}, True)[0] == "refuted"


@pytest.mark.slow
def test_emergence_map_slow():
    r = check(EMERGE, quick=False, map=True, seeds=4)
    grid = r["measured"]["map"]
    assert grid["n=32,d=1024"]["verdict"] == "verified" and grid["n=4,d=256"]["verdict"] != "verified"


# --------------------------------------------------------------------------- stability


def test_fixed_configuration_is_exact_at_eps_zero():
    X = na.fixed_configuration(np.random.default_rng(0), 64, 6, 0.0)
    dist = na.configuration_distance(bi.gram_factor(X.T @ X)[None])
    assert dist["cos"][0] < 1e-12 and dist["spread"][0] < 1e-6
    assert na.configuration_distance(X[None])["distance"][0] < 1e-15


def test_stability_measures_the_growth_factor():
    """RC+ReLU at n = 16: the within-cluster spread grows by ≈ 1 + 1/n per layer (measured, width independent)."""
    r = check(STAB, n=16, width=256, depth=60, seeds=6)
    assert r["verdict"] == "refuted", r["reason"]
    assert 1.02 < r["measured"]["contraction_factor"] < 1.12
    assert set(r["measured"]["per_eps"]) == {"0.001", "0.01"}


def test_stability_negative_control_rescaling_only_refuted():
    r = check(STAB, n=8, width=128, depth=40, seeds=6, recenter=False, rescale=True, nonlinearity="linear")
    assert r["verdict"] == "refuted" and r["measured"]["contraction_factor"] > 1.1


def test_stability_verdict_rule_can_verify():
    assert na.stability_verdict(0.9, 0.01, 1.0)[0] == "verified"
    assert na.stability_verdict(1.0, 0.01, 3.0)[0] == "verified"
    assert na.stability_verdict(1.0, 0.01, 300.0)[0] == "inconclusive"
    assert na.stability_verdict(1.05, 0.01, 3.0)[0] == "refuted"


@pytest.mark.parametrize("param", ["eps=0", "eps=abc", "n=2", "depth=2", "perturb=odd"])
def test_stability_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", STAB, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_stability_growth_confirmed_with_explicit_weights():
    """The growth is not an artefact of the Gram chain: explicit d×d weights show a factor > 1 too."""
    rng = np.random.default_rng(0)
    factors = []
    for _ in range(4):
        X = na.fixed_configuration(rng, 128, 16, 1e-3, "all")
        Hs = bi.forward(X, 30, bi.Components(True, False, "relu"), rng)
        D = [na.configuration_distance(H[None])["distance"][0] for H in (Hs[1], Hs[30])]
        factors.append((D[1] / D[0]) ** (1 / 29))
    assert np.mean(factors) > 1.02


@pytest.mark.parametrize("cid", [INV, EMERGE, STAB])
def test_width_below_batch_size_is_inapplicable(cid):
    r = check(cid, n=8, width=4)
    assert r["verdict"] == "inapplicable" and "d ≥ n" in r["reason"]
    json.dumps(r)


@settings(max_examples=30, deadline=None)
@given(comp=components(recenter=True, nonlinearity="relu"), n=st.integers(2, 12), d=st.integers(1, 40),
       seed=st.integers(0, 2**32 - 1))
def test_invariance_property_one_layer_exact(comp, n, d, seed):
    """For every width, batch size and RS switch, one RC(+RS)+ReLU layer keeps the configuration exactly."""
    rng = np.random.default_rng(seed)
    H = bi.forward(na.odd_point_batch(rng, d, n), 1, comp, rng)[1]
    st_ = na.layer_stats(H)
    assert st_["cos"] == 0.0 and st_["spread"] <= na.SPREAD_TOL
