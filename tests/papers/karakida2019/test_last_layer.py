"""karakida2019.last-layer: the FIM's top eigenvalue against width, with and without last-layer centring."""

import numpy as np
import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.papers.karakida2019.last_layer import SharpnessMeasurement, decide_last_layer
from bnproof.testing import assert_rejected, run_check

CID = "karakida2019.last-layer"


def test_quick_verified():
    rec = run_check(CID, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["slope_plain"] - 1) < 0.25 and m["slope_normalized"] < 0.35
    assert all(a > b for a, b in zip(m["lambda_max_plain"], m["lambda_max_normalized"]))
    assert rec["confidence"] == "recon" and "[recon]" in rec["notes"]
    assert rec["params"]["seeds"] == 3 and rec["precision"]["confidence_level"] == 0.95


def test_middle_layer_mean_subtraction_is_refuted():
    rec = assert_rejected(CID, verdicts={"refuted"}, quick=True,
                          params={"position": "middle", "widths": "32,64,128,256", "samples": 256})
    assert rec["measured"]["slope_normalized"] > 0.6


@pytest.mark.parametrize("param,value", [("widths", "64,128"), ("widths", "4,8,16"), ("samples", "2"),
                                         ("depth", "1"), ("seeds", "1"), ("position", "first"), ("sigma_w2", "0")])
def test_bad_input_exits_2(param, value, capsys):
    code, out, err = cli(["check", CID, "--param", f"{param}={value}", "--json"], capsys)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.slow
def test_defaults_verified():
    assert run_check(CID)["verdict"] == "verified"


def _m(plain, norm):
    return SharpnessMeasurement(np.zeros((2, 3)), np.zeros((2, 3)), plain, norm)


@pytest.mark.parametrize("plain,norm,verdict", [
    ((1.0, 0.7501, 1.2499), (0.2, 0.1, 0.3499), "verified"),     # both just inside
    ((1.0, 0.7499, 1.2501), (0.2, 0.1, 0.3), "inconclusive"),    # plain CI just crosses 1 ± tol
    ((0.7, 0.6501, 0.7499), (0.2, 0.1, 0.3), "refuted"),         # plain slope's CI just below 1 - tol
    ((1.0, 0.9, 1.1), (0.2, 0.1, 0.3501), "inconclusive"),       # normalized CI just crosses flat_max
    ((1.0, 0.9, 1.1), (0.5, 0.3501, 0.6), "refuted"),            # normalized slope just above flat_max
])
def test_decision_at_the_thresholds(plain, norm, verdict):
    assert decide_last_layer(_m(plain, norm), 0.35, 0.25, "")[0] == verdict


@pytest.mark.parametrize("param,value", [("tol", "0.45"), ("flat_max", "0.6")])
def test_tolerances_that_lose_the_meaning_are_refused(param, value):
    with pytest.raises(BadInput):
        run_check(CID, quick=True, params={param: value})


def test_series_shows_fit_theory_cone_and_flat_bound():
    """The figure carries the fitted power law, the Θ(M) slope-1 ± tol cone and the 'stops growing' ceiling."""
    from bnproof.papers.karakida2019.last_layer import sharpness_series

    widths = [64, 128, 256]
    plain = np.array([[10.0, 20.0, 40.0], [12.0, 22.0, 41.0]])
    norm = np.array([[5.0, 5.5, 6.0], [5.2, 5.4, 6.1]])
    s = sharpness_series(SharpnessMeasurement(plain, norm, (1.0, 0.9, 1.1), (0.1, 0.0, 0.2)), widths, "last", 0.35, 0.25)
    left, right = s["panels"]
    kinds = lambda p: {c.get("kind", "measured") for c in p["curves"]}
    assert {"measured", "fit", "theory"} <= kinds(left) and {"measured", "fit", "bound"} <= kinds(right)
    cone = next(b for b in left["bands"] if b.get("kind") == "theory")
    ratio = [hi / lo for lo, hi in zip(cone["lo"], cone["hi"])]  # slopes 1 ± 0.25 through the centre: ratio (M/M̄)^0.5
    assert ratio[0] == pytest.approx(ratio[-1]) and ratio[1] < ratio[0]
    bound = next(c for c in right["curves"] if c.get("kind") == "bound")
    assert bound["y"][-1] / bound["y"][0] == pytest.approx(4 ** 0.35)
