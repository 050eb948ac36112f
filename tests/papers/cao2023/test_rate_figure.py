"""bnproof/papers/cao2023/rate_figure.py: the rate claims' figure holds what their verdict reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bnproof.core.series import TimeSeries
from bnproof.papers.cao2023.local_rate import local_rate
from bnproof.papers.cao2023.rate_figure import RateWindow, rate_series


def _window(c: float = 0.3, bend: float = 1.0):
    """A gap whose local rate is c·h with h = 1/t (ln gap = -c ln t), measured ``bend`` times as fast."""
    t = np.geomspace(100, 10_000, 17)
    return t, -bend * c * np.log(t), 1.0 / t, c


def _base(t) -> TimeSeries:
    return TimeSeries(t=[int(v) for v in t], log10={"gap": [0.0] * len(t)}, columns=None, y="gap", title="gap")


@pytest.mark.parametrize("bend", [1.0, 1.2])
def test_ratio_panel_holds_the_verdicts_ratios_and_band(bend):
    t, lg, h, c = _window(bend=bend)
    local = local_rate(t, lg, h, c, 1.0)
    series = rate_series(_base(t), RateWindow(t, lg, h, c, 1.0, 3), local, None, 0.05, "$c h$")
    (panel,) = series["panels"]
    assert panel["curves"][0]["y"] == pytest.approx(list(local.ratios))
    assert list(local.ratios) == pytest.approx([bend] * 16)
    assert (panel["bands"][0]["lo"][0], panel["bands"][0]["hi"][0]) == (0.95, 1.05)
    assert panel["hlines"] == [{"y": 1.0, "label": "linearisation", "kind": "theory"}]
    assert series["plot"]["spans"][0]["lo"] == 100 and series["plot"]["spans"][0]["hi"] == pytest.approx(10_000)


def test_prediction_is_anchored_at_the_window_start_and_fit_drawn_where_defined():
    t, lg, h, c = _window()
    series = rate_series(_base(t), RateWindow(t, lg, h, c, 1.0, 3), local_rate(t, lg, h, c, 1.0), (0.5, 2.0),
                         0.05, "$c h$")
    theory, fit = series["plot"]["curves"]
    assert theory["kind"] == "theory" and "k \\to 3" in theory["label"]
    # the trapezoid of h·t = 1 in ln t is exact here: the prediction is the measured line
    assert theory["y"] == pytest.approx(list(lg / math.log(10)))
    assert fit["kind"] == "fit" and fit["y"][0] == pytest.approx(-0.5 * math.log(100) ** 2 / math.log(10))


def test_without_a_mechanism_only_the_window_is_drawn():
    t, lg, _, _ = _window()
    series = rate_series(_base(t), RateWindow(t, lg, None, 1.0, 1.0, 2), None, None, 0.05, "m")
    assert "curves" not in series["plot"] and "panels" not in series and len(series["plot"]["spans"]) == 1
