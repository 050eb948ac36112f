"""Read ``bnproof.check/1`` records and ``bnproof.sweep/1`` sweeps, checking the schema.

A record file holds one record (a JSON object) or a list of records; a directory contributes
its ``*.json`` files.  :func:`load_inputs` also finds sweeps (``bnproof sweep --out DIR``): a
directory holding ``sweep.json``, or such directories one level below the one given; a sweep's
own ``records/`` (one record per task) are not claims of the report and are never read; the
``records/`` of an earlier ``bnproof report --out DIR`` are, when ``DIR`` has no ``*.json``.
Only ``schema``, ``claim`` and ``verdict`` are checked here: the other
fields (docs/records.md) are read leniently by the renderers, so a sparse record still renders.
``SCHEMA`` and ``VERDICTS`` are the ones :mod:`bnproof.core.records` writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from bnproof.core.records import SCHEMA, VERDICTS
from bnproof.report.figure_data import figure_names

__all__ = ["SWEEP_FILE", "SWEEP_SCHEMA", "PathLike", "Sweep", "load_inputs", "load_records", "schema_problem",
           "sweep_stems"]

#: What ``bnproof sweep --out DIR`` writes as ``DIR/sweep.json``.
SWEEP_SCHEMA = "bnproof.sweep/1"
SWEEP_FILE = "sweep.json"

PathLike = Union[str, "os.PathLike[str]"]


def load_records(paths_or_dir: PathLike | Iterable[PathLike]) -> list[dict]:
    """Load check records from a directory, a file, or a list of paths.

    A directory contributes all its ``*.json`` files (not recursive), sorted by
    name. A file may hold one record (a JSON object) or a list of records.

    Raises:
        ValueError: with a one-line message, on a missing or unreadable path,
            invalid JSON, or a record that is not a ``bnproof.check/1`` object
            with a non-empty string ``claim`` and a known ``verdict``.
    """
    targets = [paths_or_dir] if isinstance(paths_or_dir, (str, os.PathLike)) else list(paths_or_dir)
    records: list[dict] = []
    for target in targets:
        for path in _record_files(Path(target)):
            records.extend(_load_file(path))
    return records


@dataclass(frozen=True)
class Sweep:
    """A sweep's ``sweep.json`` (``data``) and the directory its figure paths are relative to."""

    data: dict
    directory: Path

    @property
    def claim(self) -> str:
        return str(self.data["claim"])

    def figure_file(self, fmt: str) -> Path | None:
        """The sweep's figure in format ``fmt`` (``png``, ``pdf``, ``svg``), when the file exists."""
        stem = self.data.get("figure")
        if not isinstance(stem, str) or not stem.strip():
            return None
        path = (self.directory / f"{stem}.{fmt}").resolve()
        # a crafted sweep.json must not pull files from outside its own directory into the report
        inside = path.is_relative_to(self.directory.resolve())
        return path if inside and path.is_file() else None


def sweep_stems(sweeps: Iterable[Sweep]) -> list[str]:
    """``sweep-<claim>`` per sweep, safe as a file name and an HTML id; repeats get ``-2``, ``-3``."""
    return [name[: -len(".png")] for name in figure_names([{"claim": f"sweep-{s.claim}"} for s in sweeps])]


def load_inputs(paths: PathLike | Iterable[PathLike]) -> tuple[list[dict], list[Sweep]]:
    """Records and sweeps from files and directories (see the module docstring).

    A ``*.json`` file of schema ``bnproof.sweep/1`` is a sweep; any other is read as records.

    Raises:
        ValueError: with a one-line message, as :func:`load_records`, or on a sweep without a
            non-empty string ``claim``.
    """
    targets = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    records: list[dict] = []
    sweeps: list[Sweep] = []
    for target in map(Path, targets):
        for path in _input_files(target):
            data = _read_json(path)
            if isinstance(data, dict) and data.get("schema") == SWEEP_SCHEMA:
                sweeps.append(_sweep(data, path))
            else:
                records.extend(_checked(data, path))
    return records, sweeps


def _input_files(path: Path) -> list[Path]:
    """A sweep directory's ``sweep.json``; else the path's JSON files and its sweep subdirectories'."""
    if path.is_dir() and (path / SWEEP_FILE).is_file():
        return [path / SWEEP_FILE]
    files = _record_files(path)
    if path.is_dir() and not files and (path / "records").is_dir():
        files = _record_files(path / "records")  # the --out directory of an earlier `bnproof report`
    if path.is_dir():
        files += sorted(p / SWEEP_FILE for p in path.iterdir() if p.is_dir() and (p / SWEEP_FILE).is_file())
    return files


def _sweep(data: dict, path: Path) -> Sweep:
    claim = data.get("claim")
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError(f"{path}: sweep without a 'claim'")
    return Sweep(data, path.parent)


def schema_problem(item: Any) -> str | None:
    """Why ``item`` is not a ``bnproof.check/1`` record (one line), or None if it is one."""
    if not isinstance(item, dict):
        return f"expected a JSON object, got {type(item).__name__}"
    if "schema" not in item:
        return "missing 'schema' key"
    if item["schema"] != SCHEMA:
        return f"schema is {item['schema']!r}, expected {SCHEMA!r}"
    claim = item.get("claim")
    if not isinstance(claim, str) or not claim.strip():
        return "missing or empty 'claim'"
    if item.get("verdict") not in VERDICTS:
        return f"verdict {item.get('verdict')!r} is not one of {', '.join(VERDICTS)}"
    return None


def _record_files(path: Path) -> list[Path]:
    """The JSON files a path stands for: a directory's ``*.json`` (sorted) or the file itself."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.json") if not p.is_dir())
    if path.is_file():
        return [path]
    raise ValueError(f"{path}: no such file or directory")


def _load_file(path: Path) -> list[dict]:
    """Read one JSON file and validate every record in it."""
    return _checked(_read_json(path), path)


def _checked(data: Any, path: Path) -> list[dict]:
    """The records of one file's JSON document, each validated."""
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        problem = schema_problem(item)
        if problem:
            where = f"{path}: record {i}" if isinstance(data, list) else str(path)
            raise ValueError(f"{where}: {problem}")
    return items


def _read_json(path: Path) -> Any:
    """A file's JSON document; a one-line ``ValueError`` when unreadable or not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({_one_line(exc)})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply") from None


def _one_line(exc: BaseException) -> str:
    """An exception's message squeezed onto one line."""
    return " ".join(str(getattr(exc, "strerror", None) or exc).split())
