"""Sweep figures: a histogram without a grid, a line over 1-D, heatmaps over 2-D; labelled axes."""

import pandas as pd
import pytest
from matplotlib.figure import Figure

from bnproof.sweeps.figures import save_sweep_figure, sweep_figure
from bnproof.sweeps.summary import summarise


def table(keys):
    rows = []
    for i in range(12):
        row = {"key": str(i), "seed": i, "verdict": "verified" if i % 3 else "refuted", "measured.k": float(i)}
        row.update({f"param.{k}": str(v) for k, v in zip(keys, (i % 2, i % 3))})
        rows.append(row)
    return pd.DataFrame(rows)


def cells(t):
    return summarise(t, ["k"]).to_dict("records")


@pytest.mark.parametrize("keys, metrics, n_axes", [([], ["k"], 1), ([], [], 1), (["n"], ["k"], 2), (["n"], [], 1),
                                                   (["n", "d"], ["k"], 4), (["n", "d"], [], 2)])
def test_figure_shapes_and_labels(keys, metrics, n_axes):
    t = table(keys)
    fig = sweep_figure(t, cells(t), keys, metrics)
    assert isinstance(fig, Figure) and len(fig.axes) == n_axes  # heatmaps add a colorbar axis each
    for ax in fig.axes[:1]:
        assert ax.get_xlabel() and ax.get_ylabel()


def test_three_keys_and_categorical_values():
    t = table(["a", "b"])
    t["param.c"] = "x"
    t["param.a"] = t["param.a"].map({"0": "relu", "1": "linear"})
    assert sweep_figure(t, cells(t), ["a", "b", "c"], ["k"]) is not None
    assert sweep_figure(t, cells(t[["key", "seed", "verdict", "measured.k", "param.a"]]), ["a"], []) is not None


def test_nothing_finished_draws_nothing_and_saves_three_formats(tmp_path):
    assert save_sweep_figure(table([]).iloc[:0], [], [], [], tmp_path / "figures" / "sweep") is None
    t = table(["n"])
    assert save_sweep_figure(t, cells(t), ["n"], ["k"], tmp_path / "figures" / "sweep") == "figures/sweep"
    assert sorted(p.suffix for p in (tmp_path / "figures").iterdir()) == [".pdf", ".png", ".svg"]
