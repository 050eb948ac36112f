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
