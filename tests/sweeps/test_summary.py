"""Population verdict and per-cell summary: the rules at their boundaries (pure functions on tables)."""

import math

import pandas as pd
import pytest

from bnproof.analysis.stats import wilson_interval
from bnproof.sweeps.summary import population_verdict, summarise


def table(verdicts, cells=None, metric=None):
    rows = []
    for i, v in enumerate(verdicts):
        row = {"key": f"k{i}", "seed": i, "verdict": v, "command": f"bnproof check c --seed {i}"}
        if cells is not None:
            row["param.n"] = cells[i]
        if metric is not None:
            row["measured.k"] = metric[i]
        rows.append(row)
    return pd.DataFrame(rows)


def test_all_verified_is_verified():
    pop = population_verdict(table(["verified"] * 5))
    assert pop["verdict"] == "verified" and pop["counts"]["verified"] == 5 and pop["refuting"] == []


def test_one_refuted_refutes_and_names_the_command():
    pop = population_verdict(table(["verified"] * 4 + ["refuted"], cells=["8"] * 5))
    assert pop["verdict"] == "refuted"
    assert pop["refuting"] == [{"seed": 4, "params": {"n": "8"}, "command": "bnproof check c --seed 4"}]
    assert "seeds 4" in pop["reason"]


def test_one_inconclusive_among_verified_is_not_verified():
    pop = population_verdict(table(["verified"] * 99 + ["inconclusive"]))
    assert pop["verdict"] == "inconclusive"
    assert pop["counts"] == {"total": 100, "verified": 99, "refuted": 0, "inconclusive": 1, "inapplicable": 0}


def test_refuted_wins_over_inconclusive():
    assert population_verdict(table(["inconclusive", "refuted", "inapplicable"]))["verdict"] == "refuted"


def test_all_inapplicable_is_inapplicable_mixed_is_inconclusive():
    assert population_verdict(table(["inapplicable"] * 3))["verdict"] == "inapplicable"
    assert population_verdict(table(["inapplicable", "verified"]))["verdict"] == "inconclusive"


def test_empty_table_is_inconclusive():
    pop = population_verdict(pd.DataFrame(columns=["key", "seed", "verdict"]))
    assert pop["verdict"] == "inconclusive" and pop["counts"]["total"] == 0


def test_summary_per_cell_with_wilson_and_quantiles():
    t = table(["verified", "verified", "refuted", "verified"], cells=["8", "8", "16", "16"],
              metric=[1.0, 3.0, 5.0, None])
    cells = summarise(t, ["k"]).set_index("param.n")
    assert cells.loc["8", "n"] == 2 and cells.loc["8", "verified_rate"] == 1.0
    assert (cells.loc["16", "wilson_lo"], cells.loc["16", "wilson_hi"]) == pytest.approx(wilson_interval(1, 2))
    assert cells.loc["8", "k.q50"] == pytest.approx(2.0) and cells.loc["16", "k.q05"] == pytest.approx(5.0)


def test_summary_of_an_absent_metric_is_nan_and_no_grid_is_one_cell():
    cells = summarise(table(["verified", "refuted"]), ["missing"])
    assert len(cells) == 1 and cells.loc[0, "n"] == 2 and math.isnan(cells.loc[0, "missing.q50"])
