"""Adaptive batching at its edges, and a run on a thread cluster writing one row per task."""

import pytest

from bnproof.claims import get_claim
from bnproof.sweeps.executor import connect
from bnproof.sweeps.runner import MAX_BATCH, adaptive_batch, failed_record, run_sweep_tasks
from bnproof.sweeps.spec import build_spec
from bnproof.sweeps.store import TaskWriter, read_tasks


@pytest.mark.parametrize("mean, remaining, threads, batch", [
    (None, 1000, 2, 1),  # nothing measured yet: one seed a task
    (1.0, 1000, 2, 1),  # slow seeds: one a task
    (0.001, 1000, 2, MAX_BATCH),  # instant seeds: capped
    (0.01, 1000, 2, 25),  # ~0.25 s a task
    (0.001, 8, 2, 2),  # the tail: every thread keeps about two tasks
])
def test_adaptive_batch(mean, remaining, threads, batch):
    assert adaptive_batch(mean, remaining, threads) == batch


def test_batches_never_mix_grid_cells(tmp_path):
    spec = build_spec("lyu2022.exp-lr-equivalence", "0:5", {"model": ["t1", "t2"]}, options={"quick": True})
    seen = []
    with connect(workers=2, processes=False) as client:
        done = run_sweep_tasks(client, spec, spec.tasks(), TaskWriter(tmp_path), batch=4, progress=seen.append)
    table = read_tasks(tmp_path)
    assert done == 10 and len(table) == 10 and table["key"].is_unique
    assert seen[-1] == 10 and seen == sorted(seen)
    assert set(zip(table["seed"], table["param.model"])) == {(s, m) for s in range(5) for m in ("t1", "t2")}


def test_stop_interrupts_and_keeps_only_finished_rows(tmp_path):
    spec = build_spec("lyu2022.exp-lr-equivalence", "0:40", options={"quick": True})
    with connect(workers=1, processes=False) as client, pytest.raises(KeyboardInterrupt):
        run_sweep_tasks(client, spec, spec.tasks(), TaskWriter(tmp_path), batch=1, stop=lambda: True)
    table = read_tasks(tmp_path)
    assert 1 <= len(table) < 40 and table["key"].is_unique


def test_a_task_the_cluster_gave_up_on_is_an_inconclusive_record_naming_it():
    rec = failed_record(get_claim("lyu2022.exp-lr-equivalence"), 7, {"model": "t1"}, RuntimeError("KilledWorker x3"))
    assert rec["verdict"] == "inconclusive" and "RuntimeError: KilledWorker x3" in rec["reason"]
    assert rec["params"] == {"seed": 7, "model": "t1"} and rec["schema"] == "bnproof.check/1"
