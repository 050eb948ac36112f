"""Tests for bnproof.report.text: values as text (exact decimal compaction, times, tallies)."""

from __future__ import annotations

from bnproof.report.text import (
    compact_decimal,
    elapsed_text,
    flatten,
    format_value,
    math_span,
    verdict_tally,
)


def test_compact_decimal_is_exact_outside_float_range() -> None:
    assert compact_decimal("1.234567890123456789012345e-400") == "1.23457e-400"
    assert compact_decimal("0.5") == "0.5"  # short strings are left alone
    assert compact_decimal("not a number at all") == "not a number at all"


def test_format_value_and_flatten() -> None:
    assert format_value(True) == "true" and format_value(None) == "null"
    assert format_value(list(range(8))) == "[0, 1, 2, 3, 4, 5, …] (8 items)"
    assert flatten({"a": {"b": 1}, "c": {}}) == {"a.b": 1, "c": {}}
    assert flatten("text") == {"value": "text"}


def test_elapsed_text() -> None:
    assert elapsed_text(0.5) == "0.50 s"
    assert elapsed_text(12.34) == "12.3 s"
    assert elapsed_text(125) == "2m 05s"
    assert elapsed_text(7300) == "2h 01m"  # minutes are truncated
    assert elapsed_text("n/a") == "" and elapsed_text(True) == "" and elapsed_text(float("nan")) == ""


def test_math_span_and_tally() -> None:
    assert math_span("$$x$$") == "$x$" and math_span(r"\(y\)") == "$y$"
    assert math_span(None) == "_(no statement)_"
    recs = [{"verdict": "refuted"}, {"verdict": "verified"}, {"verdict": "verified"}]
    assert verdict_tally(recs) == "2 verified, 1 refuted"
    assert verdict_tally([]) == ""
