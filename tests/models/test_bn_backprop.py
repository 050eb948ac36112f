"""Hand-derived backprop through BN against central finite differences; FIM via the Gram matrix;
heavy-ball training of the population-BN network."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings

from bnproof.core.differences import central_gradient
from bnproof.models import bn_backprop as bp
from bnproof.strategies import bn_batches, popnets
from bnproof.testing import assert_gradient


@pytest.mark.parametrize("B", [2, 3, 8])
def test_bn_backward_matches_finite_difference(B):
    rng = np.random.default_rng(B)
    Z = rng.standard_normal((3, 2, B))
    V = rng.standard_normal(Z.shape)
    n, norm = bp.bn_forward(Z)
    an = bp.bn_backward(V, n, norm)
    assert_gradient(lambda z: float(np.sum(V * bp.bn_forward(z)[0])), an, Z, atol=1e-7)


def test_wrong_backward_is_caught():
    """Negative control: dropping the gradient through the variance no longer matches."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((2, 1, 6))
    V = rng.standard_normal(Z.shape)
    n, norm = bp.bn_forward(Z)
    wrong = np.sqrt(6) * (V - V.mean(axis=-1, keepdims=True)) / norm  # mean path only
    with pytest.raises(AssertionError):  # some coordinate differs from the finite difference by more than 1e-2
        assert_gradient(lambda z: float(np.sum(V * bp.bn_forward(z)[0])), wrong, Z, atol=1e-2)


@settings(max_examples=30, deadline=None)
@given(bn_batches())
def test_bn_output_and_backward_invariants(Z):
    B = Z.shape[-1]
    n, norm = bp.bn_forward(Z)
    assert np.allclose(n.mean(axis=-1), 0, atol=1e-9)
    assert np.allclose(np.sum(n * n, axis=-1), B)
    g = bp.bn_backward(np.ones_like(Z) + n ** 2, n, norm)
    # the Jacobian kills the mean and the scale of z: g ⊥ 1 and g ⊥ n
    assert np.allclose(g.sum(axis=-1), 0, atol=1e-8 * (1 + np.abs(g).max()))
    assert np.allclose(np.sum(g * n, axis=-1), 0, atol=1e-8 * B * (1 + np.abs(g).max()))


@pytest.mark.parametrize("act", ["relu", "tanh", "linear"])
def test_network_gradient_norms_match_finite_difference(act):
    """batch_bn_gradients' ‖∂f/∂z^l‖² against FD of f through a replica of the same network."""
    N, K, sizes, depth, seed = 5, 2, [4, 3], 3, 7
    run = bp.batch_bn_gradients(np.random.default_rng(seed), width=N, depth=depth, batches=sizes, K=K, act=act)
    rng = np.random.default_rng(seed)  # replay the draws in the same order
    H0 = rng.standard_normal((N, K, sum(sizes)))
    v = rng.standard_normal((N, 1, 1))
    Ws = [rng.standard_normal((N, N)) / np.sqrt(N) for _ in range(depth)]
    phi = bp.activation(act)[0]
    cuts = np.cumsum([0] + sizes)

    def f_from(l, Z):  # f as a function of z^l (1-based), all batches
        for m in range(l, depth + 1):
            if m > l:
                Z = (Ws[m - 1] @ H.reshape(N, -1)).reshape(N, K, -1)
            Nn = np.concatenate([bp.bn_forward(Z[:, :, a:b])[0] for a, b in zip(cuts[:-1], cuts[1:])], axis=-1)
            H = phi(Nn)
        return H

    H = H0
    Zs = []
    for l in range(1, depth + 1):
        Z = (Ws[l - 1] @ H.reshape(N, -1)).reshape(N, K, -1)
        Zs.append(Z)
        H = phi(np.concatenate([bp.bn_forward(Z[:, :, a:b])[0] for a, b in zip(cuts[:-1], cuts[1:])], axis=-1))
    for l in (1, depth):
        g = central_gradient(lambda z: float(np.sum(v * f_from(l, z))), Zs[l - 1])
        for B, a, b in zip(sizes, cuts[:-1], cuts[1:]):
            want = np.sum(g[:, :, a:b] ** 2, axis=(0, 2))
            assert np.allclose(run[B].grad_sq[l - 1], want, rtol=1e-5), (l, B)


def test_constant_activation_gives_zero_gradient_without_nan():
    run = bp.batch_bn_gradients(np.random.default_rng(0), width=8, depth=4, batches=[4], K=2, act="constant")
    assert np.all(run[4].grad_sq[:-1] == 0) and np.all(np.isfinite(run[4].grad_sq))


def _popnet(bn, seed=0, widths=(4, 5, 3, 1)):
    rng = np.random.default_rng(seed)
    pop = rng.standard_normal((200, widths[0]))
    return bp.popnet_init(rng, list(widths), 2.0, 0.5, 1.5, bn, pop), rng.standard_normal((6, widths[0]))


