"""nachum2024.stability: the configuration perturbed by ε (measured: the within-cluster spread grows)."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024 import stability as stab
from bnproof.testing import assert_rejected

STAB = "nachum2024.stability"


def test_fixed_configuration_is_exact_at_eps_zero():
    X = stab.fixed_configuration(np.random.default_rng(0), 64, 6, 0.0)
    dist = stab.configuration_distance(bi.gram_factor(X.T @ X)[None])
    assert dist["cos"][0] < 1e-12 and dist["spread"][0] < 1e-6
    assert stab.configuration_distance(X[None])["distance"][0] < 1e-15


def test_stability_measures_the_growth_factor():
    """RC+ReLU at n = 16: the within-cluster spread grows by ≈ 1 + 1/n per layer (measured, width independent)."""
    r = assert_rejected(STAB, verdicts={"refuted"}, params={"n": 16, "width": 256, "depth": 60, "seeds": 6}, quick=True)
    assert 1.02 < r["measured"]["contraction_factor"] < 1.12
    assert set(r["measured"]["per_eps"]) == {"0.001", "0.01"}


def test_stability_negative_control_rescaling_only_refuted():
    r = assert_rejected(STAB, verdicts={"refuted"}, quick=True,
                        params={"n": 8, "width": 128, "depth": 40, "seeds": 6, "recenter": "false", "rescale": "true",
                                "nonlinearity": "linear"})
    assert r["measured"]["contraction_factor"] > 1.1


def test_stability_verdict_rule_can_verify():
    assert stab.stability_verdict(0.9, 0.01, 1.0)[0] == "verified"
    assert stab.stability_verdict(1.0, 0.01, 3.0)[0] == "verified"
    assert stab.stability_verdict(1.0, 0.01, 300.0)[0] == "inconclusive"
    assert stab.stability_verdict(1.05, 0.01, 3.0)[0] == "refuted"


@pytest.mark.parametrize("param", ["eps=0", "eps=abc", "n=2", "depth=2", "perturb=odd"])
def test_stability_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", STAB, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_stability_growth_confirmed_with_explicit_weights():
    """The growth is not an artefact of the Gram chain: explicit d×d weights show a factor > 1 too."""
    rng = np.random.default_rng(0)
    factors = []
    for _ in range(4):
        X = stab.fixed_configuration(rng, 128, 16, 1e-3, "all")
        Hs = bi.forward(X, 30, bi.Components(True, False, "relu"), rng)
        D = [stab.configuration_distance(H[None])["distance"][0] for H in (Hs[1], Hs[30])]
        factors.append((D[1] / D[0]) ** (1 / 29))
    assert np.mean(factors) > 1.02


def test_width_below_batch_size_is_inapplicable():
    r = assert_rejected(STAB, verdicts={"inapplicable"}, params={"n": 8, "width": 4}, quick=True)
    assert "d ≥ n" in r["reason"]
    json.dumps(r)
