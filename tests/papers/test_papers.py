"""The paper packages as a whole: every size a user can set is bounded before anything is allocated.

An integer parameter has a finite upper bound (``Param.hi``), or it is one of the sizes whose
product the claim checks against the memory budget before allocating (the Gram chains of
:func:`bnproof.models.bn_init.validate_sizes`, the Monte Carlo of ``daneshmand2021.lemmas``):
there, any single size far beyond memory is one line of bad input.
"""

from __future__ import annotations

import pytest
from helpers import cli

from bnproof.claims import registry
from bnproof.core.params import ListOf

# sizes bounded by a memory check of their product instead of a bound each (claim -> parameters)
MEMORY_CHECKED = {
    "daneshmand2020.rank": {"n", "widths", "depth", "seeds"},
    "daneshmand2021.lemmas": {"draws", "width"},
    "daneshmand2021.orthogonality": {"n", "widths", "depth", "burn_in", "seeds"},
    **{f"nachum2024.{c}": {"n", "width", "depth", "seeds"}
       for c in ("odd-point-emergence", "odd-point-invariance", "stability")},
}


def _unbounded() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for cid, claim in registry().items():
        for p in claim.params:
            t = p.type
            if (t is int and p.hi is None) or (isinstance(t, ListOf) and t.item is int and t.hi is None):
                out.setdefault(cid, set()).add(p.name)
    return out


def test_every_integer_parameter_is_bounded_or_memory_checked():
    assert _unbounded() == MEMORY_CHECKED


@pytest.mark.parametrize("param", ["n=1000000000", "widths=64,1000000000000", "depth=1000000000000000",
                                   "seeds=1000000000000"])
def test_orthogonality_sizes_far_beyond_memory_are_one_line_of_bad_input(param, capsys):
    code, out, err = cli(["check", "daneshmand2021.orthogonality", "--param", param], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "needs about" in err and "more than the limit of" in err


def test_every_claim_has_a_typical_run_time():
    # `check --workers` starts the longest claims first; a claim without the hint would start last
    from bnproof.claims import registry

    missing = [c.id for c in registry().values() if not (c.typical_s and c.typical_s > 0)]
    assert not missing, missing
