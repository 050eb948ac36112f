"""Single-threaded BLAS for blocks of many tiny linear-algebra calls.

Random-network chains (n ≤ 64 factorizations) and L-BFGS on ~100 parameters call BLAS on tiny
operands; on a loaded 2-core machine a multi-threaded OpenBLAS spends 10-35x longer
synchronising than computing (measured: one L-BFGS run 11 s against 0.33 s).  NumPy and SciPy
load *separate* OpenBLAS libraries; threadpoolctl limits every one it finds.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["single_threaded_blas"]


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Every loaded BLAS single-threaded inside the block; the previous limits restored after."""
    import scipy.linalg  # noqa: F401  (load SciPy's OpenBLAS too, so the limit covers it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
