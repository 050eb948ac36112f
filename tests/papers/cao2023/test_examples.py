"""cao2023.examples.uniform-beats-max (bnproof/papers/cao2023/examples.py): verdicts, negative controls,
and the pieces they rest on."""

import json

import numpy as np
import pytest
from helpers import cli
from scipy.stats import norm

from bnproof.core.errors import BadInput
from bnproof.papers.cao2023.examples import (
    COINCIDE_ANGLE,
    Construction,
    classifiers,
    exact_error,
    monte_carlo_errors,
)
from bnproof.report import has_figure, plot_record
from bnproof.solvers.svm import max_margin
from bnproof.testing import run_check

CID = "cao2023.examples.uniform-beats-max"


@pytest.fixture(scope="module")
def quick():
    return run_check(CID, quick=True)


def _construction_a(**kw):
    base = dict(key="A", title="A", n=12, d=240, P=3, sigma=1.0, mus=(3.0,), probs=(1.0,),
                signal_noise=False, orthogonal_noise=True)
    return Construction(**{**base, **kw})


# --- the claim on its defaults ------------------------------------------------------------------


def test_quick_defaults_verified_on_both_examples(quick):
    rec = quick
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["confidence"] == "recon" and "ours" in rec["notes"]
    for key in ("A", "B"):
        ex = rec["measured"]["examples"][key]
        s = ex["summary"]
        assert ex["verdict"] == "verified"
        assert s["diff_ci"][0] > 0 and s["err_unif"] < s["err_mm"]
        assert s["err_unif_ci"][1] < s["err_mm_ci"][0]
        assert s["win_rate"] >= 0.9
        # Monte Carlo agrees with the exact Gaussian test error on every draw
        assert ex["max_mc_vs_exact_z"] < 4
        assert abs(s["err_unif"] - s["exact_unif_mean"]) < 0.002 and abs(s["err_mm"] - s["exact_mm_mean"]) < 0.003
        # the classifiers are what they claim to be: patch margins uniform, SVM certified, and distinct
        assert ex["max_patch_margin_spread"] < 1e-9 and ex["max_kkt_residual"] < 1e-6
        assert ex["angle_min_max"][0] > 0.1
        assert len(ex["per_draw"]) == 10
        row = ex["per_draw"][0]
        assert row["err_unif_wilson"][0] <= row["err_unif"] <= row["err_unif_wilson"][1]
    p = rec["params"]
    assert p["draws"] == 10 and p["n_test"] == 100_000 and "SeedSequence" in p["seeds"]
    assert rec["precision"]["confidence_level"] == 0.95



def test_figure_has_errors_and_the_verdicts_difference_per_example(quick, tmp_path):
    panels = quick["series"]["panels"]
    assert [p["title"][0] for p in panels] == ["A", "A", "B", "B"]
    for errors, difference in (panels[0:2], panels[2:4]):
        unif, mm = (c["y"] for c in errors["curves"] if "kind" not in c)
        assert len(unif) == len(mm) == len(errors["x"])
        assert [c["kind"] for c in errors["curves"] if "kind" in c] == ["theory", "theory"]  # exact errors
        assert len(errors["bands"]) == 2  # Wilson intervals, as bands
    key = panels[0]["title"][0]
    ci = quick["measured"]["examples"][key]["summary"]["diff_ci"]
    verdict_band = panels[1]["bands"][0]
    assert (verdict_band["lo"][0], verdict_band["hi"][0]) == tuple(ci)
    assert panels[1]["bands"][1]["kind"] == "bound" and panels[1]["hlines"][0]["y"] == 0.0
    assert has_figure(quick) and plot_record(quick, tmp_path / "ex.png") is not None


def test_another_seed_is_also_verified():
    rec = run_check(CID, seed=1, params={"draws": 6})
    assert rec["verdict"] == "verified", rec["reason"]


def test_same_inputs_same_record(quick):
    again = run_check(CID, quick=True)
    assert again["measured"] == quick["measured"] and again["params"] == quick["params"]


# --- negative controls --------------------------------------------------------------------------


def test_mutated_claim_reversed_ordering_is_refuted():
    rec = run_check(CID, quick=True, params={"claim": "max-beats-uniform"})
    assert rec["verdict"] == "refuted", rec["reason"]
    assert "opposite ordering" in rec["reason"]


