"""Data sets for claims that take data: loading ``--data`` files and generating instances.

A data set is ``X`` (n×d float64), ``y`` (n labels ±1) and optionally ``w0`` (d).  Loading
validates everything a claim relies on and raises :class:`~bnproof.errors.BadInput` with a
one-line message otherwise; *assumptions* of a theorem (e.g. that a uniform-margin solution
exists) are not checked here -- a violated assumption is a verdict (``inapplicable``), not an
error.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnproof.core.errors import BadInput

__all__ = ["Dataset", "load_npz", "validate", "gaussian_instance", "TARGETS"]

DATA_KINDS = ("matrix", "patches")


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
    return Dataset(X=X, y=y.astype(np.int64) if targets == "labels" else y, w0=w0, source=source)


def load_npz(path: str | Path, targets: str = "labels") -> Dataset:
    """Read an ``.npz`` with ``X``, ``y`` and optional ``w0``; one-line BadInput on any problem.

    ``targets``: ``"labels"`` (default) requires y ∈ {±1}; ``"real"`` accepts finite real y.
    """
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"--data: no such file: {p}")
    try:
        with np.load(p, allow_pickle=False) as f:
            keys = set(f.files)
            missing = {"X", "y"} - keys
            if missing:
                raise BadInput(f"--data {p.name}: missing array(s) {', '.join(sorted(missing))}")
            X, y = f["X"], f["y"]
            w0 = f["w0"] if "w0" in keys else None
    except BadInput:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise BadInput(f"--data {p.name}: not a readable .npz file ({type(exc).__name__})") from None
    return validate(X, y, w0, source=f"--data {p.name}", targets=targets)


def gaussian_instance(seed: int, n: int, d: int, w0_scale: float = 1.0) -> Dataset:
    """X ~ N(0,1)^{n×d}, balanced-at-random labels, w0 ~ N(0, I_d) scaled to norm ``w0_scale``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.choice(np.array([-1, 1]), size=n)
    w0 = rng.standard_normal(d)
    w0 *= w0_scale / np.linalg.norm(w0)
    return validate(X, y, w0, source=f"generated(seed={seed}, n={n}, d={d}, w0_scale={w0_scale})")
