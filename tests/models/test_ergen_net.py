"""The BN ReLU network of Ergen et al. 2022: hand-derived gradient against finite differences,
the recovery map from convex blocks, L-BFGS and GD training, inference-mode prediction, patterns."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.models import ergen_net as en
from bnproof.solvers import group_lasso as cv
from bnproof.strategies import bn_nets, regression_data
from bnproof.testing import assert_gradient


def _loss(args):
    return lambda theta: en.objective_and_grad(theta, *args)[0]


@pytest.mark.parametrize("C,penalize_w,c", [(1, False, 0.3), (3, True, 1.0)])
def test_gradient_matches_central_differences(C, penalize_w, c):
    rng = np.random.default_rng(4)
    n, d, m = 7, 3, 4
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((n, C))
    Xc = X - X.mean(axis=0)
    theta = en.pack(en.random_net(rng, d, m, C, scale=1.0))
    args = (Xc, Y, m, 0.2, c, penalize_w)
    L, g = en.objective_and_grad(theta, *args)
    assert L == pytest.approx(en.objective(X, Y, en.unpack(theta, d, m, C), 0.2, c, penalize_w), rel=1e-13)
    assert_gradient(_loss(args), g, theta, h=1e-6, atol=1e-6 * max(1.0, np.abs(g).max()))


def test_gradient_check_is_not_vacuous():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 2))
    Y = rng.standard_normal((6, 1))
    theta = en.pack(en.random_net(rng, 2, 3, 1, scale=1.0))
    args = (X - X.mean(axis=0), Y, 3, 0.2, 0.4, False)
    _, g = en.objective_and_grad(theta, *args)
    wrong_c = (X - X.mean(axis=0), Y, 3, 0.2, 0.5, False)  # a different shift constant
    with pytest.raises(AssertionError):  # some coordinate is off by more than 1e-4
        assert_gradient(_loss(wrong_c), g, theta, h=1e-6, atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_gradient_property(data):
    ds = data.draw(regression_data(n=(3, 6), d=(1, 3)))
    nt = data.draw(bn_nets(ds.d, width=(1, 3)))
    Xc = ds.X - ds.X.mean(axis=0)
    H = np.linalg.norm(Xc @ nt.W, axis=0)
    if np.min(H) < 1e-2:
        return  # BN is singular where P_c X w = 0
    B = (Xc @ nt.W) / H * nt.gamma + nt.alpha / math.sqrt(ds.n)
    if np.min(np.abs(B)) < 1e-4:
        return  # a ReLU kink within the difference step
    theta = en.pack(nt)
    args = (Xc, ds.y.reshape(-1, 1), nt.m, 0.1, 1 / math.sqrt(ds.n), False)
    _, g = en.objective_and_grad(theta, *args)
    assert_gradient(_loss(args), g, theta, h=1e-7, atol=1e-4 * max(1.0, np.abs(g).max()))


@pytest.mark.parametrize("shift", ["isometric", "one"])
def test_rebuilt_network_attains_the_convex_value(shift):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 2)), rng.standard_normal(10)
    c = cv.shift_constant(shift, 10)
    wh = cv.whiten(X, c)
    D, _ = cv.exact_patterns(wh.Ut)
    sol = cv.solve(wh.Ut, y, D, 0.1)
    sp = cv.sparsify(wh.Ut, y, sol, 0.1)
    net = en.rebuild(wh, sp.blocks, sp.signs, c)
    assert en.objective(X, y, net, 0.1, c) == pytest.approx(sol.value, rel=1e-6)
    # BN output of each neuron is Ũ z (the reduction): forward pass equals the whitened network
    Z = sp.blocks / np.sqrt(np.linalg.norm(sp.blocks, axis=0))
    Vw = (sp.signs * np.sqrt(np.linalg.norm(sp.blocks, axis=0)))[:, None]
    assert np.allclose(en.forward(X, net, c), en.whitened_forward(wh.Ut, Z, Vw), atol=1e-10)


def test_training_is_seeded_and_never_below_the_convex_optimum():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 2)), rng.standard_normal(8)
    c = 1 / math.sqrt(8)
    wh = cv.whiten(X, c)
    D, _ = cv.exact_patterns(wh.Ut)
    p = cv.solve(wh.Ut, y, D, 0.1).value
    a = en.train(X, y, 8, 0.1, c, starts=2, seed=3, maxiter=800)
    b = en.train(X, y, 8, 0.1, c, starts=2, seed=3, maxiter=800)
    assert a.values == b.values
    assert min(a.values) >= p - 1e-6


def test_gd_train_is_gd_steps_and_lowers_the_objective():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    net0 = en.random_net(rng, 3, 4, 1)
    trained = en.gd_train(X, y, net0, 0.1, 0.5, 0.01, 0.05, 30)
    Xc = X - X.mean(axis=0)
    steps = list(en.gd_steps(en.pack(net0), Xc, y.reshape(-1, 1), 4, 0.1, 0.5, 0.01, 0.05, 30))
    assert len(steps) == 30 and np.array_equal(steps[-1][1], en.pack(trained))
    assert steps[0][0] == pytest.approx(en.objective(X, y, net0, 0.1, 0.5), rel=1e-13)
    assert en.objective(X, y, trained, 0.1, 0.5) < steps[0][0]
    # a preconditioner of ones is plain GD; any other changes the first-layer step only
    ones = list(en.gd_steps(en.pack(net0), Xc, y.reshape(-1, 1), 4, 0.1, 0.5, 0.01, 0.05, 1, precondition=np.ones(3)))
    other = list(en.gd_steps(en.pack(net0), Xc, y.reshape(-1, 1), 4, 0.1, 0.5, 0.01, 0.05, 1,
                             precondition=np.array([2.0, 1.0, 1.0])))
    assert np.array_equal(ones[0][1], steps[0][1])
    assert not np.array_equal(other[0][1][:4], steps[0][1][:4]) and np.array_equal(other[0][1][12:], steps[0][1][12:])


def test_inference_mode_prediction_equals_training_forward_on_training_points():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((9, 3))
    nt = en.random_net(rng, 3, 4, 1)
    assert np.allclose(en.predict(X, X, nt, 1 / 3), en.forward(X, nt, 1 / 3))


def test_activation_patterns_are_the_signs_of_the_bn_outputs():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 2))
    a, b = en.random_net(rng, 2, 3, 1), en.random_net(rng, 2, 2, 1)
    D = en.activation_patterns(X, [a, b], 0.4)
    assert D.shape == (6, 5) and D.dtype == np.int8
    Xc = X - X.mean(axis=0)
    B = (Xc @ a.W) / np.linalg.norm(Xc @ a.W, axis=0) * a.gamma + 0.4 * a.alpha
    assert np.array_equal(D[:, :3], (B > 0).astype(np.int8))
    assert en.activation_patterns(X, [], 0.4).shape == (6, 0)
