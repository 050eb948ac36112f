"""The ``bnproof`` command line (typer): one module per command, registered on :data:`app`.

Contract (docs/records.md and the README): exit 0 all verified, 1 any refuted, 3 none refuted but some
inconclusive or inapplicable, 2 bad input or usage -- always a one-line message on stderr,
never a traceback.  ``--json`` prints exactly one JSON document on stdout.  An interrupt (Ctrl-C
or SIGTERM) exits 130 with one line; no temporary file is left in ``--out``.

Numeric options are checked before any work starts, against named limits
(:mod:`.options`); ``--out`` is checked for writability before the first claim runs (:mod:`.files`).
"""

from __future__ import annotations

import sys

import typer

try:  # typer >= 0.2x vendors click as typer._click; older releases use click itself
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as _cx

from bnproof.cli import bench, check, derive, listing, report, selftest, sweep  # noqa: F401  (each registers its command)
from bnproof.cli.app import app
from bnproof.cli.interrupts import EXIT_INTERRUPTED, Interrupted, interrupted_exit, interrupts_handled
from bnproof.core.errors import BadInput

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point: typer app with one-line errors and the contract's exit codes."""
    try:
        with interrupts_handled():
            rv = app(args=argv, standalone_mode=False, prog_name="bnproof")
    except BadInput as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _cx.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            # bare `bnproof`: help on stdout, usage status.  The error's constructor already
            # rendered the help: rich help prints itself (and leaves the message empty), plain help is the message.
            if exc.format_message():
                typer.echo(exc.format_message())
            sys.exit(2)
        _fail(exc.format_message())
    except typer.Abort:
        _fail("aborted")
    except (Interrupted, KeyboardInterrupt):
        interrupted_exit(console=argv is None)
    if rv == EXIT_INTERRUPTED:  # typer answers a KeyboardInterrupt with a silent 130; commands never exit 130
        interrupted_exit(console=argv is None)
    sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str) -> None:
    first = " ".join(str(message).split())
    sys.stderr.write(f"bnproof: error: {first}\n")
    sys.exit(2)
