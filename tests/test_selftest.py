"""bnproof.selftest and `bnproof selftest`: every claim's negative controls are rejected on --quick settings."""

import pytest
from helpers import cli

from bnproof.claims import Claim, registry
from bnproof.core.controls import STATEMENT_FLIP, Control
from bnproof.core.records import Outcome
from bnproof.selftest import KILLED, SURVIVED, exit_status, run_control

CONTROLS = [(c, ctl) for c in registry().values() for ctl in c.controls]


def test_every_claim_declares_a_statement_flip():
    missing = [c.id for c in registry().values() if not any(k.kind == STATEMENT_FLIP for k in c.controls)]
    assert not missing, f"claims without a statement-flip control: {missing}"


@pytest.mark.parametrize("claim,control", CONTROLS, ids=[f"{c.id}:{k.name}" for c, k in CONTROLS])
def test_control_is_killed(claim, control):
    result = run_control(claim, control)
    assert result.outcome == KILLED, f"{claim.id} control {control.name}: {result.verdict} ({result.reason})"


def _toy(verdict):
    return Claim("toy.x", "toy", "cite", "s", "st", "derived", (), lambda claim, config: Outcome(verdict, "r", {}, {}),
                 controls=(Control("flip", STATEMENT_FLIP, "a flipped statement"),))


def test_a_control_that_is_verified_survives_and_fails_the_selftest():
    result = run_control(_toy("verified"), _toy("verified").controls[0])
    assert result.outcome == SURVIVED and exit_status([result]) == 1


def test_a_control_with_another_rejection_is_reported_as_such():
    result = run_control(_toy("inconclusive"), _toy("inconclusive").controls[0])
    assert result.outcome == "rejected" and exit_status([result]) == 3


def test_control_kinds_and_verdicts_are_checked():
    with pytest.raises(ValueError):
        Control("x", "made-up", "why")
    with pytest.raises(ValueError):
        Control("x", STATEMENT_FLIP, "why", expect=("verified",))


def test_selftest_cli_bad_selector_is_exit_2(capsys):
    code, out, err = cli(["selftest", "no.such.claim"], capsys)
    assert code == 2 and err.startswith("bnproof: error:")
