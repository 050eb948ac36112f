"""Gradient flow in log-time (bnproof.engines.flow): reaches t = 1e30, converges, matches GD, settles k."""

import numpy as np
import pytest

from bnproof.analysis import rates
from bnproof.core.data import gaussian_instance
from bnproof.engines import deviation as D
from bnproof.engines import flow as F


@pytest.fixture(scope="module")
def inst():
    data = gaussian_instance(0, 8, 24, 1.5)
    prob = D.problem_from_data(data.X, data.y, "0.1", "exp")
    return data, prob, data.X @ data.w0


@pytest.fixture(scope="module")
def to_1e30(inst):
    data, prob, z0 = inst
    return F.flow(prob.G, data.y, z0, t_max=1e30, rtol=1e-8)


def test_flow_reaches_1e30_far_below_float64(to_1e30):
    res = to_1e30
    assert res.t[-1] == pytest.approx(1e30)
    assert res.log10_gap[-1] < -15_000  # e^ρ representation: no underflow
    assert np.all(np.diff(res.log_gap[5:]) < 0)
    assert res.gamma[-1] == pytest.approx(np.log(1e30), abs=2.0)  # γ ≈ log t


def test_flow_settles_the_exponent_k(to_1e30):
    res = to_1e30
    m = rates.late_window(res.t, 0.4)
    fit = rates.fit_exp_polylog(res.t[m], res.log_gap[m], shift=1.0)
    k, se = fit.params["k"], fit.stderr["k"]
    assert 2.9 < k < 3.05 and 2 * 1.96 * se < 0.01  # the linearisation's k = 3, not the paper's 2


def test_integrator_tolerance_does_not_change_the_answer(inst):
    data, prob, z0 = inst
    a = F.flow(prob.G, data.y, z0, t_max=1e12, rtol=1e-7)
    b = F.flow(prob.G, data.y, z0, t_max=1e12, rtol=1e-9)
    assert np.max(np.abs(a.log_gap[1:] / b.log_gap[1:] - 1)) < 1e-5


def test_gd_and_flow_agree_up_to_the_norm_growth_of_gd(inst):
    """GD step k ↔ flow time ηk: log gaps differ by the factor (s_flow/s_GD)² of the rate c ∝ 1/s²."""
    data, prob, z0 = inst
    steps = [10**3, 10**4, 10**5, 10**6]
    tr = D.run_deviation(prob, D.initial_state(data.X, data.y, data.w0), steps[-1], checkpoints=steps)
    fl = F.flow(prob.G, data.y, z0, t_max=1e5, times=0.1 * np.array(steps), rtol=1e-8)
    ratio = np.array(tr.log10["gap"]) / fl.log10_gap
    predicted = (fl.s[-1] / float(tr.values["s"][-1])) ** 2
    assert abs(ratio[-1] / predicted - 1) < 0.005
    assert np.all(np.abs(ratio / predicted - 1) < 0.02)


def test_logistic_flow_decays_like_the_exponential_one():
    data = gaussian_instance(0, 8, 24, 1.5)
    prob = D.problem_from_data(data.X, data.y, "0.1", "logistic")
    res = F.flow(prob.G, data.y, data.X @ data.w0, loss="logistic", t_max=1e12, rtol=1e-8)
    assert res.log10_gap[-1] < -1000 and np.all(np.diff(res.log_gap[5:]) < 0)


def test_bad_times_are_rejected(inst):
    data, prob, z0 = inst
    with pytest.raises(ValueError):
        F.flow(prob.G, data.y, z0, t_max=10.0, times=[0.5, 2.0])


def test_times_before_one_are_refused_by_the_range_check(inst):
    # the range check itself (not a later solve_ivp error) names the interval
    data, prob, z0 = inst
    with pytest.raises(ValueError, match=r"observation times must lie in \[1, t_max\]"):
        F.flow(prob.G, data.y, z0, t_max=10.0, times=[0.5, 2.0])
    with pytest.raises(ValueError, match=r"observation times must lie in \[1, t_max\]"):
        F.flow(prob.G, data.y, z0, t_max=10.0, times=[2.0, 20.0])
