"""The shared verdict rule of Cao et al.'s two uniform-margin claims
(bnproof/papers/cao2023/convergence.py), at each of its boundaries: the audit gate, the
certificate, the convergence test, a mutated target and a stalled gap."""

from __future__ import annotations

import math
from types import SimpleNamespace

from bnproof.papers.cao2023.common import MIN_DIGITS
from bnproof.papers.cao2023.convergence import decide_convergence

TOL = 1e-12


def _run(digits=12.0, gap=1e-13, final_log10=-13.0, monotone=True, stalled=False):
    return SimpleNamespace(digits=digits, gap=gap, t_end=5000, final_log10=final_log10, monotone=monotone,
                           stalled=stalled, decade_start_gap=2e-13)


def _decide(m, target=1.0, certificate=None):
    return decide_convergence(m, TOL, target, gap="gap", margins="margins", solution="uniform-margin",
                              certificate=certificate)


def test_audit_gate_at_min_digits():
    assert _decide(_run(digits=None)) == ("inconclusive", "precision audit disabled")
    verdict, why = _decide(_run(digits=MIN_DIGITS - 0.1))
    assert verdict == "inconclusive" and why.startswith("precision exhausted") and "5.9 agreeing digits" in why
    assert _decide(_run(digits=MIN_DIGITS))[0] == "verified"  # exactly MIN_DIGITS is enough


def test_certificate_is_returned_as_it_is():
    cert = ("refuted", "no uniform margin: certified lower bound")
    assert _decide(_run(), certificate=cert) == cert


def test_converged_at_exactly_the_tolerance():
    assert _decide(_run(final_log10=math.log10(TOL)))[0] == "verified"
    assert _decide(_run(final_log10=math.log10(TOL) + 1e-9))[0] == "inconclusive"


def test_mutated_target_refuted_only_when_the_distance_exceeds_the_tolerance():
    # off = |1 - target| - gap: 0.5 - 0.25 = 0.25, exactly representable
    m = _run(gap=0.25)
    assert decide_convergence(m, 0.25, 0.5, gap="gap", margins="margins", solution="s")[0] == "inconclusive"
    assert decide_convergence(m, 0.2499, 0.5, gap="gap", margins="margins", solution="s")[0] == "refuted"


def test_stalled_gap_refutes_and_says_so():
    verdict, why = _decide(_run(gap=1e-3, final_log10=-3.0, stalled=True))
    assert verdict == "refuted" and why.startswith("gap does not decrease over the last decade of t")
    assert _decide(_run(gap=1e-3, final_log10=-3.0))[0] == "inconclusive"


def test_mutated_target_distance_is_measured_from_one():
    # off = |1 − 0.75| − 0.125 = 0.125 exactly: at the tolerance, not beyond it
    m = _run(gap=0.125)
    assert decide_convergence(m, 0.125, 0.75, gap="gap", margins="margins", solution="s")[0] == "inconclusive"
    verdict, why = decide_convergence(m, 0.1, 0.75, gap="gap", margins="margins", solution="s")
    assert verdict == "refuted" and "max |m - 0.75| ≥ 0.125 > 0.1" in why
