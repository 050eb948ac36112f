"""Synthetic records shared by the report tests (fixtures build fresh copies per test)."""

from __future__ import annotations

import math

import pytest


def _series_record() -> dict:
    """A full record with a gap series whose late values are far below float range."""
    t = [2**k for k in range(12)]
    # gap ~ exp(-0.3 (ln t)^2), then pushed to 1e-400-ish at the end to exercise huge exponents.
    log10_gap = [-0.3 * math.log(x) ** 2 / math.log(10) for x in t]
    log10_gap[-1] = -400.0
    return {
        "schema": "bnproof.check/1",
        "claim": "cao2023.linear.rate",
        "paper": "Cao, Zou, Li, Gu 2023 (COLT), arXiv 2306.11680",
        "statement": r"$\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)$",
        "verdict": "verified",
        "reason": "The ratio stays above 0.29 for all checkpoints.",
        "expected": {"c": "> 0", "k": 2},
        "measured": {"gap": "1.234567890123456789012345e-400", "k": 2.97, "c": 0.31},
        "tolerance": {"k": 0.1},
        "params": {"seed": 0, "dps": 50, "steps": 100000, "eta": "0.1", "loss": "exp", "n": 8, "d": 24},
        "precision": {"dps": 50, "audit_dps": 100, "agreeing_digits": 38.2},
        "environment": {"python": "3.11.7", "bnproof": "0.1.0", "numpy": "2.0"},
        "elapsed_s": 12.3,
        "confidence": "paper",
        "series": {
            "t": t,
            "columns": {"gap": [f"1e{round(v)}" for v in log10_gap], "gamma": ["1.0"] * len(t)},
            "log10": {"gap": log10_gap},
            "plot": {"x": "t", "y": "gap", "xscale": "log", "yscale": "log10", "title": "margin gap"},
        },
    }


def _plain_record() -> dict:
    """A record without a series."""
    return {
        "schema": "bnproof.check/1",
        "claim": "bn.scale_invariance",
        "statement": r"\mathrm{BN}(aW x) = \mathrm{BN}(W x)",
        "verdict": "refuted",
        "reason": "Differs by 3% & more at eps > 0.",
        "expected": {"diff": 0},
        "measured": {"diff": "0.03", "note": "50% & more_than_expected"},
        "params": {"seed": 1},
        "precision": {"dps": 30},
        "environment": {"python": "3.11.7"},
        "elapsed_s": 0.5,
    }


def _odd_record() -> dict:
    """Only the required keys plus awkward values: nesting, long lists, pipes, a non-gap series."""
    return {
        "schema": "bnproof.check/1",
        "claim": "odd_claim/with#chars",
        "verdict": "inconclusive",
        "measured": {
            "nested": {"a": {"b": 1.5}, "c": [1, 2]},
            "long": list(range(100)),
            "pipe": "a|b",
            "flag": True,
            "none": None,
        },
        "series": {"t": [1, 10, 100], "log10": {"loss": [0.0, -1.0, None]}, "plot": {"y": "loss"}},
    }


def _multi_record() -> dict:
    """A record whose series carries several columns to plot (as ``cao2023.contrast`` writes)."""
    t = [1, 10, 100, 1000, 10000, 100000]
    return {
        "schema": "bnproof.check/1",
        "claim": "cao2023.contrast",
        "verdict": "verified",
        "series": {
            "t": t,
            "log10": {"bn_gap": [0.0, -2.0, -8.0, -20.0, None, None],  # BN run stopped earlier
                      "nobn_angle": [0.1, -0.2, -0.5, -0.7, -0.85, -1.0],
                      "never": [None] * 6},
            "columns": {"from_decimals": ["1", "0.5", "1e-400", "1e-500", "1e-600", "1e-700"]},
            "plot": {"y": ["bn_gap", "nobn_angle", "from_decimals", "never", "absent"],
                     "labels": {"bn_gap": "BN gap", "nobn_angle": "no-BN angle"}, "title": "two limits"},
        },
    }


@pytest.fixture
def series_record() -> dict:
    return _series_record()


@pytest.fixture
def plain_record() -> dict:
    return _plain_record()


@pytest.fixture
def multi_record() -> dict:
    return _multi_record()


@pytest.fixture
def records() -> list[dict]:
    """A record with a gap series, one without a series, and a sparse odd one, in that order."""
    return [_series_record(), _plain_record(), _odd_record()]
