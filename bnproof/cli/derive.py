"""``bnproof derive``: regenerate derivations/ from SymPy, or check it for drift."""

from __future__ import annotations

from pathlib import Path

import typer

from bnproof.cli.app import app


@app.command()
def derive(
    check_only: bool = typer.Option(False, "--check", help="exit 1 if derivations/ differ from what the code derives"),
    out: Path = typer.Option(Path("derivations"), "--out", help="directory of the derivations"),
) -> None:
    """Regenerate derivations/ from SymPy (or check it for drift)."""
    from bnproof.symbolic.render import write_or_check  # lazily: SymPy

    drift, failed = write_or_check(out, check=check_only)
    if failed:
        typer.echo(f"identities that do not hold: {', '.join(failed)}", err=True)
        raise typer.Exit(1)
    if check_only:
        if drift:
            typer.echo(f"derivations drifted: {', '.join(drift)} (run `bnproof derive`)", err=True)
            raise typer.Exit(1)
        typer.echo(f"derivations in {out} are up to date")
    else:
        typer.echo(f"wrote derivations to {out}")
