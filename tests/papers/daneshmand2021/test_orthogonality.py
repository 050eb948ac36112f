"""daneshmand2021.orthogonality: V(H_ℓ) decays geometrically to a floor ∝ d^(-1/2) (Theorem 1, Fig. 2)."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.papers.daneshmand2021 import orthogonality as orth
from bnproof.testing import assert_rejected, run_check

ORTH = "daneshmand2021.orthogonality"
SMALL = {"widths": "32,64,128,256", "depth": 60, "burn_in": 20, "seeds": 5}  # n = 4: Theorem 1's bound vacuous
BINDS = {"n": 2, "widths": "64,128,256,512,1024", "depth": 120, "burn_in": 20, "seeds": 6}  # binds at d ≥ 512


def test_theorem1_bound_readings():
    b_main = orth.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "main")
    b_app = orth.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "appendix")
    assert b_main[0] == pytest.approx(2 + 3 * 4 / (0.2 * 32))
    assert b_main[1] - b_app[1] == pytest.approx(1.5 * 4 / (0.2 * 32))


def test_theorem1_bound_from_a_later_layer():
    b = orth.theorem1_bound(np.array([10, 11, 21]), 0.2, 4, 1024, "main", start=10)
    assert b[0] == b[1] == pytest.approx(2 + 3 * 4 / (0.2 * 32))
    assert b[2] == pytest.approx(2 * (1 - 0.4 / 3) ** 10 + 3 * 4 / (0.2 * 32))


def test_orthogonality_verified_with_floor_slope_and_binding_bound():
    r = run_check(ORTH, params=BINDS, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    assert r["measured"]["theorem1_verdict"] == "verified" and r["measured"]["theorem1_binding_widths"]
    assert "binds" in r["reason"]


def test_orthogonality_vacuous_bound_is_inconclusive():
    """n = 4 and d ≤ 256: the Fig. 2 parts pass but Theorem 1's bound is ≥ max V at every width: not tested."""
    r = run_check(ORTH, params=SMALL, quick=True)
    assert r["verdict"] == "inconclusive", r["reason"]
    assert "vacuous" in r["reason"] and r["measured"]["theorem1_vacuous"] is True
    m = r["measured"]
    assert -0.6 <= m["floor_slope"] - m["floor_slope_ci95"] and m["floor_slope"] + m["floor_slope_ci95"] <= -0.4
    assert m["depth_rate"] < 1 and m["seeds"] == 5
    assert [p["yscale"] for p in r["series"]["panels"]] == ["log", "log"]
    assert r["source"].startswith("Theorem 1")
    json.dumps(r)


def test_orthogonality_without_normalization_refuted():
    r = assert_rejected(ORTH, verdicts={"refuted"}, params={**SMALL, "normalize": "false"}, quick=True)
    assert abs(r["measured"]["floor_slope"]) < 0.1


@pytest.mark.parametrize("reading", [{"constant": "appendix"}, {"alpha_reading": "sigma"}])
def test_orthogonality_other_readings_run_and_record_them(reading):
    """Where the bound binds it holds by a factor ≥ 3 (here) to ≈ 30 (defaults): no reading changes the verdict."""
    r = run_check(ORTH, params={**BINDS, **reading}, quick=True)
    assert r["verdict"] == "verified"
    assert r["measured"]["theorem1_max_ratio_upper"] < 0.3
    for k, v in reading.items():
        assert r["params"][k] == v


@pytest.mark.parametrize("param", ["n=1", "widths=64", "widths=0,64", "depth=0", "burn_in=-1",
                                   "correlation=1.5", "constant=half", "slope_tol=0.3", "slope_tol=0",
                                   "floor_exponent=0.5"])
def test_orthogonality_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", ORTH, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_orthogonality_thousand_layers_slow():
    r = run_check(ORTH, params={"depth": 1000, "burn_in": 100})
    assert r["verdict"] == "verified", r["reason"]
    assert abs(r["measured"]["floor_slope"] + 0.5) < 0.05


def test_orthogonality_width_below_batch_is_inapplicable():
    r = assert_rejected(ORTH, verdicts={"inapplicable"},
                        params={"n": 8, "widths": "4,64", "depth": 20, "burn_in": 5, "seeds": 2}, quick=True)
    assert "d ≥ n" in r["reason"]


def test_orthogonality_reproducible_from_seed():
    small = {"widths": "16,32", "depth": 30, "burn_in": 10, "seeds": 3}
    a = run_check(ORTH, params=small, seed=3, quick=True)
    b = run_check(ORTH, params=small, seed=3, quick=True)
    assert a["measured"] == b["measured"]


def test_decide_orthogonality_reads_the_whole_intervals():
    """The slope CI against [−0.6, −0.4] and the rate CI against < 1: inside both verifies, outside refutes."""
    setup = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    ok = {"slope": -0.5, "slope_half": 0.01, "rate": 0.6, "rate_half": 0.01, "worst": 0.5, "vacuous": False,
          "upper_ratio_binding": 0.6, "binding_widths": [128], "vmax": 0.866}
    assert orth.decide_orthogonality(setup, ok)[0] == "verified"
    assert orth.decide_orthogonality(setup, {**ok, "vacuous": True})[0] == "inconclusive"
    assert orth.decide_orthogonality(setup, {**ok, "slope_half": 0.2})[0] == "inconclusive"
    assert orth.decide_orthogonality(setup, {**ok, "slope": 0.0})[0] == "refuted"
    assert orth.decide_orthogonality(setup, {**ok, "rate": 1.2})[0] == "refuted"
    assert orth.decide_orthogonality(setup, {**ok, "worst": 1.5})[0] == "refuted"


