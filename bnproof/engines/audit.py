"""The precision audit: how late-time numbers earn their digits.

Ball arithmetic cannot certify a long trajectory (radii grow geometrically over a long run,
a known behaviour of Arb balls: flintlib/arb#208), so the whole run is repeated at about twice the working precision and the
observables are compared checkpoint by checkpoint: the smallest number of agreeing
significant digits is what the record reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import mpmath

from bnproof.engines.runner import Trajectory

__all__ = ["agreeing_digits", "precision_audit", "Audit"]


def agreeing_digits(a: Sequence[str], b: Sequence[str], cap: int) -> list[float]:
    """Significant decimal digits on which two series of decimal strings agree (≤ cap)."""
    out = []
    with mpmath.workdps(cap + 20):
        for sa, sb in zip(a, b):
            x, y = mpmath.mpf(sa), mpmath.mpf(sb)
            if x == y:
                out.append(float(cap))
                continue
            scale = max(abs(x), abs(y))
            rel = abs(x - y) / scale
            out.append(float(min(cap, -mpmath.log10(rel))))
    return out


@dataclass(frozen=True)
class Audit:
    """The digits a run kept: per observable, the minimum over checkpoints of the digits on which
    the run and its rerun at ``audit_dps`` agree (``per_checkpoint`` holds every value)."""

    dps: int
    audit_dps: int
    agreeing_digits: dict[str, float]  # minimum over checkpoints, per observable
    per_checkpoint: dict[str, list[float]]
    audit_elapsed_s: float

    def to_dict(self) -> dict:
        return {
            "dps": self.dps,
            "audit_dps": self.audit_dps,
            "agreeing_digits": {k: round(v, 2) for k, v in self.agreeing_digits.items()},
            "method": "rerun of the whole trajectory at audit_dps; minimum over checkpoints of "
                      "significant digits on which the two runs agree",
            "audit_elapsed_s": round(self.audit_elapsed_s, 3),
        }


def precision_audit(main: Trajectory, rerun: Trajectory, keys: Sequence[str]) -> Audit:
    """Compare a trajectory with the same run at higher precision, observable by observable."""
    if main.t != rerun.t:
        raise ValueError("audit run has different checkpoints")
    per = {k: agreeing_digits(main.values[k], rerun.values[k], cap=main.dps) for k in keys}
    return Audit(main.dps, rerun.dps, {k: min(v) for k, v in per.items()}, per, rerun.elapsed_s)
