"""bnproof: check theorems about batch normalization, symbolically and at high precision.

The public API is what this module lists in ``__all__``; everything else is internal.
Data flows one way: ``symbolic`` -> ``codegen`` -> ``dynamics`` -> ``rates`` -> claim
record (``claims``) -> ``report``.
"""

from .arith import Context as Context
from .arith import FlintContext as FlintContext
from .arith import Float64Context as Float64Context
from .arith import MpmathContext as MpmathContext
from .arith import get_context as get_context
from .claims import SCHEMA as SCHEMA
from .claims import VERDICTS as VERDICTS
from .claims import Claim as Claim
from .claims import Outcome as Outcome
from .claims import Param as Param
from .claims import RunConfig as RunConfig
from .claims import get_claim as get_claim
from .claims import register as register
from .claims import registry as registry
from .claims import resolve as resolve
from .claims import run_claim as run_claim
from .codegen import compile_kernel as compile_kernel
from .data import Dataset as Dataset
from .data import load_npz as load_npz
from .dynamics import log_checkpoints as log_checkpoints
from .dynamics import precision_audit as precision_audit
from .dynamics import run as run
from .errors import BadInput as BadInput

__version__ = "0.1.0"

__all__ = [
    "BadInput", "Claim", "Context", "Dataset", "FlintContext", "Float64Context", "MpmathContext",
    "Outcome", "Param", "RunConfig", "SCHEMA", "VERDICTS", "compile_kernel", "get_claim", "get_context",
    "load_npz", "log_checkpoints", "precision_audit", "register", "registry", "resolve", "run",
    "run_claim",
]


def check_claim(claim_id: str, **options) -> dict:
    """Run one claim from Python and return its ``bnproof.check/1`` record.

    ``options`` are the fields of :class:`RunConfig` (seed, dps, steps, eta, loss, data, params, quick).
    """
    return run_claim(get_claim(claim_id), RunConfig(**options))


__all__.append("check_claim")
