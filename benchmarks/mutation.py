"""Mutation testing of bnproof's math: small code mutations that the targeted tests must kill.

    python benchmarks/mutation.py [--paths bnproof/core/verdicts.py ...] [--max-minutes N]
                                  [--jobs J] [--tests TESTPATH ...] [--json FILE] [--list]

``--paths`` takes module paths relative to the repository root; ``path.py::f,g`` mutates only
the functions (or methods) named ``f`` and ``g`` of that module (e.g. a paper's decide function).
For each module in ``--paths`` (default: the decision core, ``DEFAULT_PATHS``) it runs the
tests that cover that module (``TESTS_FOR``; otherwise ``tests/<subpackage>/``, or ``--tests``)
once unmutated, then once per mutant with ``pytest -x``, and prints per module: mutants, killed,
survived, timeout, not run (the time budget ran out) and the kill rate, then every survivor as
``file:line  before -> after``.  Exit status 1 if a module has a survivor not listed in
``EQUIVALENT`` (the reviewed equivalent mutants, each with its reason), else 0.

No library mutation tool is used, and none is needed: ``pip install`` nothing beyond the test
extra.  Why not mutmut or cosmic-ray: cosmic-ray mutates the source files in place, and mutmut 3
copies the project into a ``mutants/`` directory under the project root and rewrites every
function into a trampoline; this tree is a shared working copy (other sessions run its tests
while this runs), so neither may touch it.  This runner never writes to the tree: the mutant is
built in the pytest child by an import hook (this file, loaded with ``-p mutation``) that
compiles the mutated AST of the one module under test in place of the file's code; pytest runs
from a temporary directory with the cache provider off, so no ``.pytest_cache`` or Hypothesis
database is written into the project either.  (To try mutmut anyway: ``pip install mutmut``.)

Operators (each site gives one mutant per variant; docstrings, ``__all__`` and annotations are
not mutated):

- comparison: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔ ``is not``;
- arithmetic: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/``, ``**`` → ``*``, ``%`` → ``*``;
- unary: ``-x`` → ``x``, ``not x`` → ``x``;
- boolean: ``and`` ↔ ``or``;
- numeric constants: ``c`` → ``c + 1`` and ``c - 1`` (``True`` ↔ ``False``);
- return value: ``return e`` → ``return None``; ``return e`` of a comparison/bool → ``return not e``.

A timeout (the mutant ran more than ``max(20 s, 5 × the unmutated run)``) counts as killed in the
kill rate and is listed separately.  Kill rate = (killed + timeout) / mutants run; the rate over
non-equivalent mutants leaves out the survivors listed in ``EQUIVALENT``.
"""

from __future__ import annotations

import ast
import copy
import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_MUTANT = "BNPROOF_MUTANT"  # "<module path relative to ROOT>:<mutant index>" in the pytest child
ENV_STATUS = "BNPROOF_MUTANT_STATUS"  # file the child writes "applied" to once the mutant was imported

DEFAULT_PATHS = ["bnproof/core/verdicts.py", "bnproof/analysis/slopes.py", "bnproof/analysis/stats.py",
                 "bnproof/core/controls.py"]

# The fast, targeted tests of each module (relative to ROOT).  Others: tests/<subpackage>/.
TESTS_FOR = {
    "bnproof/core/verdicts.py": ["tests/core/test_verdicts.py"],
    "bnproof/core/controls.py": ["tests/core/test_controls.py"],
    "bnproof/analysis/slopes.py": ["tests/analysis/test_slopes.py"],
    "bnproof/analysis/stats.py": ["tests/analysis/test_stats.py"],
    "bnproof/analysis/rates.py": ["tests/analysis/test_rates.py"],
}

# Reviewed survivors that no test can kill: (path, line, mutation) -> why the mutant is equivalent.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("bnproof/core/controls.py", 50, "set(expect) <= set(VERDICTS)  ->  set(expect) < set(VERDICTS)"):
        "reached only when 'verified' is not in expect; VERDICTS contains 'verified', so a subset of "
        "VERDICTS without it is always a proper subset: <= and < agree on every input",
    ("bnproof/analysis/rates.py", 154, "3  ->  2"):
        "_ols's own guard n < 3 is unreachable: every caller (the fit_* functions, local_exponent, "
        "ratio_profile) has already refused fewer than 3 points with its own message",
    ("bnproof/analysis/rates.py", 133, "True  ->  False"):
        "_OLS(frozen=True) -> frozen=False: no code assigns to an _OLS (a private result that is read "
        "once and dropped), so the flag changes no computation",
}


