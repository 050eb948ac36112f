"""What a sweep runs: the claim, the seeds, the grid, the fixed parameters -> the list of tasks.

Everything is validated here, before any file is written or any worker started: an unknown
claim or grid key, a value outside its parameter's range (the claim's own ``Param.parse``) or
an empty seed range raises :class:`BadInput` naming the keyword (``grid key 'n'``, ``seeds``).

A task is keyed by a hash of (claim, parameters, run options, seed, bnproof version), so a
rerun recognises what is already done and a new version never reuses an old row.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bnproof import __version__
from bnproof.claims import Claim, get_claim
from bnproof.core.errors import BadInput

__all__ = ["OPTIONS", "SweepSpec", "Task", "build_spec", "parse_seeds", "task_key"]

OPTIONS = ("quick", "steps", "eta", "dps", "loss")  # the common run options a sweep passes to every task
MAX_TASKS = 10_000_000  # seeds x cells: more tasks than any sweep should queue in one go


@dataclass(frozen=True)
class Task:
    """One instance: a seed and the full parameter set of its grid cell (values as text, exactly as given)."""

    key: str
    seed: int
    params: Mapping[str, str]

    def command(self, claim: str, options: Mapping[str, Any]) -> str:
        """The ``bnproof check`` command line that reruns exactly this instance."""
        return check_command(claim, self.seed, self.params, options)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: claim, seeds, grid (key -> values as text), fixed params, run options."""

    claim: Claim
    seeds: tuple[int, ...]
    grid: Mapping[str, tuple[str, ...]]
    params: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)
    version: str = __version__

    def cells(self) -> list[dict[str, str]]:
        """Every grid cell as {key: value}, in grid order (one empty cell without a grid)."""
        keys = list(self.grid)
        return [dict(zip(keys, values)) for values in itertools.product(*(self.grid[k] for k in keys))]

    def tasks(self) -> list[Task]:
        """Cells x seeds, cell-major: all seeds of the first cell, then of the next."""
        out = []
        for cell in self.cells():
            params = {**self.params, **cell}
            out += [Task(task_key(self.claim.id, params, self.options, seed, self.version), seed, params)
                    for seed in self.seeds]
        return out

    def seed_range(self) -> list[int]:
        """[lo, hi): the smallest seed and one past the largest."""
        return [min(self.seeds), max(self.seeds) + 1]


def task_key(claim: str, params: Mapping[str, str], options: Mapping[str, Any], seed: int, version: str) -> str:
    """Hash of everything that decides a task's record (sha256 of canonical JSON, 24 hex digits)."""
    text = json.dumps({"claim": claim, "params": dict(sorted(params.items())),
                       "options": {k: options.get(k) for k in OPTIONS}, "seed": int(seed), "version": version},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def check_command(claim: str, seed: int, params: Mapping[str, str], options: Mapping[str, Any]) -> str:
    """``bnproof check CLAIM --seed S [--param K=V]... [--quick] [--steps N] ...``, shell-quoted."""
    words = ["bnproof", "check", claim, "--seed", str(seed)]
    for name, value in params.items():
        words += ["--param", f"{name}={value}"]
    if options.get("quick"):
        words.append("--quick")
    for name in ("steps", "eta", "dps", "loss"):
        if options.get(name) is not None:
            words += [f"--{name}", str(options[name])]
    return shlex.join(words)


def parse_seeds(seeds: Sequence[int] | range | str | int) -> tuple[int, ...]:
    """Seeds as given: a range, a sequence of ints, an int, or text ``LO:HI`` (half-open), ``S`` or ``A,B,C``.

    Refused: an empty range, negative or non-integer seeds.  Duplicates are dropped (order kept).
    """
    if isinstance(seeds, str):
        text = seeds.strip()
        try:
            if ":" in text:
                lo, _, hi = text.partition(":")
                values: Sequence[int] = range(int(lo), int(hi))
            else:
                values = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise BadInput(f"seeds: expected LO:HI, S or A,B,C (integers), got {seeds!r}") from None
    elif isinstance(seeds, int) and not isinstance(seeds, bool):
        values = [seeds]
    else:
        values = list(seeds)
    if len(values) > MAX_TASKS:
        raise BadInput(f"seeds: {len(values):,} seeds, more than the limit of {MAX_TASKS:,}")
    if any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in values):
        raise BadInput(f"seeds: expected non-negative integers, got {seeds!r}")
    if not values:
        raise BadInput(f"seeds: the range {seeds!r} is empty")
    return tuple(dict.fromkeys(int(s) for s in values))


def _validated(claim: Claim, name: str, value: Any, what: str) -> str:
    """The value as text, checked with the claim's own parameter (type, choices, range)."""
    declared = {p.name: p for p in claim.params}
    if name not in declared:
        known = ", ".join(sorted(declared)) or "none"
        raise BadInput(f"{what} {name!r}: {claim.id} has no such parameter (known: {known})")
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    try:
        declared[name].parse(text)
    except BadInput as exc:
        raise BadInput(f"{what} {name!r}: {str(exc).split(': ', 1)[-1]}") from None
    return text


def build_spec(claim: str | Claim, seeds: Sequence[int] | range | str | int = range(1),
               grid: Mapping[str, Sequence[Any]] | None = None, params: Mapping[str, Any] | None = None,
               options: Mapping[str, Any] | None = None) -> SweepSpec:
    """Validate everything a sweep is given and return its spec (BadInput on the first problem)."""
    c = claim if isinstance(claim, Claim) else get_claim(claim)
    fixed = {name: _validated(c, name, value, "param") for name, value in (params or {}).items()}
    cells: dict[str, tuple[str, ...]] = {}
    for name, values in (grid or {}).items():
        if name in fixed:
            raise BadInput(f"grid key {name!r} is also a fixed param; give it in one place")
        values = [values] if isinstance(values, (str, int, float)) else list(values)
        if not values:
            raise BadInput(f"grid key {name!r}: no values")
        cells[name] = tuple(dict.fromkeys(_validated(c, name, v, "grid key") for v in values))
    seed_tuple = parse_seeds(seeds)
    n_tasks = len(seed_tuple) * math.prod(len(v) for v in cells.values())
    if n_tasks > MAX_TASKS:
        raise BadInput(f"seeds x grid: {n_tasks:,} tasks, more than the limit of {MAX_TASKS:,}")
    opts = {k: (options or {}).get(k) for k in OPTIONS}
    opts["quick"] = bool(opts["quick"])
    return SweepSpec(c, seed_tuple, cells, fixed, opts)

