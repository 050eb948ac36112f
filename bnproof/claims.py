"""Claims and the registry.

A claim is data plus one pure function: ``check(claim, config) -> Outcome``.  The registry maps
claim ids (``cao2023.linear.rate``) to claims; paper keys (``cao2023``) select all of a
paper's claims.  :func:`run_claim` validates the parameters, runs the check and returns the
JSON record (:mod:`bnproof.core.records`).

Claims come from the paper packages (:data:`PAPERS`) and from plugins: installed distributions
that declare an entry point in the group ``bnproof.claims`` (:data:`ENTRY_POINT_GROUP`) whose
value is a *module*; importing it registers its claims with :func:`register`.  A plugin that
fails to import is skipped with a one-line warning on stderr; a claim id registered twice is
bad input naming both modules.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from bnproof.core.controls import Control
from bnproof.core.errors import BadInput, NumericalFailure
from bnproof.core.params import Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, Outcome, make_record

__all__ = ["ENTRY_POINT_GROUP", "PAPERS", "Claim", "get_claim", "register", "registry", "resolve", "run_claim",
           "tolerance_overrides"]


@dataclass(frozen=True)
class Claim:
    id: str
    paper: str  # paper key, e.g. "cao2023"
    citation: str
    summary: str  # one line, for `bnproof list`
    statement: str  # LaTeX
    confidence: str  # "paper" | "recon" | "derived": how sure we are of the statement itself
    assumptions: tuple[str, ...]
    check: Callable[["Claim", RunConfig], Outcome]
    params: tuple[Param, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)  # seed/dps/steps/eta/loss defaults
    takes_data: bool = False
    data_kind: str = "matrix"  # "matrix" (X n×d) or "patches" (X n×P×d), see bnproof.data
    targets: str = "labels"  # what --data's y may hold: "labels" (±1) or "real" (any finite value)
    notes: str = ""
    source: str = ""  # where the statement comes from: "Theorem 3.1", "Eq. (12)", "reference notes §2 [recon]"
    controls: tuple[Control, ...] = ()  # negative controls: runs the checker must not verify (core.controls)
    # the keys every record's `measured` holds, whatever the verdict (None when a run did not
    # measure one); a check may add others.  Empty: the record keeps what the check returned.
    measured_keys: tuple[str, ...] = ()
    # typical wall seconds of a run on the defaults (measured on a 2-core machine; None: unknown).
    # A scheduling hint only: `check --workers` starts the longest claims first.
    typical_s: float | None = None

    def param(self, config: RunConfig, name: str) -> Any:
        """Value of a declared parameter: ``--param`` if given, else its default."""
        for p in self.params:
            if p.name == name:
                return p.value(config.params.get(name))
        raise KeyError(name)

    def quick_cap(self, config: RunConfig, name: str, value: Any, cap: Any) -> Any:
        """``value`` capped at ``cap`` under ``--quick`` -- unless the user set ``name`` explicitly
        (an explicit ``--param`` always wins over ``--quick``)."""
        return min(value, cap) if config.quick and name not in config.params else value

    def option(self, config: RunConfig, name: str) -> Any:
        """A common option (dps, steps, eta, loss): the CLI value or the claim's default."""
        value = getattr(config, name)
        return self.defaults.get(name) if value is None else value

    def to_dict(self) -> dict:
        return {
            "id": self.id, "paper": self.paper, "citation": self.citation,
            "summary": self.summary, "statement": self.statement,
            "confidence": self.confidence, "source": self.source, "assumptions": list(self.assumptions),
            "takes_data": self.takes_data, "data_kind": self.data_kind, "targets": self.targets,
            "typical_s": self.typical_s,
            "defaults": dict(self.defaults),
            "params": {p.name: p.to_dict() for p in self.params},
            "measured_keys": list(self.measured_keys),
        }


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (at import of the module that defines it); returns it.

    Raises :class:`BadInput` if the id is taken, naming the modules of both checks: two
    installed packages (or a plugin and a paper) cannot both own an id.
    """
    if claim.id in _REGISTRY:
        first = _REGISTRY[claim.id]
        raise BadInput(f"claim id {claim.id!r} is registered twice: by {_origin(first)} and by {_origin(claim)}")
    _REGISTRY[claim.id] = claim
    return claim


def _origin(claim: Claim) -> str:
    return getattr(claim.check, "__module__", None) or "an unknown module"


# The paper packages, by key: importing one registers its claims.  An explicit list, not a scan
# of the folder: what `bnproof list` shows is decided here, and a stray module cannot register.
PAPERS = ("cao2023", "daneshmand2020", "daneshmand2021", "ergen2022", "karakida2019", "lyu2022", "nachum2024",
          "wei2019", "yang2019")


ENTRY_POINT_GROUP = "bnproof.claims"  # plugins: each entry point's value is a module that registers claims
_PLUGINS = {"loaded": False}


def _load_papers() -> None:
    for key in PAPERS:
        importlib.import_module(f"bnproof.papers.{key}")


def _load_plugins() -> None:
    """Import every ``bnproof.claims`` entry point once per process (after the papers, so a
    plugin reusing a paper's id is the one refused).  A plugin that fails to import is skipped
    with one line on stderr; a duplicate id (BadInput) is raised, and raised again on the next call."""
    if _PLUGINS["loaded"]:
        return
    _PLUGINS["loaded"] = True
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            importlib.import_module(ep.module)
        except BadInput:
            _PLUGINS["loaded"] = False
            raise
        except Exception as exc:  # noqa: BLE001  (a broken plugin must not take the other claims down)
            sys.stderr.write(f"bnproof: warning: plugin {ep.name!r} ({ep.value}) not loaded: "
                             f"{type(exc).__name__}: {_one_line(exc)}\n")


def registry() -> dict[str, Claim]:
    """Every claim, grouped by paper key (alphabetical), in registration order within a paper:
    the paper packages' claims and those of installed plugins (:data:`ENTRY_POINT_GROUP`).

    Grouping by key, not import order, keeps `bnproof list` stable when one paper module
    imports another (which registers the imported paper's claims first).
    """
    _load_papers()
    _load_plugins()
    order = sorted(_REGISTRY.values(), key=lambda c: c.paper)  # stable: keeps order within a paper
    return {c.id: c for c in order}


def get_claim(claim_id: str) -> Claim:
    reg = registry()
    if claim_id not in reg:
        raise BadInput(f"unknown claim id {claim_id!r} (see `bnproof list`)")
    return reg[claim_id]


def resolve(selectors: Sequence[str], all_claims: bool = False) -> list[Claim]:
    """Claim ids and paper keys -> claims, in registry order, without duplicates."""
    reg = registry()
    if all_claims:
        return list(reg.values())
    chosen: list[Claim] = []
    for sel in selectors:
        hits = [c for c in reg.values() if c.id == sel or c.paper == sel]
        if not hits:
            raise BadInput(f"unknown claim id or paper {sel!r} (see `bnproof list`)")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def run_claim(claim: Claim, config: RunConfig) -> dict:
    """Validate the parameters, run the check, return its record."""
    known = {p.name for p in claim.params}
    unknown = sorted(set(config.params) - known)
    if unknown:
        raise BadInput(f"{claim.id}: unknown --param {unknown[0]!r} (known: {', '.join(sorted(known)) or 'none'})")
    t0 = time.perf_counter()
    try:
        outcome = claim.check(claim, config)
    except (BadInput, KeyboardInterrupt):
        raise
    except NumericalFailure as exc:
        outcome = _failed(config, f"numerical failure: {exc}")
    except Exception as exc:  # noqa: BLE001  (any other failure must never look like a refutation)
        outcome = _failed(config, f"the check failed: {type(exc).__name__}: {_one_line(exc)}")
    record = make_record(claim, outcome, time.perf_counter() - t0)
    loosened = tolerance_overrides(claim, config)
    if loosened:
        record["tolerance_overrides"] = loosened
    return record


def _failed(config: RunConfig, reason: str) -> Outcome:
    return Outcome(INCONCLUSIVE, reason, expected={}, measured={},
                   params={k: str(v) for k, v in config.params.items()})


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or "(no message)"


def tolerance_overrides(claim: Claim, config: RunConfig) -> dict[str, dict]:
    """The tolerance parameters set away from their defaults: {name: {"default", "used"}}.

    A record shows when a claim was checked with a tolerance other than the one it declares.
    """
    out = {}
    for p in claim.params:
        if p.tolerance and p.name in config.params:
            used = p.parse(config.params[p.name])
            if used != p.default:
                out[p.name] = {"default": p.default, "used": used}
    return out
