"""``bnproof sweep``: exit statuses, bad input (exit 2, nothing written), Ctrl-C and rerun, a loopback cluster."""

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import assert_one_line_error, cli

from bnproof.cli.sweep import parse_grid, signal_seen
from bnproof.core.errors import BadInput
from bnproof.sweeps import read_tasks, sweep

CLAIM = "lyu2022.exp-lr-equivalence"  # ~0.03 s a check under --quick
BIN = Path(sys.executable).parent


def test_parse_grid():
    assert parse_grid(["n=8,16", "eps=0.001,0.01;0.1"]) == {"n": ["8", "16"], "eps": ["0.001,0.01", "0.1"]}
    for bad in (["n"], ["=1"], ["n="], ["n=1", "n=2"]):
        with pytest.raises(BadInput, match="--grid"):
            parse_grid(bad)


def test_signal_seen_remembers_a_signal_and_passes_it_on():
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), signal_seen() as stop:
        assert not stop()
        signal.raise_signal(signal.SIGINT)
    assert stop() and signal.getsignal(signal.SIGINT) is before


def test_summary_and_exit_status_refuted_with_reproducing_commands(tmp_path, capsys):
    code, out, err = cli(["sweep", "nachum2024.stability", "--seeds", "0:2", "--grid", "reading=stable,saddle",
                          "--quick", "--workers", "2", "--out", str(tmp_path)], capsys)
    assert code == 1, err
    assert "REFUTED" in out and "bnproof check nachum2024.stability --seed 1 --param reading=stable --quick" in out


def test_json_is_sweep_json_and_verified_exits_0(tmp_path, capsys):
    code, out, err = cli(["sweep", CLAIM, "--seeds", "0:3", "--quick", "--workers", "1", "--metric",
                          "max_norm_ratio_error", "--json", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc == json.loads((tmp_path / "sweep.json").read_text()) and doc["population"]["verdict"] == "verified"


@pytest.mark.parametrize("args", [
    ["nope.claim"], ["--grid", "nope=1"], ["--grid", "tol=1"], ["--grid", "model=t1,t9"], ["--seeds", "4:4"],
    ["--seeds", "x"], ["--workers", "0"], ["--batch", "0"], ["--scheduler", "tcp://127.0.0.1:1"],
    ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], ["--steps", "-1"], ["--loss", "square"],
    ["--param", "model=t9"], ["--grid", "model"],
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, tmp_path, capsys):
    out_dir = tmp_path / "out"
    argv = ["sweep", *(args if args[0] == "nope.claim" else [CLAIM, *args]), "--out", str(out_dir)]
    assert_one_line_error(*cli(argv, capsys))
    assert not out_dir.exists()


def test_ctrl_c_keeps_complete_rows_and_a_rerun_finishes_without_duplicates(tmp_path):
    out = tmp_path / "s"
    argv = [str(BIN / "bnproof"), "sweep", CLAIM, "--seeds", "0:80", "--quick", "--workers", "2", "--batch", "1",
            "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "records").glob("*.json"))) < 5 and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "bnproof: interrupted", err
    assert "Traceback" not in err and not list(out.rglob("*.tmp"))
    partial = read_tasks(out)
    assert 1 <= len(partial) < 80 and partial["key"].is_unique
    table = sweep(CLAIM, "0:80", out=out, quick=True, workers=2, processes=False)
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["tasks"]["skipped_existing"] == len(partial)
    assert len(table) == 80 and table["key"].is_unique and len(read_tasks(out)) == 80


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs, grace_s: float = 5) -> None:
    """SIGTERM, then SIGKILL whatever has not exited within ``grace_s``: no process outlives the test."""
    for p in procs:
        p.terminate()
    deadline = time.monotonic() + grace_s
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


def test_loopback_scheduler_and_two_workers_give_the_local_table(tmp_path, capsys):
    """`dask scheduler` + two `dask worker` processes on loopback: the same rows as a local run."""
    dask = BIN / "dask"
    if not dask.exists():
        dask = Path(shutil.which("dask") or "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              **quiet)]
    try:
        procs += [subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny",
                                    "--host", "127.0.0.1"], **quiet) for _ in range(2)]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            remote_workers = set(client.scheduler_info()["workers"])
        argv = ["sweep", CLAIM, "--seeds", "0:6", "--grid", "model=t1,t3", "--quick", "--out"]
        code, _, err = cli([*argv, str(tmp_path / "remote"), "--scheduler", address], capsys)
        assert code == 0, err
        code, _, err = cli([*argv, str(tmp_path / "local"), "--workers", "2"], capsys)
        assert code == 0, err
    finally:
        _stop(procs[1:])  # the workers first, while their scheduler still answers; then the scheduler
        _stop(procs[:1])
    remote, local = (read_tasks(tmp_path / name) for name in ("remote", "local"))
    assert set(remote["worker"]) <= remote_workers and not set(local["worker"]) & remote_workers
    remote, local = (t.drop(columns=["elapsed_s", "worker"]).sort_values("key").reset_index(drop=True)
                     for t in (remote, local))
    assert len(remote) == 12 and list(remote.columns) == list(local.columns)
    assert remote.equals(local)