@pytest.mark.parametrize("bn", [False, True])
def test_per_sample_jacobian_matches_finite_difference(bn):
    net, X = _popnet(bn)
    J = bp.per_sample_jacobian(net, X)
    theta = bp.popnet_params(net)

    def f(th):
        bp.popnet_set_params(net, th)
        return bp.popnet_forward(net, X)[3][:, 0]

    for k in range(X.shape[0]):  # row k of J: the gradient of f(x_k) in all parameters
        assert_gradient(lambda th: f(th)[k], J[k], theta, atol=1e-6)
    bp.popnet_set_params(net, theta)


@settings(max_examples=20, deadline=None)
@given(popnets())
def test_gram_equals_explicit_jacobian_and_fim_spectrum(net_X):
    net, X = net_X
    J = bp.per_sample_jacobian(net, X)
    K = bp.ntk_gram(net, X)
    assert np.allclose(K, J @ J.T, rtol=1e-10, atol=1e-10)
    n = X.shape[0]
    top = np.linalg.eigvalsh(J.T @ J / n)[-1]
    assert abs(bp.fim_top_eigenvalue(K) - top) <= 1e-8 * (1 + top)
    Jc = J - J.mean(axis=0)
    top_c = np.linalg.eigvalsh(Jc.T @ Jc / n)[-1]
    assert abs(bp.fim_top_eigenvalue(K, center=True) - top_c) <= 1e-8 * (1 + top_c)


def test_loss_gradient_matches_finite_difference():
    net, X = _popnet(True, seed=3)
    Y = np.random.default_rng(1).standard_normal((X.shape[0], 1))
    theta = bp.popnet_params(net)
    _, gW, gb = bp.popnet_loss_grad(net, X, Y)
    an = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(gW, gb)])

    def loss(th):
        bp.popnet_set_params(net, th)
        return bp.popnet_loss_grad(net, X, Y)[0]

    assert_gradient(loss, an, theta.copy(), atol=1e-7)
    bp.popnet_set_params(net, theta)


def test_lanczos_on_the_jacobian_operator_matches_the_gram_route():
    net, X = _popnet(True, seed=5, widths=(12, 16, 16, 1))
    X = np.random.default_rng(2).standard_normal((60, 12))
    J = bp.per_sample_jacobian(net, X)
    a = bp.fim_top_eigenvalue_jacobian(J)
    b = bp.fim_top_eigenvalue(bp.ntk_gram(net, X))
    assert a == pytest.approx(b, rel=1e-9) and a == pytest.approx(np.linalg.eigvalsh(J.T @ J / 60)[-1], rel=1e-9)


def test_momentum_training_converges_below_the_stability_edge_and_stops_above_it():
    """Heavy-ball GD on a linear model (quadratic loss, Hessian top eigenvalue λ): stable iff η < 2(1+μ)/λ."""
    rng = np.random.default_rng(1)
    net = bp.popnet_init(rng, [4, 1], 1.0, 0.0, 1.0, False, rng.standard_normal((10, 4)))
    X = rng.standard_normal((32, 4))
    Y = rng.standard_normal((32, 1))
    A = np.c_[X, np.ones(32)]
    eta_star = 2 * 1.9 / np.linalg.eigvalsh(A.T @ A / 32)[-1]
    theta0 = bp.popnet_params(net)
    below = bp.popnet_train_momentum(copy.deepcopy(net), X, Y, 0.9 * eta_star, 0.9, 400)
    coef = np.linalg.lstsq(A, Y, rcond=None)[0]
    optimum = 0.5 * float(np.sum((A @ coef - Y) ** 2)) / 32  # the least-squares loss
    assert len(below) == 400 and below[-1] == pytest.approx(optimum, rel=1e-9)
    above = bp.popnet_train_momentum(copy.deepcopy(net), X, Y, 1.1 * eta_star, 0.9, 400, blowup=1e3)
    assert len(above) < 400 and above[-1] > 1e3 * above[0]  # stopped once past blowup × the initial loss
    assert np.array_equal(bp.popnet_params(net), theta0)  # the copies were trained, not the network
    assert below[0] == pytest.approx(bp.popnet_loss_grad(net, X, Y)[0])


# --- batch statistics of the forward pass (mutation testing, benchmarks/mutation.py) -----------------


def test_linear_bn_batch_gram_is_the_bsb1_point_exactly():
    """With a linear activation each BN row has mean 0 and mean square 1 over its batch, so the
    post-activation Gram matrix hhᵀ/N has diagonal 1 and off-diagonal −1/(B − 1) at every layer."""
    runs = bp.batch_bn_gradients(np.random.default_rng(0), width=16, depth=3, batches=[4, 6], K=2, act="linear",
                                 backward=False)
    for B, r in runs.items():
        assert r.gram_q.shape == (3, 2) and np.allclose(r.gram_q, 1.0, atol=1e-12)
        assert np.allclose(r.gram_offdiag, -1 / (B - 1), atol=1e-12) and np.allclose(r.gram_c, -1 / (B - 1))


def test_batch_gram_offdiagonal_is_the_ratio_times_the_diagonal():
    runs = bp.batch_bn_gradients(np.random.default_rng(1), width=16, depth=2, batches=[4, 6], K=3, act="relu",
                                 backward=False)
    for r in runs.values():
        assert not np.allclose(r.gram_q, 1.0)  # ReLU: a diagonal other than 1, so the two differ
        assert np.allclose(r.gram_offdiag, r.gram_c * r.gram_q, rtol=1e-12)
