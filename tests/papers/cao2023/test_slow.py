"""Long runs (`python -m pytest -m slow`): the late-time behaviour the default tier only samples."""

import pytest

from bnproof.claims import get_claim, run_claim
from bnproof.core.params import RunConfig

pytestmark = pytest.mark.slow


def test_rate_at_a_million_steps_effective_k_moves_towards_three():
    """10⁶ GD steps at 140 digits (audit at 290): k_eff grows with the horizon, ĉ matches the spectrum."""
    claim = get_claim("cao2023.linear.rate")
    short = run_claim(claim, RunConfig(steps=100_000))
    long = run_claim(claim, RunConfig(steps=1_000_000, dps=140))
    assert long["verdict"] == "verified", long["reason"]
    assert long["precision"]["agreeing_digits"]["gap"] >= 10
    assert long["measured"]["k"] > short["measured"]["k"] > 2.5
    assert long["measured"]["c_hat_rel_diff"] < 0.005
