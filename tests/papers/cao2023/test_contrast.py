"""The BN-vs-no-BN contrast ``cao2023.contrast`` (bnproof/papers/cao2023/contrast.py): verified on its
quick defaults; coinciding limits are not a contrast; the centred BN convention."""

import json

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import gaussian_instance, validate
from bnproof.papers.cao2023.limits import limits
from bnproof.testing import run_check

CONTRAST = "cao2023.contrast"


def _npz(tmp_path, name, ds):
    path = tmp_path / name
    arrays = {"X": ds.X, "y": ds.y} | ({"w0": ds.w0} if ds.w0 is not None else {})
    np.savez(path, **arrays)
    return str(path)


def _coinciding():
    """d ≫ n isotropic: every point is a support vector, so ŵ = w_mm (seed 0: all α_i > 0)."""
    ds = gaussian_instance(0, 8, 24, 1.0)
    assert limits(ds).alpha.min() > 0
    return ds


def test_contrast_verified_quick():
    rec = run_check(CONTRAST, quick=True)
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert all(m["checks"].values())
    sep = float(m["separation"])
    assert float(m["bn_angle_to_uniform"]) < 1e-10 and float(m["bn_angle_to_max_margin"]) > 0.99 * sep
    assert float(m["nobn_angle_to_max_margin"]) < 0.25 * sep < 0.75 * sep < float(m["nobn_angle_to_uniform"])
    assert float(m["bn_gap"]) < 1e-12 and m["nobn_best_family"] == "inverse-log"
    series = rec["series"]
    # BN's gap on the time axes; plain GD's angles (another quantity) and the two rates in panels beside it
    assert series["plot"]["y"] == "bn_gap" and series["plot"]["rate"] is False
    assert all(len(series["log10"][k]) == len(series["t"]) for k in ("bn_gap", "nobn_angle_mm", "nobn_angle_hat"))
    angles, rates = series["panels"]
    assert angles["ylabel"] == "angle (rad)" and angles["hlines"][0]["y"] == pytest.approx(sep, rel=1e-5)
    assert any(c.get("kind") == "theory" and "1/\\ln t" in c["label"] for c in angles["curves"])  # 1/log t reference
    assert len(rates["curves"]) == 2
    assert rec["precision"]["agreeing_digits"]["bn_gap"] >= 6 and rec["precision"]["agreeing_digits"]["nobn_angle"] >= 10


def test_contrast_coinciding_limits_is_inapplicable_via_data(tmp_path, capsys):
    """Negative control: all α_i > 0 (d ≫ n isotropic) is not reported as a contrast."""
    path = _npz(tmp_path, "coincide.npz", _coinciding())
    code, out, _ = cli(["check", CONTRAST, "--data", path, "--json"], capsys)
    rec = json.loads(out)
    assert code == 3 and rec["verdict"] == "inapplicable"
    assert "the two limits coincide: every point is a support vector" in rec["reason"]


def test_contrast_coinciding_limits_run_anyway_is_refuted():
    rec = run_check(CONTRAST, data=_coinciding(), steps=2000, params={"enforce_assumptions": "false", "bn_steps": 2000})
    assert rec["verdict"] == "refuted" and "limits_differ" in rec["reason"], rec["reason"]


def _balanced(seed=8, n=8, d=12):
    rng = np.random.default_rng(seed)
    y = np.array([1, -1] * (n // 2))
    return validate(rng.standard_normal((n, d)), y, rng.standard_normal(d) / np.sqrt(d), "balanced")


def test_contrast_centred_bn_convention():
    """The other BN convention (``center=true``; the default is checked above): centred BN needs
    Σ y_i = 0, and then its uniform-margin limit differs from w_mm as well."""
    data = _balanced()
    lim = limits(data, True)
    assert lim.separation > 0.5 and lim.separation != limits(data, False).separation
    rec = run_check(CONTRAST, quick=True, data=data, params={"center": "true", "own_frac": 0.35})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["center"] is True
    # generic (unbalanced) labels: no centred uniform margin, so the BN limit does not exist
    rec = run_check(CONTRAST, quick=True, params={"center": "true"})
    assert rec["verdict"] == "inapplicable" and "Σ y_i = 0" in rec["reason"]


def test_decide_contrast_reason_names_the_refuting_checks_else_every_failing_one():
    from bnproof.papers.cao2023.contrast import SubCheck, decide_contrast

    ok = SubCheck("a", True, "refuted", "holds")
    slow = SubCheck("b", False, "inconclusive", "too slow")
    wrong = SubCheck("c", False, "refuted", "wrong limit")
    assert decide_contrast([ok], "all hold") == ("verified", "all hold")
    assert decide_contrast([ok, slow], "all hold") == ("inconclusive", "b fails: too slow")
    assert decide_contrast([slow, wrong], "all hold") == ("refuted", "c fails: wrong limit")
