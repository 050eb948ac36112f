"""lyu2022.sharpness-flow: the flow and its fit; the derived constant c = 2/(4 + ‖∇_Γ log λ₁‖²)
verified at speed 1 ± 0.02 on the default and the steep toy; the notes' c = 1/2 refuted on the steep
toy; no weight decay inapplicable; a too-short τ inconclusive; the decision at its thresholds; the
decoupled convention; the figure renders."""

import dataclasses
import json
import math

import numpy as np
import pytest

import bnproof.report as report
from bnproof.cli import main
from bnproof.core.errors import BadInput
from bnproof.papers.lyu2022.common import GDSettings
from bnproof.papers.lyu2022.sharpness_flow import (
    FlowSetup,
    clock_flow,
    decide_flow,
    fit_flow_constant,
    flow_coefficient,
    flow_rhs,
    flow_solution,
    measure_flow,
    reading_flow,
    speed_multiplier,
)
from bnproof.testing import run_check

FLOW = "lyu2022.sharpness-flow"


@pytest.fixture(scope="module")
def flow_quick():
    return run_check(FLOW, quick=True)


# --------------------------------------------------------------------------- flow helpers


def test_flow_fit_recovers_a_known_constant():
    tau = np.linspace(0, 4, 400)
    phi = flow_solution(0.3, 10.0)(0.37 * tau)
    c, rms, _ = fit_flow_constant(tau, phi)
    assert c == pytest.approx(0.37, abs=1e-5) and rms < 1e-6


def test_flow_moves_to_the_flattest_point():
    phi = flow_solution(0.3, 50.0)(np.array([0.0, 50.0]))
    assert phi[0] == 0.3 and abs(phi[1] - math.pi / 2) < 1e-6


def test_flow_coefficient_derived_and_half():
    assert flow_coefficient(0.0) == 0.5 and flow_coefficient(0.3, reading="half") == 0.5
    # at φ = π/4 on the default toy g = ½/(1 + ¼) = 0.4: c = 2/(4 + 0.16)
    assert flow_coefficient(math.pi / 4, 0.5) == pytest.approx(2 / 4.16, rel=1e-12)
    assert flow_coefficient(math.pi / 4, 3.0) == pytest.approx(2 / (4 + 1.2 ** 2), rel=1e-12)


def test_derived_flow_is_the_clock_flow_reparametrised():
    """dT/dτ = 2 + d log λ₁/dτ turns dφ/dT = ¼g into dφ/dτ = 2/(4 + g²)·g: the same path."""
    alpha, phi0 = 3.0, 0.3
    tau = np.linspace(0, 3, 301)
    phi = reading_flow(phi0, 3.0, alpha)(tau)
    lam = 1 + alpha * np.cos(phi) ** 2
    T = 2 * tau + np.log(lam / lam[0])  # T(τ) = 2τ + log λ₁(τ)/λ₁(0)
    assert np.max(np.abs(clock_flow(phi0, float(T[-1]) + 1, alpha)(T) - phi)) < 1e-8
    assert np.all(np.abs(np.gradient(phi, tau)[1:-1] - [flow_coefficient(p, alpha) * flow_rhs(p, alpha)
                                                           for p in phi[1:-1]]) < 1e-3)


# --------------------------------------------------------------------------- the claim


def test_flow_verified_quick(flow_quick):
    rec = flow_quick
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["c"] - 0.5) < 0.05 and m["tracking_rms"] < 0.05
    assert abs(m["speed_multiplier"] - 1) <= 0.02 and abs(m["speed_multiplier_clock_T"] - 1) <= 0.02
    assert rec["params"]["flow_constant"] == "derived"
    assert m["sharpness_window_end"] < m["sharpness_window_start"]
    assert "noise" in rec["params"]["fp_remedy"]


