"""``bnproof list``."""

from __future__ import annotations

import json

import typer

from bnproof.claims import registry
from bnproof.cli.app import app


@app.command("list")
def list_claims(json_out: bool = typer.Option(False, "--json", help="machine-readable list")) -> None:
    """Every claim id with its paper and one-line statement."""
    claims = list(registry().values())
    if json_out:
        typer.echo(json.dumps([c.to_dict() for c in claims], indent=2, ensure_ascii=False))
        return
    for c in claims:
        typer.echo(f"{c.id:40s} [{c.confidence}] {c.summary}")
