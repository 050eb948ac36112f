"""The layout is the pipeline: imports point down, papers are independent, checks stay short, tests mirror the tree.

Import-linter (``[tool.importlinter]`` in pyproject.toml) is the authority on imports; the
direct checks below repeat the paper rules with messages that name the file and line.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the test extra installs it)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bnproof"
PAPERS_DIR = PACKAGE / "papers"
MAX_FUNCTION_LINES = 60

_CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# the paper keys, from the independence contract: one list, in pyproject.toml
PAPERS = next(c["modules"] for c in _CONFIG["contracts"] if c["type"] == "independence")
PAPERS = [m.rsplit(".", 1)[1] for m in PAPERS]


def _python_files(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.py") if "__pycache__" not in p.parts)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- (a) import-linter ------------------------------------------------------------------------


def _lint_imports() -> Path | None:
    script = Path(sys.executable).with_name("lint-imports")
    return script if script.exists() else (Path(found) if (found := shutil.which("lint-imports")) else None)


def test_import_linter_contracts_are_kept():
    script = _lint_imports()
    if script is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    # run from the project root: import-linter reads the contracts from ./pyproject.toml
    out = subprocess.run([str(script), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"lint-imports found imports that break the layout:\n{out.stdout[-4000:]}{out.stderr[-2000:]}"


# --- (b) short functions in papers ------------------------------------------------------------


def test_no_function_in_papers_is_longer_than_60_lines():
    long = []
    for path in _python_files(PAPERS_DIR):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1  # def line to last line
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{_relative(path)}:{node.lineno} {node.name}: {lines} lines")
    assert not long, (f"functions in bnproof/papers/ longer than {MAX_FUNCTION_LINES} lines "
                      f"(split a check into measure_<name> and decide_<name>):\n" + "\n".join(long))


# --- (c) papers independent -------------------------------------------------------------------


def _paper_of(module: str) -> str | None:
    """The paper key of a module ``bnproof.papers.<key>[...]`` (flat ``<key>_x`` modules included)."""
    parts = module.split(".")
    if parts[:2] != ["bnproof", "papers"] or len(parts) < 3:
        return None
    return next((key for key in sorted(PAPERS, key=len, reverse=True) if parts[2].startswith(key)), parts[2])


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path):
    """(line, absolute module name) of every import in ``path``, relative imports resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base == "bnproof.papers":  # `from bnproof.papers import cao2023` imports a paper
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}"
            else:
                yield node.lineno, base


def test_no_paper_imports_another_paper():
    crossings = []
    for path in _python_files(PAPERS_DIR):
        own = _paper_of(_module_name(path))
        if own is None:  # bnproof/papers/__init__.py lists the papers; it belongs to none
            continue
        for line, name in _imported_modules(path):
            other = _paper_of(name)
            if other is not None and other != own:
                crossings.append(f"{_relative(path)}:{line} ({own}) imports {name} ({other})")
    assert not crossings, ("papers must not import each other, not even a constant; move what two papers "
                           "share into a shared module (core, models, analysis, ...):\n" + "\n".join(sorted(set(crossings))))


# --- (d) no issue numbers ---------------------------------------------------------------------

# "issue 8", "Issue #8", "issue_8", "issues 12, 13": a tracker number says nothing to a reader.
# (Another project's issue is cited by its URL or as owner/repo#N.)
ISSUE_NUMBER = re.compile(r"\bissues?[\s_#-]*\d+", re.IGNORECASE)


def test_no_issue_numbers_in_file_names():
    named = [_relative(p) for top in ("bnproof", "tests", "benchmarks") for p in (ROOT / top).rglob("*")
             if "__pycache__" not in p.parts and ISSUE_NUMBER.search(p.name)]
    assert not named, "name files after what they hold, not after an issue:\n" + "\n".join(sorted(named))


def test_no_issue_numbers_in_the_source():
    hits = [f"{_relative(path)}:{i}: {line.strip()}"
            for path in _python_files(PACKAGE)
            for i, line in enumerate(path.read_text().splitlines(), 1) if ISSUE_NUMBER.search(line)]
    assert not hits, ("say what the thing is instead of an issue number "
                      "(cite another project's issue by URL or owner/repo#N):\n" + "\n".join(hits))


# --- (e) tests mirror the package -------------------------------------------------------------

# Test files that test the package as a whole, or a module kept outside the mirrored folders.
WHOLE_PACKAGE_TESTS = {
    "tests/test_api.py": "bnproof/__init__.py: the public API",
    "tests/test_layout.py": "the whole tree",
    "tests/test_fuzz.py": "bnproof/cli/ under hostile input (a fuzz of the command line)",
    "tests/strategies/test_hypothesis_profiles.py": "bnproof/_hypothesis_profiles.py, the strategies' settings",
}


def _test_dirs() -> list[Path]:
    return sorted(p for p in (ROOT / "tests").rglob("*") if p.is_dir() and "__pycache__" not in p.parts)


def test_every_test_folder_mirrors_a_package_folder():
    stray = [_relative(d) for d in _test_dirs() if not (PACKAGE / d.relative_to(ROOT / "tests")).is_dir()]
    assert not stray, ("tests/<dir> must mirror bnproof/<dir> (a package of the same path):\n" + "\n".join(stray))


def test_every_test_file_is_named_after_its_module():
    misplaced = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        rel = path.relative_to(ROOT / "tests")
        if _relative(path) in WHOLE_PACKAGE_TESTS:
            continue
        folder = PACKAGE / rel.parent
        name = path.stem.removeprefix("test_")
        if not ((folder / f"{name}.py").is_file() or (folder / name).is_dir() or name == folder.name):
            misplaced.append(f"{_relative(path)}: no module bnproof/{(rel.parent / name).as_posix()}.py")
    assert not misplaced, ("tests/<pkg>/test_<mod>.py tests bnproof/<pkg>/<mod>.py "
                           "(test_<pkg>.py: the package as a whole):\n" + "\n".join(misplaced))