def test_flow_without_weight_decay_is_never_verified(capsys):
    """The negative control: --param weight_decay=0."""
    with pytest.raises(SystemExit) as exc:
        main(["check", FLOW, "--quick", "--param", "weight_decay=0", "--json"])
    rec = json.loads(capsys.readouterr()[0])
    assert exc.value.code == 3 and rec["verdict"] == "inapplicable"
    assert rec["measured"]["drift_along_gamma"] < 1e-5 and rec["measured"]["c"] is None


def test_flow_steep_toy_derived_constant_verified():
    rec = run_check(FLOW, quick=True, params={"alpha": 3})
    assert rec["verdict"] == "verified", rec["reason"]
    m = rec["measured"]
    assert abs(m["speed_multiplier"] - 1) <= 0.02 and abs(m["speed_multiplier_clock_T"] - 1) <= 0.02
    assert m["c"] < 0.45  # the best constant is far from the notes' 1/2


def test_flow_half_constant_is_refuted_on_the_steep_toy():
    """The notes' c = 1/2 (the statement-flip control): GD moves at ≈ 0.84× its speed."""
    rec = run_check(FLOW, quick=True, params={"alpha": 3, "flow_constant": "half"})
    assert rec["verdict"] == "refuted" and "c = 1/2" in rec["reason"]
    assert rec["measured"]["speed_multiplier"] < 0.9


def test_flow_short_tau_is_inconclusive():
    rec = run_check(FLOW, quick=True, params={"tau": 0.05})
    assert rec["verdict"] == "inconclusive" and rec["reason"].startswith("too short") and "\n" not in rec["reason"]


@pytest.mark.parametrize("value", ["0.2", "0", "-0.01"])
def test_flow_speed_tolerance_is_bounded(value):
    with pytest.raises(BadInput):
        run_check(FLOW, quick=True, params={"speed_tol": value})


@pytest.fixture(scope="module")
def flow_measurement():
    s = GDSettings(0.1, 1e-3, "coupled")
    return s, measure_flow(FlowSetup(s, 1.0, 0.3), quick=True)


@pytest.mark.parametrize("field", ["k_tau", "k_clock"])
@pytest.mark.parametrize("k, verdict", [(1.0199, "verified"), (0.9801, "verified"), (1.0201, "refuted"),
                                        (0.9799, "refuted")])
def test_decide_flow_speed_boundary(flow_measurement, field, k, verdict):
    s, m = flow_measurement
    assert decide_flow(dataclasses.replace(m, **{field: k}), s, "derived", 0.02, 0.05)[0] == verdict


@pytest.mark.parametrize("rms, verdict", [(0.0499, "verified"), (0.0501, "refuted")])
def test_decide_flow_rms_boundary(flow_measurement, rms, verdict):
    s, m = flow_measurement
    assert decide_flow(dataclasses.replace(m, k_tau=1.0, k_clock=1.0, rms_fit=rms), s, "derived", 0.02, 0.05)[0] == verdict


def test_flow_decoupled_convention():
    rec = run_check(FLOW, quick=True, params={"convention": "decoupled", "weight_decay": 1e-4})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["params"]["convention"] == "decoupled"


def test_flow_figure_renders(flow_quick, tmp_path):
    assert report.has_figure(flow_quick)
    assert report.plot_record(flow_quick, tmp_path / "f.png") is not None


@pytest.mark.slow
def test_flow_defaults_full():
    flow = run_check(FLOW)
    assert flow["verdict"] == "verified"
    assert 0 < flow["measured"]["equal_eta_lambda_path_gap"] < 0.05


def test_speed_multiplier_recovers_speed_and_lag():
    """φ(τ) = Φ(1.03·τ − 0.013) on the steep toy: the fit returns k = 1.03, s = −0.013."""
    tau = np.linspace(0, 2, 300)
    flow = reading_flow(0.3, 7.0, 3.0)
    k, lag, rms = speed_multiplier(tau, flow(1.03 * tau - 0.013), flow)
    assert k == pytest.approx(1.03, abs=1e-6) and lag == pytest.approx(-0.013, abs=1e-6) and rms < 1e-8


