"""The record of one derived identity: what it states, whether it holds, how that was established.

Shared by every derivation module, so that ``bnproof derive`` renders and checks them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Identity"]


@dataclass(frozen=True)
class Identity:
    """A derived identity with how it was established."""

    name: str
    latex: str
    holds: bool
    method: str

    def to_dict(self) -> dict:
        return {"name": self.name, "latex": self.latex, "holds": self.holds, "method": self.method}
