"""ergen2022.common: the gap panel the optimal-value checks draw (what the verdicts decide on)."""

from bnproof.papers.ergen2022.common import GAP_FLOOR, VALUE_RTOL, gap_panel, tex_sci


def test_gap_panel_draws_relative_gaps_with_the_tolerance_and_marks_networks_below():
    panel = gap_panel("t", 2.0, [("runs", [2.5, 2.0, 1.9]), ("rebuilt", [2.0 - 1e-9])]).to_dict()
    assert panel["yscale"] == "log" and panel["x"] == [1, 2, 3, 4]
    assert panel["hlines"] == [{"y": VALUE_RTOL, "label": "tolerance $10^{-6}$", "kind": "bound"}]
    runs, runs_below, rebuilt_below = panel["curves"]
    assert runs["label"] == "runs" and runs["x"] == [1, 2] and runs["y"] == [0.25, GAP_FLOOR]
    # below p*: crosses in the group's colour; a refutation (0.05 ≫ 1e-6) shows above the line
    assert runs_below["x"] == [3] and abs(runs_below["y"][0] - 0.05) < 1e-12 and runs_below["style"] == "C0x"
    assert rebuilt_below["label"].startswith("rebuilt") and rebuilt_below["y"][0] < VALUE_RTOL


def test_tex_sci():
    assert tex_sci(1e-6) == "$10^{-6}$" and tex_sci(2.5e-3) == r"$2.5\times10^{-3}$"
