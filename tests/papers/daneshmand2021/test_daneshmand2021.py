"""Daneshmand, Joudaki, Bach 2021: orthogonalization in depth (Theorem 1, Fig. 2) and the lemmas."""

import json
import math

import numpy as np
import pytest
from helpers import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.claims import get_claim, run_claim
from bnproof.core.params import RunConfig
from bnproof.models import bn_init as bi
from bnproof.papers import daneshmand2021 as dj
from bnproof.strategies.bn_init import batches

ORTH, LEMMAS = "daneshmand2021.orthogonality", "daneshmand2021.lemmas"
SMALL = {"widths": "32,64,128,256", "depth": 60, "burn_in": 20, "seeds": 5}


def check(cid, quick=True, seed=0, **params):
    return run_claim(get_claim(cid), RunConfig(seed=seed, quick=quick, params={k: str(v) for k, v in params.items()}))


def test_symbolic_identities_hold():
    ids = dj.identities()
    assert {"lemma4_extremal", "thm1_floor_main_text", "sawa_sum_is_derivative", "lemma10_g1_n8"} <= {i.name for i in ids}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_theorem1_bound_readings():
    b_main = dj.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "main")
    b_app = dj.theorem1_bound(np.array([1, 11]), 0.2, 4, 1024, "appendix")
    assert b_main[0] == pytest.approx(2 + 3 * 4 / (0.2 * 32))
    assert b_main[1] - b_app[1] == pytest.approx(1.5 * 4 / (0.2 * 32))


def test_orthogonality_verified_with_floor_slope():
    r = check(ORTH, **SMALL)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert -0.6 <= m["floor_slope"] - m["floor_slope_ci95"] and m["floor_slope"] + m["floor_slope_ci95"] <= -0.4
    assert m["depth_rate"] < 1 and m["seeds"] == 5
    assert [p["yscale"] for p in r["series"]["panels"]] == ["log", "log"]
    json.dumps(r)


def test_orthogonality_without_normalization_refuted():
    r = check(ORTH, normalize=False, **SMALL)
    assert r["verdict"] == "refuted", r["reason"]
    assert abs(r["measured"]["floor_slope"]) < 0.1


@pytest.mark.parametrize("reading", [{"constant": "appendix"}, {"alpha_reading": "sigma"}])
def test_orthogonality_other_readings_run_and_record_them(reading):
    r = check(ORTH, **SMALL, **reading)
    assert r["verdict"] == "verified"
    for k, v in reading.items():
        assert r["params"][k] == v


@pytest.mark.parametrize("param", ["n=1", "widths=64", "widths=0,64", "depth=0", "burn_in=-1",
                                   "correlation=1.5", "constant=half"])
def test_orthogonality_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", ORTH, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- lemmas


def test_p_quadrature_sums_to_one_and_matches_mpmath():
    sig2 = np.array([0.5, 0.3, 0.15, 0.05])
    p = dj.p_reading(sig2, "sigma_i")
    assert abs(p.sum() - 1) < 1e-12
    assert abs(dj.p_quadrature(sig2, 3) - dj.p_quadrature(sig2, 3, 30)) < 1e-12
    assert abs(dj.p_reading(sig2, "sigma_n").sum() - 1) > 0.1  # the printed reading cannot sum to 1
    assert dj.lemma10_g(0.0, 5) == pytest.approx(1, abs=1e-12)
    assert dj.lemma10_g(0.0, 5, 1) == pytest.approx(10 / 7, abs=1e-10)


def test_lemmas_verified_in_the_intended_readings():
    r = check(LEMMAS)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert m["lemma4"]["max_V_minus_2nVhat"] <= 1e-12 and m["lemma4"]["max_V_over_sqrt_n(n-1)_Vhat"] <= 1 + 1e-9
    assert m["lemma8"]["max_violation"]["2n/(n+2)"] <= 1e-10
    json.dumps(r)


@pytest.mark.parametrize("reading,failing", [({"p_reading": "sigma_n"}, "lemma6_expectation"),
                                             ({"alpha_reading": "sigma"}, "lemma8")])
def test_lemmas_misprinted_readings_refuted(reading, failing):
    r = check(LEMMAS, **reading)
    assert r["verdict"] == "refuted" and not r["measured"][failing]["ok"], r["reason"]


def test_lemmas_constant_reading_not_discriminated():
    r = check(LEMMAS, constant="appendix")
    assert r["verdict"] == "verified" and r["measured"]["theorem1_constant"]["numbers_discriminate"] is False


@pytest.mark.parametrize("param", ["draws=10", "width=0", "p_reading=x"])
def test_lemmas_bad_input_exit_2(param, capsys):
    code, out, err = cli(["check", LEMMAS, "--quick", "--param", param], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_orthogonality_thousand_layers_slow():
    r = check(ORTH, quick=False, depth=1000, burn_in=100)
    assert r["verdict"] == "verified", r["reason"]
    assert abs(r["measured"]["floor_slope"] + 0.5) < 0.05


def test_orthogonality_width_below_batch_is_inapplicable():
    r = check(ORTH, n=8, widths="4,64", depth=20, burn_in=5, seeds=2)
    assert r["verdict"] == "inapplicable" and "d ≥ n" in r["reason"]


def test_orthogonality_reproducible_from_seed():
    a = check(ORTH, seed=3, widths="16,32", depth=30, burn_in=10, seeds=3)
    b = check(ORTH, seed=3, widths="16,32", depth=30, burn_in=10, seeds=3)
    assert a["measured"] == b["measured"]


@settings(max_examples=40, deadline=None)
@given(X=batches(n=st.integers(2, 10), d=st.integers(2, 40)))
def test_lemma4_property_any_batch(X):
    """Lemma 4 and its sharp form V ≤ √(n(n−1)) V̂ hold for generic, low-rank and near-degenerate batches."""
    n = X.shape[1]
    V, Vh = bi.orthogonality_gap(X[None])[0], bi.lyapunov(X[None])[0]
    assert V <= 2 * n * Vh + 1e-12
    assert V <= math.sqrt(n * (n - 1)) * Vh + 1e-9
