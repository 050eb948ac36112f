"""The CLI fuzz of tests/test_fuzz.py with a large budget, as a table of findings.

    python benchmarks/fuzz_cli.py [--examples N] [--time-limit S] [--params-only] [--json]
    python benchmarks/fuzz_cli.py --quick-params [CLAIM ...]  # does --quick override explicit params?

Runs every declared ``--param`` of the fast claims with every hostile value (the full matrix,
``tests/test_fuzz.py::param_cases``), then ``N`` Hypothesis examples of each generated kind
(options and params, .npz files, --out targets, report directories).  Each case runs in-process
under a time limit.  Prints one line per kind (cases, contract kept, findings) and every finding
with its exact command; exits 1 when a finding is not listed in ``KNOWN_FINDINGS``.

``--quick-params`` runs every claim (or those named) on ``--quick`` once, then, for every param
whose recorded value differs from its default (``--quick`` changed it), runs again with the
default given explicitly and with another explicit value (an int param: the quick value + 1),
and prints each command whose explicit value the record does not show.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz as fz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _record(table: list[dict], kind: str, result: fz.Result, elapsed: float) -> None:
    problems = result.problems()
    table.append({"kind": kind, "command": "bnproof " + " ".join(result.args), "exit": result.code,
                  "problems": problems, "known": fz._known(result.args), "elapsed_s": round(elapsed, 2)})


def _timed_run(args: list[str], time_limit: float, out_dir: Path | None = None) -> tuple[fz.Result, float]:
    t0 = time.perf_counter()
    result = fz.run_cli(args, out_dir=out_dir, time_limit=time_limit)
    return result, time.perf_counter() - t0


def run(examples: int, time_limit: float, params_only: bool) -> list[dict]:
    table: list[dict] = []
    for case in fz.param_cases():
        result, el = _timed_run(fz.param_command(case), time_limit)
        _record(table, "param", result, el)
    if params_only:
        return table
    budget = settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    @budget
    @given(args=fz.option_cases())
    def options(args):
        _record(table, "options", *_timed_run(args, time_limit))

    @budget
    @given(data=st.data(), claim=st.sampled_from(fz.DATA_CLAIMS))
    def data_files(data, claim):
        with tempfile.TemporaryDirectory() as tmp:
            path = data.draw(fz.data_files(Path(tmp)))
            _record(table, "data", *_timed_run(["check", claim, "--quick", "--json", "--data", str(path)], time_limit))

    @budget
    @given(data=st.data())
    def reports(data):
        with tempfile.TemporaryDirectory() as tmp:
            src = data.draw(fz.record_dirs(Path(tmp)))
            _record(table, "report", *_timed_run(["report", "--from", str(src), "--out", str(Path(tmp) / "r")],
                                                 time_limit, out_dir=Path(tmp) / "r"))

    for test in (options, data_files, reports):
        test()
    return table


def quick_params(claims: list[str], time_limit: float) -> list[str]:
    """Commands whose explicit --param value --quick replaced (the record shows another value)."""
    from bnproof.claims import registry  # the registry imports every paper: only this mode needs it

    reg = registry()
    ignored = []
    for cid in claims or list(reg):
        base = fz.run_cli(["check", cid, "--quick", "--json"], time_limit=time_limit)
        try:
            recorded = json.loads(base.out)["params"]
        except (ValueError, KeyError, TypeError):
            continue
        for p in reg[cid].params:
            default = p.value(None)
            if p.name not in recorded or json.dumps(recorded[p.name]) == json.dumps(default):
                continue
            values = [",".join(map(str, default)) if isinstance(default, list) else str(default)]
            if p.type is int and isinstance(recorded[p.name], int) and p.bounds.contains(recorded[p.name] + 1):
                values.append(str(recorded[p.name] + 1))
            for text in values:
                args = ["check", cid, "--quick", "--json", "--param", f"{p.name}={text}"]
                r = fz.run_cli(args, time_limit=time_limit)
                try:
                    used = json.loads(r.out)["params"].get(p.name)
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue
                if json.dumps(used) != json.dumps(p.parse(text)):
                    ignored.append(f"bnproof {' '.join(args[:3])} --param {p.name}={text}  ->  recorded {used}")
                    print(ignored[-1], flush=True)
    return ignored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=200, help="Hypothesis examples per generated kind")
    ap.add_argument("--time-limit", type=float, default=fz.TIME_LIMIT_S, help="seconds per case")
    ap.add_argument("--params-only", action="store_true", help="only the full --param matrix")
    ap.add_argument("--json", action="store_true", help="the whole table as JSON")
    ap.add_argument("--quick-params", nargs="*", metavar="CLAIM", help="check that explicit params win over --quick")
    opts = ap.parse_args()
    if opts.quick_params is not None:
        sys.exit(1 if quick_params(opts.quick_params, opts.time_limit) else 0)
    table = run(opts.examples, opts.time_limit, opts.params_only)
    if opts.json:
        print(json.dumps(table, indent=2))
    else:
        kinds = Counter(r["kind"] for r in table)
        print(f"{'kind':10s} {'cases':>6s} {'kept':>6s} {'known':>6s} {'new':>6s}")
        for kind in kinds:
            rows = [r for r in table if r["kind"] == kind]
            bad = [r for r in rows if r["problems"]]
            known = [r for r in bad if r["known"]]
            print(f"{kind:10s} {len(rows):6d} {len(rows) - len(bad):6d} {len(known):6d} {len(bad) - len(known):6d}")
        exits = Counter(r["exit"] for r in table)
        print("exit statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=str)))
        for r in table:
            if r["problems"]:
                tag = "known" if r["known"] else "NEW"
                print(f"[{tag}] {r['command']}  ->  {'; '.join(r['problems'])}")
    sys.exit(1 if any(r["problems"] and not r["known"] for r in table) else 0)


if __name__ == "__main__":
    main()