def test_strong_signal_reverses_the_ordering_and_is_refuted():
    # μ² ≫ σ²d/n: the SVM uses the signal and ignores the noise, ŵ still fits every noise patch
    rec = run_check(CID, quick=True, params={"examples": "A", "a_mu": 10})
    assert rec["verdict"] == "refuted", rec["reason"]
    s = rec["measured"]["examples"]["A"]["summary"]
    assert s["diff_ci"][1] < 0 and s["wins"] == 0


def test_no_effect_regime_is_never_verified():
    # μ ≈ 4.35 is the crossover for n = 12, d = 240, P = 3: equal errors in expectation
    rec = run_check(CID, params={"examples": "A", "a_mu": 4.35, "draws": 60})
    assert rec["verdict"] == "refuted", rec["reason"]
    lo, hi = rec["measured"]["examples"]["A"]["summary"]["diff_ci"]
    assert -0.005 < lo and hi < 0.005
    few = run_check(CID, params={"examples": "A", "a_mu": 4.35, "draws": 10})
    assert few["verdict"] in ("refuted", "inconclusive")


def test_coinciding_classifiers_are_inapplicable_not_a_win():
    rec = run_check(CID, quick=True, params={"examples": "control"})
    assert rec["verdict"] == "inapplicable", rec["reason"]
    assert "coincide" in rec["reason"]
    ex = rec["measured"]["examples"]["control"]
    assert ex["angle_min_max"][1] < COINCIDE_ANGLE and ex["all_support_vectors_draws"] == 10
    # alongside a real example the whole check is inapplicable, never verified
    both = run_check(CID, params={"examples": "A,control", "draws": 4})
    assert both["verdict"] == "inapplicable"
    assert both["measured"]["examples"]["A"]["verdict"] == "verified"


def test_no_patchwise_uniform_margin_is_inapplicable():
    rec = run_check(CID, params={"n": 12, "d": 6})
    assert rec["verdict"] == "inapplicable"
    assert "no patch-wise uniform-margin classifier" in rec["reason"]


@pytest.mark.parametrize("params", [
    {"draws": 2}, {"n_test": 10}, {"examples": "Z"}, {"examples": ""}, {"b_q": 1.5}, {"sigma": 0},
    {"a_mu": -1}, {"n": 1}, {"level": 1.0}, {"P": 0}, {"test_sampler": "exact"}, {"claim": "other"},
])
def test_bad_parameters_raise_badinput(params):
    with pytest.raises(BadInput):
        run_check(CID, params=params)


