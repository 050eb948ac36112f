"""``bnproof report``: the report of records from ``check --out`` (or of a fresh run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from bnproof.claims import registry, run_claim
from bnproof.cli.app import app
from bnproof.cli.files import check_out_dir, write_atomic
from bnproof.cli.show import progress_bar
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig

DEFAULT_OUT = Path("bnproof-out")


@app.command()
def report(
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="where report.md, report.tex and figures/ go"),
    records: Path | None = typer.Option(None, "--from", help="JSON records (file or directory) from `check --out`; "
                                                                  "without it every claim is run"),
    quick: bool = typer.Option(False, "--quick", help="short runs when the claims are run here"),
    seed: int = typer.Option(0, "--seed", min=0),
) -> None:
    """Markdown (and LaTeX) report with a figure per claim."""
    from bnproof.report import load_records, write_report  # lazily: matplotlib

    check_out_dir(out)
    if records is not None:
        try:
            recs = load_records(records)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if not recs:
            raise BadInput(f"--from {records}: no records found")
    else:
        recs = []
        with progress_bar(sys.stderr.isatty()) as progress:
            for claim in registry().values():
                rec = run_claim(claim, RunConfig(seed=seed, quick=quick, progress=progress))
                write_atomic(out / "records" / f"{claim.id}.json", json.dumps(rec, indent=2) + "\n")
                recs.append(rec)
    try:
        path = write_report(recs, out)
    except ValueError as exc:
        raise BadInput(f"report: {exc}") from None
    except OSError as exc:
        raise BadInput(f"report --out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    typer.echo(f"wrote {path}")
