"""The whole report in one directory, in the formats asked for.

* ``md`` -- ``report.md`` with ``figures/<claim>.png``;
* ``tex`` -- ``report.tex`` (a complete document: ``pdflatex report.tex``) and ``report-body.tex``
  (the same without preamble, for ``\\input`` into a paper), with ``figures/<claim>.pdf``;
* ``html`` -- ``report.html``, one self-contained file (figures inline as SVG; the
  ``figures/<claim>.svg`` files stay beside it for reuse).

A sweep's figure (``bnproof sweep --out DIR`` writes ``DIR/figures/sweep.*``) is copied to
``figures/sweep-<claim>.*``, so the report directory holds everything it links to.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from bnproof.report.figure_data import figure_names
from bnproof.report.figures import save_figure
from bnproof.report.html import render_html
from bnproof.report.latex import render_latex
from bnproof.report.load import PathLike, Sweep, sweep_stems
from bnproof.report.markdown import render_markdown
from bnproof.report.svg import inline_svg

__all__ = ["FIGURE_FORMAT", "FORMATS", "parse_formats", "write_report"]

#: The report formats, in the order they are written.
FORMATS = ("md", "tex", "html")
#: The figure format each report format uses.
FIGURE_FORMAT = {"md": "png", "tex": "pdf", "html": "svg"}
_RENDER_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


def parse_formats(values: Iterable[str]) -> tuple[str, ...]:
    """Formats from ``--format`` values (repeatable, each a comma list), in :data:`FORMATS` order.

    Raises:
        ValueError: one line naming an unknown format, or when none is given.
    """
    asked = [part.strip().lower() for value in values for part in str(value).split(",") if part.strip()]
    unknown = [f for f in asked if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    if not asked:
        raise ValueError(f"no format given (choose from {', '.join(FORMATS)})")
    return tuple(f for f in FORMATS if f in asked)


def write_report(records: Sequence[dict], out_dir: PathLike, *, formats: Iterable[str] = FORMATS,
                 sweeps: Sequence[Sweep] = ()) -> dict[str, Path]:
    """Write the report in ``formats`` under ``out_dir``; return ``{format: path of its main file}``.

    Records without a drawable series get no figure.

    Raises:
        ValueError: with a one-line message, on an unknown format or when a record's fields
            cannot be rendered (e.g. figure data of the wrong shape in a hand-made record).
    """
    formats = parse_formats(formats)
    records, sweeps = list(records), list(sweeps)
    root = Path(out_dir)
    figure_dir = root / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    wanted = tuple(dict.fromkeys(FIGURE_FORMAT[f] for f in formats))
    record_figures = [_record_figure(r, figure_dir, name[: -len(".png")], wanted)
                      for r, name in zip(records, figure_names(records))]
    sweep_figures = [_sweep_figure(s, figure_dir, stem, wanted) for s, stem in zip(sweeps, sweep_stems(sweeps))]
    written: dict[str, Path] = {}
    try:
        for fmt in formats:
            written.update(_render(fmt, root, records, record_figures, sweeps, sweep_figures))
    except _RENDER_ERRORS as exc:
        raise ValueError(f"records cannot be rendered ({type(exc).__name__}: {_one_line(exc)})") from None
    return written


def _render(fmt: str, root: Path, records: list[dict], record_figures: list[dict[str, Path]], sweeps: list[Sweep],
            sweep_figures: list[dict[str, Path]]) -> dict[str, Path]:
    """Render and write one format; its figures are the ``FIGURE_FORMAT[fmt]`` files."""
    kind = FIGURE_FORMAT[fmt]
    if fmt == "html":
        figs = [_svg(f.get(kind), f"fig{i}") for i, f in enumerate(record_figures)]
        sfigs = [_svg(f.get(kind), f"sweepfig{i}") for i, f in enumerate(sweep_figures)]
        path = root / "report.html"
        path.write_text(render_html(records, figures=figs, sweeps=sweeps, sweep_figures=sfigs), encoding="utf-8")
        return {fmt: path}
    figs = [_relative(f.get(kind), root) for f in record_figures]
    sfigs = [_relative(f.get(kind), root) for f in sweep_figures]
    if fmt == "md":
        path = root / "report.md"
        path.write_text(render_markdown(records, figures=figs, sweeps=sweeps, sweep_figures=sfigs), encoding="utf-8")
        return {fmt: path}
    path = root / "report.tex"
    for name, standalone in (("report.tex", True), ("report-body.tex", False)):
        text = render_latex(records, figures=figs, sweeps=sweeps, sweep_figures=sfigs, standalone=standalone)
        (root / name).write_text(text, encoding="utf-8")
    return {fmt: path}


def _record_figure(record: dict, directory: Path, stem: str, formats: tuple[str, ...]) -> dict[str, Path]:
    """``{format: path}`` of a record's figure (empty without one)."""
    try:
        return save_figure(record, directory, stem, formats=formats)
    except _RENDER_ERRORS as exc:
        raise ValueError(f"record {record.get('claim')!r}: figure data unreadable "
                         f"({type(exc).__name__}: {_one_line(exc)})") from None


def _sweep_figure(sweep: Sweep, directory: Path, stem: str, formats: tuple[str, ...]) -> dict[str, Path]:
    """Copy a sweep's figure files into the report; ``{format: copied path}`` of those that exist."""
    copied = {}
    for fmt in formats:
        source = sweep.figure_file(fmt)
        if source is not None:
            copied[fmt] = Path(shutil.copyfile(source, directory / f"{stem}.{fmt}"))
    return copied


def _svg(path: Path | None, prefix: str) -> str | None:
    """An SVG file's markup made safe to inline (None without a file or when it is not SVG)."""
    if path is None:
        return None
    try:
        return inline_svg(path.read_text(encoding="utf-8"), prefix)
    except (OSError, UnicodeDecodeError):
        return None


def _relative(path: Path | None, root: Path) -> str | None:
    return path.relative_to(root).as_posix() if path is not None else None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
