"""bnproof.symbolic.bn_init: the Daneshmand and Nachum identities (SymPy, exact, with a numeric
cross-check), a false identity failing both tests, and the rendered pages against derivations/."""

from pathlib import Path

import pytest
import sympy as sp

from bnproof.symbolic import bn_init as sb

DERIVATIONS = Path(__file__).resolve().parents[2] / "derivations"


def test_daneshmand_identities_hold():
    ids = sb.daneshmand_identities()
    assert {"lemma4_extremal", "thm1_floor_main_text", "sawa_sum_is_derivative", "lemma10_g1_n8"} <= {i.name for i in ids}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_daneshmand2021_page_matches_the_committed_file():
    files, failed = sb.render_daneshmand2021()
    assert failed == [] and files["daneshmand2021.md"] == (DERIVATIONS / "daneshmand2021.md").read_text()


def test_nachum_identities_hold_and_are_not_vacuous():
    ids = sb.nachum_identities()
    assert {"rc_cluster", "relu_disjoint_pos", "relu_disjoint_neg", "norm_ratio_sq", "abs_ratio"} <= {i.name for i in ids}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]
    wrong = sb.derive("wrong", "x", sb.g / sb.n, sb.g / sb.k)  # a false identity must fail both tests
    assert not wrong.symbolic and wrong.numeric_error > 1e-3
    assert not wrong.identity.holds


def test_nachum2024_page_matches_the_committed_file():
    files, failed = sb.render_nachum2024()
    assert failed == [] and files["nachum2024.md"] == (DERIVATIONS / "nachum2024.md").read_text()


def test_nachum_saddle_factor_derived():
    """The in-cluster spread grows by n/√((n−1)² + 1) per layer (infinite width, RC + ReLU)."""
    dvs = sb.nachum_saddle_derivations()
    assert [dv.name for dv in dvs] == ["spread_gated_half", "cluster_mean_sq", "ab_distance_sq", "saddle_factor_sq"]
    assert all(dv.holds for dv in dvs)
    assert float(sb.saddle_spread_factor(sp.Integer(16))) == pytest.approx(1.06430, abs=1e-5)
    assert float(sb.saddle_spread_factor(sp.Integer(16)) ** 2) == pytest.approx(1.13274, abs=1e-5)


def test_a_false_identity_without_free_symbols_is_still_evaluated():
    d = sb.derive("one_is_two", "1 = 2", sp.Integer(1), sp.Integer(2))
    assert not d.symbolic and d.numeric_error == 1.0 and not d.holds
