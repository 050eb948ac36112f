"""The ``bnproof`` command line (typer): list, check, selftest, derive, report, bench.

Contract (docs/records.md and the README): exit 0 all verified, 1 any refuted, 3 none refuted but some
inconclusive or inapplicable, 2 bad input or usage -- always a one-line message on stderr,
never a traceback.  ``--json`` prints exactly one JSON document on stdout.  An interrupt (Ctrl-C
or SIGTERM) exits 130 with one line; no temporary file is left in ``--out``.

Numeric options are checked before any work starts, against named limits (``MAX_STEPS``,
``MAX_DPS``); ``--out`` is checked for writability before the first claim runs.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

try:  # typer >= 0.2x vendors click as typer._click; older releases use click itself
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as _cx

from bnproof.claims import registry, resolve, run_claim
from bnproof.core.errors import BadInput
from bnproof.core.params import RunConfig
from bnproof.core.records import exit_status

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Check theorems about batch normalization, symbolically and at high precision.")

DEFAULT_OUT = Path("bnproof-out")
MAX_STEPS = 10**10  # more GD steps than any claim needs (its defaults are <= 1e8); hours of compute
MAX_DPS = 10_000  # decimal digits: beyond this one multiprecision step takes seconds
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
VERDICT_COLOURS = {"verified": "green", "refuted": "red", "inconclusive": "yellow", "inapplicable": "blue"}


def _parse_params(items: List[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--param expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _parse_steps(text: Optional[str]) -> Optional[int]:
    """A positive integer up to MAX_STEPS, written as an integer or in e-notation (``1e5``)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"--steps expects a positive integer (1e5 is fine), got {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 1:
        raise BadInput(f"--steps expects a positive integer, got {text!r}")
    if value > MAX_STEPS:
        raise BadInput(f"--steps {text}: more than the limit of {MAX_STEPS:.0e} steps")
    return int(value)


def _parse_eta(text: Optional[str]) -> Optional[str]:
    """A positive step size, finite as a float64 (the exact decimal text is passed on unchanged)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"--eta expects a positive number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise BadInput(f"--eta expects a positive finite number, got {text!r}")
    as_float = float(value)
    if not math.isfinite(as_float) or as_float < sys.float_info.min:
        raise BadInput(f"--eta {text}: outside the float64 range [{sys.float_info.min:.3g}, {sys.float_info.max:.3g}]")
    return text.strip()


def _check_dps(dps: Optional[int]) -> Optional[int]:
    if dps is not None and not 1 <= dps <= MAX_DPS:
        raise BadInput(f"--dps must be in [1, {MAX_DPS}], got {dps}")
    return dps


def _check_out_dir(out: Path) -> None:
    """Refuse an --out that is a file or not writable, before any work starts."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".bnproof-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BadInput(f"--out {out}: not a writable directory ({exc.strerror or type(exc).__name__})") from None


_deferred = {"depth": 0, "pending": None}  # interrupts held back while a record is written


@contextmanager
def _signals_deferred() -> Iterator[None]:
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


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so no half-written record is ever left.

    Interrupts are deferred during the write: neither a half-written record nor the hidden
    temporary file survives Ctrl-C or SIGTERM.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _signals_deferred():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A rich progress bar on a terminal; ``None`` (silent) otherwise."""
    if not enabled:
        yield None
        return
    tasks: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                  TimeRemainingColumn(), transient=True, console=_stderr_console()) as bar:
        def update(label: str, t: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=t)

        yield update


def _stderr_console():
    return Console(stderr=True)


def _print_record(rec: dict) -> None:
    """Human-readable record: verdict, reason, then the paper's value next to the measured one."""
    console = Console(highlight=False)
    colour = VERDICT_COLOURS[rec["verdict"]]
    console.print(f"[bold]{rec['claim']}[/bold]  [{colour}]{rec['verdict'].upper()}[/{colour}]")
    console.print(f"  {escape(rec['reason'])}")
    expected, measured = rec["expected"], rec["measured"]
    if expected or measured:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2, 0, 2))
        table.add_column("quantity")
        table.add_column("paper / expected", overflow="fold", max_width=48)
        table.add_column("measured", overflow="fold", max_width=48)
        side_by_side = [k for k in expected if k in measured]
        extra = [k for k in measured if k not in expected and _is_scalar(measured[k])]
        for key in side_by_side + [k for k in expected if k not in measured] + extra:
            table.add_row(key, escape(_cell(expected.get(key, ""))), escape(_cell(measured.get(key, ""))))
        console.print(table)
    prec = rec.get("precision") or {}
    if prec.get("audit_dps"):
        digits = ", ".join(f"{k} {v}" for k, v in prec["agreeing_digits"].items())
        console.print(f"  precision: {prec['dps']} digits ({prec.get('context')}); audit rerun at {prec['audit_dps']} "
                      f"digits agrees on {digits} digits; {rec['elapsed_s']:.1f} s")
    console.print()


