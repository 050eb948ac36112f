"""``bnproof report``: the report of records from ``check --out`` and sweeps (or of a fresh run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

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
    out: Annotated[Path, typer.Option("--out", help="where report.md, report.tex, report.html and figures/ go")]
    = DEFAULT_OUT,
    sources: Annotated[list[Path] | None, typer.Option(
        "--from", metavar="PATH", help="records (file or directory) from `check --out`, or a sweep directory "
                                       "from `sweep --out`; repeatable. Without it every claim is run")] = None,
    formats: Annotated[list[str] | None, typer.Option(
        "--format", metavar="FORMAT", help="md, tex, html: repeatable or a comma list (default: all three)")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="short runs when the claims are run here")] = False,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
) -> None:
    """Markdown, LaTeX and self-contained HTML report with a figure per claim (docs/report.md)."""
    from bnproof.report import FORMATS, load_inputs, parse_formats, write_report  # lazily: matplotlib

    try:
        chosen = parse_formats(formats or FORMATS)
    except ValueError as exc:
        raise BadInput(f"--format: {exc}") from None
    check_out_dir(out)
    sweeps = []
    if sources:
        try:
            recs, sweeps = load_inputs(sources)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if not recs and not sweeps:
            raise BadInput(f"--from {' '.join(map(str, sources))}: no records or sweeps found")
    else:
        recs = []
        with progress_bar(sys.stderr.isatty()) as progress:
            for claim in registry().values():
                rec = run_claim(claim, RunConfig(seed=seed, quick=quick, progress=progress))
                write_atomic(out / "records" / f"{claim.id}.json", json.dumps(rec, indent=2) + "\n")
                recs.append(rec)
    try:
        written = write_report(recs, out, formats=chosen, sweeps=sweeps)
    except ValueError as exc:
        raise BadInput(f"report: {exc}") from None
    except OSError as exc:
        raise BadInput(f"report --out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    for path in written.values():
        typer.echo(f"wrote {path}")
