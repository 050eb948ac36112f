"""The executor: bad addresses are bad input at once; a killed worker process loses no task."""

import os
import signal
import threading
import time

import pytest

from bnproof.core.errors import BadInput
from bnproof.sweeps.executor import TaskPool, connect, default_workers, start_method


def test_workers_and_scheduler_are_exclusive_and_workers_positive():
    with pytest.raises(BadInput, match="not both"), connect(workers=2, scheduler="tcp://127.0.0.1:1"):
        pass
    with pytest.raises(BadInput, match="workers"), connect(workers=0):
        pass


@pytest.mark.parametrize("address, message", [("tcp://127.0.0.1:1", "unreachable"), ("nonsense", "not an address")])
def test_unreachable_or_malformed_scheduler_is_bad_input_quickly(address, message):
    t0 = time.perf_counter()
    with pytest.raises(BadInput, match=message), connect(scheduler=address):
        pass
    assert time.perf_counter() - t0 < 3


def test_defaults():
    assert default_workers() >= 1 and start_method() in ("fork", "spawn")


def _slow_pid(i):
    time.sleep(0.3)
    return os.getpid()


def test_a_killed_worker_process_loses_no_task():
    """Kill one of two worker processes mid-run: every task still returns (the scheduler reruns it)."""
    with connect(workers=2) as client:
        pids = list(client.run(os.getpid).values())
        with TaskPool(client) as pool:
            for i in range(12):
                pool.submit(i, _slow_pid, i)
            threading.Timer(0.5, os.kill, (pids[0], signal.SIGKILL)).start()
            results = {}
            while len(pool):
                tag, future = pool.next()
                results[tag] = future.result()
    assert sorted(results) == list(range(12))
    assert pids[0] in results.values() or pids[1] in results.values()


def test_close_cancels_what_is_queued():
    with connect(workers=1, processes=False) as client:
        pool = TaskPool(client)
        for i in range(5):
            pool.submit(i, time.sleep, 0.2)
        pool.close()
        assert len(pool) == 0
        pool.close()  # idempotent
