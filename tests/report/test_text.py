"""Tests for bnproof.report.text: values as text (exact 6-digit compaction, times, tallies, sweep rows)."""

from __future__ import annotations

from bnproof.report.text import elapsed_text, math_span, verdict_tally


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


def test_display_compacts_to_six_digits_and_never_says_null() -> None:
    from bnproof.report.text import display

    assert display(None) == "—" and display(True) == "true"
    assert display("1.234567890123456789012345e-400") == "1.23457e-400"  # exact, outside float range
    assert display("0.1234567891") == "0.123457" and display("0.1") == "0.1" and display("→ 0") == "→ 0"
    assert display(0.1234567891) == "0.123457" and display(12) == "12"
    assert display(list(range(24))) == "[0, 1, 2, …] (24 values)"
    assert display([1, 2, 3]) == "[1, 2, 3]"
    assert display({"a": None, "b": 1}) == "{a: —, b: 1}"
    assert "(5 entries)" in display(dict.fromkeys("abcde", 1))


def test_comparison_rows_put_the_paper_next_to_the_measurement() -> None:
    from bnproof.report.text import CELL_WIDTH, comparison_rows

    rec = {"expected": {"k": "≥ 2", "c": "> 0", "only_paper": "x"},
           "measured": {"c": "0.272630001", "k": 2.7437, "extra": None, "fits": ["a" * 100] * 5}}
    rows = comparison_rows(rec)
    assert [r[0] for r in rows] == ["k", "c", "only_paper", "extra", "fits"]
    assert rows[0] == ("k", "≥ 2", "2.7437") and rows[1] == ("c", "> 0", "0.27263")
    assert rows[2] == ("only_paper", "x", "—") and rows[3] == ("extra", "—", "—")
    assert len(rows[4][2]) <= CELL_WIDTH and rows[4][2].endswith("…")
    assert comparison_rows({"expected": "text", "measured": None}) == []


def test_audit_text() -> None:
    from bnproof.report.text import audit_text

    prec = {"dps": 16, "context": "deviation-numba", "audit_dps": 32, "agreeing_digits": {"gap": 11.2911, "g": 13.69}}
    assert audit_text(prec) == "16 digits (deviation-numba); audit at 32 digits: gap 11.3, g 13.7 digits agree"
    assert audit_text({"dps": 30}) == "30 digits" and audit_text(None) == "" and audit_text({}) == ""
    assert audit_text({"dps": 30, "audit_dps": 60, "agreeing_digits": 25.04}).endswith("25 digits agree")


def test_sweep_rows(sweep_data) -> None:
    from bnproof.report.text import sweep_cells, sweep_counts, sweep_grid_text

    rows = sweep_cells(sweep_data["cells"])
    assert rows[0] == ("eta=0.1, n=8", "20", "20 verified", "1 [0.839, 1]", "k 2.744 [2.71, 2.79]")
    assert rows[1][2] == "8 verified, 12 refuted" and rows[1][4] == "k —"  # null quantiles: no number made up
    assert sweep_counts(sweep_data["population"]["counts"]) == "28 verified, 12 refuted"
    assert sweep_grid_text(sweep_data) == "seeds 0–19 (20); eta ∈ {0.1, 0.5}; fixed n=8"
    assert sweep_cells("junk") == [] and sweep_cells([3, {"n": 1}]) == [("all", "1", "—", "—", "—")]