def test_cli_exit_statuses(capsys):
    code, out, _ = cli(["check", CID, "--quick", "--json", "--param", "claim=max-beats-uniform", "--param", "examples=A"],
                       capsys)
    assert code == 1 and json.loads(out)["verdict"] == "refuted"
    code, out, err = cli(["check", CID, "--param", "draws=x"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1


# --- the pieces ---------------------------------------------------------------------------------


def test_classifiers_patch_margins_and_svm_optimality():
    con = _construction_a()
    X, y, _ = con.sample(np.random.default_rng(5), con.n)
    cl = classifiers(X, y)
    rows, labels = X.reshape(-1, con.d), np.repeat(y, con.P)
    m = labels * (rows @ cl.w_unif)
    assert np.ptp(m) < 1e-10 * m.mean() and m.mean() > 0
    # ŵ has mean-margin 1 on every x̄_i, so it is feasible for the SVM: the SVM's norm is no larger
    w_hat = cl.w_unif / m.mean()
    sol = max_margin(X.mean(axis=1), y)
    assert np.linalg.norm(sol.w) <= np.linalg.norm(w_hat) * (1 + 1e-9)
    assert np.allclose(sol.direction, cl.w_mm) and cl.angle > 0.1


def test_single_patch_all_support_vectors_coincide():
    con = _construction_a(key="control", P=1, mus=(3.0,), signal_noise=True, orthogonal_noise=False, d=400, n=6)
    X, y, _ = con.sample(np.random.default_rng(2), con.n)
    cl = classifiers(X, y)
    alpha = y * np.linalg.solve(X[:, 0] @ X[:, 0].T, y)
    assert np.all(alpha > 0) and cl.angle < COINCIDE_ANGLE


def test_full_and_projected_samplers_agree_with_the_exact_error():
    con = _construction_a()
    X, y, _ = con.sample(np.random.default_rng(7), con.n)
    cl = classifiers(X, y)
    W = np.column_stack([cl.w_unif, cl.w_mm])
    exact = np.array([exact_error(con, cl.w_unif), exact_error(con, cl.w_mm)])
    N = 40_000
    for sampler, seed in (("full", 1), ("projected", 2)):
        k = monte_carlo_errors(con, W, np.random.default_rng(seed), N, sampler)
        se = np.sqrt(exact * (1 - exact) / N)
        assert np.all(np.abs(k / N - exact) < 4.5 * se), (sampler, k / N, exact)


def test_exact_error_simple_cases():
    con = _construction_a(d=10, P=2, sigma=2.0)
    w = np.zeros(10)
    w[0], w[1] = 1.0, 1.0  # signal margin μ·1 = 3, noise sd = σ·1 = 2
    assert exact_error(con, w) == pytest.approx(norm.cdf(-1.5), rel=1e-12)
    w[1] = 0.0  # no noise seen: error 0; reversed sign: error 1
    assert exact_error(con, w) == 0.0 and exact_error(con, -w) == 1.0


# --- decide_example at each boundary (mutation testing, benchmarks/mutation.py) --------------------


def _res(diff_ci=(0.125, 0.25), kkt=0.0, z=0.0):
    return {"coincide": False, "rows": [{"kkt_max": kkt, "mc_vs_exact_z": z, "angle": 0.5}],
            "summary": {"diff_ci": list(diff_ci)}}


def test_decide_example_inapplicable_cases():
    from bnproof.papers.cao2023.examples import decide_example

    assert decide_example({"inapplicable": "nP > d"}, 1, 0.25) == ("inapplicable", "assumption violated: nP > d")
    verdict, why = decide_example({"coincide": True, "rows": [{"angle": 1e-9}, {"angle": 2e-9}]}, 1, 0.25)
    assert verdict == "inapplicable" and "max angle 2.0e-09 rad" in why


def test_decide_example_certificate_gates_at_their_tolerances():
    from bnproof.papers.cao2023.examples import KKT_TOL, MC_Z_MAX, decide_example

    assert decide_example(_res(kkt=KKT_TOL, z=MC_Z_MAX), 1, 0.25)[0] == "verified"  # the edges pass
    verdict, why = decide_example(_res(kkt=KKT_TOL * 1.01), 1, 0.25)
    assert verdict == "inconclusive" and why.startswith("an SVM solution is not certified")
    verdict, why = decide_example(_res(z=MC_Z_MAX * 1.01), 1, 0.25)
    assert verdict == "inconclusive" and why.startswith("Monte Carlo disagrees")


def test_decide_example_difference_ci_against_zero_and_the_band():
    from bnproof.papers.cao2023.examples import decide_example

    assert decide_example(_res((0.125, 0.25)), 1, 0.25) == (
        "verified", "uniform-margin error lower: difference CI [+0.12500, +0.25000] excludes 0")
    assert decide_example(_res((-0.25, -0.125)), -1, 0.25)[1].startswith("max-margin error lower")
    assert decide_example(_res((0.0, 0.25)), 1, 0.25)[0] == "inconclusive"  # lo = 0 does not exclude 0
    verdict, why = decide_example(_res((-0.25, -0.125)), 1, 0.25)
    assert verdict == "refuted" and why.startswith("opposite ordering: the max-margin classifier's error is lower")
    assert decide_example(_res((-0.25, 0.0)), 1, 0.5)[0] == "refuted"  # inside the band
    assert decide_example(_res((-0.25, 0.0)), 1, 0.25)[0] == "inconclusive"  # hi = 0 is not below 0; lo = -band
    assert decide_example(_res((-0.125, 0.125)), 1, 0.25) == (
        "refuted", "no difference: difference CI [-0.12500, +0.12500] lies within ±0.25")
    verdict, why = decide_example(_res((-0.125, 0.25)), 1, 0.25)  # hi = the band's edge: not inside
    assert verdict == "inconclusive" and why.endswith("more draws needed")
