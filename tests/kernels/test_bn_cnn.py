"""The CNN kernel compiler (bnproof/kernels/bn_cnn.py): its input checks and its frozen result.

The kernels' numbers are checked against ≥ 50-digit finite differences in
tests/papers/cao2023/test_cnn_model.py; here the edges of ``compile_cnn_kernel`` itself.
"""

from __future__ import annotations

import dataclasses

import pytest

from bnproof.core.precision import Float64Context
from bnproof.kernels.bn_cnn import compile_cnn_kernel
from bnproof.symbolic import bn_cnn as bc


def _compile(y, P):
    ctx = Float64Context()
    with ctx.scope():
        N = len(y) * P
        G = [[ctx.num(1 if i == j else 0) for j in range(N)] for i in range(N)]
        return compile_cnn_kernel(bc.step_program("exp", "average"), ctx, G=G, y=y, P=P, eta=ctx.num("0.1"))


def test_one_sample_with_one_patch_is_the_smallest_problem():
    k = _compile([1], 1)
    assert (k.n, k.P) == (1, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.n = 2


@pytest.mark.parametrize(("y", "P"), [([1, -1], 0), ([], 2)])
def test_no_samples_or_no_patches_are_refused(y, P):
    with pytest.raises(ValueError, match="need n >= 1 and P >= 1"):
        _compile(y, P)
