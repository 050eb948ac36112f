"""bnproof: check theorems about batch normalization, symbolically and at high precision.

The public API is what this module lists in ``__all__``; everything else is internal.
Data flows one way: ``symbolic`` -> ``codegen`` -> ``dynamics`` -> ``rates`` -> claim
record (``claims``) -> ``report``.

Names are imported on first use (PEP 562): ``import bnproof`` is cheap, which matters because
Hypothesis imports ``bnproof._hypothesis_profiles`` (and so this package) on ``import hypothesis``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Context": "arith", "FlintContext": "arith", "Float64Context": "arith", "MpmathContext": "arith",
    "get_context": "arith",
    "SCHEMA": "claims", "VERDICTS": "claims", "Claim": "claims", "Outcome": "claims", "Param": "claims",
    "RunConfig": "claims", "get_claim": "claims", "register": "claims", "registry": "claims",
    "resolve": "claims", "run_claim": "claims",
    "compile_kernel": "codegen",
    "Dataset": "data", "load_npz": "data",
    "log_checkpoints": "dynamics", "precision_audit": "dynamics", "run": "dynamics",
    "BadInput": "errors", "NumericalFailure": "errors",
}

__all__ = sorted(_EXPORTS) + ["check_claim"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def check_claim(claim_id: str, **options) -> dict:
    """Run one claim from Python and return its ``bnproof.check/1`` record.

    ``options`` are the fields of :class:`RunConfig` (seed, dps, steps, eta, loss, data, params, quick).
    """
    from .claims import RunConfig, get_claim, run_claim

    return run_claim(get_claim(claim_id), RunConfig(**options))
