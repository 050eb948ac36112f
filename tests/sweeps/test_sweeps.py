"""Population checks (docs/population.md), small versions: the sweeps package as a whole on real claims.

Each slow test runs a smaller version of one population of docs/population.md on two local
worker processes and asserts its population verdict and its headline number (the full-size
runs and their figures: ``python benchmarks/sweep.py population NAME``).  The fast test pins the
one decision a population check adds to ``check``: a grid that crosses a claim's assumption
gives per-cell verdicts, and the population verdict is not "verified".
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bnproof.sweeps import population_verdict, sweep

SLOW = pytest.mark.slow


def _num(table: pd.DataFrame, key: str) -> pd.Series:
    return pd.to_numeric(table[f"measured.{key}"], errors="coerce")


def _yang_lambda(B: int) -> float:
    """λ_ReLU(B) of Yang et al. (Thm 8), written out here so the test does not trust the claim's own formula."""
    c = -1 / (B - 1)
    J = (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / math.pi
    return ((math.pi - math.acos(c)) / math.pi + B - 1) / ((B - 3) * (1 - J)) - 1 / (B - 3)


def test_a_grid_across_an_assumption_is_not_verified(tmp_path):
    """n > d has no uniform-margin solution: every task is inapplicable, and so is the population
    (never "verified"); a few threads, an instant claim."""
    table = sweep("cao2023.linear.uniform-margin", "0:3", {"d": [4, 6]}, params={"n": 12}, workers=2,
                  processes=False, out=tmp_path / "s")
    assert len(table) == 6 and set(table["verdict"]) == {"inapplicable"}
    verdict = population_verdict(table)
    assert verdict["verdict"] == "inapplicable" and verdict["counts"]["verified"] == 0


@SLOW
def test_cao_rate_population_and_its_rate_constant(tmp_path):
    """12 random separable instances (seeds 0-11, defaults, full audit): all verified, and the measured
    rate constant ĉ matches the linearised c = λ_min(QKQ|1⊥)/(n s²) within 1 % (median within 0.5 %)."""
    table = sweep("cao2023.linear.rate", "0:12", metrics=["c_hat_rel_diff"], workers=2, out=tmp_path / "cao")
    assert population_verdict(table)["verdict"] == "verified", table[["seed", "verdict", "reason"]]
    rel = (_num(table, "c_hat") / _num(table, "c_lin") - 1).abs()
    assert rel.median() < 0.005 and rel.max() < 0.01, rel


@SLOW
def test_cao_rate_instances_with_negative_gamma(tmp_path):
    """(w, γ) -> (-w, -γ) is an exact symmetry of the model: the instances whose γ_t → -∞ must verify too."""
    table = sweep("cao2023.linear.rate", [18, 21], workers=2, out=tmp_path / "cao-neg")
    assert population_verdict(table)["verdict"] == "verified", table[["seed", "verdict", "reason"]]


@SLOW
def test_nachum_emergence_needs_a_large_enough_batch(tmp_path):
    """At depth 300, width 256: n = 16 forms the cluster plus an orthogonal odd point (verified,
    |cos| < 0.05); n = 4 does not (refuted) -- the boundary of the phase diagram in n."""
    table = sweep("nachum2024.odd-point-emergence", "0:1", {"n": [4, 16]}, params={"width": 256, "depth": 300},
                  workers=2, out=tmp_path / "nachum")
    by_n = table.set_index(table["param.n"].astype(int))
    assert by_n.loc[16, "verdict"] == "verified" and abs(float(by_n.loc[16, "measured.cos_odd_cluster"])) < 0.05
    assert by_n.loc[4, "verdict"] == "refuted"
    verdict = population_verdict(table)
    assert verdict["verdict"] == "refuted" and [r["params"]["n"] for r in verdict["refuting"]] == ["4"]


@SLOW
def test_yang_rate_follows_the_closed_form_over_batch_size(tmp_path):
    """B ∈ {8, 32} at width 256: verified, and the measured per-layer rate within 3 % of λ(B)."""
    table = sweep("yang2019.gradient-explosion", "0:1", {"batch_size": [8, 32]}, params={"sweep": "", "width": 256},
                  metrics=["rate"], workers=2, out=tmp_path / "yang")
    assert population_verdict(table)["verdict"] == "verified", table[["verdict", "reason"]]
    theory = table["param.batch_size"].astype(int).map(_yang_lambda)
    assert ((_num(table, "rate") / theory - 1).abs() < 0.03).all()


@SLOW
def test_daneshmand_floor_exponent_over_seeds(tmp_path):
    """Two seeds at n = 4: verified, and the fitted floor exponent within 0.1 of -1/2."""
    table = sweep("daneshmand2021.orthogonality", "0:2", metrics=["floor_slope"], workers=2,
                  out=tmp_path / "daneshmand")
    assert population_verdict(table)["verdict"] == "verified", table[["seed", "verdict", "reason"]]
    assert ((_num(table, "floor_slope") + 0.5).abs() < 0.1).all()
