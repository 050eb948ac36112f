"""Render every paper's derivations (the committed files under ``derivations/``).

Each paper's renderer lives with its derivations and returns ``({file name: content}, [names
of identities that failed])``; :data:`RENDERERS` lists them, and :func:`write_or_check` writes
every file or compares it with the committed one.  Output is deterministic (no timings, no
versions), so ``bnproof derive --check`` detects drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from bnproof.symbolic import bn_init, cao2023, ergen2022, lyu2022, meanfield

__all__ = ["RENDERERS", "render_all", "write_or_check"]

Renderer = Callable[[], "tuple[dict[str, str], list[str]]"]

# paper key -> its renderer; one entry per page set under derivations/
RENDERERS: dict[str, Renderer] = {
    "cao2023": cao2023.render_cao2023,
    "daneshmand2021": bn_init.render_daneshmand2021,
    "ergen2022": ergen2022.render_ergen2022,
    "lyu2022": lyu2022.render_lyu2022,
    "nachum2024": bn_init.render_nachum2024,
    "wei2019": meanfield.render_wei2019,
    "yang2019": meanfield.render_yang2019,
}


def render_all() -> tuple[dict[str, str], list[str]]:
    """Every derivation file and the identities that failed to hold."""
    files: dict[str, str] = {}
    failed: list[str] = []
    for renderer in RENDERERS.values():
        more, more_failed = renderer()
        clash = set(more) & set(files)
        if clash:
            raise ValueError(f"derivation files written twice: {sorted(clash)}")
        files.update(more)
        failed += more_failed
    return files, failed


def write_or_check(out_dir: Path, check: bool) -> tuple[list[str], list[str]]:
    """Write the derivations (or, with ``check``, compare them with the committed files).

    Returns (files that drifted, identities that failed to hold).
    """
    files, failed = render_all()
    drift = []
    for name, content in files.items():
        path = Path(out_dir) / name
        if check:
            if not path.exists() or path.read_text() != content:
                drift.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    return drift, failed
