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


# --------------------------------------------------------------------------- sweeps and whole reports


def _sweep_data() -> dict:
    """A ``bnproof.sweep/1`` document as ``bnproof sweep --out`` writes it: a 1-D grid, one refuting cell."""
    refuting = [{"seed": s, "params": {"eta": "0.5"},
                 "command": f"bnproof check cao2023.linear.rate --seed {s} --param eta=0.5 --quick"} for s in range(12)]
    return {
        "schema": "bnproof.sweep/1", "claim": "cao2023.linear.rate", "confidence": "paper",
        "statement": r"\gamma^\star - \gamma(w_t) \le \exp(-c \ln^2 t)", "seeds": [0, 20],
        "grid": {"eta": ["0.1", "0.5"]},
        "params": {"n": "8"}, "metrics": ["k"],
        "population": {"verdict": "refuted", "reason": "refuted on 12 of 40 instances (seeds 0, 1, …)",
                       "counts": {"total": 40, "verified": 28, "refuted": 12, "inconclusive": 0, "inapplicable": 0},
                       "refuting": refuting},
        "cells": [{"param.eta": "0.1", "param.n": "8", "n": 20, "verified": 20, "refuted": 0, "inconclusive": 0,
                   "inapplicable": 0, "verified_rate": 1.0, "wilson_lo": 0.8389, "wilson_hi": 1.0,
                   "k.q05": 2.71, "k.q50": 2.7437, "k.q95": 2.79},
                  {"param.eta": "0.5", "param.n": "8", "n": 20, "verified": 8, "refuted": 12, "inconclusive": 0,
                   "inapplicable": 0, "verified_rate": 0.4, "wilson_lo": 0.2188, "wilson_hi": 0.6134,
                   "k.q05": None, "k.q50": None, "k.q95": None}],
        "tasks": {"total": 40, "done": 40, "skipped_existing": 0}, "elapsed_s": 61.5, "figure": "figures/sweep",
    }


def make_sweep_dir(directory, data: dict | None = None):
    """Write a sweep directory (sweep.json, figures/sweep.{png,pdf,svg}, records/) under ``directory``."""
    import json

    from matplotlib.figure import Figure

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sweep.json").write_text(json.dumps(data or _sweep_data()), encoding="utf-8")
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0.1, 0.5], [1.0, 0.4], marker="o")
    ax.set_title("verified rate")
    (directory / "figures").mkdir(exist_ok=True)
    for fmt in ("png", "pdf", "svg"):
        fig.savefig(directory / "figures" / f"sweep.{fmt}", format=fmt)
    (directory / "records").mkdir(exist_ok=True)
    task = {"schema": "bnproof.check/1", "claim": "task.record.not.a.claim", "verdict": "refuted"}
    (directory / "records" / "abc123.json").write_text(json.dumps(task), encoding="utf-8")
    return directory


@pytest.fixture
def sweep_data() -> dict:
    return _sweep_data()


@pytest.fixture
def sweep_factory():
    """``make_sweep_dir(directory, data=None)``: write a sweep directory where a test wants it."""
    return make_sweep_dir


@pytest.fixture
def sweep_dir(tmp_path):
    return make_sweep_dir(tmp_path / "sweep")


def _unicode_record() -> dict:
    """A record full of the symbols real records carry (λ, ‖w‖², ≤, →, x̃, λ̄, ŵ, ᵀ, …)."""
    text = "‖w‖² ≤ λ̄·η → ∞ as t → ∞; x̃ ≈ ŵ ± 1e-3 × γ; Σ_{i} ∈ ℝ, 11ᵀ, ∇ℓ ⊥ w, ½ ≳ ¼, § 3 — Ũ†, ⟨a, b⟩ 😀"
    return {"schema": "bnproof.check/1", "claim": "unicode.symbols", "verdict": "inapplicable",
            "statement": r"\|\nabla L\| \gtrsim \tfrac{1}{2}\lambda_{\max}\ \text{for all } t \ge 0",
            "paper": text, "source": text, "reason": text, "confidence": "recon",
            "expected": {"norm": text, "k": "≥ 2"}, "measured": {"norm": "1.234567890123456789e-400", "k": None},
            "tolerance": {"rule": text}, "params": {"seed": 0, "note": text},
            "precision": {"dps": 30, "audit_dps": 60, "agreeing_digits": {"λ": 25.04}}, "elapsed_s": 0.2}


HOSTILE = r"\input{/etc/passwd} $x$ #1 50% a&b x_y {z} ~ ^ \ end </section><script>alert(1)</script> <svg onload=x>"


def _hostile_record(**fields) -> dict:
    """Record text that would inject LaTeX commands or HTML markup if it were not escaped."""
    return {"schema": "bnproof.check/1", "claim": HOSTILE, "verdict": "refuted", "reason": HOSTILE,
            "paper": HOSTILE, "confidence": HOSTILE, "statement": r"x \pdffiledump{/etc/passwd} </code><b>",
            "measured": {HOSTILE: HOSTILE}, "expected": {HOSTILE: [HOSTILE]}, "params": {HOSTILE: HOSTILE}, **fields}


@pytest.fixture
def unicode_record() -> dict:
    return _unicode_record()


@pytest.fixture
def hostile_record() -> dict:
    return _hostile_record()


@pytest.fixture(scope="session")
def full_report(tmp_path_factory):
    """One report in all formats (written once per session: figures take seconds) of the synthetic
    records, a Unicode-laden one, a hostile one and a sweep; ``(directory, records, sweeps)``."""
    from bnproof.report import load_inputs, write_report

    root = tmp_path_factory.mktemp("full_report")
    sweep_dir = make_sweep_dir(root / "sweep")
    records = [_series_record(), _plain_record(), _odd_record(), _multi_record(), _unicode_record(), _hostile_record()]
    _, sweeps = load_inputs(sweep_dir)
    write_report(records, root / "out", sweeps=sweeps)
    return root / "out", records, sweeps