def _print_summary(records: list[dict]) -> None:
    """One line per claim (verdict, confidence, time) and the totals, after a multi-claim run."""
    colour = VERDICT_COLOURS
    table = Table(title="summary", show_header=True, header_style="bold", box=None, padding=(0, 2, 0, 0))
    for column in ("claim", "verdict", "confidence", "time"):
        table.add_column(column)
    for rec in records:
        c = colour[rec["verdict"]]
        table.add_row(rec["claim"], f"[{c}]{rec['verdict']}[/{c}]", rec.get("confidence", ""), f"{rec['elapsed_s']:.1f} s")
    counts = Counter(r["verdict"] for r in records)
    total = sum(r["elapsed_s"] for r in records)
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(records)} claims: " + ", ".join(f"{counts[v]} {v}" for v in colour if counts[v])
                  + f"; {total:.0f} s")


def _is_scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _cell(value) -> str:
    """Short text for a table cell: long decimal strings to 6 significant digits, lists summarised."""
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value) and value:
            return f"[{', '.join(_cell(v) for v in value[:3])}{', …' if len(value) > 3 else ''}] ({len(value)})"
        return json.dumps(value) if len(json.dumps(value)) <= 48 else f"({len(value)} items)"
    if isinstance(value, str) and len(value) > 16:
        try:
            return f"{Decimal(value):.6g}"
        except InvalidOperation:
            return value
    return value if isinstance(value, str) else json.dumps(value)


@app.command("list")
def list_claims(json_out: bool = typer.Option(False, "--json", help="machine-readable list")) -> None:
    """Every claim id with its paper and one-line statement."""
    claims = list(registry().values())
    if json_out:
        typer.echo(json.dumps([c.to_dict() for c in claims], indent=2, ensure_ascii=False))
        return
    for c in claims:
        typer.echo(f"{c.id:40s} [{c.confidence}] {c.summary}")


