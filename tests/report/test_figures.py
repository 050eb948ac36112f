"""Tests for bnproof.report.figures: layouts, one look per kind, bands/spans, sizes, files."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import matplotlib
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bnproof import report
from bnproof.core.series import Band, Curve, HLine, Panel, Span, TimeSeries, panels
from bnproof.report.figures import FORMATS, _text, _wrap, figure, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_width(path: str) -> int:
    """Pixel width from the PNG header (IHDR follows the 8-byte signature and chunk header)."""
    return struct.unpack(">I", Path(path).read_bytes()[16:20])[0]


def _axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_visible()]


def test_plot_record(tmp_path: Path, records: list[dict]) -> None:
    assert report.plot_record(records[1], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    out = report.plot_record(records[0], tmp_path / "gap.png")
    assert out == str(tmp_path / "gap.png")
    assert Path(out).read_bytes().startswith(PNG_MAGIC)
    assert _png_width(out) > 6.5 * 200 * 0.9  # two panels of a 6.8 in figure at 200 dpi (tight box)
    assert report.plot_record(records[2], tmp_path / "loss.png") is not None
    assert report.plot_record({"series": {"t": [1], "log10": {}}}, tmp_path / "empty.png") is None


def test_rate_panel_follows_the_hints(series_record: dict) -> None:
    assert len(_axes(figure(series_record))) == 2
    series_record["series"]["plot"]["rate"] = False
    assert len(_axes(figure(series_record))) == 1
    # a single column under another name gets the same two panels (the hints decide)
    series_record["series"]["plot"].pop("rate")
    series = series_record["series"]
    series["log10"] = {"sample_gap": series["log10"]["gap"]}
    series["plot"]["y"] = "sample_gap"
    assert len(_axes(figure(series_record))) == 2


def test_rate_panel_without_late_checkpoints() -> None:
    rec = {"claim": "early", "series": {"t": [1], "log10": {"gap": [-1.0]},
                                        "plot": {"y": "gap", "xscale": "log", "yscale": "log10"}}}
    fig = figure(rec)
    assert len(_axes(fig)) == 2 and "no checkpoints" in _axes(fig)[1].texts[0].get_text()


def test_multi_curve(multi_record: dict) -> None:
    (ax,) = _axes(figure(multi_record))
    assert [line.get_label() for line in ax.get_lines()] == ["BN gap", "no-BN angle", "from_decimals"]
    multi_record["series"]["plot"]["y"] = ["never", "absent"]
    assert figure(multi_record) is None


def test_panel_figure_drops_empty_panels() -> None:
    rec = {"claim": "x.depth", "verdict": "verified", "series": {"panels": [
        {"title": "gap vs depth", "x": [1, 2, 3], "xlabel": "depth", "yscale": "log",
         "curves": [{"label": "BN", "y": [1.0, 0.1, 0.0]}, {"label": "none", "y": [1, None, 2]}],
         "hlines": [{"y": 0.5, "label": "floor"}]},
        {"title": "empty", "x": [1], "curves": [{"y": ["nan"]}]}]}}
    fig = figure(rec)
    assert len(_axes(fig)) == 1 and fig.get_figwidth() == pytest.approx(3.4)


def test_time_series_wins_over_panels_and_draws_them_beside(series_record: dict) -> None:
    series_record["series"]["panels"] = [{"x": [1, 2], "curves": [{"y": [1, 2]}]}]
    assert len(_axes(figure(series_record))) == 3  # time axes, rate panel, the extra panel


def _kinds_record() -> dict:
    x = [1, 2, 3, 4]
    panel = Panel("kinds", "depth $\\ell$", "gap", x, [
        Curve("measured", [1.0, 0.5, 0.3, 0.2]),
        Curve("theory", [1.0, 0.5, 0.33, 0.25], kind="theory"),
        Curve("bound", [2.0, 1.0, 0.6, 0.4], kind="bound"),
        Curve("fit", [1.1, 0.5, 0.3, 0.21], kind="fit")],
        hlines=[HLine(0.1, "reference a"), HLine(0.15, "reference b"), HLine(0.3, "predicted", kind="theory")],
        bands=[Band("measured 95% CI", [0.9, 0.4, 0.25, 0.15], [1.1, 0.6, 0.35, 0.25])],
        spans=[Span(2.5, 4.0, "window of the verdict")])
    return {"claim": "kinds", "verdict": "verified", "series": panels(panel)}


def test_each_kind_has_one_look_and_bands_spans_are_drawn() -> None:
    (ax,) = _axes(figure(_kinds_record()))
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["measured"].get_marker() == "o" and lines["measured"].get_linestyle() == "-"
    assert lines["theory"].get_color() == "black" and lines["theory"].get_linestyle() == "--"
    assert lines["bound"].get_color() == "tab:red" and lines["bound"].get_linestyle() == ":"
    assert lines["fit"].get_linestyle() == "-."
    assert lines["predicted"].get_color() == "black"  # a theory hline looks like a theory curve
    # two reference lines: the same look, told apart by their labels
    assert lines["reference a"].get_color() == lines["reference b"].get_color()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"reference a", "reference b", "measured 95% CI", "window of the verdict"} <= set(legend)
    band = next(c for c in ax.collections if isinstance(c, PolyCollection) and c.get_label() == "measured 95% CI")
    assert matplotlib.colors.same_color(band.get_facecolor()[0][:3], lines["measured"].get_color())
    span = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_label() == "window of the verdict"]
    assert len(span) == 1 and span[0].get_x() == pytest.approx(2.5)


def test_an_unknown_kind_in_a_hand_made_record_reads_as_the_default() -> None:
    rec = {"series": {"panels": [{"x": [1, 2], "curves": [{"label": "a", "y": [1, 2], "kind": "prophecy"}]}]}}
    (ax,) = _axes(figure(rec))
    assert ax.get_lines()[0].get_marker() == "o"


def test_time_series_overlays_and_spans() -> None:
    ts = TimeSeries(t=[1, 10, 100, 1000], log10={"gap": [0.0, -1.0, -4.0, -9.0]}, columns=None, y="gap",
                    title="gap", rate=False, curves=[Curve("fit", [-1.1, -3.9, -9.1], x=[10, 100, 1000], kind="fit")],
                    hlines=[HLine(-2.0, "tolerance", kind="bound")], spans=[Span(10, 1000, "late window")],
                    ylabel=r"$\log_{10}$ gap")
    (ax,) = _axes(figure({"series": ts.to_dict()}))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["gap", "fit", "tolerance"] and ax.get_xscale() == "log"
    assert list(ax.get_lines()[0].get_xdata()) == pytest.approx([1, 10, 100, 1000])  # t itself, on a log axis
    assert ax.get_ylabel() == r"$\log_{10}$ gap"
    assert any(p.get_label() == "late window" for p in ax.patches)


def test_paper_sizes_and_wrapping() -> None:
    many = [Panel(f"panel {i}", "x", "y", [1, 2], [Curve("a", [1, 2])]) for i in range(5)]
    fig = figure({"series": panels(*many)})
    assert fig.get_figwidth() <= 7.0 and len(_axes(fig)) == 5
    rows = {round(ax.get_position().y0, 2) for ax in _axes(fig)}
    assert len(rows) == 3  # 2 + 2 + 1 (the last one centred)
    last = _axes(fig)[-1].get_subplotspec()
    assert (last.colspan.start, last.colspan.stop) == (1, 3)


def test_log_ticks_are_powers_of_ten_or_plain_numbers(tmp_path: Path) -> None:
    narrow = Panel("narrow", "x", "y", [1, 2, 3], [Curve("a", [2.0, 3.0, 4.0])], yscale="log")
    wide = Panel("wide", "x", "y", [1, 2, 3], [Curve("a", [1e-6, 1e-3, 1.0])], yscale="log")
    fig = figure({"series": panels(narrow, wide)})
    fig.canvas.draw()
    ax_narrow, ax_wide = _axes(fig)
    narrow_ticks = [t.get_text() for t in ax_narrow.get_yticklabels() if t.get_text()]
    assert narrow_ticks and all("times" not in t and "$" not in t for t in narrow_ticks)
    wide_ticks = [t.get_text() for t in ax_wide.get_yticklabels() if t.get_text()]
    assert wide_ticks and all(t.startswith("$\\mathdefault{10^{") for t in wide_ticks)
    assert not [t for t in ax_narrow.yaxis.get_minorticklabels() if t.get_text()]


def test_text_is_safe_mathtext() -> None:
    assert _text(r"$q^{\ell}$") == r"$q^{\ell}$"
    assert _text("costs $5") == r"costs \$5"  # an unpaired dollar is literal
    assert _text(r"$\notacommand{x}$") == r"\$\notacommand{x}\$"  # invalid mathtext is literal
    wrapped = _wrap(r"a long title that must wrap around $\lambda_{\max} + \ell$ somewhere", 20)
    assert "\n" in wrapped and r"$\lambda_{\max} + \ell$" in wrapped  # never broken inside math


def test_save_figure_writes_png_pdf_svg(tmp_path: Path) -> None:
    paths = save_figure(_kinds_record(), tmp_path / "out")
    assert set(paths) == set(FORMATS) and all(p.exists() for p in paths.values())
    assert paths["png"].name == "kinds.png" and paths["png"].read_bytes().startswith(PNG_MAGIC)
    assert paths["pdf"].read_bytes().startswith(b"%PDF") and b"<svg" in paths["svg"].read_bytes()[:2000]
    assert _png_width(str(paths["png"])) >= 3.4 * 200 * 0.8  # 200 dpi
    assert save_figure({"claim": "none"}, tmp_path / "none") == {}
    assert save_figure(_kinds_record(), tmp_path, stem="s", formats=("png",)) == {"png": tmp_path / "s.png"}


def test_time_axis_follows_the_xscale_hint(series_record: dict) -> None:
    series_record["series"]["plot"].update(xscale="linear", rate=False)
    (ax,) = _axes(figure(series_record))
    assert ax.get_xscale() == "linear"


def test_ticks_of_a_narrow_range_of_tiny_values_are_never_fractional_powers() -> None:
    tiny = Panel("tiny", "x", "y", [1e-4, 1e-3], [Curve("a", [1.0, 2.0])], xscale="log")
    narrow = Panel("narrow", "x", "y", [5.1, 11.0], [Curve("a", [1.0, 2.0])], xscale="log")
    fig = figure({"series": panels(tiny, narrow)})
    fig.canvas.draw()
    ax_tiny, ax_narrow = _axes(fig)
    labels = [t.get_text() for t in ax_tiny.get_xticklabels() if t.get_text()]
    assert r"$2\times 10^{-4}$" in labels and not any(re.search(r"\^\{-?\d+\.", t) for t in labels)
    shown = [t.get_text() for t in ax_narrow.get_xticklabels() if t.get_text()]
    assert {"6", "8", "10"} <= set(shown)  # a factor-2 range still gets several ticks


def test_integer_x_values_get_integer_ticks() -> None:
    layers = Panel("layers", "layer", "y", [1, 2, 3], [Curve("a", [1.0, 2.0, 3.0])])
    fig = figure({"series": panels(layers)})
    fig.canvas.draw()
    (ax,) = _axes(fig)
    assert all(float(v).is_integer() for v in ax.get_xticks())
