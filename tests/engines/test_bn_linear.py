"""GD on the BN linear model from data (bnproof.engines.bn_linear): both engines, same observables."""

import dataclasses

import mpmath
import numpy as np

from bnproof.core.data import gaussian_instance
from bnproof.core.precision import get_context
from bnproof.engines import bn_linear as bl
from bnproof.engines.audit import agreeing_digits

CPS = [0, 10, 100, 500]


def test_both_engines_record_the_same_observables():
    data = gaussian_instance(1, 5, 12, 1.5)
    mp, kernel = bl.simulate(data, loss="exp", eta="0.1", steps=500, ctx=get_context("flint", 50), checkpoints=CPS)
    dev = bl.simulate_deviation(data, loss="exp", eta="0.1", steps=500, checkpoints=CPS)
    assert mp.t == dev.t == CPS and set(mp.values) == set(dev.values) == {"gap", "gamma", "s", "loss"}
    assert kernel.ctx.name == "flint" and dev.ctx_name == "deviation-numba"
    for key in mp.values:
        assert min(agreeing_digits(mp.values[key], dev.values[key], cap=16)) >= 11, key


def test_missing_w0_means_all_ones():
    data = gaussian_instance(2, 4, 6, 1.0)
    ones = dataclasses.replace(data, w0=np.ones(data.d))
    a, _ = bl.simulate(dataclasses.replace(data, w0=None), loss="logistic", eta="0.1", steps=20,
                       ctx=get_context("mpmath", 30), checkpoints=[20])
    b, _ = bl.simulate(ones, loss="logistic", eta="0.1", steps=20, ctx=get_context("mpmath", 30), checkpoints=[20])
    assert a.values == b.values
    c = bl.simulate_deviation(dataclasses.replace(data, w0=None), loss="logistic", eta="0.1", steps=20,
                              checkpoints=[20], variant="numpy")
    assert c.values["gap"] == bl.simulate_deviation(ones, loss="logistic", eta="0.1", steps=20, checkpoints=[20],
                                                    variant="numpy").values["gap"]


def test_centred_gram_and_z0():
    data = gaussian_instance(0, 6, 9, 1.0)
    ctx = get_context("mpmath", 40)
    with ctx.scope():
        G, z0, X = bl.gram_and_z0(ctx, data, True, data.w0)
        assert abs(mpmath.fsum(ctx.aslist(z0))) < mpmath.mpf("1e-35")  # centred rows: z ⊥ 1
        assert abs(G[0, 1] - mpmath.fdot(X[0], X[1])) < mpmath.mpf("1e-35")
