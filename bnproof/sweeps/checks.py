"""Several claims at once on the sweep executor: ``bnproof check ... --workers N``.

Each claim is one task on a LocalCluster of N single-threaded worker processes, so the main
job uses every core.  Records come back in the order the claims were given, each as soon as
it and every claim before it have finished, and are the records an in-process run gives
(except timings): the worker calls the same :func:`bnproof.claims.run_claim`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bnproof.core.errors import BadInput
from bnproof.sweeps.executor import TaskPool, connect
from bnproof.sweeps.runner import failed_record
from bnproof.sweeps.worker import run_batch

__all__ = ["check_in_parallel"]


def check_in_parallel(claims: Sequence[Any], params: Sequence[Mapping[str, str]], options: Mapping[str, Any], *,
                      seed: int = 0, data: Any = None, workers: int = 2, scheduler: str | None = None,
                      processes: bool = True) -> Iterator[dict]:
    """Yield the record of each claim, in the order given; ``params[i]`` are claim i's ``--param`` values.

    Every claim is submitted at once (a main job has tens of claims, not thousands), the longest
    first by its ``typical_s`` hint, so no worker idles while a long claim runs alone at the end.
    """
    if len(params) != len(claims):
        raise ValueError("one params mapping per claim")
    with connect(workers=None if scheduler else workers, scheduler=scheduler, processes=processes) as client, \
            TaskPool(client) as pool:
        # longest first (LPT): a long claim started last would leave the other workers idle at the end
        for i in sorted(range(len(claims)), key=lambda i: -(getattr(claims[i], "typical_s", None) or 0.0)):
            pool.submit(i, run_batch, claims[i], [seed], dict(params[i]), dict(options), data)
        ready: dict[int, dict] = {}
        position = 0
        while position < len(claims):
            i, future = pool.next()
            try:
                ready[i] = future.result()[0][0]
            except BadInput:
                raise
            except Exception as exc:  # noqa: BLE001  (a claim the cluster gave up on: inconclusive, named)
                ready[i] = failed_record(claims[i], seed, params[i], exc)
            while position in ready:
                yield ready.pop(position)
                position += 1
