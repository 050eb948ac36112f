"""Render ``bnproof.check/1`` records (docs/records.md) and sweeps as Markdown, LaTeX and HTML.

The report is a pipeline of small modules:

* :mod:`.load` -- read record files, directories and sweeps, check ``schema``/``claim``/``verdict``;
* :mod:`.text` -- values as text (6 significant digits, exactly via Decimal; ``—`` for null);
* :mod:`.texescape` -- record text as safe pure-ASCII LaTeX; which statements may be math;
* :mod:`.markdown`, :mod:`.latex` and :mod:`.html` -- the three documents;
* :mod:`.svg` -- SVG figures made safe to inline into the HTML page;
* :mod:`.figure_data` -- what a record's figure shows, read from the JSON that
  :mod:`bnproof.core.records` (``Panel``/``Curve``/``HLine``/``TimeSeries``) writes;
* :mod:`.figures` -- the figures (matplotlib): ``figure(record)``, ``save_figure`` (PNG, PDF, SVG);
* :mod:`.write` -- all of it into one directory (``bnproof report``; docs/report.md).

``SCHEMA`` and ``VERDICTS`` are those of :mod:`bnproof.core.records`.
"""

from bnproof.core.records import SCHEMA, VERDICTS
from bnproof.report.figure_data import figure_name, has_figure
from bnproof.report.figures import figure, plot_record, save_figure
from bnproof.report.html import render_html
from bnproof.report.latex import render_latex
from bnproof.report.load import Sweep, load_inputs, load_records
from bnproof.report.markdown import render_markdown
from bnproof.report.texescape import latex_escape, safe_math
from bnproof.report.write import FORMATS, parse_formats, write_report

__all__ = [
    "FORMATS",
    "SCHEMA",
    "VERDICTS",
    "Sweep",
    "figure",
    "figure_name",
    "has_figure",
    "latex_escape",
    "load_inputs",
    "load_records",
    "parse_formats",
    "plot_record",
    "render_html",
    "render_latex",
    "render_markdown",
    "safe_math",
    "save_figure",
    "write_report",
]
