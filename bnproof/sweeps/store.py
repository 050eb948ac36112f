"""The files of a sweep: a Parquet dataset of task rows, one JSON record per task, written atomically.

``DIR/tasks/part-<uuid>.parquet`` holds finished rows; each part is written to a temporary
name and renamed, so a part is either complete or absent, and an interrupt loses at most the
rows not yet flushed (their tasks rerun next time).  ``DIR/records/<key>.json`` holds the full
``bnproof.check/1`` record of each task.  A row is written after its record, so a key present in
the table always has its record.  Reading dedupes on ``key`` as a guard.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = ["TaskWriter", "compact", "existing_keys", "make_row", "read_tasks", "write_json_atomic"]

FLUSH_ROWS = 256  # rows buffered before a part is written ...
FLUSH_SECONDS = 5.0  # ... or seconds since the last part, whichever comes first


def write_json_atomic(path: Path, obj: Any) -> None:
    """JSON (UTF-8, indented) via a temporary file and a rename: never half-written."""
    _write_atomic(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n"))


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _scalar(value: Any) -> float | str | None:
    """A measured scalar for the table: numbers and decimal strings as float, other text as text."""
    if value is None or isinstance(value, (bool, int, float)):
        return None if value is None else float(value)
    try:
        return float(Decimal(value.strip()))
    except (InvalidOperation, ValueError, AttributeError):
        return str(value)


def make_row(task: Any, record: Mapping[str, Any], worker: str, elapsed_s: float, command: str) -> dict:
    """The table row of a finished task (``task`` is a :class:`bnproof.sweeps.spec.Task`)."""
    row: dict[str, Any] = {"key": task.key, "claim": record["claim"], "seed": int(task.seed)}
    row.update({f"param.{name}": str(value) for name, value in task.params.items()})
    row.update({"verdict": record["verdict"], "reason": record["reason"]})
    for name, value in (record.get("measured") or {}).items():
        if value is None or isinstance(value, (str, bool, int, float)):
            row[f"measured.{name}"] = _scalar(value)
    row.update({"elapsed_s": float(elapsed_s), "bnproof_version": record.get("environment", {}).get("bnproof", ""),
                "worker": worker, "command": command})
    return row


def _frame(rows: list[dict]):
    """Rows -> DataFrame whose measured columns are each float64 or text (text wins when mixed)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    for column in [c for c in frame.columns if c.startswith("measured.")]:
        values = frame[column]
        if any(isinstance(v, str) for v in values):
            frame[column] = values.map(lambda v: None if pd.isna(v) else str(v)).astype("string")
        else:
            frame[column] = values.astype("float64")
    for column in [c for c in frame.columns if c.startswith("param.")]:
        frame[column] = frame[column].astype("string")
    return frame


def _write_part(tasks_dir: Path, frame) -> Path:
    path = tasks_dir / f"part-{uuid.uuid4().hex}.parquet"
    _write_atomic(path, lambda tmp: frame.to_parquet(tmp, engine="pyarrow", index=False))
    return path


class TaskWriter:
    """Records at once, rows in parts: every FLUSH_ROWS rows or FLUSH_SECONDS, and on :meth:`flush`."""

    def __init__(self, out: Path, flush_rows: int = FLUSH_ROWS, flush_seconds: float = FLUSH_SECONDS) -> None:
        import pandas  # noqa: F401  (imported now, not in the flush after Ctrl-C: that took 2.7 s under load)
        import pyarrow.parquet  # noqa: F401

        self.out = Path(out)
        self.flush_rows, self.flush_seconds = flush_rows, flush_seconds
        self._rows: list[dict] = []
        self._last = time.monotonic()
        self.written = 0

    def add(self, row: dict, record: Mapping[str, Any]) -> None:
        write_json_atomic(self.out / "records" / f"{row['key']}.json", record)
        self._rows.append(row)
        if len(self._rows) >= self.flush_rows or time.monotonic() - self._last >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one part (nothing when the buffer is empty)."""
        self._last = time.monotonic()
        if self._rows:
            # the buffer is emptied only once the part is in place: an interrupt during the write
            # leaves the rows buffered for the final flush (at worst written twice; readers dedupe)
            _write_part(self.out / "tasks", _frame(self._rows))
            self.written += len(self._rows)
            self._rows = []


def _parts(out: Path) -> list[Path]:
    return sorted((Path(out) / "tasks").glob("part-*.parquet"))


def existing_keys(out: Path) -> set[str]:
    """Keys of the rows already in ``DIR/tasks`` (finished tasks)."""
    import pyarrow.parquet as pq

    keys: set[str] = set()
    for part in _parts(out):
        keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
    return keys


def read_tasks(out: Path):
    """Every row of ``DIR/tasks`` as one DataFrame (parts may differ in columns), deduped on ``key``."""
    return _read_parts(_parts(out))


def _read_parts(parts: list[Path]):
    import pandas as pd

    frames = [pd.read_parquet(part, engine="pyarrow") for part in parts]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["key", "claim", "seed", "verdict", "reason", "elapsed_s", "bnproof_version",
                                     "worker", "command"])
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return table.drop_duplicates("key", keep="first").reset_index(drop=True)


def compact(out: Path) -> None:
    """Merge the parts into one (so ``pandas.read_parquet(DIR/"tasks")`` sees one schema).

    The merged part is written before the old ones are removed: an interrupt in between leaves
    duplicate rows on disk, which :func:`read_tasks` drops and the next compaction removes.
    """
    parts = _parts(out)
    if len(parts) < 2:
        return
    table = _read_parts(parts)  # exactly the parts removed below (another run may be adding some)
    _write_part(Path(out) / "tasks", _frame(table.to_dict("records")))
    for part in parts:
        part.unlink(missing_ok=True)
