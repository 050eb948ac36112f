"""bnproof.papers.lyu2022.common: the GD + weight-decay parameters every dynamics claim shares,
the run-horizon guard, and the record helpers."""

import math

import numpy as np
import pytest
from helpers import cli

from bnproof.core.errors import BadInput
from bnproof.papers.lyu2022.common import (
    MAX_STEPS,
    GDSettings,
    check_horizon,
    sample_series,
    sig,
    window_means,
)

GD_CLAIMS = ["lyu2022.exp-lr-equivalence", "lyu2022.norm-dynamics", "lyu2022.edge-of-stability",
             "lyu2022.sharpness-flow"]


@pytest.mark.parametrize("cid", GD_CLAIMS)
@pytest.mark.parametrize("param", ["lr=0", "lr=-0.1", "weight_decay=-1e-3", "lr=nan", "weight_decay=nan",
                                   "lr=inf", "convention=adamw", "lr=abc"])
def test_bad_parameters_exit_2_with_one_line(cid, param, capsys):
    code, out, err = cli(["check", cid, "--quick", "--param", param], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("bnproof: error:"), err


@pytest.mark.parametrize("cid", GD_CLAIMS[1:])
def test_too_long_horizon_is_bad_input(cid, capsys):
    """Horizons scale like 1/(ηλ): a tiny weight decay is refused with one line, not run for hours."""
    code, out, err = cli(["check", cid, "--param", "weight_decay=1e-12"], capsys)
    assert code == 2 and out == "" and "horizon" in err and err.count("\n") == 1


def test_check_horizon_limit():
    check_horizon(MAX_STEPS)
    with pytest.raises(BadInput):
        check_horizon(MAX_STEPS + 1)


def test_gd_settings_intrinsic_lr_per_convention():
    assert GDSettings(0.1, 1e-3, "coupled").intrinsic == pytest.approx(1e-4)
    assert GDSettings(0.1, 1e-3, "decoupled").intrinsic == pytest.approx(1e-3)


def test_record_helpers():
    assert sig(math.pi, 3) == 3.14 and sig(math.inf) is None and sig(None) is None
    assert sample_series(list(range(10)), 20) == list(range(10))
    picked = sample_series(list(range(1000)), 5)
    assert picked[0] == 0 and picked[-1] == 999 and len(picked) == 5
    assert window_means(np.arange(7.0), 3).tolist() == [1.0, 4.0] and len(window_means(np.arange(2.0), 3)) == 0


def test_tex_number_for_figure_labels():
    from bnproof.papers.lyu2022.common import tex_number

    assert tex_number(1e-12) == "$10^{-12}$" and tex_number(9.999999999998899e-05) == "$10^{-4}$"
    assert tex_number(3.03e-05) == r"$3.03\times10^{-5}$" and tex_number(0.05) == "$0.05$"
