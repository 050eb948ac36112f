"""Ctrl-C and SIGTERM: both raise :class:`Interrupted`; a record being written is finished first.

An interrupt exits 130 with one line (:func:`interrupted_exit`); interrupts are deferred while
a record is written (:func:`signals_deferred`), so no half-written file or temporary is left.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["EXIT_INTERRUPTED", "Interrupted", "interrupted_exit", "interrupts_handled", "signals_deferred"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM during a command.

    Not a KeyboardInterrupt: click turns those into ``Abort`` after printing a blank line,
    which would break the one-line contract.  A BaseException, so no ``except Exception``
    (e.g. run_claim's) mistakes it for a failed check.
    """


def _interrupt(signum, frame) -> None:
    name = signal.Signals(signum).name
    if _deferred["depth"]:
        _deferred["pending"] = name
        return
    raise Interrupted(name)


@contextmanager
def interrupts_handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` (main thread only; restored afterwards)."""
    try:
        old = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


_deferred = {"depth": 0, "pending": None}  # interrupts held back while a record is written


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold an interrupt (SIGINT/SIGTERM, through :func:`_interrupt`) back until the block ends.

    Python runs signal handlers in the main thread, so a flag is enough (a thread's signal
    mask is not: the process's other threads would still take the signal).
    """
    _deferred["depth"] += 1
    try:
        yield
    finally:
        _deferred["depth"] -= 1
        pending = _deferred["pending"]
        if _deferred["depth"] == 0 and pending is not None:
            _deferred["pending"] = None
            raise Interrupted(pending)


def interrupted_exit(console: bool) -> None:
    """Exit 130 with one line.  From the console, skip the interpreter's teardown (over a second
    with the compiled engines loaded): records are written atomically, nothing is left to flush."""
    sys.stderr.write("bnproof: interrupted\n")
    if console:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_INTERRUPTED)
