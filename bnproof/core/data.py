"""Data sets for claims that take data: loading ``--data`` files and generating instances.

A data set is ``X`` (n×d float64), ``y`` (n labels ±1) and optionally ``w0`` (d).  Loading
validates everything a claim relies on and raises :class:`~bnproof.errors.BadInput` with a
one-line message otherwise; *assumptions* of a theorem (e.g. that a uniform-margin solution
exists) are not checked here -- a violated assumption is a verdict (``inapplicable``), not an
error.

Hostile files are refused before anything is allocated: :func:`load_npz` reads each array's
``.npy`` header inside the zip (dtype and shape) and refuses complex, non-numeric and
oversized arrays (more than :func:`memory_budget` bytes once converted to float64) with a
one-line message naming the limit.  Values must be finite and of a scale float64 arithmetic
handles (largest magnitude in [``MIN_SCALE``, ``MAX_SCALE``]); ``w0 = 0`` is refused (batch
normalization is undefined at w = 0).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnproof.core.errors import BadInput

__all__ = [
    "MAX_SCALE",
    "MIN_SCALE",
    "TARGETS",
    "Dataset",
    "gaussian_instance",
    "load_npz",
    "check_memory",
    "memory_budget",
    "validate",
]

DATA_KINDS = ("matrix", "patches")

MAX_SCALE = 1e100  # largest |entry| accepted: squares and Gram sums stay far from float64 overflow
MIN_SCALE = 1e-100  # an array's largest |entry| must reach this: squares stay far from underflow
MEMORY_FRACTION = 0.25  # --data may use at most this share of the available memory
MEMORY_CAP = 8 * 2**30  # ... and never more than 8 GiB


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux MemAvailable, else physical pages), or None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget() -> tuple[int, str]:
    """(bytes, description) of the memory a ``--data`` file may take once loaded as float64."""
    avail = _available_memory()
    if avail is None:
        return MEMORY_CAP, f"the cap of {_bytes_text(MEMORY_CAP)}"
    budget = min(MEMORY_CAP, int(avail * MEMORY_FRACTION))
    text = f"the limit of {_bytes_text(budget)} (a quarter of the available memory, at most {_bytes_text(MEMORY_CAP)})"
    return budget, text


def check_memory(nbytes: int, what: str) -> None:
    """BadInput naming the limit when ``nbytes`` -- a run's estimate of the arrays it is about to
    allocate -- exceeds :func:`memory_budget`.  Called with the sizes, before allocating, so a
    size far beyond memory (``--param width=1e9``) is one line of bad input, not a MemoryError
    or a swapping machine; ``what`` names the sizes (``"width = 10⁹, n = 16"``)."""
    budget, text = memory_budget()
    if nbytes > budget:
        raise BadInput(f"{what} needs about {_bytes_text(nbytes)} of memory, more than {text}")


def _bytes_text(n: int) -> str:
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Dataset:
    """``X`` is n×d (kind ``matrix``) or n×P×d (kind ``patches``: P patches of dimension d)."""

    X: np.ndarray
    y: np.ndarray
    w0: np.ndarray | None
    source: str

    @property
    def kind(self) -> str:
        return "patches" if self.X.ndim == 3 else "matrix"

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[-1]

    @property
    def P(self) -> int:
        return self.X.shape[1] if self.X.ndim == 3 else 1


TARGETS = ("labels", "real")


def validate(X, y, w0=None, source: str = "data", targets: str = "labels") -> Dataset:
    """Check shapes and values; return a Dataset of float64 arrays and ±1 integer labels.

    ``targets="real"`` accepts any finite real y (kept as float64), for regression claims
    such as Ergen et al. 2022's convex programs; the default keeps ±1 labels.
    """
    if targets not in TARGETS:
        raise ValueError(f"targets must be one of {TARGETS}, got {targets!r}")
    for name, arr in (("X", X), ("y", y), ("w0", w0)):
        if arr is not None and np.iscomplexobj(arr):
            raise BadInput(f"{source}: {name} is complex-valued; only real arrays are accepted")
    try:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        w0 = None if w0 is None else np.asarray(w0, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{source}: arrays must be numeric ({exc})") from None
    if X.ndim not in (2, 3) or X.shape[0] < 2 or min(X.shape[1:]) < 1:
        raise BadInput(f"{source}: X must be n×d (or n×P×d patch data) with n >= 2, got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise BadInput(f"{source}: y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not np.all(np.isfinite(X)):
        raise BadInput(f"{source}: X contains NaN or inf")
    if targets == "labels":
        if not np.all(np.isfinite(y)) or not np.all(np.isin(y, (-1.0, 1.0))):
            raise BadInput(f"{source}: labels y must all be +1 or -1")
    elif not np.all(np.isfinite(y)):
        raise BadInput(f"{source}: targets y contain NaN or inf")
    if w0 is not None:
        if w0.shape != (X.shape[-1],):
            raise BadInput(f"{source}: w0 must have shape ({X.shape[-1]},), got {w0.shape}")
        if not np.all(np.isfinite(w0)):
            raise BadInput(f"{source}: w0 contains NaN or inf")
        if not np.any(w0):
            raise BadInput(f"{source}: w0 is zero (batch normalization is undefined at w = 0)")
    _check_scale(source, "X", X)
    if targets == "real":
        _check_scale(source, "y", y, allow_zero=True)
    if w0 is not None:
        _check_scale(source, "w0", w0)
    return Dataset(X=X, y=y.astype(np.int64) if targets == "labels" else y, w0=w0, source=source)


def _check_scale(source: str, name: str, arr: np.ndarray, allow_zero: bool = False) -> None:
    """Refuse an array whose largest |entry| is outside [MIN_SCALE, MAX_SCALE] (or zero)."""
    top = float(np.max(np.abs(arr))) if arr.size else 0.0
    if top == 0.0:
        if allow_zero:
            return
        raise BadInput(f"{source}: {name} is all zero")
    if top > MAX_SCALE or top < MIN_SCALE:
        raise BadInput(f"{source}: {name}'s largest entry {top:.3g} is outside [{MIN_SCALE:g}, {MAX_SCALE:g}] "
                       f"(rescale the data; the claims are about directions, not scale)")


def _check_headers(p: Path) -> None:
    """Read each array's .npy header inside the zip; refuse bad dtypes and oversized arrays before loading."""
    budget, limit = memory_budget()
    total = 0
    with zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            if name not in ("X", "y", "w0"):
                continue
            with zf.open(info) as fh:
                try:
                    version = np.lib.format.read_magic(fh)
                    shape, _fortran, dtype = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0)
                                              else np.lib.format.read_array_header_2_0(fh))
                except ValueError:
                    raise BadInput(f"--data {p.name}: {name} is not a readable .npy array") from None
            if dtype.kind == "c":
                raise BadInput(f"--data {p.name}: {name} is complex-valued; only real arrays are accepted")
            if dtype.kind not in "biuf":
                raise BadInput(f"--data {p.name}: {name} must be numeric, got dtype {dtype}")
            count = 1
            for k in shape:
                count *= int(k)
            total += count * (8 + dtype.itemsize)  # the file's array and its float64 copy
            if total > budget:
                raise BadInput(f"--data {p.name}: the arrays would need {_bytes_text(total)}, more than {limit}")


