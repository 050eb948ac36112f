"""``bnproof.sweep(...)``: one claim over seeds x a parameter grid on Dask, from Python or the CLI.

Order of work, so bad input writes nothing: validate the claim, grid, params and seeds
(:mod:`.spec`); read the keys already finished in ``out``; connect to the executor (a
LocalCluster, or the ``scheduler`` given, which is probed); only then create ``out`` and run the
missing tasks.  Afterwards the parts are merged, and ``sweep.json`` (the summary and the
population verdict) and the figure are written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bnproof.core.errors import BadInput
from bnproof.core.records import environment, jsonable
from bnproof.sweeps.executor import connect
from bnproof.sweeps.figures import save_sweep_figure
from bnproof.sweeps.runner import run_sweep_tasks
from bnproof.sweeps.spec import SweepSpec, build_spec
from bnproof.sweeps.store import TaskWriter, compact, existing_keys, read_tasks, write_json_atomic
from bnproof.sweeps.summary import population_verdict, summarise

__all__ = ["SCHEMA", "default_out", "sweep", "sweep_document"]

SCHEMA = "bnproof.sweep/1"


def default_out(claim: str) -> Path:
    """``bnproof-sweep/<claim>`` under the current directory."""
    return Path("bnproof-sweep") / claim


def sweep(claim: str, seeds: Sequence[int] | range | str = range(1), grid: Mapping[str, Sequence] | None = None, *,
          params: Mapping[str, Any] | None = None, metrics: Sequence[str] = (), workers: int | None = None,
          scheduler: str | None = None, out: str | os.PathLike | None = None, quick: bool = False, steps=None,
          eta=None, dps=None, loss=None, batch: int | None = None, progress: Callable | None = None,
          processes: bool = True, stop: Callable[[], bool] | None = None):
    """Check ``claim`` on every seed x grid cell; return the task table (a DataFrame, one row per task).

    ``grid`` maps a parameter to its values (each checked with the claim's own parameter);
    ``params`` are fixed ``--param`` values; ``metrics`` name measured values to summarise.
    Finished tasks in ``out`` (default ``bnproof-sweep/<claim>``) are kept and skipped.
    ``progress(label, done, total)`` is called as tasks finish.  ``processes=False`` runs a
    LocalCluster of threads (fast start, for tests); ``stop()`` returning true interrupts the run
    (KeyboardInterrupt) at the next finished task.  Writes ``out/sweep.json`` (schema
    ``bnproof.sweep/1``) and ``out/figures/sweep.{png,pdf,svg}``.
    """
    t0 = time.perf_counter()
    spec = build_spec(claim, seeds, grid, params, {"quick": quick, "steps": steps, "eta": eta, "dps": dps, "loss": loss})
    metrics = _checked_metrics(metrics)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise BadInput(f"batch: expected a positive integer, got {batch!r}")
    out_dir = Path(out) if out is not None else default_out(spec.claim.id)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"out {str(out_dir)!r}: exists and is not a directory")
    tasks = spec.tasks()
    finished = existing_keys(out_dir) if out_dir.is_dir() else set()
    todo = [t for t in tasks if t.key not in finished]
    label = f"sweep {spec.claim.id}"
    if progress is not None:
        progress(label, len(tasks) - len(todo), len(tasks))
    if todo:
        with connect(workers=workers, scheduler=scheduler, processes=processes) as client:
            _make_writable(out_dir)
            on_done = None if progress is None else (lambda n: progress(label, len(tasks) - len(todo) + n, len(tasks)))
            run_sweep_tasks(client, spec, todo, TaskWriter(out_dir), batch=batch, progress=on_done, stop=stop)
    elif not out_dir.is_dir():
        _make_writable(out_dir)
    compact(out_dir)
    table = _own_rows(read_tasks(out_dir), [t.key for t in tasks])
    counts = {"total": len(tasks), "done": len(table), "skipped_existing": len(tasks) - len(todo)}
    doc = sweep_document(spec, table, metrics, counts, time.perf_counter() - t0)
    doc["figure"] = save_sweep_figure(table, doc["cells"], list(spec.grid), metrics, out_dir / "figures" / "sweep")
    write_json_atomic(out_dir / "sweep.json", doc)
    return table


def _checked_metrics(metrics: Sequence[str]) -> list[str]:
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    bad = [m for m in metrics if not isinstance(m, str) or not m.strip()]
    if bad:
        raise BadInput(f"metrics: expected measured-value names, got {bad[0]!r}")
    return [m.strip().removeprefix("measured.") for m in metrics]


def _make_writable(out_dir: Path) -> None:
    try:
        (out_dir / "tasks").mkdir(parents=True, exist_ok=True)
        (out_dir / "records").mkdir(exist_ok=True)
        probe = out_dir / f".bnproof-probe.{os.getpid()}.tmp"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"out {str(out_dir)!r}: not a writable directory ({exc.strerror or type(exc).__name__})") from None


def _own_rows(table, keys: list[str]):
    """The rows of this sweep's tasks (a directory may hold other sweeps' rows), in task order."""
    order = {k: i for i, k in enumerate(keys)}
    own = table[table["key"].isin(order)].copy()
    own = own.iloc[own["key"].map(order).argsort(kind="stable")].reset_index(drop=True)
    return own.dropna(axis=1, how="all") if len(own) else own


def sweep_document(spec: SweepSpec, table, metrics: Sequence[str], counts: Mapping[str, int], elapsed_s: float) -> dict:
    """The ``bnproof.sweep/1`` summary (``figure`` left None for the caller to fill)."""
    cells = summarise(table, metrics) if len(table) else None
    return jsonable({
        "schema": SCHEMA, "claim": spec.claim.id, "confidence": spec.claim.confidence,
        "statement": spec.claim.statement, "seeds": spec.seed_range(), "n_seeds": len(spec.seeds),
        "grid": {k: list(v) for k, v in spec.grid.items()}, "params": dict(spec.params),
        "options": dict(spec.options), "metrics": list(metrics), "population": population_verdict(table),
        "cells": [] if cells is None else _records(cells), "tasks": dict(counts),
        "elapsed_s": round(elapsed_s, 3), "environment": environment(), "figure": None,
    })


def _records(frame) -> list[dict]:
    import pandas as pd

    return [{k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]
