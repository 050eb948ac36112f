"""Tests for bnproof.report.html: one self-contained page; checked in headless Chromium when present."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bnproof import report
from bnproof.report.figure_data import figure_names


class _Page(HTMLParser):
    """The elements of a page as (tag, attributes) and its text (what a browser would show)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def with_class(self, cls: str) -> list[dict]:
        return [a for _, a in self.elements if cls in (a.get("class") or "").split()]


def _svg(i: int) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" id="fig{i}-figure_1"><rect width="1" height="1"/></svg>'


def test_page_structure(records: list[dict], sweep_dir: Path) -> None:
    _, sweeps = report.load_inputs(sweep_dir)
    page = report.render_html(records, figures=[_svg(0), None, _svg(2)], sweeps=sweeps, sweep_figures=[_svg(9)])
    parsed = _Page(page)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page and "<style>" in page
    ids = [a["id"] for a in parsed.with_class("claim")]
    assert ids == ["claim-" + n[: -len(".png")] for n in figure_names(records)]
    assert ids[0] == "claim-cao2023.linear.rate"
    assert [a["id"] for a in parsed.with_class("sweep")] == ["sweep-cao2023.linear.rate"]
    assert sum(tag == "svg" for tag, _ in parsed.elements) == 3
    links = [a["href"] for tag, a in parsed.elements if tag == "a"]
    assert links == ["#" + i for i in ids] + ["#sweep-cao2023.linear.rate"]  # the summary links every section
    assert len(parsed.with_class("summary")) == 1 and len(parsed.with_class("verdict")) >= 2 * len(records)
    text = " ".join(" ".join(parsed.text).split())
    assert "γ^⋆ - γ(w_t) ≤ exp(-c ln^2 t)" in text  # statement readable as text...
    assert r'title="\gamma^\star' in page  # ...the LaTeX in the tooltip
    assert "1.23457e-400" in text and "(100 values)" in text and "null" not in text
    assert "bnproof check cao2023.linear.rate --seed 9 --param eta=0.5 --quick" in text and "--seed 10 " not in text
    assert "eta=0.5, n=8" in text and "k 2.744 [2.71, 2.79]" in text


def test_no_network_needed(full_report) -> None:
    out, _, _ = full_report
    parsed = _Page((out / "report.html").read_text(encoding="utf-8"))
    for tag, attrs in parsed.elements:
        assert tag not in ("link", "script", "iframe", "img"), tag
        for name, value in attrs.items():
            if name in ("src", "href") or name.endswith(":href"):
                assert value.startswith(("#", "data:image/")), (tag, name, value)


def test_record_text_cannot_inject_markup(hostile_record: dict) -> None:
    page = report.render_html([hostile_record], figures=[None])
    parsed = _Page(page)
    assert not [tag for tag, _ in parsed.elements if tag in ("script", "svg")]
    assert not [a for _, a in parsed.elements if any(k.startswith("on") for k in a)]
    text = " ".join(parsed.text)
    assert hostile_record["reason"] in text and "</code><b>" in text  # shown, as text


def test_minimal_records_render() -> None:
    minimal = {"schema": "bnproof.check/1", "claim": "x", "verdict": "inapplicable"}
    weird = dict(minimal, measured="just a string", expected=[1, 2], params=None, elapsed_s="n/a")
    for recs in ([minimal], [weird], []):
        assert "</html>" in report.render_html(recs)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no chromium (.ci/run installs Debian's chromium)")
def test_chromium_finds_every_claim_section_and_figure(full_report, tmp_path: Path) -> None:
    """A real browser, offline, loads the page; its DOM has every claim section and every figure."""
    out, records, sweeps = full_report
    page = out / "report.html"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
           "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Page(proc.stdout)
    ids = {a.get("id") for a in dom.with_class("claim")}
    for name in figure_names(records):
        assert "claim-" + name[: -len(".png")] in ids
    assert len(dom.with_class("sweep")) == len(sweeps) == 1
    with_figure = sum(report.has_figure(r) for r in records) + len(sweeps)
    figures = dom.with_class("figure")
    assert len(figures) == with_figure >= 4
    assert sum(tag == "svg" for tag, _ in dom.elements) >= with_figure
    assert not [tag for tag, _ in dom.elements if tag == "script"]  # nothing injected ran or was parsed
