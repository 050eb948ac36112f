"""``bnproof selftest``: every claim's negative controls, as a kill table."""

from __future__ import annotations

import json
import os
import sys

import typer
from rich.table import Table

from bnproof.claims import resolve
from bnproof.cli.app import app
from bnproof.cli.show import progress_bar, stdout_console


@app.command()
def selftest(
    claims: list[str] = typer.Argument(None, help="claim ids or paper keys (none: every claim)"),
    json_out: bool = typer.Option(False, "--json", help="print the kill table as JSON"),
    full: bool = typer.Option(False, "--full", help="run the controls on the claims' defaults, not --quick"),
) -> None:
    """Run every claim's negative controls and print the kill table.

    Exit 0: every control rejected as declared; 1: a control was verified (the checker cannot
    fail on that statement); 3: a control rejected but not with the declared verdict, or a claim
    without controls; 2: bad input.
    """
    from bnproof.selftest import exit_status as selftest_status
    from bnproof.selftest import selftest as run_selftest

    chosen = resolve(claims or [], all_claims=not claims)
    show_bar = not json_out and sys.stderr.isatty() and not os.environ.get("CI")
    with progress_bar(show_bar) as progress:
        results = run_selftest(chosen, quick=not full, progress=progress)
    if json_out:
        typer.echo(json.dumps([r.__dict__ for r in results], indent=2, ensure_ascii=False))
    else:
        table = Table(title="negative controls", show_header=True, header_style="bold", box=None, padding=(0, 2, 0, 0))
        for column in ("claim", "control", "kind", "expected", "got", "outcome"):
            table.add_column(column)
        for r in results:
            colour = {"killed": "green", "rejected": "yellow", "survived": "red"}[r.outcome]
            table.add_row(r.claim, r.control, r.kind, "|".join(r.expect), r.verdict, f"[{colour}]{r.outcome}[/{colour}]")
        stdout_console().print(table)  # unwrapped when piped
    status = selftest_status(results)
    claims_without = [c.id for c in chosen if not c.controls]
    if claims_without:
        typer.echo(f"claims without declared controls (they cannot show that they fail): {', '.join(claims_without)}",
                   err=True)
        status = max(status, 3)
    raise typer.Exit(status)
