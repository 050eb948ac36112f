"""bnproof.bench and `bnproof bench`: every engine measured on one instance, speed and gap digits."""

import json

import pytest

from bnproof.bench import engine_table
from bnproof.cli import main


@pytest.fixture(scope="module")
def rows():
    return engine_table(n=4, d=8, dps=30, seconds=0.2, gap_steps=300)


def test_every_engine_has_a_row(rows):
    names = [r["engine"] for r in rows]
    assert len(names) == 7
    for part in ("plain mpmath", "python-flint", "deviation, NumPy", "deviation, compiled (numba, float64)",
                 "double-double"):
        assert any(part in name for name in names), part
    for r in rows:
        assert r["steps_per_s"] > 0 and isinstance(r["gap_digits"], float)


def test_deviation_is_fast_and_accurate(rows):
    by = {r["engine"]: r for r in rows}
    plain = next(r for name, r in by.items() if name.startswith("plain mpmath"))
    compiled = next(r for name, r in by.items() if "numba, float64" in name)
    assert compiled["steps_per_s"] > 100 * plain["steps_per_s"]
    assert compiled["gap_digits"] >= 10
    assert plain["gap_digits"] >= 20  # the multiprecision rows carry their digits


def test_cli_bench_json(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--json", "--n", "3", "--d", "6", "--dps", "20", "--seconds", "0.1"])
    assert exc.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert all({"engine", "steps_per_s", "gap_digits"} <= set(row) for row in out)


@pytest.mark.parametrize("args", [
    ["--n", "0"], ["--n", "-4"], ["--n", "1"], ["--d", "0"], ["--d", "-1"], ["--dps", "0"], ["--dps", "-50"],
    ["--seconds", "0"], ["--seconds", "-1"], ["--seconds", "nan"], ["--seconds", "inf"], ["--n", "100000"],
    ["--n", "x"],
])
def test_cli_bench_bad_sizes_are_one_line_errors(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", *args])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and err.count("\n") == 1 and err.startswith("bnproof: error:"), err


def test_size_limits_edges():
    from bnproof.bench import LIMITS, check_sizes
    from bnproof.core.errors import BadInput

    for name, (lo, hi) in LIMITS.items():
        check_sizes(**{name: lo})
        check_sizes(**{name: hi})
        for bad in (lo - 1 if isinstance(lo, int) else lo / 2, hi + 1):
            with pytest.raises(BadInput, match=f"--{name.replace('_', '-')} must be in"):
                check_sizes(**{name: bad})