def load_npz(path: str | Path, targets: str = "labels") -> Dataset:
    """Read an ``.npz`` with ``X``, ``y`` and optional ``w0``; one-line BadInput on any problem.

    ``targets``: ``"labels"`` (default) requires y ∈ {±1}; ``"real"`` accepts finite real y.
    """
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"--data: no such file: {p}")
    try:
        with open(p, "rb") as fh:
            head = fh.read(6)
    except OSError as exc:
        raise BadInput(f"--data {p.name}: unreadable ({exc.strerror or type(exc).__name__})") from None
    if head == b"\x93NUMPY":
        raise BadInput(f"--data {p.name}: a plain .npy array; give an .npz with X and y (numpy.savez)")
    if not zipfile.is_zipfile(p):
        raise BadInput(f"--data {p.name}: not an .npz file (a zip of X.npy, y.npy and optional w0.npy)")
    try:
        _check_headers(p)
        with np.load(p, allow_pickle=False) as f:
            keys = set(f.files)
            missing = {"X", "y"} - keys
            if missing:
                raise BadInput(f"--data {p.name}: missing array(s) {', '.join(sorted(missing))}")
            X, y = f["X"], f["y"]
            w0 = f["w0"] if "w0" in keys else None
    except BadInput:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError,
            MemoryError) as exc:
        raise BadInput(f"--data {p.name}: not a readable .npz file ({type(exc).__name__})") from None
    return validate(X, y, w0, source=f"--data {p.name}", targets=targets)


def gaussian_instance(seed: int, n: int, d: int, w0_scale: float = 1.0) -> Dataset:
    """X ~ N(0,1)^{n×d}, balanced-at-random labels, w0 ~ N(0, I_d) scaled to norm ``w0_scale``."""
    check_memory(8 * (n + 1) * d, f"a generated instance of n = {n} samples in dimension d = {d}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.choice(np.array([-1, 1]), size=n)
    w0 = rng.standard_normal(d)
    w0 *= w0_scale / np.linalg.norm(w0)
    return validate(X, y, w0, source=f"generated(seed={seed}, n={n}, d={d}, w0_scale={w0_scale})")
