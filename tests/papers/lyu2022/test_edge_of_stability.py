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


def test_eos_figure_marks_the_window_tolerance_and_prediction(eos_quick):
    main, *rest = eos_quick["series"]["panels"]
    tol = eos_quick["tolerance"]["eos_level"]
    assert main["hlines"][0] == {"y": 2.0, "label": "claimed level 2", "kind": "theory"}
    assert main["bands"][0]["lo"][0] == pytest.approx(2 - tol) and main["bands"][0]["kind"] == "bound"
    span = main["spans"][0]
    assert span["lo"] > eos_quick["measured"]["entry_step"] and span["hi"] == main["x"][-1]
    mean = next(c for c in main["curves"] if c["label"] == "mean after settling")
    assert mean["y"][0] == pytest.approx(eos_quick["measured"]["eos_level"], rel=1e-5)
    assert any(c.get("kind") == "theory" for c in main["curves"])  # predicted growth to 2 (T1)
    gap = rest[-1]
    assert sorted(gap["x"]) == pytest.approx(sorted(float(k) for k in eos_quick["measured"]["gap_by_intrinsic_lr"]))
    assert gap["hlines"][0]["kind"] == "bound"


# --- decide_eos: the gates, exact edges and reasons (mutation testing, benchmarks/mutation.py) -------


def test_decide_eos_inapplicable_and_underflow_reasons():
    m = _measurement(2.0, [0.2, 0.0])
    assert decide_eos(m, GDSettings(0.1, 0.0, "coupled"), 2.0, 0.1) == (
        "inapplicable", "assumption violated: weight_decay = 0: ‖w‖ never shrinks, so η̃ never grows to the EoS "
        "(max η̃λ₁ = 2.1 < 1.9)")
    no_entry = EoSMeasurement(m.run, EoSStats(np.arange(3), np.ones(3), 1.5), m.sweep, 1e-4)
    assert decide_eos(no_entry, S, 2.0, 0.1) == (
        "inapplicable", "assumption violated: no entry into EoS within 10000 steps (max η̃λ₁ = 1.5 < 1.9)")
    trapped = EoSMeasurement(EoSRun(np.arange(3), np.ones(3), True, None, 10_000, "t1"), m.stats, m.sweep, 1e-4)
    verdict, why = decide_eos(trapped, S, 2.0, 0.1)
    assert verdict == "inconclusive" and why.startswith("the normal component underflowed to exactly 0")


def test_decide_eos_tau_gate_is_inclusive_and_names_the_tau_to_ask_for():
    from bnproof.papers.lyu2022.edge_of_stability import EOS_SHARP_EVERY, TAU_MIN_POST

    m = _measurement(2.0, [0.2, 0.0], n=1000)
    at = EoSMeasurement(m.run, m.stats, m.sweep, TAU_MIN_POST / (1000 * EOS_SHARP_EVERY))
    assert at.tau_measured == TAU_MIN_POST  # exactly the minimum
    assert decide_eos(at, S, 2.0, 0.1)[0] == "verified"
    short = EoSMeasurement(m.run, m.stats, m.sweep, 0.9 * TAU_MIN_POST / (1000 * EOS_SHARP_EVERY))
    verdict, why = decide_eos(short, S, 2.0, 0.1)
    assert verdict == "inconclusive" and why.endswith("the level needs τ ≥ 0.1 (--param tau ≥ 0.35)")


def test_decide_eos_level_and_window_edges_are_inclusive():
    # level 2, tol 0.25: mean 2.25 and window means 1.5 and 2.5 are exactly on the edges (exact in binary)
    assert decide_eos(_measurement(2.25, [0.25, 0.25], win=(1.5, 2.5)), S, 2.0, 0.25)[0] == "verified"
    verdict, why = decide_eos(_measurement(2.0, [0.2, 0.0], win=(1.25, 2.0)), S, 2.0, 0.25)
    assert verdict == "refuted" and "window means leave 2 ± 0.5" in why
    verdict, why = decide_eos(_measurement(2.0, [0.2, 0.0], win=(2.0, 2.75)), S, 2.0, 0.25)
    assert verdict == "refuted" and "window means leave 2 ± 0.5" in why
