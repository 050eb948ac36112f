"""Helpers for testing claims and derivations: for users' own suites and for ours.

- :func:`assert_gradient`: a gradient against a central finite difference at a chosen precision;
- :func:`run_check`: one claim's record from Python, parameters given as keywords;
- :func:`assert_rejected`: a negative control, i.e. a run whose verdict must not be ``verified``
  (or must be one of the given verdicts).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import mpmath
import numpy as np

from bnproof.claims import Claim, get_claim, run_claim
from bnproof.core.differences import central_gradient
from bnproof.core.params import RunConfig
from bnproof.core.records import VERIFIED

__all__ = ["assert_gradient", "run_check", "assert_rejected"]


def assert_gradient(f: Callable[[np.ndarray], Any], grad: Any, x: Any, *, dps: int | None = None,
                    h: Any = None, atol: float = 0.0, rtol: float = 0.0) -> float:
    """Assert ``grad`` (same shape as ``x``) equals the central difference of ``f`` at ``x``.

    Passes when |fd − grad| ≤ atol + rtol·|grad| coordinate-wise; returns the largest absolute
    difference.  ``dps`` as in :func:`bnproof.core.differences.central_gradient` (None: float64).
    At ``dps`` digits the comparison itself runs at that precision.
    """
    if atol <= 0 and rtol <= 0:
        raise ValueError("give atol or rtol: a gradient check needs a tolerance")
    fd = central_gradient(f, x, h=h, dps=dps)
    g = np.asarray(grad, dtype=object)
    if g.shape != fd.shape:
        raise AssertionError(f"gradient has shape {g.shape}, x has shape {fd.shape}")
    with mpmath.workdps(dps or 15):
        worst = mpmath.mpf(0)
        for i in np.ndindex(fd.shape):
            a = mpmath.mpf(g[i])
            diff = abs(mpmath.mpf(fd[i]) - a)
            assert diff <= atol + rtol * abs(a), (
                f"gradient differs from the finite difference at index {i}: {mpmath.nstr(a, 20)} vs "
                f"{mpmath.nstr(fd[i], 20)} (|diff| {mpmath.nstr(diff, 5)} > atol {atol:g} + rtol {rtol:g}·|grad|)")
            worst = max(worst, diff)
        return float(worst)


def run_check(claim: str | Claim, *, params: dict[str, Any] | None = None, **options: Any) -> dict:
    """Run one claim and return its ``bnproof.check/1`` record.

    ``params`` are the claim's declared parameters (values are turned into strings as on the
    command line); ``options`` are the other fields of :class:`~bnproof.core.params.RunConfig`
    (``seed``, ``dps``, ``steps``, ``eta``, ``loss``, ``data``, ``quick``).
    """
    c = get_claim(claim) if isinstance(claim, str) else claim
    return run_claim(c, RunConfig(params={k: str(v) for k, v in (params or {}).items()}, **options))


def assert_rejected(claim: str | Claim, *, verdicts: Iterable[str] | None = None,
                    params: dict[str, Any] | None = None, **options: Any) -> dict:
    """A negative control: run the claim and assert its verdict is not ``verified``.

    With ``verdicts``, assert the verdict is one of them (e.g. ``{"refuted"}`` for a statement
    flip, ``{"inapplicable"}`` for a dropped assumption).  Returns the record.
    """
    rec = run_check(claim, params=params, **options)
    allowed = set(verdicts) if verdicts is not None else None
    if allowed is None:
        assert rec["verdict"] != VERIFIED, f"negative control verified: {rec['reason']}"
    else:
        assert rec["verdict"] in allowed, f"expected {sorted(allowed)}, got {rec['verdict']}: {rec['reason']}"
    return rec
