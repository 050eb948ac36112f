"""nachum2024.stability: the configuration perturbed by ε, per direction (measured: a saddle)."""

import json
import math

import numpy as np
import pytest
from helpers import cli

from bnproof.models import bn_init as bi
from bnproof.papers.nachum2024 import stability as stab
from bnproof.testing import assert_rejected, run_check

STAB = "nachum2024.stability"


def test_fixed_configuration_is_exact_at_eps_zero():
    for direction in stab.DIRECTIONS:
        X = stab.fixed_configuration(np.random.default_rng(0), 64, 6, 0.0, direction)
        dist = stab.configuration_distance(bi.gram_factor(X.T @ X)[None])
        assert dist["cos"][0] < 1e-12 and dist["spread"][0] < 1e-6
        assert stab.configuration_distance(X[None])["distance"][0] < 1e-15


def test_spread_direction_keeps_the_batch_mean_and_preserving_keeps_the_cluster_a_point():
    rng = np.random.default_rng(1)
    X0 = stab.fixed_configuration(np.random.default_rng(1), 64, 6, 0.0, "spread")
    Xs = stab.fixed_configuration(rng, 64, 6, 1e-2, "spread")
    assert np.allclose(Xs.mean(axis=1), X0.mean(axis=1), atol=1e-15)
    Xp = stab.fixed_configuration(np.random.default_rng(2), 64, 6, 1e-2, "preserving")
    assert np.ptp(Xp[:, :-1], axis=1).max() == 0.0
    assert 0.5e-2 < stab.configuration_distance(Xp[None])["cos"][0] < 2e-2  # cos(odd, cluster) ≈ ε


def test_predicted_factor_is_the_closed_form():
    for n, f in ((4, 1.2649), (8, 1.1314), (16, 1.0643), (32, 1.0317), (64, 1.0157)):
        assert stab.predicted_factor(n) == pytest.approx(n / math.sqrt((n - 1) ** 2 + 1)) == pytest.approx(f, abs=1e-4)


def test_default_reading_is_reconstruction_refuted_and_factor_matches_closed_form():
    """RC+ReLU at n = 16: the preserving direction resets, the spread grows by ≈ 1.0643 per layer."""
    r = assert_rejected(STAB, verdicts={"refuted"}, params={"n": 16, "width": 256, "depth": 60, "seeds": 6}, quick=True)
    assert "reconstruction refuted" in r["reason"] and "not the paper" in r["reason"]
    m = r["measured"]
    assert abs(m["spread_factor"] - stab.predicted_factor(16)) < stab.FACTOR_RTOL * (stab.predicted_factor(16) - 1)
    assert m["preserving_reset_ratio"] < stab.RESET_TOL
    assert set(m["per_eps"]) == {"0.001", "0.01"}


