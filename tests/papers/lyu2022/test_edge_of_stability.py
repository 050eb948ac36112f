"""lyu2022.edge-of-stability: verified on quick defaults (T1, T2; T3 slow); no weight decay
inapplicable, a mutated level refuted, the underflow trap and a too-short τ inconclusive; the
decoupled convention; the figure renders; the decision (level within tol AND the gap to it shrinking
as ηλ → 0) at its thresholds."""

import json

import numpy as np
import pytest

import bnproof.report as report
from bnproof.core.errors import BadInput
from bnproof.papers.lyu2022.common import GDSettings
from bnproof.papers.lyu2022.edge_of_stability import EoSMeasurement, EoSRun, EoSStats, decide_eos
from bnproof.testing import run_check

EOS = "lyu2022.edge-of-stability"


@pytest.fixture(scope="module")
def eos_quick():
    return run_check(EOS, quick=True)


def test_eos_verified_quick(eos_quick):
    rec = eos_quick
    assert rec["verdict"] == "verified", rec["reason"]
    level = rec["measured"]["eos_level"]
    assert abs(level - 2) < 0.1 and rec["measured"]["entry_step"] > 0
    assert "noise" in rec["params"]["fp_remedy"]
    json.dumps(rec, allow_nan=False)


def test_eos_without_weight_decay_is_inapplicable():
    rec = run_check(EOS, quick=True, params={"weight_decay": 0})
    assert rec["verdict"] == "inapplicable" and "weight_decay = 0" in rec["reason"]
    assert rec["measured"]["eos_level"] is None


def test_eos_mutated_level_is_refuted():
    rec = run_check(EOS, quick=True, params={"claimed_level": 1.0})
    assert rec["verdict"] == "refuted" and rec["measured"]["eos_level"] > 1.5


def test_eos_without_noise_reports_the_underflow_trap():
    rec = run_check(EOS, quick=True, params={"noise": 0})
    assert rec["verdict"] == "inconclusive" and "underflow" in rec["reason"]
    assert "no noise" in rec["params"]["fp_remedy"]


def test_eos_decoupled_convention():
    """Decoupled WD w ← (1−λ)w − η∇L with λ = 1e-4 per step is the same intrinsic LR as the default."""
    rec = run_check(EOS, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["intrinsic_lr"] == pytest.approx(1e-4)


def test_eos_figure_renders(eos_quick, tmp_path):
    assert report.has_figure(eos_quick)
    assert report.plot_record(eos_quick, tmp_path / "f.png") is not None


def test_eos_on_bn_regression_quick():
    """T2 (BN on the output of an over-parameterised regression) also hovers at η·λ₁ ≈ 2."""
    rec = run_check(EOS, quick=True, params={"model": "t2"})
    assert rec["verdict"] == "verified", rec["reason"]
    assert abs(rec["measured"]["eos_level"] - 2) < 0.05 and rec["params"]["model"].startswith("t2")


@pytest.mark.slow
def test_eos_on_bn_mlp_quick():
    rec = run_check(EOS, quick=True, params={"model": "t3"})
    assert rec["verdict"] == "verified", rec["reason"]


@pytest.mark.slow
def test_eos_defaults_full():
    eos = run_check(EOS)
    assert eos["verdict"] == "verified" and eos["measured"]["gap_shrinks_as_eta_lambda_falls"]


# --------------------------------------------------------------------------- the decision at its thresholds


def test_eos_quick_measures_the_gap_at_two_eta_lambda(eos_quick):
    m = eos_quick["measured"]
    assert len(m["gap_by_intrinsic_lr"]) == 2 and m["gap_shrinks_as_eta_lambda_falls"] is True


def test_eos_short_tau_is_inconclusive():
    rec = run_check(EOS, quick=True, params={"tau": 0.05})
    assert rec["verdict"] == "inconclusive" and rec["reason"].startswith("too short") and "\n" not in rec["reason"]


@pytest.mark.parametrize("value", ["0.3", "0", "-0.1"])
def test_eos_tolerance_is_bounded(value):
    with pytest.raises(BadInput):
        run_check(EOS, quick=True, params={"tol": value})


def _measurement(mean: float, gaps: list[float], win: tuple[float, float] | None = None, n: int = 1000):
    """An EoS measurement with the main run's mean and the means at decreasing ηλ giving ``gaps`` to 2."""
    win = win or (mean, mean)
    run = EoSRun(np.arange(3), np.ones(3), False, None, 10_000, "t1")

    def stats(mu: float) -> EoSStats:
        return EoSStats(np.arange(3), np.ones(3), 2.1, 100, 200, mu, 0.01, *win, 0.01, n)

    main = stats(mean)
    sweep = [(10.0 ** -(3 + i), stats(2 + g)) for i, g in enumerate(gaps[:-1])] + [(10.0 ** -(3 + len(gaps) - 1), main)]
    return EoSMeasurement(run, main, sweep, 1e-4)


S = GDSettings(0.1, 1e-3, "coupled")


@pytest.mark.parametrize("mean, verdict", [(2.0999, "verified"), (1.9001, "verified"), (2.1001, "refuted"),
                                           (1.8999, "refuted")])
def test_decide_eos_level_boundary(mean, verdict):
    m = _measurement(mean, [0.2, mean - 2])
    assert decide_eos(m, S, 2.0, 0.1)[0] == verdict


@pytest.mark.parametrize("gaps, verdict", [([0.02, 0.02], "verified"), ([0.02, 0.01], "verified"),
                                           ([0.02, 0.0201], "refuted"), ([0.01, 0.005, 0.0051], "refuted")])
def test_decide_eos_gap_must_shrink(gaps, verdict):
    m = _measurement(2 + gaps[-1], gaps)
    v, why = decide_eos(m, S, 2.0, 0.1)
    assert v == verdict and (v == "verified" or "grows as ηλ falls" in why)


def test_decide_eos_gap_at_one_eta_lambda_is_inconclusive():
    v, why = decide_eos(_measurement(2.01, [0.01]), S, 2.0, 0.1)
    assert v == "inconclusive" and "two values of ηλ" in why


@pytest.mark.parametrize("win, verdict", [((1.8001, 2.1999), "verified"), ((1.7999, 2.0), "refuted"),
                                          ((2.0, 2.2001), "refuted")])
def test_decide_eos_window_boundary(win, verdict):
    assert decide_eos(_measurement(2.0, [0.1, 0.0], win), S, 2.0, 0.1)[0] == verdict


@pytest.mark.parametrize("n, verdict", [(143, "verified"), (142, "inconclusive")])
def test_decide_eos_too_short_boundary(n, verdict):
    """τ measured = n·7·ηλ must reach 0.1 (n ≥ 143 at ηλ = 1e-4)."""
    assert decide_eos(_measurement(2.0, [0.1, 0.0], n=n), S, 2.0, 0.1)[0] == verdict
