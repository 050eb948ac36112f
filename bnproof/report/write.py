"""The whole report in one directory: ``report.md``, ``report.tex`` and ``figures/<claim>.png``."""

from __future__ import annotations

from pathlib import Path

from bnproof.report.figure_data import figure_names
from bnproof.report.figures import plot_record
from bnproof.report.latex import render_latex
from bnproof.report.load import PathLike
from bnproof.report.markdown import render_markdown

__all__ = ["write_report"]


def write_report(records: list[dict], out_dir: PathLike) -> str:
    """Write ``report.md``, ``report.tex`` and ``figures/<claim>.png`` under ``out_dir``.

    Returns the path of ``report.md``. Records without a plottable series get
    no figure and no figure link.
    """
    records = list(records)
    root = Path(out_dir)
    figures = root / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for record, name in zip(records, figure_names(records)):
        plot_record(record, figures / name)
    md_path = root / "report.md"
    md_path.write_text(render_markdown(records, figure_dir="figures"), encoding="utf-8")
    (root / "report.tex").write_text(render_latex(records), encoding="utf-8")
    return str(md_path)
