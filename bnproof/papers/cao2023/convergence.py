"""The verdict rule of the two uniform-margin claims (linear model and CNN): does the gap reach 0?

Both claims measure the same things about the margin gap of an audited run -- agreeing digits,
the gap at the horizon, whether it fell monotonically over the late window, whether it stalled
over the last decade -- and decide alike; only the nouns and the certificate differ.
"""

from __future__ import annotations

import math
from typing import Protocol

from bnproof.core.records import INCONCLUSIVE, REFUTED, VERIFIED
from bnproof.papers.cao2023.common import MIN_DIGITS

__all__ = ["GapRun", "decide_convergence"]


class GapRun(Protocol):
    digits: float | None  # agreeing digits of the gap (None: audit disabled)
    gap: float
    t_end: int
    final_log10: float
    monotone: bool  # ln gap non-increasing over the late window
    stalled: bool  # no fall over the last decade
    decade_start_gap: float


def decide_convergence(m: GapRun, gap_tol: float, target: float, *, gap: str, margins: str, solution: str,
                       certificate: tuple[str, str] | None = None, detail: str = "",
                       hint: str = "") -> tuple[str, str]:
    """Audit first; then a certificate refutes; a converged monotone gap verifies; a stalled gap
    refutes; anything else (slow but falling: the theorem is asymptotic) is inconclusive.

    With a claimed common margin ``target`` ≠ 1 (a mutated claim: BN fixes the margins' mean square
    at 1): refuted when the margins converged to 1 and max |m - target| ≥ |1 - target| - gap exceeds
    ``gap_tol``; inconclusive before convergence.  ``gap``/``margins``/``solution`` name the
    quantities in the reason; ``detail`` and ``hint`` are appended to the verified and running reasons.
    """
    digits = m.digits
    if digits is None or digits < MIN_DIGITS:
        return INCONCLUSIVE, (f"precision exhausted: the precision audit shows {digits:.1f} agreeing digits of "
                              f"the gap (< {MIN_DIGITS}); raise --dps" if digits is not None
                              else "precision audit disabled")
    if certificate is not None:
        return certificate
    converged = m.final_log10 <= math.log10(gap_tol) and m.monotone
    if target != 1.0:
        off = abs(1 - target) - m.gap
        if converged and off > gap_tol:
            return REFUTED, (f"the {margins} converge to 1, not to {target:g}: {gap} to 1 is {m.gap:.3e} at "
                             f"t = {m.t_end}, so max |m - {target:g}| ≥ {off:.4g} > {gap_tol:g}")
        return INCONCLUSIVE, (f"the {margins} have not converged yet ({gap} to 1 is {m.gap:.3e} > {gap_tol:g}); "
                              f"the claimed common margin {target:g} cannot be judged; run longer")
    if converged:
        return VERIFIED, (f"{gap} fell to {m.gap:.3e} after {m.t_end} steps and decreased monotonically over the "
                          f"late window{detail}; audit: {digits:.1f} digits agree")
    if m.stalled:
        return REFUTED, (f"{gap} does not decrease over the last decade of t ({m.decade_start_gap:.3e} → "
                         f"{m.gap:.3e}) although a {solution} solution exists")
    return INCONCLUSIVE, f"{gap} still {m.gap:.3e} > {gap_tol:g} (monotone late: {m.monotone}); run longer{hint}"
