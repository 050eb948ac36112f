"""SVG figures made fit to inline into one HTML page: nothing active, ids unique per figure.

An inline ``<svg>`` is part of the page: its ids share the page's namespace (matplotlib names
every figure's groups ``figure_1``, ``axes_1``, ``patch_1`` and its clip paths by a hash, so two
figures collide) and any script in it would run.  :func:`inline_svg` parses the SVG, keeps only
drawing elements and attributes (an allowlist: no ``script``, ``foreignObject``, event
handlers, external links or CSS that fetches), prefixes every id and every reference to it,
and drops the XML prolog, DOCTYPE and metadata (matplotlib's holds a timestamp).  Sweep figures
come from a directory given on the command line, so they are not trusted more than records.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["inline_svg"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_ELEMENTS = frozenset("""svg g defs path rect circle ellipse line polyline polygon text tspan use clipPath
mask pattern image linearGradient radialGradient stop symbol title desc style marker""".split())
_ATTRIBUTES = frozenset("""id class style transform d x y x1 y1 x2 y2 cx cy r rx ry width height viewBox
points fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin
stroke-dasharray stroke-dashoffset stroke-miterlimit opacity clip-path clip-rule clipPathUnits mask font-family
font-size font-style font-weight text-anchor dominant-baseline href version preserveAspectRatio
gradientUnits gradientTransform offset stop-color stop-opacity patternUnits patternTransform markerWidth
markerHeight refX refY orient markerUnits dx dy letter-spacing visibility display
image-rendering""".split())
_SAFE_HREF = re.compile(r"#[\w.:-]+|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*")
_UNSAFE_CSS = re.compile(r"url\(\s*['\"]?(?!#)|@import|expression|javascript:|[<>]", re.IGNORECASE)
_REF = re.compile(r"url\(#([^)\s]+)\)")


def inline_svg(text: str, prefix: str) -> str | None:
    """The SVG markup to inline (ids prefixed with ``prefix-``), or None when it is not SVG."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if "<!ENTITY" in text:
        return None  # entity definitions have no place in a figure (and could blow up when expanded)
    text = re.sub(r"<!DOCTYPE[^>\[]*>", "", text, count=1)
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if _local(root.tag) != "svg":
        return None
    _clean(root)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        _prefix_ids(el, ids, prefix)
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _local(tag: str) -> str:
    """``{namespace}name`` -> ``name``; only SVG-namespace (or bare) tags count."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return name if namespace == _SVG_NS else ""
    return tag


def _clean(element: ET.Element) -> None:
    """Remove, recursively, every element and attribute not on the allowlist."""
    for child in list(element):
        if not isinstance(child.tag, str) or _local(child.tag) not in _ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        local = name.rpartition("}")[2]
        value = element.attrib[name]
        keep = local in _ATTRIBUTES and not local.lower().startswith("on")
        if local == "href":
            keep = bool(_SAFE_HREF.fullmatch(value.strip()))
        elif keep and _UNSAFE_CSS.search(value):
            keep = False
        if not keep:
            del element.attrib[name]
    if _local(element.tag) == "style" and _UNSAFE_CSS.search(element.text or ""):
        element.text = ""


def _prefix_ids(element: ET.Element, ids: set[str], prefix: str) -> None:
    """Prefix this element's id and its references (``#id``, ``url(#id)``) to known ids."""
    if element.get("id"):
        element.set("id", f"{prefix}-{element.get('id')}")
    for name, value in element.attrib.items():
        if name.rpartition("}")[2] == "href" and value.startswith("#") and value[1:] in ids:
            element.set(name, f"#{prefix}-{value[1:]}")
        elif "url(#" in value:
            element.set(name, _REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})" if m.group(1) in ids
                                       else m.group(), value))
