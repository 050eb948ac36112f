"""bnproof._blas: every loaded BLAS runs single-threaded inside the block and is restored after."""

import numpy as np
import scipy.linalg  # noqa: F401  (load SciPy's BLAS before measuring, as the block does)
from threadpoolctl import threadpool_info

from bnproof.core.blas import single_threaded_blas


def _threads() -> dict[str, int]:
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_limits_every_blas_and_restores():
    before = _threads()
    with single_threaded_blas():
        inside = _threads()
        a = np.ones((50, 50)) @ np.ones((50, 50))
    assert inside and set(inside.values()) == {1}
    assert a[0, 0] == 50
    assert _threads() == before