def test_saddle_reading_verified_at_n8():
    r = run_check(STAB, params={"n": 8, "width": 256, "depth": 40, "seeds": 6, "reading": "saddle"}, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    assert abs(r["measured"]["spread_factor"] - 1.1314) < 0.25 * 0.1314


def test_saddle_reading_with_squared_factor_refuted():
    assert_rejected(STAB, verdicts={"refuted"}, quick=True,
                    params={"n": 16, "width": 256, "reading": "saddle", "saddle_factor": 1.1327})


def test_stability_negative_control_rescaling_only_refuted():
    r = assert_rejected(STAB, verdicts={"refuted"}, quick=True,
                        params={"n": 8, "width": 128, "depth": 40, "seeds": 6, "recenter": "false", "rescale": "true",
                                "nonlinearity": "linear"})
    assert r["measured"]["spread_factor"] > 1.1
    assert "reconstruction refuted" in r["reason"]


def test_saddle_reading_without_closed_form_is_inapplicable():
    r = assert_rejected(STAB, verdicts={"inapplicable"}, quick=True,
                        params={"n": 16, "width": 256, "depth": 20, "reading": "saddle", "rescale": "true"})
    assert "RC + ReLU" in r["reason"]


@pytest.mark.parametrize("depth,seeds", [(3, 2), (9, 10), (100, 2)])
def test_starved_runs_are_inconclusive(depth, seeds):
    r = assert_rejected(STAB, verdicts={"inconclusive"}, quick=True,
                        params={"n": 16, "width": 256, "depth": depth, "seeds": seeds})
    assert "too short" in r["reason"]


def test_starved_boundary():
    assert stab.starved(stab.MIN_DEPTH, stab.MIN_SEEDS) is None
    assert stab.starved(stab.MIN_DEPTH - 1, stab.MIN_SEEDS) is not None
    assert stab.starved(stab.MIN_DEPTH, stab.MIN_SEEDS - 1) is not None


def test_stability_verdict_rule_can_verify():
    assert stab.stability_verdict(0.9, 0.01, 1.0)[0] == "verified"
    assert stab.stability_verdict(1.0, 0.01, 3.0)[0] == "verified"
    assert stab.stability_verdict(1.0, 0.01, 300.0)[0] == "inconclusive"
    assert stab.stability_verdict(1.05, 0.01, 3.0)[0] == "refuted"
    # at the edges: the CI just below / just above 1, and distance/ε at GROWTH_MAX
    assert stab.stability_verdict(0.989, 0.01, 1e9)[0] == "verified"
    assert stab.stability_verdict(1.011, 0.01, 1.0)[0] == "refuted"
    assert stab.stability_verdict(1.0, 0.01, stab.GROWTH_MAX)[0] == "verified"
    assert stab.stability_verdict(1.0, 0.01, stab.GROWTH_MAX * 1.001)[0] == "inconclusive"


def test_reset_verdict_boundary():
    d0 = np.array([1e-2])
    assert stab.reset_verdict(d0, 0.99 * stab.RESET_TOL * d0) == "verified"
    assert stab.reset_verdict(d0, 1.01 * stab.RESET_TOL * d0) == "refuted"
    edge = np.array([stab.RESET_MIN_START])  # the closest start that decides: RESET_TOL·d0 is the round-off
    assert stab.reset_verdict(edge, [0.99 * stab.ROUNDOFF]) == "verified"
    assert stab.reset_verdict(edge, [1.01 * stab.ROUNDOFF]) == "refuted"
    assert stab.reset_verdict([0.99 * stab.RESET_MIN_START], [0.0]) == "inconclusive"
    assert stab.reset_verdict([0.99 * stab.RESET_MIN_START, 1e-2], [0.0, 1.01e-4]) == "refuted"


def test_closed_form_band_boundary():
    F, rtol = 1.0643, 0.25
    w = rtol * (F - 1)
    assert stab.closed_form_verdict(F + 0.99 * w - 1e-4, 1e-4, F, rtol) == "verified"
    assert stab.closed_form_verdict(F + 1.01 * w + 1e-4, 1e-4, F, rtol) == "refuted"
    assert stab.closed_form_verdict(F - 1.01 * w - 1e-4, 1e-4, F, rtol) == "refuted"
    assert stab.closed_form_verdict(F + w, 1e-3, F, rtol) == "inconclusive"


def test_decide_stability_labels_reconstruction():
    m = {"rate": 1.07, "half": 0.005, "growth": 60.0, "reset_ratio": 1e-5, "preserving_d0": np.array([1e-2]),
         "preserving_d1": np.array([1e-7]), "preserving_growth": 1.0}
    v, why = stab.decide_stability("stable", m, 1.0643, 0.25)
    assert v == "refuted" and why.startswith("reconstruction refuted")
    assert stab.decide_stability("saddle", m, 1.0643, 0.25)[0] == "verified"
    assert stab.decide_stability("saddle", {**m, "preserving_d1": np.array([1e-3])}, 1.0643, 0.25)[0] == "refuted"
    assert stab.decide_stability("stable", {**m, "rate": 0.95}, 1.0643, 0.25)[0] == "verified"


@pytest.mark.parametrize("param", ["eps=0", "eps=abc", "n=2", "reading=odd", "factor_rtol=0.6", "factor_rtol=0",
                                   "saddle_factor=3"])
def test_stability_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", STAB, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_stability_growth_confirmed_with_explicit_weights():
    """The growth is not an artefact of the Gram chain: explicit d×d weights show the closed-form factor too."""
    rng = np.random.default_rng(0)
    factors = []
    for _ in range(4):
        X = stab.fixed_configuration(rng, 128, 16, 1e-3, "spread")
        Hs = bi.forward(X, 30, bi.Components(True, False, "relu"), rng)
        D = [stab.configuration_distance(H[None])["distance"][0] for H in (Hs[1], Hs[30])]
        factors.append((D[1] / D[0]) ** (1 / 29))
    assert np.mean(factors) > 1.02
    assert abs(np.mean(factors) - stab.predicted_factor(16)) < 0.03


def test_width_below_batch_size_is_inapplicable():
    r = assert_rejected(STAB, verdicts={"inapplicable"}, params={"n": 8, "width": 4}, quick=True)
    assert "d ≥ n" in r["reason"]
    json.dumps(r)


@pytest.mark.parametrize("claim", ["nachum2024.stability", "nachum2024.odd-point-emergence",
                                   "nachum2024.odd-point-invariance"])
@pytest.mark.parametrize("param", ["width=1000000000000", "n=1000000000", "depth=1000000000000000",
                                   "seeds=1000000000000"])
def test_sizes_far_beyond_memory_are_one_line_of_bad_input(claim, param, capsys):
    code, out, err = cli(["check", claim, "--param", param], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("bnproof: error: --param n=") and "needs about" in err and "more than the limit of" in err


def _fake_measurement(factor=1.06):
    curves = [{"eps": e, "spread": [e * factor ** k for k in range(21)], "fit_last": last,
               "preserving": [e, e * 1e-4, e * 1e-4, e * 1e-4]} for e, last in ((1e-3, 20), (1e-2, 12))]
    return {"rate": factor, "half": 0.01, "curves": curves}


def test_series_shows_fit_windows_closed_form_and_the_readings_limits():
    spread, keep = stab.stability_series(_fake_measurement(), "stable", 1.0643, "RC+ReLU")["panels"]
    assert [(s["lo"], s["hi"]) for s in spread["spans"]] == [(1, 20), (1, 12)]
    fits = [c for c in spread["curves"] if c.get("kind") == "fit"]
    assert [c["x"][-1] for c in fits] == [20, 12] and fits[0]["y"][1] / fits[0]["y"][0] == pytest.approx(1.06)
    theory = next(c for c in spread["curves"] if c.get("kind") == "theory")
    assert theory["y"][1] / theory["y"][0] == pytest.approx(1.0643)
    assert [(h["y"], h.get("kind")) for h in spread["hlines"]] == [(stab.GROWTH_MAX, "bound")]
    assert [(h["y"], h.get("kind")) for h in keep["hlines"]] == [(stab.RESET_TOL, "bound")]
    saddle = stab.stability_series(_fake_measurement(), "saddle", 1.0643, "RC+ReLU", 0.25)["panels"][0]
    assert "hlines" not in saddle and saddle["bands"][0]["kind"] == "theory"


def test_decide_stability_edges_and_reasons():
    m = {"rate": 0.95, "half": 0.005, "growth": 1.0, "reset_ratio": 1e-5, "preserving_d0": np.array([1e-2]),
         "preserving_d1": np.array([1e-7]), "preserving_growth": stab.GROWTH_MAX}
    assert stab.decide_stability("stable", m, 1.0643, 0.25)[0] == "verified"  # growth exactly at GROWTH_MAX
    verdict, why = stab.decide_stability("saddle", m, None, 0.25)
    assert verdict == "inapplicable" and why.startswith("the saddle reading has no predicted factor")
    assert why.endswith("(no closed form for these components)")
    saddle = {**m, "rate": 1.07, "growth": 60.0}
    assert stab.decide_stability("saddle", saddle, 1.0643, 0.25)[1].startswith("saddle reading (holds): ")
    broken = {**saddle, "preserving_d1": np.array([1e-3])}
    assert stab.decide_stability("saddle", broken, 1.0643, 0.25)[1].startswith("saddle reading (refuted): ")
