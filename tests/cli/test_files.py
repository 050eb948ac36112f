"""bnproof.cli.files: records are written atomically with the user's umask (not mkstemp's 0600)."""

import os
import stat
from pathlib import Path

import pytest

from bnproof.cli.files import current_umask, write_atomic


@pytest.fixture
def umask():
    """Set the process umask for one test (and restore it)."""
    old = os.umask(0o022)
    os.umask(old)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_records_get_the_mode_of_any_new_file(tmp_path: Path, umask, mask, mode):
    umask(mask)
    assert current_umask() == mask
    write_atomic(tmp_path / "r.json", "{}\n")
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == mode
    assert (tmp_path / "r.json").read_text() == "{}\n" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_current_umask_without_proc(monkeypatch, umask):
    umask(0o027)

    def no_proc(*args, **kwargs):
        raise OSError("no /proc")

    monkeypatch.setattr("builtins.open", no_proc)
    assert current_umask() == 0o027
    monkeypatch.undo()
    assert current_umask() == 0o027  # the fallback set it back
