"""nachum2024.odd-point-emergence: deep RC+ReLU networks drive a generic batch to cluster + odd point."""

import json

import pytest

from bnproof.papers.nachum2024 import emergence as em
from bnproof.testing import assert_rejected, run_check

EMERGE = "nachum2024.odd-point-emergence"
EM_SMALL = {"n": 32, "width": 256, "depth": 200, "seeds": 6}


def test_emergence_verified_with_three_statistics():
    r = run_check(EMERGE, params=EM_SMALL, quick=True)
    assert r["verdict"] == "verified", r["reason"]
    m = r["measured"]
    assert m["cos_odd_cluster"] < 0.05 and m["cos_within_cluster"] > 0.8 and abs(m["norm_ratio"] / 31 - 1) < 0.15
    assert m["cos_within_cluster"] > m["cos_within_layer0"] + 0.5 and m["seeds"] == 6
    assert len(r["series"]["panels"]) == 3
    json.dumps(r)


def test_emergence_rescaling_only_not_verified():
    """Rescaling-only linear layers are Daneshmand's orthogonal regime: no cluster forms."""
    r = assert_rejected(EMERGE, verdicts={"refuted"},
                        params={**EM_SMALL, "recenter": "false", "rescale": "true", "nonlinearity": "linear"}, quick=True)
    assert r["measured"]["cos_within_cluster"] < 0.2


@pytest.mark.parametrize("mutation", [{"rescale": "true"}, {"n": 4}])
def test_emergence_absent_with_full_bn_or_small_batch(mutation):
    assert_rejected(EMERGE, params={**EM_SMALL, **mutation}, quick=True)


def test_emergence_verdict_rule_is_three_way():
    ok = {"cos_odd": (0.001, 0.001), "cos_within": (0.95, 0.01), "norm_ratio": (31.0, 0.5)}
    assert em.emergence_verdict(32, ok, True)[0] == "verified"
    assert em.emergence_verdict(32, ok, False)[0] == "inconclusive"
    assert em.emergence_verdict(32, {**ok, "cos_within": (0.82, 0.05)}, True)[0] == "inconclusive"
    assert em.emergence_verdict(32, {**ok, "cos_odd": (0.3, 0.01)}, True)[0] == "refuted"


@pytest.mark.slow
def test_emergence_map_slow():
    r = run_check(EMERGE, params={"map": "true", "seeds": 4})
    grid = r["measured"]["map"]
    assert grid["n=32,d=1024"]["verdict"] == "verified" and grid["n=4,d=256"]["verdict"] != "verified"


def test_width_below_batch_size_is_inapplicable():
    r = assert_rejected(EMERGE, verdicts={"inapplicable"}, params={"n": 8, "width": 4}, quick=True)
    assert "d ≥ n" in r["reason"]
    json.dumps(r)


def test_emergence_starved_boundary_and_flip():
    assert em.starved(em.MIN_DEPTH, em.MIN_SEEDS) is None
    assert em.starved(em.MIN_DEPTH - 1, em.MIN_SEEDS) is not None
    assert em.starved(em.MIN_DEPTH, em.MIN_SEEDS - 1) is not None
    r = assert_rejected("nachum2024.odd-point-emergence", verdicts={"inconclusive"}, quick=True,
                        params={"width": 256, "depth": 10, "seeds": 2})
    assert "too short" in r["reason"]
    stats = {"cos_odd": (0.0, 0.001), "cos_within": (0.95, 0.01), "norm_ratio": (31.0, 0.5)}
    assert em.emergence_verdict(32, stats, True)[0] == "verified"
    assert em.emergence_verdict(32, stats, True, 16.0)[0] == "refuted"
    hi = (1 + em.RATIO_TOL) * 31
    assert em.emergence_verdict(32, {**stats, "norm_ratio": (hi - 0.011, 0.01)}, True)[0] == "verified"
    assert em.emergence_verdict(32, {**stats, "norm_ratio": (hi + 0.011, 0.01)}, True)[0] == "refuted"


def test_series_marks_the_verdict_window_thresholds_and_theory():
    """Each panel: the mean with a 95% band, the statement's value, the verdict's threshold/tolerance, the tail window."""
    import numpy as np

    depth, seeds, n = 40, 3, 8
    rng = np.random.default_rng(0)
    run = {k: rng.random((depth + 1, seeds)) for k in ("cos_odd", "cos_within", "norm_ratio")}
    out = em.emergence_series(n, seeds, run)
    assert len(out) == 3
    for p in out:
        span = p.spans[0]
        assert (span.lo, span.hi) == (depth - round(em.TAIL * depth) + 1, depth)
        assert any(h.kind == "theory" for h in p.hlines) and p.bands[0].kind == "measured"
    assert [h.y for h in out[0].hlines if h.kind == "bound"] == [em.COS_ODD_MAX]
    assert [h.y for h in out[1].hlines if h.kind == "bound"] == [em.COS_WITHIN_MIN]
    tol = next(b for b in out[2].bands if b.kind == "theory")
    assert tol.lo[0] == pytest.approx((1 - em.RATIO_TOL) * (n - 1)) and list(tol.x) == [span.lo, span.hi]
    assert next(h.y for h in em.emergence_series(n, seeds, run, 16.0)[2].hlines if h.kind == "theory") == 16.0
