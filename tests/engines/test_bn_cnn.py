"""GD on the BN linear CNN from patch data (bnproof.engines.bn_cnn): both engines, same observables."""

import numpy as np

from bnproof.core.data import validate
from bnproof.core.precision import get_context
from bnproof.engines import bn_cnn as bc
from bnproof.engines.audit import agreeing_digits

CPS = [0, 10, 100, 300]


def _patches(seed=0, n=3, P=2, d=8):
    rng = np.random.default_rng(seed)
    return validate(rng.standard_normal((n, P, d)), rng.choice([-1, 1], size=n), rng.standard_normal(d))


def test_both_engines_record_the_same_observables():
    data = _patches()
    for pooling in ("average", "sum"):
        mp, _ = bc.simulate(data, loss="exp", eta="0.05", steps=300, ctx=get_context("flint", 50), pooling=pooling,
                            checkpoints=CPS)
        dev = bc.simulate_deviation(data, loss="exp", eta="0.05", steps=300, pooling=pooling, checkpoints=CPS)
        assert mp.t == dev.t and set(mp.values) == set(dev.values) == {"gap", "sample_gap", "gamma", "s", "loss"}
        for key in mp.values:
            assert min(agreeing_digits(mp.values[key], dev.values[key], cap=16)) >= 11, (pooling, key)


def test_patch_system():
    data = _patches()
    ctx = get_context("float64")
    with ctx.scope():
        G, z0, rows = bc.patch_system(ctx, data, data.w0)
    Xs = data.X.reshape(6, 8)  # sample-major: row i·P + p is x_i^(p)
    assert np.allclose(G, Xs @ Xs.T, rtol=1e-14) and np.allclose(z0, Xs @ data.w0, rtol=1e-14) and len(rows) == 6
