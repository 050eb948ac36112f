"""bnproof.strategies.scale_invariant: each model family is actually drawn, with its guarantees."""

from __future__ import annotations

import numpy as np
from hypothesis import given

import bnproof.strategies as S
from bnproof.models.scale_invariant import BNMLP, BNRegression, SphereToy


@given(S.bn_regressions())
def test_bn_regressions_are_drawn_over_parameterised_and_generic(model):
    # The centred data has rank <= n-1, so genericity is judged on its n-1 leading singular
    # values; judging all n (the last is always ~0) used to reject every draw.
    n, d = model.X.shape
    assert isinstance(model, BNRegression) and 3 <= n <= 6 and n + 1 <= d <= n + 5
    assert np.linalg.svd(model.X - model.X.mean(axis=0), compute_uv=False)[n - 2] > 1e-3
    assert np.ptp(model.y) > 1e-2


@given(S.bn_mlps(n=4, d=(4, 5)))
def test_bn_mlps_are_drawn_with_more_inputs_than_samples_minus_one(model):
    assert isinstance(model, BNMLP) and model.X.shape[0] == 4 and model.X.shape[1] in (4, 5)


@given(S.sphere_toys(D=(4, 5), alpha=0.5))
def test_sphere_toys_sizes(toy):
    assert isinstance(toy, SphereToy) and toy.dim in (4, 5)


@given(S.scale_invariant_models().flatmap(lambda m: S.nonzero_weights(m).map(lambda w: (m, w))))
def test_nonzero_weights_bound_every_group(pair):
    model, w = pair
    assert w.shape == (model.dim,)
    assert all(np.linalg.norm(w[g]) >= 0.1 for g in model.groups)
