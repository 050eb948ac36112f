"""ergen2022.whitening-invariance: verified with the no-BN contrast moving, the lower bound on
transformed data, the negative control (X∘X, not affine) and bad input."""

import numpy as np
import pytest

from bnproof.core.errors import BadInput
from bnproof.papers.ergen2022.whitening_invariance import TRANSFORMS, transform
from bnproof.testing import assert_rejected, run_check

WI = "ergen2022.whitening-invariance"


def check(**params):
    return run_check(WI, params=params, quick=True)


def test_whitening_invariance_verified_and_contrast_moves():
    rec = check(n=9, starts=0)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert set(m["transforms"]) == {"linear", "shift", "center"}
    assert m["max_abs_delta"] < 1e-6 and m["max_abs_nobn_delta"] > 1e-3


def test_whitening_invariance_shift_one_and_lower_bound():
    rec = check(n=8, shift="one", transforms="linear", starts=1)
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["measured"]["transforms"]["linear"]["best_nonconvex_value"] >= rec["measured"]["optimal_value"] - 1e-6


def test_whitening_invariance_negative_control_square_is_refuted():
    rec = assert_rejected(WI, verdicts={"refuted"}, params={"n": 9, "transforms": "square", "starts": 0}, quick=True)
    assert "square" in rec["reason"]


@pytest.mark.parametrize("param,value", [("beta", "0"), ("condition", "0.5"), ("n", "1"), ("starts", "-1")])
def test_whitening_bad_input(param, value):
    with pytest.raises(BadInput):
        check(**{param: value})


def test_transforms_keep_the_centred_column_space():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 2))
    Xc = X - X.mean(axis=0)
    for name in TRANSFORMS:
        Tc = transform(X, name, rng, 100.0)
        Tc = Tc - Tc.mean(axis=0)
        assert np.allclose(Tc @ np.linalg.lstsq(Tc, Xc, rcond=None)[0], Xc)  # col(P_c T) = col(P_c X)
    with pytest.raises(ValueError):
        transform(X, "rotate", rng, 100.0)
