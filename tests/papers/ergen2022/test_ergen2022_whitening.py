"""Ergen et al. 2022: whitening invariance and the GD preconditioning identity, with their
negative controls (a non-affine transform; wrong preconditioners; the bottom direction)."""

import numpy as np
import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.core.params import RunConfig
from bnproof.models import ergen_net as en
from bnproof.papers.ergen2022_whitening import gd_pair, spread_instance, top_fraction

WI, GD = "ergen2022.whitening-invariance", "ergen2022.gd-preconditioning"


def check(cid, **params):
    return run_claim(get_claim(cid), RunConfig(params={k: str(v) for k, v in params.items()}, quick=True))


def test_whitening_invariance_verified_and_contrast_moves():
    rec = check(WI, n=9, starts=0)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert set(m["transforms"]) == {"linear", "shift", "center"}
    assert m["max_abs_delta"] < 1e-6 and m["max_abs_nobn_delta"] > 1e-3


def test_whitening_invariance_shift_one_and_lower_bound():
    rec = check(WI, n=8, shift="one", transforms="linear", starts=1)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["transforms"]["linear"]["best_nonconvex_value"] >= rec["measured"]["optimal_value"] - 1e-6


def test_whitening_invariance_negative_control_square_is_refuted():
    rec = check(WI, n=9, transforms="square", starts=0)
    assert rec["verdict"] == "refuted" and "square" in rec["reason"]


@pytest.mark.parametrize("param,value", [("beta", "0"), ("condition", "0.5"), ("n", "1"), ("starts", "-1")])
def test_whitening_bad_input(param, value):
    from bnproof.core.errors import BadInput

    with pytest.raises(BadInput):
        check(WI, **{param: value})


def test_identity_holds_to_1e10_and_wrong_preconditioners_break_it():
    rng = np.random.default_rng(0)
    sigma = np.array([10.0, 1.0, 0.1])
    X, y, U, V = spread_instance(rng, 10, sigma)
    net0 = en.Net(V @ rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3),
                  rng.standard_normal((3, 1)))
    worst, lw, la = gd_pair(X, y, net0, 0.01, 10 ** -0.5, 0.05 / 100, 0.05, 50)
    assert max(worst.values()) < 1e-10 and lw[-1] < lw[0]
    for pre in ("sigma", "identity"):
        worst, _, _ = gd_pair(X, y, net0, 0.01, 10 ** -0.5, 0.05 / 100, 0.05, 50, pre)
        assert max(worst.values()) > 1e-6


def test_top_fraction_measures_the_right_direction():
    rng = np.random.default_rng(1)
    X, _, U, V = spread_instance(rng, 8, np.array([5.0, 1.0]))
    W0 = rng.standard_normal((2, 3))
    W1 = W0 + np.outer(V[:, 0], [1.0, -2.0, 0.5])  # move along the top right-singular vector only
    assert top_fraction(X, W0, W1) == pytest.approx(1.0)
    assert top_fraction(X, W0, W1, "bottom") == pytest.approx(0.0, abs=1e-20)


def test_gd_preconditioning_verified():
    rec = check(GD, seeds=6, gd_steps=100)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["identity_max_rel_diff"] <= 1e-10 and m["fraction_diff_ci95"][0] > 0 and m["seeds"] == 6


@pytest.mark.parametrize("params,verdict", [({"preconditioner": "sigma"}, "refuted"),
                                            ({"preconditioner": "identity"}, "refuted"),
                                            ({"direction": "bottom"}, "refuted"),
                                            ({"spectrum": "1,1,1"}, "inapplicable")])
def test_gd_preconditioning_negative_controls(params, verdict):
    rec = check(GD, seeds=6, gd_steps=100, **params)
    assert rec["verdict"] == verdict, rec["reason"]


@pytest.mark.parametrize("spectrum", ["a,b", "1", "1,0", "1,nan"])
def test_gd_bad_spectrum(spectrum):
    from bnproof.core.errors import BadInput

    with pytest.raises(BadInput):
        check(GD, spectrum=spectrum)
