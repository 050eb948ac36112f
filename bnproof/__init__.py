"""bnproof: check theorems about batch normalization, symbolically and at high precision.

From Python::

    import bnproof
    rec = bnproof.check("cao2023.linear.rate", k=3.5)   # a Record; k is the claim's declared parameter
    rec.verdict, rec.measured["k_eff"]        # ('refuted', 2.8491): numbers are floats
    rec.exact("gap")                          # Decimal('1.6327361498072614E-53'): the record's exact value
    rec.to_frame(); rec.figure(); rec.to_json()   # pandas, a matplotlib Figure, the JSON record

The public API is what this module lists in ``__all__``; everything else is internal.
The folders are the pipeline (imports only point down, checked by import-linter):
``core`` -> ``models``/``solvers`` -> ``symbolic`` -> ``kernels`` -> ``engines`` -> ``analysis``
-> ``claims`` -> ``papers`` -> ``sweeps`` -> ``report``/``bench`` -> ``cli``.

Names are imported on first use (PEP 562): ``import bnproof`` is cheap, which matters because
Hypothesis imports ``bnproof._hypothesis_profiles`` (and so this package) on ``import hypothesis``.
"""

from __future__ import annotations

import importlib
import re
import warnings
from os import PathLike
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Context": "core.precision", "FlintContext": "core.precision", "Float64Context": "core.precision",
    "MpmathContext": "core.precision", "get_context": "core.precision",
    "SCHEMA": "core.records", "VERDICTS": "core.records", "Outcome": "core.records", "Record": "core.records",
    "Param": "core.params", "RunConfig": "core.params",
    "Claim": "claims", "get_claim": "claims", "register": "claims", "registry": "claims",
    "resolve": "claims", "run_claim": "claims",
    "compile_kernel": "kernels.codegen",
    "Dataset": "core.data", "load_npz": "core.data",
    "log_checkpoints": "engines.runner", "run": "engines.runner", "precision_audit": "engines.audit",
    "BadInput": "core.errors", "NumericalFailure": "core.errors",
    "sweep": "sweeps.api",
}

__all__ = [*sorted(_EXPORTS), "__version__", "check", "check_claim"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def check(claim_id: str, *, seed: int = 0, dps: int | None = None, steps: int | str | None = None,
          eta: float | str | None = None, loss: str | None = None, data: Any = None, quick: bool = False,
          **params: Any):
    """Check one claim and return its :class:`Record` (``bnproof check ID`` from Python).

    ``seed``, ``dps``, ``steps``, ``eta``, ``loss`` and ``quick`` are the common options (None:
    the claim's default); ``data`` is a path to an ``.npz``, a :class:`Dataset` or a tuple
    ``(X, y)`` / ``(X, y, w0)``; every other keyword is a declared parameter of the claim
    (``bnproof list --json``), given as a value: ``k=3.5``, ``gammas=[0.5, 2]``, ``recenter=False``.
    Bad input raises :class:`BadInput` (a ``ValueError``) naming the keyword; a refuted claim is
    a record, not an exception.
    """
    from bnproof.claims import get_claim, run_claim
    from bnproof.core.errors import BadInput
    from bnproof.core.params import RunConfig
    from bnproof.core.records import Record

    try:
        claim = get_claim(claim_id)
        config = RunConfig(seed=_seed(seed), dps=_common(dps, "dps"), steps=_common(steps, "steps"),
                           eta=_common(eta, "eta"), loss=_loss(loss), data=_dataset(claim, data),
                           params={k: _param_text(v) for k, v in params.items()}, quick=bool(quick))
        return Record(run_claim(claim, config))
    except BadInput as exc:
        raise BadInput(_keyword_message(str(exc))) from None


def check_claim(claim_id: str, **options) -> dict:
    """Deprecated: use :func:`check` (a :class:`Record`; ``record.to_dict()`` is this dict).

    ``options`` are the fields of :class:`RunConfig` (seed, dps, steps, eta, loss, data, params, quick).
    """
    warnings.warn("bnproof.check_claim is deprecated: use bnproof.check(claim_id, **options), which returns a "
                  "Record (record.to_dict() is the old dict)", DeprecationWarning, stacklevel=2)
    from bnproof.claims import get_claim, run_claim
    from bnproof.core.params import RunConfig

    return run_claim(get_claim(claim_id), RunConfig(**options))


# --- the keywords of check(): the CLI's parsers, with the keyword named in their messages ---

# The CLI's messages name flags ("--param k: expected float"); from Python the same check names
# the keyword ("keyword k: expected float").  One rewrite of the message, so every check's
# BadInput -- the options', the parameters', the claims' own -- reads right from both.
_FLAG = re.compile(r"unknown --param\b|--param (\w+)|--(steps|eta|dps|loss|data|seed|quick)\b")


def _keyword_message(message: str) -> str:
    def word(m: re.Match) -> str:
        if m.group(0).startswith("unknown"):
            return "unknown keyword"
        return f"keyword {m.group(1) or m.group(2)}"

    return _FLAG.sub(word, message)


def _seed(seed: Any) -> int:
    from bnproof.core.errors import BadInput

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BadInput(f"keyword seed: expected an integer ≥ 0, got {seed!r}")
    return seed


def _common(value: Any, name: str) -> Any:
    """``steps``/``eta``/``dps`` through the CLI's range checks (None: the claim's default)."""
    options = _above_the_pipeline("cli.options")

    if value is None:
        return None
    if name == "dps":
        return options.check_dps(_integer(value, name))
    text = str(value) if not isinstance(value, float) else repr(value)
    return options.parse_steps(text) if name == "steps" else options.parse_eta(text)


def _integer(value: Any, name: str) -> int:
    from bnproof.core.errors import BadInput

    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"keyword {name}: expected an integer, got {value!r}")
    return value


def _loss(loss: Any) -> str | None:
    from bnproof.core.errors import BadInput

    if loss is not None and loss not in ("exp", "logistic"):
        raise BadInput(f"keyword loss: must be 'exp' or 'logistic', got {loss!r}")
    return loss


def _dataset(claim: Any, data: Any) -> Any:
    """``data=`` as a :class:`Dataset` validated for ``claim`` (None: the claim generates its instance)."""
    from bnproof.core.data import Dataset, load_npz, validate
    from bnproof.core.errors import BadInput

    if data is None:
        return None
    if isinstance(data, (str, PathLike)):
        data = load_npz(data, targets=claim.targets)
    elif isinstance(data, tuple) and len(data) in (2, 3):
        data = validate(*data, source="data", targets=claim.targets)
    elif not isinstance(data, Dataset):
        raise BadInput(f"keyword data: expected a path, a Dataset or a tuple (X, y[, w0]), got {type(data).__name__}")
    if not claim.takes_data:
        raise BadInput(f"keyword data: {claim.id} takes no data")
    if claim.data_kind != data.kind:
        shape = "n×d" if claim.data_kind == "matrix" else "n×P×d (patches)"
        raise BadInput(f"keyword data: {claim.id} needs X of shape {shape}, got {data.X.shape}")
    return data


def _param_text(value: Any) -> str:
    """A keyword's value as the text ``--param`` would carry: lists comma-joined, booleans true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_param_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _above_the_pipeline(module: str) -> Any:
    """A module of the top layers (``cli``, ``report``), imported by name like :data:`_EXPORTS`.

    Modules of the pipeline import this package (for ``__version__``); a static import of the
    command line or the report here would make them depend, through it, on the layers above them.
    """
    return importlib.import_module(f".{module}", __name__)
