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

    Raises:
        ValueError: with a one-line message, when a record's fields cannot be rendered
            (e.g. figure data of the wrong shape in a hand-made record).
    """
    records = list(records)
    root = Path(out_dir)
    figures = root / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for record, name in zip(records, figure_names(records)):
        try:
            plot_record(record, figures / name)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
            raise ValueError(f"record {record.get('claim')!r}: figure data unreadable "
                             f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None
    try:
        markdown, latex = render_markdown(records, figure_dir="figures"), render_latex(records)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ValueError(f"records cannot be rendered ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") \
            from None
    md_path = root / "report.md"
    md_path.write_text(markdown, encoding="utf-8")
    (root / "report.tex").write_text(latex, encoding="utf-8")
    return str(md_path)
