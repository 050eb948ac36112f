"""daneshmand2021.lemmas: Lemmas 4, 6/9, 8, 10 and Theorem 5, in both readings of the flagged misprints."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models import bn_init as bi
from bnproof.papers.daneshmand2021 import lemmas
from bnproof.strategies import init_batches
from bnproof.testing import assert_rejected, run_check

LEMMAS = "daneshmand2021.lemmas"
DERIVATIONS = Path(__file__).resolve().parents[3] / "derivations"


def test_lemmas_verified_in_the_intended_readings():
    r = run_check(LEMMAS, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert m["lemma4"]["max_V_minus_2nVhat"] <= 1e-12 and m["lemma4"]["max_V_over_sqrt_n(n-1)_Vhat"] <= 1 + 1e-9
    assert m["lemma8"]["max_violation"]["2n/(n+2)"] <= 1e-10
    json.dumps(r)


@pytest.mark.parametrize("reading,failing", [({"p_reading": "sigma_n"}, "lemma6_expectation"),
                                             ({"alpha_reading": "sigma"}, "lemma8")])
def test_lemmas_misprinted_readings_refuted(reading, failing):
    r = assert_rejected(LEMMAS, verdicts={"refuted"}, params=reading, quick=True)
    assert not r["measured"][failing]["ok"], r["reason"]


def test_lemmas_appendix_constant_refuted_by_the_derivation():
    """The numbers do not discriminate the constants; the SymPy derivation gives c = 3, so c = 3/2 is refuted."""
    r = assert_rejected(LEMMAS, verdicts={"refuted"}, params={"constant": "appendix"}, quick=True)
    row = r["measured"]["theorem1_constant"]
    assert row["numbers_discriminate"] is False and row["ok"] is False
    assert row["derived_constant"] == 3.0 and row["reading_constant"] == 1.5
    assert "theorem1_constant fails" in r["reason"]


def test_theorem1_constant_row_is_computed():
    main, _ = lemmas.measure_symbolic("main")
    app, _ = lemmas.measure_symbolic("appendix")
    assert main["ok"] is True and app["ok"] is False and main["derived_constant"] == 3.0


def test_lemma6_thresholds_at_the_boundary():
    z, tol, c = lemmas.Z_MAX, lemmas.DET_TOL, lemmas.CONC_MAX
    assert lemmas.lemma6_expectation_ok(z, tol, z)
    assert not lemmas.lemma6_expectation_ok(z * 1.01, 0.0, 0.0)
    assert not lemmas.lemma6_expectation_ok(0.0, 0.0, z * 1.01)
    assert not lemmas.lemma6_expectation_ok(0.0, tol * 1.01, 0.0)
    assert lemmas.lemma6_concentration_ok(c) and not lemmas.lemma6_concentration_ok(c * 1.01)
    assert (z, tol, c) == (5.0, 1e-10, 1.0)


@pytest.mark.parametrize("param", ["draws=10", "width=0", "p_reading=x"])
def test_lemmas_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", LEMMAS, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


@settings(max_examples=40, deadline=None)
@given(X=init_batches(n=st.integers(2, 10), d=st.integers(2, 40)))
def test_lemma4_property_any_batch(X):
    """Lemma 4 and its sharp form V ≤ √(n(n−1)) V̂ hold for generic, low-rank and near-degenerate batches."""
    n = X.shape[1]
    V, Vh = bi.orthogonality_gap(X[None])[0], bi.lyapunov(X[None])[0]
    assert V <= 2 * n * Vh + 1e-12
    assert V <= math.sqrt(n * (n - 1)) * Vh + 1e-9


def test_lemma4_measurement_counts_every_matrix():
    m = lemmas.measure_lemma4(np.random.default_rng(0), (2, 3))
    assert m["ok"] and m["matrices"] == 3 * 2000 * 2


def test_draws_far_beyond_memory_are_one_line_of_bad_input(capsys):
    code, out, err = cli(["check", "daneshmand2021.lemmas", "--param", "draws=1000000000000"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("bnproof: error: --param draws=1000000000000, width=64 needs about")


# --- decide_lemmas (mutation testing, benchmarks/mutation.py) ---------------------------------------


def _lemma_results(failing=()):
    r = {"lemma4": {"max_V_minus_2nVhat": -0.5, "matrices": 10}, "lemma10": {"min_second_derivative": 0.25},
         "lemma6_expectation": {"max_z_diagonal_vs_p": 1.5, "sum_p_minus_1": 1e-12},
         "lemma8": {"max_violation": {"proof": -0.125, "statement": -0.25}},
         "theorem5": {"max_mean_minus_3se_minus_bound": -0.5},
         "theorem1_constant": {"reading_constant": 3.0, "derived_constant": 3.0},
         "lemma6_concentration": {"max_d_times_E_frobenius_sq": 0.5}, "symbolic": {"failed": []}}
    return {k: {**v, "ok": k not in failing} for k, v in r.items()}


@pytest.mark.parametrize(("alpha", "shown"), [("sigma_sq", "α bounds σ_n²"), ("sigma", "α bounds σ_n,")])
def test_decide_lemmas_names_each_failure_and_the_readings(alpha, shown):
    setup = lemmas.LemmasSetup("sigma_i", alpha, "main", 1000, 64, (2, 3), 2)
    verdict, why = lemmas.decide_lemmas(setup, _lemma_results())
    assert verdict == "verified" and why.startswith("Lemma 4 on 10 matrices") and shown in why
    verdict, why = lemmas.decide_lemmas(setup, _lemma_results(failing=("lemma8",)))
    assert verdict == "refuted" and why.startswith("lemma8 fails (max violation -0.125) [readings: p_i numerator sigma_i")
    assert shown in why and why.endswith("constant main]")


def test_lemma8_and_lemma10_figure_kinds():
    contraction, convex = lemmas._lemma8_panel(4, points=6)["panels"]
    kinds = [c.get("kind", "measured") for c in contraction["curves"]]
    assert kinds == ["measured", "theory", "bound", "reference"]
    exact, proof = contraction["curves"][:2]
    assert all(e <= p + 1e-12 for e, p in zip(exact["y"], proof["y"]))  # Lemma 8 in the proof's form
    g, tangent = convex["curves"]
    assert g["y"][0] == pytest.approx(1.0) and all(a >= b - 1e-12 for a, b in zip(g["y"], tangent["y"]))  # convex
