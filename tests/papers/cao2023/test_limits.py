"""The two candidate limits and the contrast instance (bnproof/papers/cao2023/limits.py)."""

import numpy as np

from bnproof.papers.cao2023.limits import contrast_instance, limits


def test_generated_instance_is_deterministic_and_the_limits_differ():
    a, b = contrast_instance(0, 8, 12, 1.0), contrast_instance(0, 8, 12, 1.0)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and a.source == b.source
    lim = limits(a)
    assert lim.alpha.min() < 0  # not every point is a support vector ...
    assert lim.separation >= 0.3  # ... so ŵ and w_mm differ
    assert max(lim.svm.kkt.values()) < 1e-8
    assert not np.array_equal(contrast_instance(1, 8, 12, 1.0).X, a.X)
