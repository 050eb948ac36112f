"""Run a sweep's tasks on a Dask client and write each finished row as it arrives.

Batching: a task may hold several seeds of one grid cell.  With ``batch=None`` the batch size
adapts: the first tasks hold one seed each; once seeds are seen to take less than
``TARGET_TASK_S`` the batch grows so each task runs about that long (fewer round trips for
instant claims), while the tail of the sweep keeps enough tasks to balance the workers.
Only ``2 x threads + 2`` tasks are in flight at a time (threads re-read every few seconds, so
the window follows a cluster that scales), so an interrupt cancels little.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from bnproof.core.errors import BadInput
from bnproof.core.records import INCONCLUSIVE, Outcome, make_record
from bnproof.sweeps.executor import TaskPool
from bnproof.sweeps.spec import SweepSpec, Task
from bnproof.sweeps.store import TaskWriter, make_row
from bnproof.sweeps.worker import run_batch

__all__ = ["MAX_BATCH", "TARGET_TASK_S", "adaptive_batch", "failed_record", "run_sweep_tasks"]

TARGET_TASK_S = 0.25  # an adaptive batch aims at tasks this long: scheduling costs ~2-5 ms a task
MAX_BATCH = 64
THREADS_RECHECK_S = 2.0  # how often the window follows a cluster that grows or shrinks


def _threads(client: Any) -> int:
    """Worker threads the cluster has now (at least 1: an adaptive cluster may start with none)."""
    return max(1, sum(client.nthreads().values()))


def adaptive_batch(mean_seed_s: float | None, remaining: int, threads: int) -> int:
    """Seeds per task: ~TARGET_TASK_S of work, at most MAX_BATCH, and small enough near the end
    that every thread still gets about two tasks."""
    if mean_seed_s is None:
        return 1
    by_time = max(1, int(TARGET_TASK_S / max(mean_seed_s, 1e-6)))
    by_tail = max(1, math.ceil(remaining / (2 * max(threads, 1))))
    return max(1, min(by_time, by_tail, MAX_BATCH))


def _chunks(todo: list[Task]) -> Callable[[int], list[Task]]:
    """Take up to ``n`` next tasks that share one grid cell (so one call runs them)."""
    position = {"i": 0}

    def take(n: int) -> list[Task]:
        i = position["i"]
        chunk = [todo[i]] if i < len(todo) else []
        while chunk and len(chunk) < n and i + len(chunk) < len(todo) and todo[i + len(chunk)].params == chunk[0].params:
            chunk.append(todo[i + len(chunk)])
        position["i"] = i + len(chunk)
        return chunk

    return take


def failed_record(claim: Any, seed: int, params: Mapping[str, str], exc: BaseException) -> dict:
    """The inconclusive record of a task that failed outside the check (its worker died too often)."""
    detail = " ".join(str(exc).split())[:300] or "(no message)"
    reason = f"the task failed on the cluster: {type(exc).__name__}: {detail}"
    return make_record(claim, Outcome(INCONCLUSIVE, reason, expected={}, measured={},
                                      params={"seed": seed, **params}), 0.0)


def run_sweep_tasks(client: Any, spec: SweepSpec, todo: list[Task], writer: TaskWriter, *, batch: int | None = None,
                    data: Any = None, progress: Callable[[int], None] | None = None,
                    stop: Callable[[], bool] | None = None) -> int:
    """Run ``todo`` on ``client``; each finished row goes to ``writer``.  Returns the number of tasks run.

    On any exit (an interrupt included) queued tasks are cancelled and the rows already back
    are flushed; rows still running are lost and rerun next time.  ``stop()`` true raises
    KeyboardInterrupt at the next finished task: a signal whose exception Python swallowed (a
    handler that fired inside a garbage-collector callback) still stops the sweep.
    """
    threads, checked = _threads(client), time.monotonic()
    take = _chunks(todo)
    done, spent, remaining = 0, 0.0, len(todo)
    options = dict(spec.options)
    try:
        with TaskPool(client) as pool:
            while True:
                if time.monotonic() - checked > THREADS_RECHECK_S:  # a cluster that scales (dask-jobqueue adapt)
                    threads, checked = _threads(client), time.monotonic()
                while len(pool) < 2 * threads + 2:
                    size = batch or adaptive_batch(spent / done if done else None, remaining, threads)
                    chunk = take(size)
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    pool.submit(chunk, run_batch, spec.claim, [t.seed for t in chunk], dict(chunk[0].params),
                                options, data)
                if not len(pool):
                    break
                chunk, future = pool.next()
                try:
                    results = future.result()
                except BadInput:
                    raise
                except Exception as exc:  # noqa: BLE001  (a task the cluster gave up on: inconclusive, named)
                    results = [(failed_record(spec.claim, t.seed, t.params, exc), "", 0.0) for t in chunk]
                for task, (record, worker, elapsed) in zip(chunk, results):
                    writer.add(make_row(task, record, worker, elapsed, task.command(spec.claim.id, options)), record)
                    spent += elapsed
                done += len(chunk)
                if progress is not None:
                    progress(done)
                if stop is not None and stop():
                    raise KeyboardInterrupt("stop requested")
    finally:
        writer.flush()
    return done