@pytest.mark.parametrize("rise, verdict", [(0.00099, "verified"), (0.00101, "refuted")])
def test_decide_flow_sharpness_rise_boundary(flow_measurement, rise, verdict):
    s, m = flow_measurement
    assert decide_flow(dataclasses.replace(m, k_tau=1.0, k_clock=1.0, rise=rise), s, "derived", 0.02, 0.05)[0] == verdict


@pytest.mark.parametrize("gap, verdict", [(0.0499, "verified"), (0.0501, "refuted")])
def test_decide_flow_equal_eta_lambda_gap_boundary(flow_measurement, gap, verdict):
    """Equal ηλ = 1e-4 runs must stay within 5√(ηλ) = 0.05 rad."""
    s, m = flow_measurement
    assert decide_flow(dataclasses.replace(m, k_tau=1.0, k_clock=1.0, path_gap=gap), s, "derived", 0.02, 0.05)[0] == verdict


def test_flow_figure_shows_flow_fit_tolerances_and_sharpness(flow_quick):
    angle, residual, speed, sharp = flow_quick["series"]["panels"]
    m, tol = flow_quick["measured"], flow_quick["tolerance"]
    kinds = [c.get("kind", "measured") for c in angle["curves"]]
    assert kinds[:3] == ["measured", "theory", "fit"] and f"{m['speed_multiplier']:.4f}" in angle["curves"][2]["label"]
    assert residual["bands"][0]["hi"][0] == tol["tracking_rms"] and residual["bands"][0]["kind"] == "bound"
    assert speed["curves"][0]["y"][0] == pytest.approx(m["speed_multiplier"], abs=1e-5)
    assert speed["curves"][1]["y"] == [pytest.approx(m["speed_multiplier_clock_T"], abs=1e-5)]
    assert speed["bands"][0]["lo"][0] == pytest.approx(1 - tol["speed_multiplier"])
    assert sharp["curves"][2]["kind"] == "theory"
    assert sharp["curves"][1]["y"][0] == pytest.approx(m["sharpness_window_start"], abs=1e-5)


# --- decide_flow: exact edges, the underflow gate and the summary (mutation testing) ------------------


def test_decide_flow_edges_are_inclusive(flow_measurement):
    from bnproof.papers.lyu2022.sharpness_flow import MONO_TOL

    s, m = flow_measurement
    edge = dataclasses.replace(m, k_tau=1.25, k_clock=0.75, rms_fit=0.05, rise=MONO_TOL,
                               path_gap=5 * math.sqrt(s.intrinsic))  # |k − 1| = 0.25 exactly
    assert decide_flow(edge, s, "derived", 0.25, 0.05)[0] == "verified"


def test_decide_flow_underflow_is_inconclusive_and_names_the_run(flow_measurement):
    s, m = flow_measurement
    settings, run = m.runs["main"]
    trapped = dataclasses.replace(m, runs={**m.runs, "main": (settings, dataclasses.replace(run, underflow=True))})
    assert decide_flow(trapped, s, "derived", 0.02, 0.05) == (
        "inconclusive", "the normal component underflowed to exactly 0 in main (float64 trap); set --param noise > 0")


def test_decide_flow_summary_quotes_first_and_last_values(flow_measurement):
    from bnproof.papers.lyu2022.sharpness_flow import FlowTrack

    s, m = flow_measurement
    track = FlowTrack(10, np.array([0.0, 1.0, 2.5]), np.array([0.125, 0.25, 0.375]), np.array([0.0, 1.0, 2.0]))
    fake = dataclasses.replace(m, k_tau=1.0, k_clock=1.0, rms_fit=0.0, rise=0.0, path_gap=None,
                               fits={"main": (1.2345, 0.0067)}, tracks={**m.tracks, "main": track},
                               windows=np.array([2.5, 2.25, 2.0]))
    verdict, why = decide_flow(fake, s, "derived", 0.02, 0.05)
    assert verdict == "verified" and "(by run: 1.2345; lag" in why
    assert "over τ ∈ [0, 2.50]; φ 0.125 → 0.375; λ₁ window means 2.5000 → 2.0000" in why
