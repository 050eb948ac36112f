"""``bnproof sweep``: one claim over seeds x a grid on Dask; the summary per cell and the population verdict.

Exit status from the population verdict (0 every instance verified, 1 any refuted, 3 otherwise),
2 on bad input with nothing written (everything is validated and a ``--scheduler`` probed
before the output directory is created), 130 on an interrupt (finished rows are kept; a rerun
skips them).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bnproof.cli.app import app
from bnproof.cli.options import check_dps, parse_eta, parse_params, parse_steps
from bnproof.cli.show import VERDICT_COLOURS, progress_bar
from bnproof.core.errors import BadInput
from bnproof.core.records import VERDICTS, exit_status

__all__ = ["parse_grid", "print_sweep", "signal_seen", "sweep"]

SHOWN_REFUTING = 10  # refuting instances listed on the terminal (sweep.json lists all)


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``KEY=v1,v2,...`` (repeatable) -> {key: [values]}.  A list-valued parameter separates its
    grid values with ``;`` instead (``eps=0.001,0.01;0.1``)."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise BadInput(f"--grid expects KEY=v1,v2,..., got {item!r}")
        if key in grid:
            raise BadInput(f"--grid {key} given twice")
        parts = text.split(";") if ";" in text else text.split(",")
        grid[key] = [p.strip() for p in parts if p.strip()]
    return grid


@contextmanager
def signal_seen() -> Iterator[Callable[[], bool]]:
    """Remember a SIGINT/SIGTERM while passing it on to the handler before (which raises).

    Python drops an exception raised by a signal handler that fires inside a garbage-collector
    callback (distributed registers one); the sweep also polls the flag, so Ctrl-C always stops it.
    """
    seen = threading.Event()
    previous: dict = {}

    def handler(signum, frame) -> None:
        seen.set()
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield seen.is_set
        return
    try:
        yield seen.is_set
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


@app.command()
def sweep(
    claim: str = typer.Argument(..., help="claim id (see `bnproof list`)"),
    seeds: str = typer.Option("0:1", "--seeds", help="LO:HI (half-open), S or A,B,C"),
    grid: list[str] = typer.Option([], "--grid", help="KEY=v1,v2,... (repeatable; ';' separates list values)"),
    workers: int | None = typer.Option(None, "--workers", help="local worker processes (default: one per core)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT"),
    out: Path | None = typer.Option(None, "--out", help="output directory (default bnproof-sweep/<claim>)"),
    metric: list[str] = typer.Option([], "--metric", help="a measured value to summarise (repeatable)"),
    param: list[str] = typer.Option([], "--param", help="KEY=VALUE for every task (repeatable)"),
    quick: bool = typer.Option(False, "--quick", help="short runs (smoke test)"),
    steps: str | None = typer.Option(None, "--steps", help="GD steps (e.g. 1e5)"),
    eta: str | None = typer.Option(None, "--eta", help="step size, read exactly as a decimal"),
    dps: int | None = typer.Option(None, "--dps", help="decimal digits of the main run"),
    loss: str | None = typer.Option(None, "--loss", help="exp | logistic"),
    batch: int | None = typer.Option(None, "--batch", help="seeds per task (default: adaptive)"),
    json_out: bool = typer.Option(False, "--json", help="print sweep.json on stdout and nothing else"),
) -> None:
    """Check one claim on every seed x grid cell (Dask); summary per cell and the population verdict."""
    from bnproof.sweeps.api import default_out
    from bnproof.sweeps.api import sweep as run_sweep

    steps_value, eta, dps = parse_steps(steps), parse_eta(eta), check_dps(dps)
    if loss is not None and loss not in ("exp", "logistic"):
        raise BadInput(f"--loss must be exp or logistic, got {loss!r}")
    if workers is not None and workers < 1:
        raise BadInput(f"--workers must be a positive integer, got {workers}")
    if batch is not None and batch < 1:
        raise BadInput(f"--batch must be a positive integer, got {batch}")
    if workers is not None and scheduler is not None:
        raise BadInput("give --workers or --scheduler, not both")
    out_dir = out if out is not None else default_out(claim)
    show_bar = not json_out and sys.stderr.isatty() and not os.environ.get("CI")
    with progress_bar(show_bar) as progress, signal_seen() as stop:
        table = run_sweep(claim, seeds, parse_grid(grid), params=parse_params(param), metrics=metric,
                          workers=workers, scheduler=scheduler, out=out_dir, quick=quick, steps=steps_value,
                          eta=eta, dps=dps, loss=loss, batch=batch, progress=progress, stop=stop)
    doc = json.loads((out_dir / "sweep.json").read_text())
    missing = [m for m in doc["metrics"] if f"measured.{m}" not in table.columns]
    if missing:
        sys.stderr.write(f"bnproof: note: --metric {missing[0]} is not among the measured values of {claim}\n")
    if json_out:
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print_sweep(doc, out_dir)
    raise typer.Exit(exit_status([doc["population"]]))


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4g}"


def print_sweep(doc: dict, out_dir: Path) -> None:
    """The summary per grid cell, then the population verdict and the refuting commands."""
    console = Console(highlight=False)
    table = Table(title=f"sweep {doc['claim']}", header_style="bold", box=None, padding=(0, 2, 0, 0))
    keys, metrics = list(doc["grid"]), doc["metrics"]
    short = {"inconclusive": "inconcl.", "inapplicable": "inappl."}
    for column in [*keys, "n", *(short.get(v, v) for v in VERDICTS), "verified rate [95 % CI]",
                   *(f"{m} median [q05, q95]" for m in metrics)]:
        table.add_column(column)
    for cell in doc["cells"]:
        rate = f"{_fmt(cell['verified_rate'])} [{_fmt(cell['wilson_lo'])}, {_fmt(cell['wilson_hi'])}]"
        quantiles = [f"{_fmt(cell[f'{m}.q50'])} [{_fmt(cell[f'{m}.q05'])}, {_fmt(cell[f'{m}.q95'])}]" for m in metrics]
        table.add_row(*(escape(str(cell[f"param.{k}"])) for k in keys), str(cell["n"]),
                      *(str(cell[v]) for v in VERDICTS), rate, *quantiles)
    console.print(table)
    pop = doc["population"]
    colour = VERDICT_COLOURS[pop["verdict"]]
    console.print(f"[bold]population[/bold]  [{colour}]{pop['verdict'].upper()}[/{colour}]  {escape(pop['reason'])}")
    for item in pop["refuting"][:SHOWN_REFUTING]:  # never wrapped: each line is a command to paste
        console.print(f"  reproduce: {escape(item['command'])}", soft_wrap=True)
    if len(pop["refuting"]) > SHOWN_REFUTING:
        console.print(f"  … {len(pop['refuting']) - SHOWN_REFUTING} more in {out_dir / 'sweep.json'}")
    tasks = doc["tasks"]
    console.print(f"{tasks['done']}/{tasks['total']} tasks ({tasks['skipped_existing']} already done); "
                  f"{doc['elapsed_s']:.1f} s; table {out_dir / 'tasks'}, records {out_dir / 'records'}")