# --------------------------------------------------------------------------------------------
# The mutator
# --------------------------------------------------------------------------------------------

_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Pow: ast.Mult, ast.Mod: ast.Mult}
_BOOL_SWAP = {ast.And: ast.Or, ast.Or: ast.And}


def _skip_ids(tree: ast.AST, functions: tuple[str, ...] = ()) -> set[int]:
    """ids of nodes never mutated: docstrings, ``__all__``, annotations, ``from`` imports; and,
    if ``functions`` names some, everything outside the functions (or methods) of those names."""
    skip: set[int] = set()
    if functions:
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and f.name in functions for n in ast.walk(f)}
        skip.update(id(n) for n in ast.walk(tree) if id(n) not in inside)

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                mark(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs + \
                    [x for x in (node.args.vararg, node.args.kwarg) if x]:
                mark(a.annotation)
        if isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            mark(node)
        if isinstance(node, ast.ImportFrom):
            mark(node)
    return skip


def _variants(node: ast.AST) -> list[tuple[ast.AST, str]]:
    """The mutants of one node: (replacement node, short description)."""
    out: list[tuple[ast.AST, str]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMP_SWAP:
                new = copy.deepcopy(node)
                new.ops[i] = _CMP_SWAP[type(op)]()
                out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
        new = copy.deepcopy(node)
        new.op = _BIN_SWAP[type(node.op)]()
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        new = copy.deepcopy(node.operand)
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = _BOOL_SWAP[type(node.op)]()
        out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        new = ast.Constant(not node.value)
        out.append((new, f"{node.value!r}  ->  {new.value!r}"))
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        for delta in (1, -1):
            new = ast.Constant(node.value + delta)
            out.append((new, f"{node.value!r}  ->  {new.value!r}"))
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            new = ast.Return(ast.Constant(None))
            out.append((new, f"{ast.unparse(node)}  ->  return None"))
        if isinstance(node.value, (ast.Compare, ast.BoolOp)) or \
                (isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool)):
            new = ast.Return(ast.UnaryOp(ast.Not(), copy.deepcopy(node.value)))
            out.append((new, f"{ast.unparse(node)}  ->  {ast.unparse(new)}"))
    return out


class _Mutator(ast.NodeTransformer):
    """Walks the tree in a fixed order; applies mutant number ``target`` (or only counts, target=-1)."""

    def __init__(self, skip: set[int], target: int = -1):
        self.skip, self.target, self.count = skip, target, 0
        self.sites: list[tuple[int, str]] = []  # (line, description) per mutant index
        self.applied: tuple[int, str] | None = None

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)  # children first, then this node's own variants
        if id(node) in self.skip:
            return node
        replacement = node
        for new, desc in _variants(node):  # count every variant, applied or not: indices stay stable
            if self.count == self.target:
                self.applied = (getattr(node, "lineno", 0), desc)
                replacement = ast.copy_location(new, node)
            self.sites.append((getattr(node, "lineno", 0), desc))
            self.count += 1
        return replacement


