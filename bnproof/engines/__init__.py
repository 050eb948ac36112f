"""Engines: the loops that run GD with the kernels and record what the claims observe.

* :mod:`~bnproof.engines.runner` -- the step-by-step runner on a precision context, the
  chunked runner of the in-place late-time engines, and the :class:`Trajectory` both record;
* :mod:`~bnproof.engines.audit` -- the precision audit (rerun at more digits, compare);
* :mod:`~bnproof.engines.scaled_state` -- the scaled deviation state the late-time engines share;
* :mod:`~bnproof.engines.deviation`, :mod:`~bnproof.engines.deviation_cnn` -- the late-time
  engines of the BN linear model and the BN linear CNN (NumPy reference, numba kernels);
* :mod:`~bnproof.engines.bn_linear`, :mod:`~bnproof.engines.bn_cnn` -- GD on those models from
  a data set, with either the multiprecision recursion or the late-time engine;
* :mod:`~bnproof.engines.flow` -- the gradient flow of the BN linear model in log-time;
* :mod:`~bnproof.engines.baseline` -- the naive parameter-space GD the benchmark compares against.
"""

__all__: list[str] = []