@app.command()
def check(
    claims: List[str] = typer.Argument(None, help="claim ids or paper keys (none: every claim)"),
    all_claims: bool = typer.Option(False, "--all", help="every registered claim"),
    json_out: bool = typer.Option(False, "--json", help="print JSON records on stdout and nothing else"),
    out: Optional[Path] = typer.Option(None, "--out", help="also write one JSON record per claim into DIR"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed of generated instances (≥ 0)"),
    dps: Optional[int] = typer.Option(None, "--dps", help="decimal digits of the main run"),
    steps: Optional[str] = typer.Option(None, "--steps", help="GD steps (e.g. 1e5)"),
    eta: Optional[str] = typer.Option(None, "--eta", help="step size, read exactly as a decimal"),
    loss: Optional[str] = typer.Option(None, "--loss", help="exp | logistic"),
    data: Optional[Path] = typer.Option(None, "--data", help=".npz with X (n×d), y (±1), optional w0"),
    param: List[str] = typer.Option([], "--param", help="KEY=VALUE, repeatable; see `bnproof list --json`"),
    quick: bool = typer.Option(False, "--quick", help="short runs (smoke test)"),
) -> None:
    """Check claims and print the paper's statement next to the measured values."""
    from bnproof.core.data import load_npz  # lazily: NumPy stays out of `bnproof list`

    chosen = resolve(claims or [], all_claims=all_claims or not claims)
    steps_value, eta, dps = _parse_steps(steps), _parse_eta(eta), _check_dps(dps)
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
    params = _parse_params(param)
    declared = {p.name for c in chosen for p in c.params}
    unknown = sorted(set(params) - declared)
    if unknown:
        raise BadInput(f"unknown --param {unknown[0]!r} for the chosen claims (see `bnproof list --json`)")
    for claim in chosen:  # every value parsed (types, ranges) before the first claim runs
        for p in claim.params:
            if p.name in params:
                p.parse(params[p.name])
    if out is not None:
        _check_out_dir(out)
    records = []
    show_bar = not json_out and sys.stderr.isatty() and not os.environ.get("CI")
    with _progress(show_bar) as progress:
        for claim in chosen:
            config = RunConfig(seed=seed, dps=dps, steps=steps_value, eta=eta, loss=loss, data=dataset,
                               params={k: v for k, v in params.items() if k in {p.name for p in claim.params}},
                               quick=quick, progress=progress)
            rec = run_claim(claim, config)
            records.append(rec)
            if out is not None:
                _write_atomic(out / f"{claim.id}.json", json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
            if not json_out:
                _print_record(rec)
    if json_out:
        doc = records[0] if len(records) == 1 else records
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    elif len(records) > 1:
        _print_summary(records)
    raise typer.Exit(exit_status(records))


@app.command()
def selftest(
    claims: List[str] = typer.Argument(None, help="claim ids or paper keys (none: every claim)"),
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
    with _progress(show_bar) as progress:
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
        Console(highlight=False).print(table)
    status = selftest_status(results)
    claims_without = [c.id for c in chosen if not c.controls]
    if claims_without:
        typer.echo(f"claims without declared controls (they cannot show that they fail): {', '.join(claims_without)}",
                   err=True)
        status = max(status, 3)
    raise typer.Exit(status)


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


@app.command()
def report(
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="where report.md, report.tex and figures/ go"),
    records: Optional[Path] = typer.Option(None, "--from", help="JSON records (file or directory) from `check --out`; "
                                                                  "without it every claim is run"),
    quick: bool = typer.Option(False, "--quick", help="short runs when the claims are run here"),
    seed: int = typer.Option(0, "--seed", min=0),
) -> None:
    """Markdown (and LaTeX) report with a figure per claim."""
    from bnproof.report import load_records, write_report  # lazily: matplotlib

    _check_out_dir(out)
    if records is not None:
        try:
            recs = load_records(records)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if not recs:
            raise BadInput(f"--from {records}: no records found")
    else:
        recs = []
        with _progress(sys.stderr.isatty()) as progress:
            for claim in registry().values():
                rec = run_claim(claim, RunConfig(seed=seed, quick=quick, progress=progress))
                _write_atomic(out / "records" / f"{claim.id}.json", json.dumps(rec, indent=2) + "\n")
                recs.append(rec)
    try:
        path = write_report(recs, out)
    except ValueError as exc:
        raise BadInput(f"report: {exc}") from None
    except OSError as exc:
        raise BadInput(f"report --out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    typer.echo(f"wrote {path}")


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
def _interrupts_handled() -> Iterator[None]:
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


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: typer app with one-line errors and the contract's exit codes."""
    try:
        with _interrupts_handled():
            rv = app(args=argv, standalone_mode=False, prog_name="bnproof")
    except BadInput as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _cx.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            typer.echo(exc.ctx.get_help())  # bare `bnproof`: help on stdout, usage status
            sys.exit(2)
        _fail(exc.format_message())
    except typer.Abort:
        _fail("aborted")
    except (Interrupted, KeyboardInterrupt):
        _interrupted(console=argv is None)
    if rv == EXIT_INTERRUPTED:  # typer answers a KeyboardInterrupt with a silent 130; commands never exit 130
        _interrupted(console=argv is None)
    sys.exit(rv if isinstance(rv, int) else 0)


def _interrupted(console: bool) -> None:
    """Exit 130 with one line.  From the console, skip the interpreter's teardown (over a second
    with the compiled engines loaded): records are written atomically, nothing is left to flush."""
    sys.stderr.write("bnproof: interrupted\n")
    if console:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_INTERRUPTED)


def _fail(message: str) -> None:
    first = " ".join(str(message).split())
    sys.stderr.write(f"bnproof: error: {first}\n")
    sys.exit(2)
