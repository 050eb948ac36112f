"""Golden records: show that a refactoring left behaviour unchanged.

    python benchmarks/golden.py record DIR [ID|PAPER ...]  # claims on defaults and with --quick, kernel sources
    python benchmarks/golden.py compare A B [--common]     # identical except timings and the environment

``record`` with no selector runs every claim (``--all``); with selectors, only those.
``compare --common`` compares only the files present in both (a partial record against a full one).

``record`` runs ``bnproof check --all --json --out`` twice (defaults, ``--quick``) and writes the
generated kernel sources (SymPy-printed Python and numba modules) for every loss / pooling /
context.  ``compare`` exits 0 when every record matches field for field (``elapsed_s``, the
``environment`` block and the wall-clock timings inside ``precision`` aside) and every kernel source is byte-identical; otherwise it lists the
differences and exits 1.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

IGNORED = ("elapsed_s", "environment", "source")  # source: new in the restructure (where a statement comes from)
# timings inside a record (wall-clock, not behaviour): dropped at any depth before comparing
TIMING_KEYS = ("elapsed_s", "audit_elapsed_s", "steps_per_s", "solve_s")
LOSSES = ("exp", "logistic")

# Where each kernel printer lives: the layout of the restructure first, the older one second,
# so one script records both sides of the move.
_PRINTERS = {
    "codegen": ("bnproof.kernels.codegen", "bnproof.codegen"),
    "deviation": ("bnproof.kernels.deviation", "bnproof.engines.deviation", "bnproof.deviation"),
    "deviation_cnn": ("bnproof.kernels.deviation_cnn", "bnproof.engines.deviation_cnn", "bnproof.deviation_cnn"),
    "nobn": ("bnproof.kernels.nobn", "bnproof.templates.nobn"),
    "bn_cnn": ("bnproof.kernels.bn_cnn", "bnproof.templates.bn_cnn"),
}


def _module(key: str):
    for name in _PRINTERS[key]:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError(f"no module for {key}: tried {_PRINTERS[key]}")


def kernel_sources() -> dict[str, str]:
    """Every generated kernel source, keyed by a stable name."""
    from bnproof.symbolic import bn_cnn, bn_linear, linear_nobn

    out: dict[str, str] = {}
    for loss in LOSSES:
        for vectorized in (False, True):
            shape = "vector" if vectorized else "scalar"
            out[f"codegen_{loss}_{shape}"] = _module("codegen").kernel_source(bn_linear.step_program(loss), vectorized)
            out[f"nobn_{loss}_{shape}"] = _module("nobn").kernel_source(linear_nobn.step_program(loss), vectorized)
            for pooling in ("average", "max"):
                try:
                    prog = bn_cnn.step_program(loss, pooling)
                except (ValueError, KeyError):
                    continue
                out[f"bn_cnn_{loss}_{pooling}_{shape}"] = _module("bn_cnn").kernel_source(prog, vectorized)
        out[f"deviation_{loss}"] = _module("deviation").kernel_source(loss)
        out[f"deviation_cnn_{loss}"] = _module("deviation_cnn").kernel_source(loss)
    return out


def record(out: Path, selectors: list[str]) -> None:
    chosen = selectors or ["--all"]
    for mode, extra in (("defaults", []), ("quick", ["--quick"])):
        target = out / mode
        target.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "bnproof", "check", *chosen, "--json", "--out", str(target), *extra],
                              capture_output=True, text=True)
        print(f"{mode}: exit {proc.returncode}", file=sys.stderr)
    kdir = out / "kernels"
    kdir.mkdir(parents=True, exist_ok=True)
    for name, src in kernel_sources().items():
        (kdir / f"{name}.py.txt").write_text(src)


def _strip(rec: dict) -> dict:
    return {k: _drop_timings(v) for k, v in rec.items() if k not in IGNORED}


def _drop_timings(x):
    if isinstance(x, dict):
        return {k: _drop_timings(v) for k, v in x.items() if k not in TIMING_KEYS}
    if isinstance(x, list):
        return [_drop_timings(v) for v in x]
    return x


def _diff(a, b, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'B' if k not in a else 'A'}")
            else:
                out += _diff(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {str(a)[:80]} != {str(b)[:80]}"]


def compare(a: Path, b: Path, common: bool = False) -> int:
    problems: list[str] = []
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    for rel in sorted(files_a ^ files_b) if not common else []:
        problems.append(f"{rel}: only in {'A' if rel in files_a else 'B'}")
    for rel in sorted(files_a & files_b):
        if rel.suffix == ".json":
            diffs = _diff(_strip(json.loads((a / rel).read_text())), _strip(json.loads((b / rel).read_text())))
            problems += [f"{rel}{d}" for d in diffs[:5]]
        elif (a / rel).read_bytes() != (b / rel).read_bytes():
            problems.append(f"{rel}: bytes differ")
    for line in problems:
        print(line)
    n = len(files_a & files_b)
    print(f"{n} files compared, {len(problems)} differences", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "record":
        record(Path(argv[1]), argv[2:])
        return 0
    if len(argv) in (3, 4) and argv[0] == "compare" and argv[3:] in ([], ["--common"]):
        return compare(Path(argv[1]), Path(argv[2]), common=argv[3:] == ["--common"])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
