"""The identity record and the shared table rows of every derivation page (bnproof/symbolic/identity.py)."""

from __future__ import annotations

from bnproof.symbolic.identity import Identity, identity_rows_latex, identity_rows_markdown

IDS = [Identity("grad_z", r"\partial L", True, "sympy.diff"), Identity("wrong_one", "x = y", False, "reduction")]


def test_to_dict_keeps_every_field():
    assert IDS[1].to_dict() == {"name": "wrong_one", "latex": "x = y", "holds": False, "method": "reduction"}


def test_markdown_rows_mark_a_failure_in_bold():
    assert identity_rows_markdown(IDS) == [r"| `grad_z` | $\partial L$ | yes | sympy.diff |",
                                           "| `wrong_one` | $x = y$ | **NO** | reduction |"]


def test_latex_rows_escape_underscores():
    assert identity_rows_latex(IDS) == [r"grad\_z & $\partial L$ & yes \\", r"wrong\_one & $x = y$ & NO \\"]


def test_an_identity_is_frozen():
    import dataclasses

    import pytest

    with pytest.raises(dataclasses.FrozenInstanceError):
        IDS[0].holds = False