def _m(**kw):
    base = {"slope": -0.5, "slope_half": 0.01, "rate": 0.6, "rate_half": 0.01, "worst": 0.05, "vacuous": False,
            "upper_ratio_binding": 0.06, "binding_widths": [4096], "vmax": 0.866}
    return {**base, **kw}


def test_bound_verdict_boundaries():
    assert orth.bound_verdict(_m(worst=1.0)) == "verified"
    assert orth.bound_verdict(_m(worst=1.001, upper_ratio_binding=1.2)) == "refuted"
    assert orth.bound_verdict(_m(upper_ratio_binding=1.0)) == "verified"
    assert orth.bound_verdict(_m(upper_ratio_binding=1.001)) == "inconclusive"
    assert orth.bound_verdict(_m(vacuous=True, upper_ratio_binding=float("nan"))) == "inconclusive"
    assert orth.bound_verdict(_m(vacuous=True, worst=1.5)) == "refuted"


def test_decide_orthogonality_slope_band_edges_and_flip():
    setup = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    assert orth.decide_orthogonality(setup, _m(slope=-0.59, slope_half=0.009))[0] == "verified"
    assert orth.decide_orthogonality(setup, _m(slope=-0.611, slope_half=0.01))[0] == "refuted"
    assert orth.decide_orthogonality(setup, _m(slope=-0.389, slope_half=0.01))[0] == "refuted"
    assert orth.decide_orthogonality(setup, _m(rate=1.011, rate_half=0.01))[0] == "refuted"
    assert orth.decide_orthogonality(setup, _m(vacuous=True))[0] == "inconclusive"
    flipped = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq", floor_exponent=-1.0)
    assert orth.decide_orthogonality(flipped, _m())[0] == "refuted"


def test_orthogonality_statement_flip_refuted():
    r = assert_rejected(ORTH, verdicts={"refuted"}, params={**BINDS, "floor_exponent": -1.0}, quick=True)
    assert "floor does not shrink" in r["reason"]


def test_orthogonality_two_seeds_inconclusive():
    assert_rejected(ORTH, verdicts={"inconclusive"}, params={**BINDS, "seeds": 2}, quick=True)


def test_figure_has_bound_fit_ci_bands_and_the_slope_band():
    rec = run_check("daneshmand2021.orthogonality", quick=True, params={"widths": "64,256", "depth": 60,
                                                                         "seeds": 3, "burn_in": 20})
    depth, floor = rec["series"]["panels"]
    kinds = [c.get("kind", "measured") for c in depth["curves"]]
    assert kinds == ["measured", "measured", "bound", "fit"]
    assert len(depth["bands"]) == 2 and depth["spans"][0]["lo"] == 21
    assert depth["hlines"][0]["y"] == pytest.approx(rec["measured"]["V_max_possible"])
    fit, theory = floor["curves"][1:]
    assert fit["kind"] == "fit" and f"{rec['measured']['floor_slope']:.3f}" in fit["label"]
    assert theory["kind"] == "theory"
    band = floor["bands"][1]  # the verdict's slope band, through the centroid
    assert band["kind"] == "theory" and all(lo <= hi for lo, hi in zip(band["lo"], band["hi"]))


# --- decide_orthogonality's reasons and the rate interval (mutation testing, benchmarks/mutation.py) -


def test_decide_orthogonality_rate_interval_uses_both_ends():
    setup = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    assert orth.decide_orthogonality(setup, _m(rate=0.95, rate_half=0.1))[0] == "inconclusive"  # [0.85, 1.05]
    assert orth.decide_orthogonality(setup, _m(rate=1.05, rate_half=0.1))[0] == "inconclusive"  # [0.95, 1.15]


def test_decide_orthogonality_reason_names_the_failing_part():
    setup = orth.OrthogonalitySetup(4, [64, 128], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    lo, hi = setup.slope_band
    verdict, why = orth.decide_orthogonality(setup, _m())
    assert verdict == "verified"
    assert f"; band [{lo:.3g}, {hi:.3g}], paper −0.46), depth rate 0.600 ± 0.010 per layer at d = 128; " in why
    assert "Theorem 1's bound (from layer 10) binds at d ∈ [4096] and holds there" in why
    verdict, why = orth.decide_orthogonality(setup, _m(rate=1.2))
    assert verdict == "refuted" and why.startswith("no geometric decay: ")
    verdict, why = orth.decide_orthogonality(setup, _m(slope=0.0))
    assert verdict == "refuted" and why.startswith("the floor does not shrink like d^(floor_exponent): ")
    verdict, why = orth.decide_orthogonality(setup, _m(worst=1.5, rate=1.2))  # the bound's own refutation
    assert verdict == "refuted" and not why.startswith("no geometric decay")
    assert why.endswith("the measured E[V] exceeds Theorem 1's bound (ratio 1.5, 95% CI lower end)")


def test_decide_orthogonality_reason_names_the_largest_width():
    setup = orth.OrthogonalitySetup(4, [64, 128, 256], 100, 10, 5, 0.99, True, "main", "sigma_sq")
    assert "per layer at d = 256; " in orth.decide_orthogonality(setup, _m())[1]
