"""What a terminal shows: records side by side with the paper, the summary, the progress bar.

On a terminal, text is wrapped to its width; piped or redirected (not a TTY), every line is
printed whole -- rich would otherwise wrap at 80 columns, mid-sentence -- so ``grep`` and
``less`` see one line per reason and one row per quantity.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bnproof.core.records import VERDICT_COLOURS

__all__ = ["UNWRAPPED_WIDTH", "VERDICT_COLOURS", "print_record", "print_summary", "progress_bar", "stderr_console",
           "stdout_console"]

UNWRAPPED_WIDTH = 100_000  # columns of a console that is not a terminal: no line of ours is this long
CELL_WIDTH = 48  # on a terminal, the paper and measured columns fold at this width


@contextmanager
def progress_bar(enabled: bool) -> Iterator:
    """A rich progress bar on a terminal; ``None`` (silent) otherwise."""
    if not enabled:
        yield None
        return
    tasks: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                  TimeRemainingColumn(), transient=True, console=stderr_console()) as bar:
        def update(label: str, t: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=t)

        yield update


def stderr_console():
    return Console(stderr=True)


def stdout_console() -> Console:
    """The console for results: the terminal's width on a TTY, unwrapped lines otherwise."""
    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=UNWRAPPED_WIDTH, soft_wrap=True)


def _wrapping(console: Console) -> bool:
    return console.width < UNWRAPPED_WIDTH


def print_record(rec: dict) -> None:
    """Human-readable record: verdict, reason, then the paper's value next to the measured one."""
    console = stdout_console()
    cell_width = CELL_WIDTH if _wrapping(console) else None
    colour = VERDICT_COLOURS[rec["verdict"]]
    console.print(f"[bold]{rec['claim']}[/bold]  [{colour}]{rec['verdict'].upper()}[/{colour}]")
    console.print(f"  {escape(rec['reason'])}")
    expected, measured = rec["expected"], rec["measured"]
    if expected or measured:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2, 0, 2))
        table.add_column("quantity")
        table.add_column("paper / expected", overflow="fold", max_width=cell_width)
        table.add_column("measured", overflow="fold", max_width=cell_width)
        side_by_side = [k for k in expected if k in measured]
        # a declared key this run did not measure (None) is shown only beside an expected value
        extra = [k for k in measured if k not in expected and _is_scalar(measured[k]) and measured[k] is not None]
        for key in side_by_side + [k for k in expected if k not in measured] + extra:
            table.add_row(key, escape(_cell(expected.get(key, ""))), escape(_cell(measured.get(key, ""))))
        console.print(table)
    prec = rec.get("precision") or {}
    if prec.get("audit_dps"):
        digits = ", ".join(f"{k} {v}" for k, v in prec["agreeing_digits"].items())
        console.print(f"  precision: {prec['dps']} digits ({prec.get('context')}); audit rerun at {prec['audit_dps']} "
                      f"digits agrees on {digits} digits; {rec['elapsed_s']:.1f} s")
    console.print()


def print_summary(records: list[dict]) -> None:
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
    console = stdout_console()
    console.print(table)
    console.print(f"{len(records)} claims: " + ", ".join(f"{counts[v]} {v}" for v in colour if counts[v])
                  + f"; {total:.0f} s")


def _is_scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _cell(value) -> str:
    """Short text for a table cell: long decimal strings to 6 significant digits, lists summarised,
    None (not measured by this run) as a dash."""
    if value is None:
        return "—"
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
