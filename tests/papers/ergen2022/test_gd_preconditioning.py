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


def test_an_explicit_steps_wins_over_quick():
    rec = run_check(GD, quick=True, steps=150, params={"seeds": 2})
    assert rec["params"]["steps"] == 150


def test_gd_preconditioning_figure_shows_the_identity_tolerance_and_the_ci():
    rec = check(seeds=3, gd_steps=30)
    losses, identity, _, gap = rec["series"]["panels"]
    assert losses["curves"][1]["kind"] == "theory"
    assert identity["hlines"][0] == {"y": rec["tolerance"]["identity_rel"], "label": "tolerance $10^{-10}$",
                                     "kind": "bound"}
    assert max(identity["curves"][0]["y"]) == pytest.approx(rec["measured"]["identity_max_rel_diff"], rel=1e-12)
    lo, hi = rec["measured"]["fraction_diff_ci95"]
    assert gap["bands"][0]["lo"][0] == lo and gap["bands"][0]["hi"][0] == hi
    assert gap["hlines"][0]["y"] == 0.0 and gap["hlines"][0]["kind"] == "bound"


# --- decide_gd_preconditioning at its edges (mutation testing, benchmarks/mutation.py) ---------------


def _decide_gd(err=1e-12, sigma=(4.0, 2.0, 1.0), spread=(0.5, 0.625, 0.75), flat=(0.25, 0.25, 0.25)):
    from bnproof.papers.ergen2022 import gd_preconditioning as gp

    s = gp.Setup(3, np.array(sigma), 0.1, 1.0, "sigma2", "top", len(spread), 50, 4, 0.01, 0.01, {})
    m = gp.Measurement({"a": err, "loss": err / 2}, [1.0, 0.5], [1.0, 0.5], list(spread), list(flat), [err, err])
    return gp.decide_gd_preconditioning(s, m, "4:2:1")


def test_gd_preconditioning_identity_edge_and_record():
    from bnproof.papers.ergen2022.gd_preconditioning import IDENTITY_TOL

    out = _decide_gd(err=IDENTITY_TOL)
    assert out.verdict == "verified"  # exactly the tolerance holds
    assert out.expected == {"identity_max_rel_diff": 0.0, "fraction_diff_ci95_lower_above": 0.0}
    assert out.measured["spread_ratio"] == 4.0  # σ_max / σ_min
    verdict = _decide_gd(err=IDENTITY_TOL * 1.01).verdict
    assert verdict == "refuted" and _decide_gd(err=float("nan")).verdict == "refuted"


def test_gd_preconditioning_needs_a_spread_of_at_least_two():
    assert _decide_gd(sigma=(2.0, 1.5, 1.0)).verdict == "verified"  # σ_max/σ_min = 2 exactly is spread enough
    out = _decide_gd(sigma=(1.99, 1.5, 1.0))
    assert out.verdict == "inapplicable" and out.reason.startswith("the concentration part needs a spread spectrum")


def test_gd_preconditioning_share_difference_decides_its_sign():
    out = _decide_gd(sigma=(8.0, 4.0, 2.0))
    assert out.measured["spread_ratio"] == 4.0  # σ_max / σ_min, not a product
    lower = _decide_gd(spread=(0.125, 0.25, 0.1875), flat=(0.5, 0.5, 0.5))
    assert lower.verdict == "refuted" and lower.reason.startswith("the top-direction share is lower")
    straddle = _decide_gd(spread=(0.25, 0.5, 0.375), flat=(0.375, 0.375, 0.375))  # differences −1/8, 1/8, 0
    assert straddle.verdict == "inconclusive" and straddle.reason.startswith("difference of shares 95% CI")
