"""Tests for bnproof.report.svg: SVG made safe to inline, ids unique per figure."""

from __future__ import annotations

import io
import re

from matplotlib.figure import Figure

from bnproof.report.svg import inline_svg


def _matplotlib_svg() -> str:
    fig = Figure(figsize=(2, 1.5))
    ax = fig.subplots()
    ax.plot([1, 2, 3], [1, 4, 9], marker="o")
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_ids_and_references_are_prefixed() -> None:
    text = _matplotlib_svg()
    a, b = inline_svg(text, "fig0"), inline_svg(text, "fig1")
    assert a.startswith("<svg") and "<?xml" not in a and "DOCTYPE" not in a and "metadata" not in a
    ids_a, ids_b = set(re.findall(r'\bid="([^"]+)"', a)), set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b and all(i.startswith("fig0-") for i in ids_a)
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', a):
        assert (ref[0] or ref[1]) in ids_a  # every reference points at a prefixed id of the same figure


def test_active_content_is_removed() -> None:
    evil = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
            '<script>alert(1)</script><g onclick="y()"><foreignObject><div>x</div></foreignObject>'
            '<image xlink:href="http://example.com/x.png"/><image href="data:image/png;base64,AAAA"/>'
            '<rect style="fill:url(http://example.com/)" width="2"/><style>@import url(http://e/x.css);</style>'
            '<a href="javascript:alert(1)"><text>t</text></a><use href="#g1"/></g></svg>')
    out = inline_svg(evil, "p")
    assert "script" not in out and "onload" not in out and "onclick" not in out and "foreignObject" not in out
    assert "example.com" not in out and "javascript" not in out and "@import" not in out
    assert 'href="data:image/png;base64,AAAA"' in out and 'width="2"' in out


def test_not_svg_is_refused() -> None:
    assert inline_svg("not xml at all <", "p") is None
    assert inline_svg('<html xmlns="http://www.w3.org/1999/xhtml"/>', "p") is None
    laughs = '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    assert inline_svg(laughs, "p") is None
