"""``bnproof bench``: the engine's throughput table."""

from __future__ import annotations

import json

import typer

from bnproof.cli.app import app


@app.command()
def bench(
    json_out: bool = typer.Option(False, "--json", help="machine-readable table"),
    n: int = typer.Option(16, "--n"), d: int = typer.Option(64, "--d"), dps: int = typer.Option(50, "--dps"),
    seconds: float = typer.Option(3.0, "--seconds", help="time budget per engine"),
) -> None:
    """Throughput of the GD engine against plain baselines."""
    from bnproof.bench import engine_table  # lazily: numba

    rows = engine_table(n=n, d=d, dps=dps, seconds=seconds)
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"n = {n}, d = {d}; gap digits: agreement with python-flint at {2 * dps + 10} digits after "
               f"{rows[0]['gap_steps']} steps")
    for row in rows:
        typer.echo(f"{row['engine']:50s} {row['steps_per_s']:>12,.0f} steps/s  {row['speedup']:>10.1f}× plain mpmath"
                   f"  {row['gap_digits']:>5.1f} gap digits")
