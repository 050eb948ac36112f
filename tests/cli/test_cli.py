"""The CLI contract: commands, JSON, exit statuses, and one-line errors for bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import assert_one_line_error, cli


def test_list_and_list_json(capsys):
    code, out, _ = cli(["list"], capsys)
    assert code == 0 and "cao2023.linear.rate" in out
    code, out, _ = cli(["list", "--json"], capsys)
    claims = {c["id"]: c for c in json.loads(out)}
    assert claims["cao2023.linear.rate"]["params"]["k"]["default"] == 2.0
    assert claims["cao2023.linear.uniform-margin"]["takes_data"] is True


def test_check_json_is_one_document_with_the_schema(capsys, tmp_path):
    code, out, err = cli(["check", "cao2023.linear.uniform-margin", "--quick", "--json", "--out", str(tmp_path)], capsys)
    rec = json.loads(out)
    assert code == 0 and rec["schema"] == "bnproof.check/1" and rec["verdict"] == "verified"
    for key in ("claim", "paper", "statement", "verdict", "reason", "expected", "measured", "tolerance",
                "params", "precision", "environment", "elapsed_s"):
        assert key in rec
    assert rec["params"]["seed"] == 0 and rec["params"]["steps"] == 10_000
    assert json.loads((tmp_path / "cao2023.linear.uniform-margin.json").read_text())["verdict"] == "verified"
    assert not list(tmp_path.glob(".*.tmp"))


def test_exit_status_refuted_and_inapplicable(capsys):
    code, out, _ = cli(["check", "cao2023.linear.rate", "--quick", "--json", "--param", "k=4"], capsys)
    assert code == 1 and json.loads(out)["verdict"] == "refuted"
    code, out, _ = cli(["check", "cao2023.linear.uniform-margin", "cao2023.linear.rate", "--steps", "500", "--json", "--param", "n=12", "--param", "d=6"], capsys)
    recs = json.loads(out)
    assert code == 3 and isinstance(recs, list) and {r["verdict"] for r in recs} == {"inapplicable"}


def _npz(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize("case", ["missing", "garbage", "no_y", "shape", "nan", "inf", "labels", "w0_shape"])
def test_bad_data_is_a_one_line_error(case, tmp_path, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 6)), np.array([1, -1, 1, 1])
    files = {
        "missing": str(tmp_path / "nope.npz"),
        "no_y": lambda: _npz(tmp_path, "a.npz", X=X),
        "shape": lambda: _npz(tmp_path, "b.npz", X=X, y=np.array([1, -1, 1])),
        "nan": lambda: _npz(tmp_path, "c.npz", X=np.where(X > 1, np.nan, X), y=y),
        "inf": lambda: _npz(tmp_path, "d.npz", X=np.where(X > 1, np.inf, X), y=y),
        "labels": lambda: _npz(tmp_path, "e.npz", X=X, y=np.array([1, 0, 1, 1])),
        "w0_shape": lambda: _npz(tmp_path, "f.npz", X=X, y=y, w0=np.ones(5)),
    }
    if case == "garbage":
        path = tmp_path / "g.npz"
        path.write_bytes(b"not a zip")
        path = str(path)
    else:
        path = files[case]() if callable(files[case]) else files[case]
    assert_one_line_error(*cli(["check", "cao2023.linear.uniform-margin", "--data", path], capsys))


@pytest.mark.parametrize("args", [
    ["check", "no.such.claim"],
    ["check", "cao2023.linear.rate", "--param", "nonsense=1"],
    ["check", "cao2023.linear.rate", "--param", "k"],
    ["check", "cao2023.linear.rate", "--param", "k=abc"],
    ["check", "cao2023.linear.rate", "--steps", "ten"],
    ["check", "cao2023.linear.rate", "--loss", "hinge"],
    ["check", "cao2023.linear.rate", "--eta", "-1"],
    ["check", "cao2023.linear.rate", "--dps", "abc"],
    ["check", "--frobnicate"],
    ["report", "--from", "/no/such/dir/x.json"],
    ["nosuchcommand"],
])
def test_usage_errors_are_one_line(args, capsys):
    assert_one_line_error(*cli(args, capsys))


def test_data_file_is_used(tmp_path, capsys):
    rng = np.random.default_rng(5)
    path = _npz(tmp_path, "ok.npz", X=rng.standard_normal((5, 12)), y=np.array([1, -1, 1, 1, -1]),
                w0=rng.standard_normal(12))
    code, out, _ = cli(["check", "cao2023.linear.uniform-margin", "--data", path, "--steps", "3000",
                        "--param", "gap_tol=1e-8", "--json"], capsys)
    rec = json.loads(out)
    assert rec["params"]["n"] == 5 and rec["params"]["d"] == 12 and "ok.npz" in rec["params"]["data"]
    assert code == 0, rec["reason"]


def test_report_from_records(tmp_path, capsys):
    cli(["check", "cao2023.linear.rate", "--quick", "--out", str(tmp_path / "recs")], capsys)
    code, out, _ = cli(["report", "--from", str(tmp_path / "recs"), "--out", str(tmp_path / "rep")], capsys)
    assert code == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "cao2023.linear.rate" in md and (tmp_path / "rep" / "figures").is_dir()


def test_console_entry_point_has_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "bnproof", "check", "unknown.claim"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_patch_data_for_a_matrix_claim_is_a_one_line_error(tmp_path, capsys):
    path = _npz(tmp_path, "p.npz", X=np.ones((4, 3, 5)), y=np.array([1, -1, 1, 1]))
    assert_one_line_error(*cli(["check", "cao2023.linear.rate", "--data", path], capsys))


def test_real_valued_targets_only_for_claims_that_accept_them(tmp_path, capsys):
    rng = np.random.default_rng(2)
    path = _npz(tmp_path, "reg.npz", X=rng.standard_normal((6, 8)), y=rng.standard_normal(6))
    code, out, err = cli(["check", "ergen2022.closed-form", "--data", path, "--json", "--quick"], capsys)
    assert code in (0, 1, 3) and "Traceback" not in err
    rec = json.loads(out)
    assert rec["claim"] == "ergen2022.closed-form"
    # a selection that includes a ±1-label claim still demands ±1 labels
    assert_one_line_error(*cli(["check", "ergen2022.closed-form", "cao2023.linear.rate", "--data", path], capsys))


@pytest.mark.parametrize("cid, param", [
    ("cao2023.linear.uniform-margin", "w0_scale=0"), ("cao2023.linear.uniform-margin", "per_decade=0"),
    ("cao2023.linear.uniform-margin", "gap_tol=-1"), ("cao2023.linear.rate", "k=nan"),
    ("cao2023.linear.rate", "window=0"), ("cao2023.cnn.rate", "per_decade=-1"), ("cao2023.contrast", "gap_tol=0"),
])
def test_out_of_range_params_are_one_line_errors(cid, param, capsys):
    # found by fuzzing every numeric --param with nan, -1 and 0: these used to be tracebacks or hangs
    assert_one_line_error(*cli(["check", cid, "--quick", "--param", param], capsys))


def test_negative_seed_is_a_one_line_error(capsys):
    # numpy seeds must be >= 0: this used to be a traceback from every claim
    assert_one_line_error(*cli(["check", "yang2019.bsb1-fixed-point", "--seed", "-1"], capsys))


def test_multi_claim_run_ends_with_a_summary(capsys):
    code, out, _ = cli(["check", "lyu2022.exp-lr-equivalence", "ergen2022.gd-preconditioning", "--quick"], capsys)
    assert code == 0
    tail = out.strip().splitlines()[-1]
    assert tail.startswith("2 claims: 2 verified")


# --- hostile input: options, data files, --out, interrupts -------------------------------------------


@pytest.mark.parametrize("option, value", [
    ("--steps", "nan"), ("--steps", "inf"), ("--steps", "1e400"), ("--steps", "-5"), ("--steps", "0"),
    ("--steps", "2.5"), ("--steps", ""), ("--steps", "10000000001"),
    ("--eta", "nan"), ("--eta", "inf"), ("--eta", "-inf"), ("--eta", "1e400"), ("--eta", "1e-400"), ("--eta", "0"),
    ("--eta", "-0.1"), ("--eta", "x"), ("--eta", ""),
    ("--dps", "0"), ("--dps", "-3"), ("--dps", "10001"),
])
def test_hostile_numeric_options_are_one_line_errors(option, value, capsys):
    assert_one_line_error(*cli(["check", "cao2023.linear.rate", "--quick", option, value], capsys))


def test_limits_are_named_and_edges_pass(capsys):
    from bnproof.cli.options import MAX_DPS, MAX_STEPS
    from bnproof.cli.options import check_dps as _check_dps
    from bnproof.cli.options import parse_eta as _parse_eta
    from bnproof.cli.options import parse_steps as _parse_steps

    assert _parse_steps("1e10") == MAX_STEPS and _parse_steps("1") == 1
    assert _check_dps(MAX_DPS) == MAX_DPS and _check_dps(1) == 1
    assert _parse_eta("1e-300") == "1e-300" and _parse_eta(" 0.1 ") == "0.1"
    code, _, err = cli(["check", "cao2023.linear.rate", "--steps", "1e11"], capsys)
    assert code == 2 and "limit of 1e+10 steps" in err
    code, _, err = cli(["check", "cao2023.linear.rate", "--dps", "100000"], capsys)
    assert code == 2 and "[1, 10000]" in err


def test_plain_npy_and_complex_data_are_one_line_errors(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.standard_normal((4, 6)))
    assert_one_line_error(*cli(["check", "cao2023.linear.uniform-margin", "--data", str(tmp_path / "x.npy")], capsys))
    path = _npz(tmp_path, "c.npz", X=rng.standard_normal((4, 6)) + 1j, y=np.array([1, -1, 1, -1]))
    code, out, err = cli(["check", "cao2023.linear.uniform-margin", "--data", path], capsys)
    assert_one_line_error(code, out, err)
    assert "complex" in err


@pytest.mark.parametrize("case", ["zero_w0", "huge", "tiny", "huge_w0"])
def test_degenerate_scales_are_one_line_errors(case, tmp_path, capsys):
    rng = np.random.default_rng(1)
    X, y, w0 = rng.standard_normal((4, 6)), np.array([1, -1, 1, -1]), rng.standard_normal(6)
    arrays = {"zero_w0": dict(X=X, y=y, w0=np.zeros(6)), "huge": dict(X=1e300 * X, y=y),
              "tiny": dict(X=1e-300 * X, y=y), "huge_w0": dict(X=X, y=y, w0=1e200 * w0)}[case]
    path = _npz(tmp_path, "s.npz", **arrays)
    assert_one_line_error(*cli(["check", "cao2023.linear.uniform-margin", "--data", path], capsys))


def test_terabyte_header_is_a_one_line_error_naming_the_limit(tmp_path, capsys):
    import io
    import zipfile

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (10**8, 10**6)})
    path = tmp_path / "tb.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("X.npy", buf.getvalue())
        zf.writestr("y.npy", buf.getvalue())
    code, out, err = cli(["check", "cao2023.linear.uniform-margin", "--data", str(path)], capsys)
    assert_one_line_error(code, out, err)
    assert "TB" in err and "limit" in err


def test_out_naming_a_file_fails_before_any_work(tmp_path, capsys, monkeypatch):
    import bnproof.cli.check as cli_mod

    ran = []
    monkeypatch.setattr(cli_mod, "run_claim", lambda *a, **k: ran.append(a))
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert_one_line_error(*cli(["check", "cao2023.linear.rate", "--quick", "--out", str(target)], capsys))
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert_one_line_error(*cli(["check", "cao2023.linear.rate", "--quick", "--out", str(blocker / "sub")], capsys))
    assert_one_line_error(*cli(["report", "--from", str(tmp_path), "--out", str(target)], capsys))
    assert ran == [] and target.read_text() == "x"


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root writes anywhere")
def test_unwritable_out_fails_before_any_work(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert_one_line_error(*cli(["check", "cao2023.linear.rate", "--quick", "--out", str(locked)], capsys))


def test_out_dir_probe_leaves_nothing(tmp_path, capsys):
    from bnproof.cli.files import check_out_dir as _check_out_dir

    _check_out_dir(tmp_path / "new" / "dir")
    assert list((tmp_path / "new" / "dir").iterdir()) == []


def test_interrupt_during_a_run_exits_130_with_one_line(tmp_path, capsys, monkeypatch):
    import bnproof.cli.check as cli_mod

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli_mod, "run_claim", interrupted)
    code, out, err = cli(["check", "cao2023.linear.rate", "--quick", "--out", str(tmp_path)], capsys)
    assert code == 130 and err == "bnproof: interrupted\n" and out == ""
    assert list(tmp_path.iterdir()) == []


def test_interrupt_during_a_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import os

    import bnproof.cli.files as cli_mod

    def broken_replace(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        cli_mod.write_atomic(tmp_path / "r.json", "{}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_signals_in_a_piped_run_are_answered_within_a_second(sig, tmp_path):
    """A real process: the signal arrives while the compiled engine runs; exit 130, one line, no temporary file."""
    import os
    import signal
    import time

    env = {**os.environ, "CI": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bnproof", "check", "cao2023.linear.rate", "--steps", "1e9",
                             "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(8)
    t0 = time.monotonic()
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 1.0
    assert proc.returncode == 130 and err == "bnproof: interrupted\n", err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("claim, name, value, recorded", [
    ("cao2023.linear.uniform-margin", "n", "10", 10),
    ("lyu2022.exp-lr-equivalence", "steps", "1000", 1000),  # the default, given explicitly: --quick uses 200
    ("lyu2022.exp-lr-equivalence", "steps", "300", 300),
    ("ergen2022.closed-form", "starts", "3", 3),
    ("ergen2022.gd-preconditioning", "seeds", "7", 7),
    ("nachum2024.stability", "seeds", "7", 7),
    ("daneshmand2020.rank", "depth", "301", 301),
])
def test_quick_never_overrides_an_explicit_param(claim, name, value, recorded, capsys):
    _, out, _ = cli(["check", claim, "--quick", "--json", "--param", f"{name}={value}"], capsys)
    assert json.loads(out)["params"][name] == recorded


@pytest.mark.parametrize("case", ["empty", "nested", "not_record", "unreadable", "deep", "bad_figure", "dir_json"])
def test_report_from_unusual_directories_is_one_line(case, tmp_path, capsys):
    import os

    src = tmp_path / "src"
    src.mkdir()
    good = {"schema": "bnproof.check/1", "claim": "x.y", "verdict": "verified"}
    if case == "nested":
        (src / "sub").mkdir()
        (src / "sub" / "r.json").write_text(json.dumps(good))
    elif case == "not_record":
        (src / "r.json").write_text("[1, 2, 3]")
    elif case == "unreadable":
        (src / "r.json").write_bytes(b"\xff\xfe\x00garbage")
    elif case == "deep":
        (src / "r.json").write_text("[" * 100000 + "]" * 100000)
    elif case == "bad_figure":
        (src / "r.json").write_text(json.dumps({**good, "figure": {"kind": "panels", "panels": [{"curves": 3}]},
                                                "measured": {"t": "x", "gap": [1, "a"]}}))
    elif case == "dir_json":
        (src / "d.json").mkdir()
    code, out, err = cli(["report", "--from", str(src), "--out", str(tmp_path / "rep")], capsys)
    if case == "bad_figure" and code == 0:  # rendered without the figure: fine too
        return
    assert_one_line_error(code, out, err)
    del os


def test_a_signal_during_a_record_write_waits_for_the_write(tmp_path):
    import os
    import signal

    import bnproof.cli.interrupts as cli_mod

    with cli_mod.interrupts_handled(), pytest.raises(cli_mod.Interrupted), cli_mod.signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        (tmp_path / "record.json").write_text("done")  # still runs: the signal is held back
    assert (tmp_path / "record.json").read_text() == "done"
    assert signal.getsignal(signal.SIGTERM) is not cli_mod._interrupt  # handlers restored


def test_version(capsys):
    import bnproof

    code, out, err = cli(["--version"], capsys)
    assert code == 0 and out == f"bnproof {bnproof.__version__}\n" and err == ""


def test_bare_command_prints_the_help_once(capsys):
    code, out, _ = cli([], capsys)
    assert code == 2 and out.count("Usage:") == 1 and "check" in out


def test_list_json_shows_the_measured_keys(capsys):
    code, out, _ = cli(["list", "--json"], capsys)
    claims = {c["id"]: c for c in json.loads(out)}
    assert code == 0 and "k_eff" in claims["cao2023.linear.rate"]["measured_keys"]


def test_records_written_by_out_follow_the_umask(tmp_path, capsys):
    import os

    old = os.umask(0o022)
    try:
        code, _, _ = cli(["check", "lyu2022.exp-lr-equivalence", "--quick", "--out", str(tmp_path)], capsys)
    finally:
        os.umask(old)
    assert code == 0 and (tmp_path / "lyu2022.exp-lr-equivalence.json").stat().st_mode & 0o777 == 0o644
