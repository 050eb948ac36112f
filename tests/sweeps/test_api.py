"""``bnproof.sweep``: the task table, the files, resuming, bad input, a worker killed mid-sweep."""

import json
import os
import signal

import pandas as pd
import pytest

from bnproof.core.errors import BadInput
from bnproof.sweeps import sweep
from bnproof.sweeps.executor import connect

CLAIM = "lyu2022.exp-lr-equivalence"  # ~0.03 s a check under --quick
FIXED = ["key", "claim", "seed", "verdict", "reason", "elapsed_s", "bnproof_version", "worker", "command"]


def run(out, **kw):
    return sweep(CLAIM, kw.pop("seeds", "0:4"), kw.pop("grid", {"model": ["t1", "t3"]}), out=out, quick=True,
                 workers=2, processes=False, **kw)


def test_table_files_and_summary(tmp_path):
    table = run(tmp_path, metrics=["max_norm_ratio_error"])
    assert len(table) == 8 and table["key"].is_unique
    assert set(FIXED) <= set(table.columns) and "param.model" in table.columns
    assert any(c.startswith("measured.") for c in table.columns)
    assert table["elapsed_s"].dtype == "float64" and table["seed"].tolist() == [0, 1, 2, 3] * 2
    assert sorted(p.stem for p in (tmp_path / "records").glob("*.json")) == sorted(table["key"])
    on_disk = pd.read_parquet(tmp_path / "tasks")
    assert sorted(on_disk["key"]) == sorted(table["key"])
    doc = json.loads((tmp_path / "sweep.json").read_text())
    assert doc["schema"] == "bnproof.sweep/1" and doc["claim"] == CLAIM and doc["seeds"] == [0, 4]
    assert doc["grid"] == {"model": ["t1", "t3"]} and doc["tasks"] == {"total": 8, "done": 8, "skipped_existing": 0}
    assert doc["population"]["verdict"] == "verified" and len(doc["cells"]) == 2
    assert {"n", "verified_rate", "wilson_lo", "wilson_hi", "max_norm_ratio_error.q50"} <= set(doc["cells"][0])
    assert doc["figure"] == "figures/sweep"
    assert all((tmp_path / "figures" / f"sweep.{fmt}").stat().st_size > 0 for fmt in ("png", "pdf", "svg"))


def test_rerun_runs_nothing_and_a_larger_sweep_only_the_new_tasks(tmp_path):
    first = run(tmp_path)
    calls = []
    again = run(tmp_path, progress=lambda label, done, total: calls.append((done, total)))
    assert calls == [(8, 8)]  # nothing submitted
    assert again.drop(columns=["elapsed_s", "worker"]).equals(first.drop(columns=["elapsed_s", "worker"]))
    bigger = run(tmp_path, seeds="0:6")
    doc = json.loads((tmp_path / "sweep.json").read_text())
    assert len(bigger) == 12 and doc["tasks"]["skipped_existing"] == 8 and bigger["key"].is_unique


@pytest.mark.parametrize("kw, message", [
    ({"grid": {"nope": ["1"]}}, "grid key 'nope'"),
    ({"grid": {"tol": ["1"]}}, "grid key 'tol'"),
    ({"seeds": "3:3"}, "seeds"),
    ({"batch": 0}, "batch"),
    ({"metrics": [""]}, "metrics"),
])
def test_bad_input_writes_nothing(tmp_path, kw, message):
    out = tmp_path / "out"
    with pytest.raises(BadInput, match=message):
        run(out, **kw)
    assert not out.exists()


def test_unreachable_scheduler_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(BadInput, match="unreachable"):
        sweep(CLAIM, "0:2", out=out, scheduler="tcp://127.0.0.1:1")
    assert not out.exists()


def test_a_worker_killed_mid_sweep_loses_no_row(tmp_path):
    """Two worker processes; one is SIGKILLed after the first rows arrive; every task still has one row."""
    with connect(workers=2) as client:
        pids = list(client.run(os.getpid).values())
        killed = []

        def progress(label, done, total):
            if done >= 2 and not killed:
                killed.append(os.kill(pids[0], signal.SIGKILL))

        table = sweep(CLAIM, "0:30", out=tmp_path, quick=True, batch=1, scheduler=client.scheduler.address,
                      progress=progress)
    assert killed and len(table) == 30 and table["key"].is_unique
    assert sorted(table["seed"]) == list(range(30)) and set(table["verdict"]) == {"verified"}
