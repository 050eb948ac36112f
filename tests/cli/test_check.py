"""``bnproof check --workers N``: the claims run on the executor; records, order and exit status as with one."""

import json

from helpers import assert_one_line_error, cli

CLAIMS = ["lyu2022.exp-lr-equivalence", "nachum2024.stability", "lyu2022.edge-of-stability"]  # the middle is refuted
TIMINGS = ("steps_per_s", "audit_elapsed_s", "solve_s")


def _untimed(rec):
    rec = {k: v for k, v in rec.items() if k not in ("elapsed_s", "environment")}
    rec["precision"] = {k: v for k, v in rec["precision"].items() if k not in TIMINGS}
    return rec


def test_workers_give_the_same_records_order_files_and_exit_status(tmp_path, capsys):
    runs = {}
    for n in (1, 2):
        out = tmp_path / f"w{n}"
        code, stdout, err = cli(["check", *CLAIMS, "--quick", "--json", "--out", str(out), "--workers", str(n)], capsys)
        assert code == 1, err
        runs[n] = json.loads(stdout)
        assert sorted(p.stem for p in out.glob("*.json")) == sorted(CLAIMS)
    assert [r["claim"] for r in runs[2]] == CLAIMS
    assert [_untimed(r) for r in runs[2]] == [_untimed(r) for r in runs[1]]


def test_workers_print_records_in_order_and_the_summary(capsys):
    code, out, err = cli(["check", CLAIMS[0], CLAIMS[2], "--quick", "--workers", "2"], capsys)
    assert code == 0, err
    assert out.index(CLAIMS[0]) < out.index(CLAIMS[2]) and "summary" in out


def test_workers_below_one_is_a_usage_error(capsys):
    assert_one_line_error(*cli(["check", CLAIMS[0], "--workers", "0"], capsys))
