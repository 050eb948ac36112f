"""Read ``bnproof.check/1`` records from files and directories, checking the schema.

A record file holds one record (a JSON object) or a list of records; a directory contributes
its ``*.json`` files.  Only ``schema``, ``claim`` and ``verdict`` are checked here: the other
fields (docs/records.md) are read leniently by the renderers, so a sparse record still renders.
``SCHEMA`` and ``VERDICTS`` are the ones :mod:`bnproof.core.records` writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union

from bnproof.core.records import SCHEMA, VERDICTS

__all__ = ["PathLike", "load_records", "schema_problem"]

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
    data = _read_json(path)
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
