"""bnproof: check theorems about batch normalization, symbolically and at high precision.

The public API is what this module lists in ``__all__``; everything else is internal.
The folders are the pipeline (imports only point down, checked by import-linter):
``core`` -> ``models``/``solvers`` -> ``symbolic`` -> ``kernels`` -> ``engines`` -> ``analysis``
-> ``claims`` -> ``papers`` -> ``report``/``bench`` -> ``cli``.

Names are imported on first use (PEP 562): ``import bnproof`` is cheap, which matters because
Hypothesis imports ``bnproof._hypothesis_profiles`` (and so this package) on ``import hypothesis``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Context": "core.precision", "FlintContext": "core.precision", "Float64Context": "core.precision",
    "MpmathContext": "core.precision", "get_context": "core.precision",
    "SCHEMA": "core.records", "VERDICTS": "core.records", "Outcome": "core.records",
    "Param": "core.params", "RunConfig": "core.params",
    "Claim": "claims", "get_claim": "claims", "register": "claims", "registry": "claims",
    "resolve": "claims", "run_claim": "claims",
    "compile_kernel": "kernels.codegen",
    "Dataset": "core.data", "load_npz": "core.data",
    "log_checkpoints": "engines.runner", "run": "engines.runner", "precision_audit": "engines.audit",
    "BadInput": "core.errors", "NumericalFailure": "core.errors",
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
    from bnproof.claims import get_claim, run_claim
    from bnproof.core.params import RunConfig

    return run_claim(get_claim(claim_id), RunConfig(**options))
