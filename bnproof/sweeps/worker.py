"""What runs inside a Dask worker: one claim on a batch of seeds, records back to the client.

The first task in a worker process limits BLAS to one thread (threadpoolctl; a LocalCluster's
nannies also set ``OMP_NUM_THREADS=1`` and friends before the worker starts) and imports the
claim's paper (unpickling the Claim does); later tasks reuse both, and the numba kernels a claim
compiles stay cached in the process, so the warm-up is paid once per worker, not once per task.

Workers only compute: they return records, and the client writes every file, so a remote
cluster needs no shared filesystem and no two processes ever write the same file.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

__all__ = ["mark_client_process", "run_batch", "run_config", "warm_worker", "worker_name"]

_WARM: dict[str, Any] = {}  # per process: the BLAS limiter, kept alive for the life of the worker
_CLIENT_PIDS: set[int] = set()  # processes that run a client: their BLAS is limited per task, not for good


def mark_client_process() -> None:
    """Called by the executor: workers running as threads of this process must not limit its BLAS for good."""
    _CLIENT_PIDS.add(os.getpid())


def warm_worker() -> str:
    """Once per process: single-threaded BLAS.  Returns the worker's name.

    In a worker process the BLAS limit is set once and kept; in the client's own process
    (workers as threads) it is set around each task instead (:func:`run_batch`), so the
    caller's BLAS is left as it was.
    """
    if not _WARM:
        from bnproof.core.blas import single_threaded_blas

        if os.getpid() not in _CLIENT_PIDS:
            limit = single_threaded_blas()
            limit.__enter__()  # entered for the life of the worker process: never exited
            _WARM["blas"] = limit
        _WARM["warm"] = True
    return worker_name()


def worker_name() -> str:
    """The Dask worker's address when running in one, else host:pid."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def run_config(seed: int, params: Mapping[str, str], options: Mapping[str, Any], data: Any = None):
    """The :class:`RunConfig` of one task (no progress callback: workers run silently)."""
    from bnproof.core.params import RunConfig

    return RunConfig(seed=int(seed), dps=options.get("dps"), steps=options.get("steps"), eta=options.get("eta"),
                     loss=options.get("loss"), data=data, params=dict(params), quick=bool(options.get("quick")))


def run_batch(claim: Any, seeds: Sequence[int], params: Mapping[str, str], options: Mapping[str, Any],
              data: Any = None) -> list[tuple[dict, str, float]]:
    """Run ``claim`` (a :class:`~bnproof.claims.Claim` or its id) once per seed; return
    ``(record, worker, wall seconds)`` per seed, in order.

    The client sends the Claim itself (a few kB, pickled by reference to its check function):
    a fresh worker then imports only that claim's paper, not the whole registry (2.0 s against
    5-20 s on the loaded test machine).
    """
    from bnproof.claims import get_claim, run_claim
    from bnproof.core.blas import single_threaded_blas

    name = warm_worker()
    claim = get_claim(claim) if isinstance(claim, str) else claim
    out = []
    with nullcontext() if "blas" in _WARM else single_threaded_blas():
        for seed in seeds:
            t0 = time.perf_counter()
            record = run_claim(claim, run_config(seed, params, options, data))
            out.append((record, name, time.perf_counter() - t0))
    return out
