"""Render ``bnproof.check/1`` records (docs/records.md) as Markdown, LaTeX and PNG figures.

The report is a pipeline of small modules:

* :mod:`.load` -- read record files and directories, check ``schema``/``claim``/``verdict``;
* :mod:`.text` -- values as text (decimal strings compacted exactly, never via float);
* :mod:`.markdown` and :mod:`.latex` -- the two documents;
* :mod:`.figure_data` -- what a record's figure shows, read from the JSON that
  :mod:`bnproof.core.records` (``Panel``/``Curve``/``HLine``/``TimeSeries``) writes;
* :mod:`.figures` -- the PNGs (matplotlib);
* :mod:`.write` -- all of it into one directory (``bnproof report``).

``SCHEMA`` and ``VERDICTS`` are those of :mod:`bnproof.core.records`.
"""

from bnproof.core.records import SCHEMA, VERDICTS
from bnproof.report.figure_data import figure_name, has_figure
from bnproof.report.figures import plot_record
from bnproof.report.latex import latex_escape, render_latex, safe_math
from bnproof.report.load import load_records
from bnproof.report.markdown import render_markdown
from bnproof.report.write import write_report

__all__ = [
    "SCHEMA",
    "VERDICTS",
    "figure_name",
    "has_figure",
    "latex_escape",
    "load_records",
    "plot_record",
    "render_latex",
    "render_markdown",
    "safe_math",
    "write_report",
]