def mutants_of(source: str, functions: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(line, description) of every mutant of ``source`` (within ``functions`` if given), in index order."""
    tree = ast.parse(source)
    m = _Mutator(_skip_ids(tree, functions))
    m.visit(tree)
    return m.sites


def mutated_tree(source: str, index: int, functions: tuple[str, ...] = ()) -> tuple[ast.Module, tuple[int, str]]:
    tree = ast.parse(source)
    m = _Mutator(_skip_ids(tree, functions), index)
    tree = m.visit(tree)
    if m.applied is None:
        raise IndexError(f"no mutant {index}")
    ast.fix_missing_locations(tree)
    return tree, m.applied


# --------------------------------------------------------------------------------------------
# The pytest-side hook: loaded as a plugin (``-p mutation``) before bnproof is imported
# --------------------------------------------------------------------------------------------

def _split_target(target: str) -> tuple[str, tuple[str, ...]]:
    """``path.py::f,g`` -> (``path.py``, (``f``, ``g``)); a plain path mutates the whole module."""
    rel, _, funcs = target.partition("::")
    return rel, tuple(f for f in funcs.split(",") if f)


def _module_name(rel: str) -> str:
    p = Path(rel).with_suffix("")
    parts = list(p.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class _MutantLoader(importlib.abc.Loader):
    def __init__(self, path: Path, index: int, functions: tuple[str, ...]):
        self.path, self.index, self.functions = path, index, functions

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        tree, applied = mutated_tree(self.path.read_text(), self.index, self.functions)
        module.__dict__["__bnproof_mutant__"] = applied
        exec(compile(tree, str(self.path), "exec"), module.__dict__)  # noqa: S102 - the mutant is our own AST
        status = os.environ.get(ENV_STATUS)
        if status:
            Path(status).write_text("applied\n")


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, path: Path, index: int, functions: tuple[str, ...]):
        self.name, self.path, self.index, self.functions = name, path, index, functions

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=_MutantLoader(self.path, self.index,
                                                                                    self.functions))


def _install_hook() -> None:
    spec = os.environ.get(ENV_MUTANT)
    if not spec:
        return
    target, index = spec.rsplit(":", 1)
    rel, functions = _split_target(target)
    name = _module_name(rel)
    if name in sys.modules:
        raise RuntimeError(f"{name} was imported before the mutation hook")
    sys.meta_path.insert(0, _MutantFinder(name, ROOT / rel, int(index), functions))


if __name__ != "__main__":  # imported by pytest as the plugin of a mutant run
    _install_hook()


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------

def _tests_for(rel: str, override: list[str] | None) -> list[str]:
    if override:
        return override
    rel = _split_target(rel)[0]
    if rel in TESTS_FOR:
        return TESTS_FOR[rel]
    parts = Path(rel).parts  # bnproof/<sub>/...
    return [str(Path("tests", *parts[1:-1]))] if len(parts) > 2 else ["tests"]


def _run_pytest(tests: list[str], workdir: Path, mutant: str | None, timeout: float) -> tuple[str, float]:
    """One pytest child: 'pass', 'fail', 'timeout' or 'notapplied'; and its wall time."""
    import subprocess
    import time

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    status = workdir / "status"
    status.unlink(missing_ok=True)
    if mutant:
        env[ENV_MUTANT] = mutant
        env[ENV_STATUS] = str(status)
    else:
        env.pop(ENV_MUTANT, None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "mutation", "-p", "no:cacheprovider",
           "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), *[str(ROOT / t) for t in tests]]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        return "timeout", time.perf_counter() - t0
    dt = time.perf_counter() - t0
    if mutant and rc == 0 and not status.exists():
        return "notapplied", dt
    if rc == 0:
        return "pass", dt
    if rc == 5:  # no tests collected
        return "notapplied", dt
    return "fail", dt  # 1 failed; 2 interrupted (collection error: the mutant broke the import); 3/4 errors


def run_module(rel: str, tests: list[str], deadline: float, jobs: int) -> dict:
    import tempfile
    import time
    from concurrent.futures import ThreadPoolExecutor

    path, functions = _split_target(rel)
    sites = mutants_of((ROOT / path).read_text(), functions)
    result = {"path": rel, "tests": tests, "mutants": len(sites), "killed": 0, "survived": 0, "timeout": 0,
              "not_run": 0, "survivors": [], "timeouts": [], "errors": [], "seconds": 0.0}
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bnproof-mut-") as tmp:
        base, base_dt = _run_pytest(tests, Path(tmp), None, timeout=600)
        if base != "pass":
            result["errors"].append(f"unmutated tests do not pass ({base}): {' '.join(tests)}")
            result["not_run"] = len(sites)
            return result
        timeout = max(20.0, 5 * base_dt)
        result["baseline_seconds"] = round(base_dt, 2)

        def one(i: int):
            if time.time() > deadline:
                return i, "notrun", 0.0
            wd = Path(tmp, f"w{i}")
            wd.mkdir()
            outcome, dt = _run_pytest(tests, wd, f"{rel}:{i}", timeout)
            return i, outcome, dt

        with ThreadPoolExecutor(max_workers=jobs) as ex:
            for i, outcome, _ in ex.map(one, range(len(sites))):
                line, desc = sites[i]
                entry = {"line": line, "mutation": desc, "index": i}
                if outcome == "fail":
                    result["killed"] += 1
                elif outcome == "pass":
                    result["survived"] += 1
                    why = EQUIVALENT.get((path, line, desc))
                    entry["equivalent"] = why
                    result["survivors"].append(entry)
                elif outcome == "timeout":
                    result["timeout"] += 1
                    result["timeouts"].append(entry)
                elif outcome == "notrun":
                    result["not_run"] += 1
                else:
                    result["errors"].append(f"mutant {i} ({rel}:{line} {desc}) was not applied")
    run = result["killed"] + result["survived"] + result["timeout"]
    equivalent = sum(1 for s in result["survivors"] if s["equivalent"])
    result["equivalent"] = equivalent
    result["kill_rate"] = (result["killed"] + result["timeout"]) / run if run else float("nan")
    nonequiv = run - equivalent
    result["kill_rate_nonequivalent"] = (result["killed"] + result["timeout"]) / nonequiv if nonequiv else float("nan")
    result["seconds"] = round(time.perf_counter() - t_start, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import time

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", nargs="+", default=DEFAULT_PATHS, help="modules to mutate (relative to the repo root)")
    ap.add_argument("--tests", nargs="+", help="test paths for every module (default: TESTS_FOR / tests/<subpackage>)")
    ap.add_argument("--max-minutes", type=float, default=30.0, help="time budget; mutants past it are 'not run'")
    ap.add_argument("--jobs", type=int, default=1, help="pytest children at once (default 1)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    ap.add_argument("--list", action="store_true", help="only list the mutants")
    args = ap.parse_args(argv)

    if args.list:
        for rel in args.paths:
            path, functions = _split_target(rel)
            for i, (line, desc) in enumerate(mutants_of((ROOT / path).read_text(), functions)):
                print(f"{rel}:{line}  [{i}]  {desc}")
        return 0

    deadline = time.time() + 60 * args.max_minutes
    results = []
    for rel in args.paths:
        r = run_module(rel, _tests_for(rel, args.tests), deadline, args.jobs)
        results.append(r)
        print(f"{rel}: {r['mutants']} mutants, {r['killed']} killed, {r['survived']} survived "
              f"({r.get('equivalent', 0)} equivalent), {r['timeout']} timeout, {r['not_run']} not run, "
              f"{r['seconds']} s", flush=True)

    print()
    hdr = f"{'module':34} {'mutants':>7} {'killed':>6} {'surv':>5} {'equiv':>5} {'tmout':>5} {'notrun':>6} " \
          f"{'kill%':>6} {'kill% non-eq':>12} {'time s':>7}"
    print(hdr)
    tot = {k: 0 for k in ("mutants", "killed", "survived", "equivalent", "timeout", "not_run")}
    for r in results:
        for k in tot:
            tot[k] += r.get(k, 0)
        print(f"{r['path']:34} {r['mutants']:7} {r['killed']:6} {r['survived']:5} {r.get('equivalent', 0):5} "
              f"{r['timeout']:5} {r['not_run']:6} {100 * r.get('kill_rate', float('nan')):6.1f} "
              f"{100 * r.get('kill_rate_nonequivalent', float('nan')):12.1f} {r['seconds']:7}")
    run = tot["killed"] + tot["survived"] + tot["timeout"]
    if run:
        ne = run - tot["equivalent"]
        print(f"{'total':34} {tot['mutants']:7} {tot['killed']:6} {tot['survived']:5} {tot['equivalent']:5} "
              f"{tot['timeout']:5} {tot['not_run']:6} {100 * (run - tot['survived']) / run:6.1f} "
              f"{100 * (run - tot['survived']) / ne if ne else float('nan'):12.1f}")
    bad = False
    for r in results:
        for e in r["errors"]:
            print(f"ERROR {r['path']}: {e}")
            bad = True
        for s in r["survivors"]:
            tag = f"equivalent: {s['equivalent']}" if s["equivalent"] else "SURVIVED"
            print(f"{r['path']}:{s['line']}  [{s['index']}]  {s['mutation']}    ({tag})")
            bad |= not s["equivalent"]
        for s in r["timeouts"]:
            print(f"{r['path']}:{s['line']}  [{s['index']}]  {s['mutation']}    (timeout: counted as killed)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
