"""``bnproof check``: run claims, print or write their records, exit with the contract's status."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from bnproof.claims import resolve, run_claim
from bnproof.cli.app import app
from bnproof.cli.files import check_out_dir, write_atomic
from bnproof.cli.options import check_dps, parse_eta, parse_params, parse_steps
from bnproof.cli.show import print_record, print_summary, progress_bar
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.records import exit_status


@app.command()
def check(
    claims: list[str] = typer.Argument(None, help="claim ids or paper keys (none: every claim)"),
    all_claims: bool = typer.Option(False, "--all", help="every registered claim"),
    json_out: bool = typer.Option(False, "--json", help="print JSON records on stdout and nothing else"),
    out: Path | None = typer.Option(None, "--out", help="also write one JSON record per claim into DIR"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed of generated instances (≥ 0)"),
    dps: int | None = typer.Option(None, "--dps", help="decimal digits of the main run"),
    steps: str | None = typer.Option(None, "--steps", help="GD steps (e.g. 1e5)"),
    eta: str | None = typer.Option(None, "--eta", help="step size, read exactly as a decimal"),
    loss: str | None = typer.Option(None, "--loss", help="exp | logistic"),
    data: Path | None = typer.Option(None, "--data", help=".npz with X (n×d), y (±1), optional w0"),
    param: list[str] = typer.Option([], "--param", help="KEY=VALUE, repeatable; see `bnproof list --json`"),
    quick: bool = typer.Option(False, "--quick", help="short runs (smoke test)"),
    workers: int = typer.Option(1, "--workers", min=1, help="worker processes (Dask); 1: run in this process"),
) -> None:
    """Check claims and print the paper's statement next to the measured values."""
    from bnproof.core.data import load_npz  # lazily: NumPy stays out of `bnproof list`

    chosen = resolve(claims or [], all_claims=all_claims or not claims)
    steps_value, eta, dps = parse_steps(steps), parse_eta(eta), check_dps(dps)
    if loss is not None and loss not in ("exp", "logistic"):
        raise BadInput(f"--loss must be exp or logistic, got {loss!r}")
    # real-valued y only when every chosen claim accepts it (labels ±1 are real too)
    targets = "real" if chosen and all(c.targets == "real" for c in chosen) else "labels"
    dataset = load_npz(data, targets=targets) if data is not None else None
    if dataset is not None:
        no_data = [c.id for c in chosen if not c.takes_data]
        if no_data:
            raise BadInput(f"--data given but {no_data[0]} takes no data")
        wrong = [c for c in chosen if c.data_kind != dataset.kind]
        if wrong:
            shape = "n×d" if wrong[0].data_kind == "matrix" else "n×P×d (patches)"
            raise BadInput(f"--data: {wrong[0].id} needs X of shape {shape}, got {dataset.X.shape}")
    params = parse_params(param)
    declared = {p.name for c in chosen for p in c.params}
    unknown = sorted(set(params) - declared)
    if unknown:
        raise BadInput(f"unknown --param {unknown[0]!r} for the chosen claims (see `bnproof list --json`)")
    for claim in chosen:  # every value parsed (types, ranges) before the first claim runs
        for p in claim.params:
            if p.name in params:
                p.parse(params[p.name])
    if out is not None:
        check_out_dir(out)
    records = []
    show_bar = not json_out and sys.stderr.isatty() and not os.environ.get("CI")
    claim_params = [{k: v for k, v in params.items() if k in {p.name for p in claim.params}} for claim in chosen]
    with progress_bar(show_bar) as progress:
        if workers > 1 and len(chosen) > 1:
            from bnproof.sweeps.checks import check_in_parallel

            options = {"dps": dps, "steps": steps_value, "eta": eta, "loss": loss, "quick": quick}
            results = check_in_parallel(chosen, claim_params, options, seed=seed, data=dataset, workers=workers)
        else:
            results = (run_claim(claim, RunConfig(seed=seed, dps=dps, steps=steps_value, eta=eta, loss=loss,
                                                  data=dataset, params=p, quick=quick, progress=progress))
                       for claim, p in zip(chosen, claim_params))
        for rec in results:
            records.append(rec)
            if progress is not None and workers > 1:
                progress("claims", len(records), len(chosen))
            if out is not None:
                write_atomic(out / f"{rec['claim']}.json", json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
            if not json_out:
                print_record(rec)
    if json_out:
        doc = records[0] if len(records) == 1 else records
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    elif len(records) > 1:
        print_summary(records)
    raise typer.Exit(exit_status(records))
