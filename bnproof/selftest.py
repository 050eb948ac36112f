"""``bnproof selftest``: run every claim's negative controls and report which were rejected.

A control is *killed* when its run gets one of the verdicts the control expects (a statement
flip refuted, a dropped assumption inapplicable, a starved run inconclusive).  A control that
is verified means the checker cannot fail on that statement: a defect.  A control that gets
another non-verified verdict is *rejected* but not as declared (shown, so it can be tightened).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from bnproof.claims import Claim, run_claim
from bnproof.core.controls import Control
from bnproof.core.params import RunConfig
from bnproof.core.records import VERIFIED

__all__ = ["ControlResult", "run_control", "selftest", "exit_status"]

KILLED, REJECTED, SURVIVED = "killed", "rejected", "survived"


@dataclass(frozen=True)
class ControlResult:
    claim: str
    control: str
    kind: str
    expect: tuple[str, ...]
    verdict: str
    outcome: str  # killed | rejected (not verified, but not as declared) | survived (verified: a defect)
    reason: str


def run_control(claim: Claim, control: Control, *, quick: bool = True, seed: int = 0) -> ControlResult:
    """Run one control (on ``--quick`` settings unless the control sets ``quick`` itself)."""
    options = {"quick": quick, "seed": seed, **dict(control.options)}
    if control.data is not None:
        options["data"] = control.data(options["seed"])
    config = RunConfig(params={k: str(v) for k, v in control.params.items()}, **options)
    rec = run_claim(claim, config)
    verdict = rec["verdict"]
    outcome = KILLED if verdict in control.expect else SURVIVED if verdict == VERIFIED else REJECTED
    return ControlResult(claim.id, control.name, control.kind, control.expect, verdict, outcome, rec["reason"])


def selftest(claims: Sequence[Claim], *, quick: bool = True,
             progress: Callable[[str, int, int], None] | None = None) -> list[ControlResult]:
    """Every control of every claim, in order."""
    todo = [(c, ctl) for c in claims for ctl in c.controls]
    results = []
    for i, (claim, control) in enumerate(todo):
        results.append(run_control(claim, control, quick=quick))
        if progress:
            progress("controls", i + 1, len(todo))
    return results


def exit_status(results: Sequence[ControlResult]) -> int:
    """0 every control killed; 1 any survived (verified); 3 otherwise (rejected but not as declared)."""
    outcomes = {r.outcome for r in results}
    if SURVIVED in outcomes:
        return 1
    return 0 if outcomes <= {KILLED} else 3
