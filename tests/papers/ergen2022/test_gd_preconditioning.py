"""ergen2022.gd-preconditioning: the GD identity to 1e-10 and its mutations, the movement share,
the verified default shape and the negative controls (wrong preconditioners, bottom direction,
flat spectrum), bad spectra."""

import numpy as np
import pytest

from bnproof.core.errors import BadInput
from bnproof.models import ergen_net as en
from bnproof.papers.ergen2022.gd_preconditioning import (
    gd_pair,
    spread_instance,
    top_fraction,
)
from bnproof.testing import assert_rejected, run_check

GD = "ergen2022.gd-preconditioning"


def check(**params):
    return run_check(GD, params=params, quick=True)


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
    rec = check(seeds=6, gd_steps=100)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert m["identity_max_rel_diff"] <= 1e-10 and m["fraction_diff_ci95"][0] > 0 and m["seeds"] == 6


@pytest.mark.parametrize("params,verdict", [({"preconditioner": "sigma"}, "refuted"),
                                            ({"preconditioner": "identity"}, "refuted"),
                                            ({"direction": "bottom"}, "refuted"),
                                            ({"spectrum": "1,1,1"}, "inapplicable")])
def test_gd_preconditioning_negative_controls(params, verdict):
    assert_rejected(GD, verdicts={verdict}, params={"seeds": 6, "gd_steps": 100, **params}, quick=True)


@pytest.mark.parametrize("spectrum", ["a,b", "1", "1,0", "1,nan"])
def test_gd_bad_spectrum(spectrum):
    with pytest.raises(BadInput):
        check(spectrum=spectrum)
