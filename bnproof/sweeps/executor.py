"""The Dask executor shared by ``bnproof sweep`` and ``bnproof check --workers``.

:func:`connect` yields a ``distributed.Client``: on a new ``LocalCluster`` of processes with
one thread each (sized to the machine by default), or on an existing scheduler, which is
probed first so an unreachable address is bad input, not a hang.  :class:`TaskPool` keeps a
bounded number of tasks in flight and hands results back as they complete
(``distributed.as_completed``); closing it cancels whatever is still queued.

A worker killed mid-task loses nothing: the scheduler reruns its tasks on another worker (up
to ``distributed.scheduler.allowed-failures`` times), and the nanny of a LocalCluster starts
a fresh worker process in its place.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bnproof.core.errors import BadInput
from bnproof.sweeps.worker import mark_client_process

__all__ = ["PROBE_TIMEOUT_S", "TaskPool", "connect", "default_workers", "start_method"]

PROBE_TIMEOUT_S = 5  # seconds to reach a --scheduler before calling it unreachable


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """How a LocalCluster starts its worker processes: ``fork`` where the platform has it.

    A forked worker inherits the claim registry and the compiled kernels this process already
    loaded: two workers were ready in 2.2 s against 19 s with ``spawn`` (which re-imports SymPy,
    SciPy and every paper in each worker) on the loaded 2-core test machine.
    """
    import multiprocessing

    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None, processes: bool = True) -> Iterator[Any]:
    """A ``distributed.Client`` for the duration of the block (the LocalCluster is closed after it).

    ``processes=False`` runs the workers as threads of this process: starts in milliseconds,
    for tests and for claims that release the GIL; the default is one process per worker.
    """
    if workers is not None and scheduler is not None:
        raise BadInput("give workers or scheduler, not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise BadInput(f"workers: expected a positive integer, got {workers!r}")
    import dask
    from distributed import Client, LocalCluster

    mark_client_process()  # workers that run as threads here leave this process's BLAS alone

    if scheduler is not None:
        client = _probe(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with dask.config.set({"distributed.worker.multiprocessing-method": start_method()}):
        # ":0": a free port for the dashboard, no clash with another cluster on 8787; CRITICAL: the
        # workers' shutdown chatter (heartbeats to a closed scheduler) is no traceback for the user
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=processes,
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
        try:
            with Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()


def _probe(address: str):
    """Connect to ``address``; an unreachable or malformed one is bad input.

    A plain TCP connect first, so a refused port fails at once instead of after the client's
    retries; then the client itself, within PROBE_TIMEOUT_S.
    """
    from distributed import Client
    from distributed.comm import get_address_host_port, parse_address

    try:
        scheme, _ = parse_address(address)
        host, port = get_address_host_port(address)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"scheduler {address!r} is not an address like tcp://HOST:PORT ({exc})") from None
    try:
        if scheme in ("tcp", "tls"):
            socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S).close()
        return Client(address, timeout=PROBE_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise BadInput(f"scheduler {address!r} is unreachable ({detail})") from None


class TaskPool:
    """Tasks in flight on a client, handed back as they finish; :meth:`close` cancels the rest.

    Tags are the caller's (anything hashable): :meth:`next` returns ``(tag, future)`` so the
    caller decides what an exception in a task means.
    """

    def __init__(self, client: Any, retries: int = 1) -> None:
        from distributed import as_completed

        self.client = client
        self.retries = retries
        self._done = as_completed(loop=client.loop)
        self._tags: dict[str, Any] = {}
        self._futures: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._futures)

    def submit(self, tag: Any, fn: Callable, *args: Any) -> None:
        future = self.client.submit(fn, *args, retries=self.retries, pure=False)
        self._tags[future.key] = tag
        self._futures[future.key] = future
        self._done.add(future)

    def next(self) -> tuple[Any, Any]:
        """The next finished task: ``(tag, future)``; ``future.result()`` re-raises a task's error."""
        future = next(self._done)
        self._futures.pop(future.key, None)
        return self._tags.pop(future.key), future

    def close(self) -> None:
        """Cancel every task still queued or running (an interrupt, an error); idempotent."""
        pending = list(self._futures.values())
        self._futures.clear()
        if pending:
            try:
                self.client.cancel(pending)
            except Exception:  # noqa: BLE001, S110  (the cluster may already be gone: nothing left to cancel)
                pass

    def __enter__(self):  # -> TaskPool
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
