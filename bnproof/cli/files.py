"""Output files: ``--out`` checked before the work starts, records written atomically.

A record gets the permissions any new file of the user gets (``0o666`` less the umask, e.g.
0644), not the 0600 of the temporary file it is written through.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bnproof.cli.interrupts import signals_deferred
from bnproof.core.errors import BadInput

__all__ = ["check_out_dir", "current_umask", "write_atomic"]


def check_out_dir(out: Path) -> None:
    """Refuse an --out that is a file or not writable, before any work starts."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".bnproof-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BadInput(f"--out {out}: not a writable directory ({exc.strerror or type(exc).__name__})") from None


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so no half-written record is ever left.

    Interrupts are deferred during the write: neither a half-written record nor the hidden
    temporary file survives Ctrl-C or SIGTERM.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_deferred():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
                os.fchmod(fh.fileno(), 0o666 & ~current_umask())  # mkstemp made it 0600
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def current_umask() -> int:
    """The process's umask, read without changing it where the OS allows.

    Linux reports it in /proc/self/status; elsewhere the only way is to set it and set it back,
    which another thread creating a file at that instant could see (so it is the fallback).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old
