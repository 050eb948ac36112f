"""Generated numba modules: the shared prelude, the loader, the cache, and when to use them.

The late-time engines (:mod:`bnproof.engines.deviation`, :mod:`bnproof.engines.deviation_cnn`)
print their step from SymPy into Python source (:mod:`bnproof.kernels.deviation`) and compile
it with ``numba.njit(cache=True)``.  This module is the one home of what they share:

* :data:`KERNEL_PRELUDE` -- the imports and helpers every generated module starts with;
* :func:`load_generated` -- imports generated source from a file in :func:`cache_dir` named by
  a hash of its content, so numba's on-disk cache (keyed on the file) is reused across
  processes: the first run compiles (seconds), later runs load machine code;
* :func:`numba_available` and :func:`fallback_reason` -- the fallback policy.

**Fallback policy** (the only place it is decided).  A compiled kernel is *usable* for a problem
when numba is installed and a zero-step call of the kernel on that problem's arrays succeeds
(that call compiles it, or loads it from the disk cache; it does no arithmetic, so any error it
raises is the toolchain's: no LLVM, no writable cache, a broken numba).  When it is not usable
the engine runs its NumPy reference instead -- the same SymPy formulas on the same state --
and says so: the trajectory's context name ends in ``-numpy`` and
:attr:`bnproof.engines.runner.Trajectory.fallback` holds the reason.  Nothing is remembered
between calls: after the first compilation a zero-step call costs microseconds, and a failure
is never mistaken for a lasting property of the machine.

Why numba rather than SymPy-generated C built at install time: CI installs from pyproject on a
bare machine with no guaranteed C compiler, and numba ships LLVM in its wheel.  numba is
imported only by the generated modules (and looked up, not imported, by
:func:`numba_available`), so ``import bnproof`` stays fast and the NumPy paths work without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Callable

__all__ = ["KERNEL_PRELUDE", "cache_dir", "load_generated", "numba_available", "fallback_reason"]

# Imports and helpers every generated numba module starts with (no braces: the templates are
# filled with str.format).
KERNEL_PRELUDE = '''import math
import numpy as np
from numba import njit


@njit(cache=True)
def _exprel(x):
    # expm1(x)/x, = 1 at x = 0 (also when σx̂ underflows)
    if x == 0.0:
        return 1.0
    return math.expm1(x) / x
'''


def numba_available() -> bool:
    """Whether numba is installed (found on the path; a broken install shows up in :func:`fallback_reason`)."""
    return importlib.util.find_spec("numba") is not None


def fallback_reason(probe: Callable[[], object]) -> str | None:
    """None when the compiled kernel is usable, else why not (then the NumPy reference runs).

    ``probe`` makes the zero-step call of the kernel on the problem's arrays (see the module
    docstring for the policy).  The reason is one line of at most 200 characters.
    """
    if not numba_available():
        return "numba is not installed"
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 -- a zero-step call fails only for toolchain reasons
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    return None


def cache_dir() -> Path:
    """``$BNPROOF_CACHE/kernels`` or ``~/.cache/bnproof/kernels``; a temporary directory if not writable."""
    base = os.environ.get("BNPROOF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "bnproof")
    path = Path(base) / "kernels"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError:
        path = Path(tempfile.gettempdir()) / f"bnproof-kernels-{os.getuid() if hasattr(os, 'getuid') else 0}"
        path.mkdir(parents=True, exist_ok=True)
    return path


def load_generated(src: str, stem: str) -> ModuleType:
    """Import generated source from the kernel cache directory under ``stem`` + a hash of its content.

    A stable file name lets numba's on-disk cache (``cache=True``) be reused across processes.
    """
    digest = hashlib.sha256(src.encode()).hexdigest()[:16]
    path = cache_dir() / f"{stem}_{digest}.py"
    if not path.exists() or path.read_text() != src:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(src)
        os.replace(tmp, path)  # atomic: concurrent processes never see a half-written file
    spec = importlib.util.spec_from_file_location(f"bnproof_{stem}_{digest}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # numba's cache loader re-imports the module by name
    spec.loader.exec_module(mod)
    return mod
