"""Kernels: SymPy programs printed into code that steps GD.

* :mod:`~bnproof.kernels.codegen` -- the printer for precision contexts (float64, mpmath,
  python-flint) and the BN linear model's exact n-dimensional step;
* :mod:`~bnproof.kernels.bn_cnn`, :mod:`~bnproof.kernels.nobn` -- the same for the linear CNN
  with BN and for the linear model without BN;
* :mod:`~bnproof.kernels.deviation` -- the late-time deviation form printed into numba source;
* :mod:`~bnproof.kernels.numba` -- loading and caching generated numba modules, and the one
  fallback policy when numba is unusable.

Kernels print and compile; the loops that drive them are in :mod:`bnproof.engines`.
"""

__all__: list[str] = []
