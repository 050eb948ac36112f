"""Parsing and range checks of the common options, before any work starts.

Numeric options are checked against named limits (``MAX_STEPS``, ``MAX_DPS``), so a value that
would run for days or not fit in memory is refused with one line naming the limit.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal, InvalidOperation

from bnproof.core.errors import BadInput

__all__ = ["MAX_DPS", "MAX_STEPS", "check_dps", "parse_eta", "parse_params", "parse_steps"]

MAX_STEPS = 10**10  # more GD steps than any claim needs (its defaults are <= 1e8); hours of compute
MAX_DPS = 10_000  # decimal digits: beyond this one multiprecision step takes seconds


def parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--param expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_steps(text: str | None) -> int | None:
    """A positive integer up to MAX_STEPS, written as an integer or in e-notation (``1e5``)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"--steps expects a positive integer (1e5 is fine), got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 1:
        raise BadInput(f"--steps expects a positive integer, got {text!r}")
    if value > MAX_STEPS:
        raise BadInput(f"--steps {text}: more than the limit of {MAX_STEPS:.0e} steps")
    return int(value)


def parse_eta(text: str | None) -> str | None:
    """A positive step size, finite as a float64 (the exact decimal text is passed on unchanged)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"--eta expects a positive number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise BadInput(f"--eta expects a positive finite number, got {text!r}")
    as_float = float(value)
    if not math.isfinite(as_float) or as_float < sys.float_info.min:
        raise BadInput(f"--eta {text}: outside the float64 range [{sys.float_info.min:.3g}, {sys.float_info.max:.3g}]")
    return text.strip()


def check_dps(dps: int | None) -> int | None:
    if dps is not None and not 1 <= dps <= MAX_DPS:
        raise BadInput(f"--dps must be in [1, {MAX_DPS}], got {dps}")
    return dps
