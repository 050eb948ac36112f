"""ergen2022.implicit-regularization [recon]: runs to a CI-backed verdict; flat spectrum is inapplicable."""

import json

import numpy as np
import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.models import ergen_net as en
from bnproof.papers.ergen2022_implicit import predict

IR = "ergen2022.implicit-regularization"


def check(**params):
    return run_claim(get_claim(IR), RunConfig(params={k: str(v) for k, v in params.items()}, quick=True))


def test_runs_with_ci_and_seeds():
    rec = check(seeds=3, gd_steps=200)
    assert rec["verdict"] in ("verified", "refuted", "inconclusive")
    m = rec["measured"]
    assert m["seeds"] == 3 and len(m["diff_ci95"]) == 2 and m["diff_ci95"][0] <= m["diff_mean"] <= m["diff_ci95"][1]
    assert rec["confidence"] == "recon"
    json.dumps(rec, allow_nan=False)


def test_negative_control_flat_spectrum_is_inapplicable():
    rec = check(spectrum="1,1,1", seeds=2)
    assert rec["verdict"] == "inapplicable" and "spread" in rec["reason"]


@pytest.mark.parametrize("param,value", [("spectrum", "x"), ("spectrum", "1"), ("beta", "0"), ("seeds", "1"), ("n", "2")])
def test_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})


def test_inference_mode_prediction_equals_training_forward_on_training_points():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((9, 3))
    nt = en.random_net(rng, 3, 4, 1)
    assert np.allclose(predict(X, X, nt, 1 / 3), en.forward(X, nt, 1 / 3))
