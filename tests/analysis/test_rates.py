"""Tests for bnproof.rates: late-time rate fitting and model selection."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnproof.analysis.rates import (
    Fit,
    fit_all,
    fit_exp_polylog,
    fit_exponential,
    fit_inverse_log,
    fit_power,
    integrated_rate,
    late_window,
    local_exponent,
    ratio_profile,
)

T = np.logspace(2, 6, 40)
LOG_T = np.log(T)


def _noisy(log_gap: np.ndarray, rel: float, seed: int) -> np.ndarray:
    """Multiplicative noise of relative size ``rel`` in log_gap."""
    rng = np.random.default_rng(seed)
    return log_gap * (1.0 + rel * rng.standard_normal(log_gap.size))


# Exact synthetic data for each family, parameters drawn from a seeded RNG.
# C_log values keep log_gap < 0 on T and stay away from C_log = 0, where the
# power family coincides with exp-polylog at k = 1 (see test below).
def _family_data(family: str, seed: int) -> tuple[np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(seed)
    if family == "exp-polylog":
        p = {"c": rng.uniform(0.05, 2.0), "k": float(rng.choice([2.0, 3.0]))}
        return -p["c"] * LOG_T ** p["k"], p
    if family == "power":
        p = {"a": rng.uniform(0.3, 3.0), "C_log": rng.uniform(0.5, 1.5)}
        return p["C_log"] - p["a"] * LOG_T, p
    if family == "inverse-log":
        p = {"p": rng.uniform(0.5, 3.0), "C_log": rng.uniform(-2.0, -0.2)}
        return p["C_log"] - p["p"] * np.log(LOG_T), p
    if family == "exponential":
        p = {"c": rng.uniform(1e-5, 1e-4), "C_log": rng.uniform(-2.0, -0.2)}
        return p["C_log"] - p["c"] * T, p
    raise AssertionError(family)


_FITTERS = {
    "exp-polylog": fit_exp_polylog,
    "power": fit_power,
    "inverse-log": fit_inverse_log,
    "exponential": fit_exponential,
}
FAMILIES = list(_FITTERS)


# ---------------------------------------------------------------- exact data


@pytest.mark.parametrize("k", [2.0, 3.0])
@pytest.mark.parametrize("seed", range(3))
def test_exp_polylog_recovers_k_and_c(k: float, seed: int) -> None:
    c = np.random.default_rng(seed).uniform(0.05, 2.0)
    fit = fit_exp_polylog(T, -c * LOG_T**k)
    assert fit.family == "exp-polylog"
    assert fit.params["k"] == pytest.approx(k, abs=1e-6)
    assert fit.params["c"] == pytest.approx(c, rel=1e-6)
    assert fit.n_points == T.size
    assert fit.stderr["k"] < 1e-8


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", range(3))
def test_each_family_recovers_params_and_wins_on_exact_data(family: str, seed: int) -> None:
    log_gap, true = _family_data(family, seed)
    fit = _FITTERS[family](T, log_gap)
    for name, value in true.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    ranked = fit_all(T, log_gap)
    assert [f.family for f in ranked][0] == family
    assert sorted(f.family for f in ranked) == sorted(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", range(5))
def test_each_family_wins_with_small_noise(family: str, seed: int) -> None:
    log_gap, true = _family_data(family, seed)
    noisy = _noisy(log_gap, 1e-3, seed + 100)
    ranked = fit_all(T, noisy)
    assert ranked[0].family == family
    # parameters are still close (loose: noise is 1e-3 relative per point)
    for name, value in true.items():
        assert ranked[0].params[name] == pytest.approx(value, rel=0.05, abs=0.05), name
    aics = [f.aic for f in ranked]
    assert aics == sorted(aics)


def test_power_with_unit_prefactor_is_exp_polylog_with_k1() -> None:
    # Nesting: -a*log t == -c*log(t)^k with c=a, k=1.  So power data with
    # C_log ~ 0 is fitted equally well by exp-polylog (k ~ 1); with noise
    # either may win, and that is not a misclassification of the rate.
    fit = fit_exp_polylog(T, -1.7 * LOG_T)
    assert fit.params["k"] == pytest.approx(1.0, abs=1e-9)
    assert fit.params["c"] == pytest.approx(1.7, rel=1e-9)


# ---------------------------------------------------------- discrimination


@pytest.mark.parametrize("seed", range(10))
def test_log_cubed_data_not_best_fit_by_power_or_inverse_log(seed: int) -> None:
    c = np.random.default_rng(seed).uniform(0.05, 2.0)
    noisy = _noisy(-c * LOG_T**3, 1e-3, seed)
    ranked = fit_all(T, noisy)
    assert ranked[0].family == "exp-polylog"
    assert ranked[0].params["k"] == pytest.approx(3.0, abs=0.01)
    assert ranked[0].aic < min(f.aic for f in ranked if f.family in ("power", "inverse-log"))


def test_inverse_log_data_exact_gives_exp_polylog_k_below_one() -> None:
    # With C_log <= 0, -log_gap = p*u - C_log with u = log log t, and the
    # exp-polylog slope d log(-log_gap)/d log log t = p/(p*u - C_log) < 1/u,
    # so the fitted k is below 1/log(log t_min) ~ 0.65 for t >= 1e2.
    for p in (0.5, 1.0, 2.0, 3.0):
        for c_log in (-2.0, -0.5, 0.0):
            log_gap = c_log - p * np.log(LOG_T)
            ranked = fit_all(T, log_gap)
            assert ranked[0].family == "inverse-log"
            k = fit_exp_polylog(T, log_gap).params["k"]
            assert 0 < k < 1.0 / np.log(LOG_T[0])


@pytest.mark.parametrize("rel", [1e-3, 1e-2, 3e-2])
def test_inverse_log_data_with_noise_never_looks_like_k_ge_1(rel: float) -> None:
    # Empirically: at rel=1e-3 inverse-log always wins; at 1e-2 to 3e-2
    # exp-polylog sometimes wins on AIC, but then always with k well below 1
    # (observed k ~ 0.15-0.55), i.e. it never masquerades as log^2 or log^3.
    wins = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        p, c_log = rng.uniform(0.3, 3.0), rng.uniform(-2.0, 0.0)
        noisy = _noisy(c_log - p * np.log(LOG_T), rel, seed)
        best = fit_all(T, noisy)[0]
        if best.family == "exp-polylog":
            wins += 1
            assert best.params["k"] < 1.0
        assert not (best.family == "exp-polylog" and best.params["k"] >= 2.0)
    if rel <= 1e-3:
        assert wins == 0


# ---------------------------------------------------------- realistic data


ETA, C_TRUE = 0.1, 0.3
T_REAL = np.logspace(2, 8, 60)
LG_REAL = -(C_TRUE / 3.0) * np.log(ETA * T_REAL) ** 3


def test_realistic_fit_with_shift_gives_k3() -> None:
    fit = fit_exp_polylog(T_REAL, LG_REAL, shift=ETA)
    assert fit.params["k"] == pytest.approx(3.0, abs=1e-6)
    assert fit.params["c"] == pytest.approx(C_TRUE / 3.0, rel=1e-6)
    assert "0.1" in fit.formula
    ranked = fit_all(T_REAL, LG_REAL, shift=ETA)
    assert ranked[0].family == "exp-polylog"


def test_realistic_fit_without_shift_still_prefers_exp_polylog() -> None:
    # Without the shift the pure power-of-log model is misspecified; the
    # fitted k then drifts above 3 (log(eta t)^3 grows faster in log t) but
    # exp-polylog remains the best family.
    ranked = fit_all(T_REAL, LG_REAL)
    assert ranked[0].family == "exp-polylog"
    assert ranked[0].params["k"] > 3.0


def test_realistic_local_exponent() -> None:
    loc = local_exponent(T_REAL, LG_REAL, shift=ETA)
    assert loc["k"] == pytest.approx(3.0, abs=1e-3)
    assert loc["c"] == pytest.approx(C_TRUE / 3.0, rel=1e-2)
    assert loc["n_points"] == T_REAL.size - 1


@pytest.mark.parametrize("k, expected", [(2.0, True), (3.0, True), (4.0, False)])
def test_realistic_ratio_profile_late_window(k: float, expected: bool) -> None:
    m = late_window(T_REAL, 0.5)
    prof = ratio_profile(T_REAL[m], LG_REAL[m], k)
    assert prof["nondecreasing"] is expected
    assert prof["k"] == k
    assert prof["min"] > 0
    if expected:
        assert prof["slope"] > 0
    else:
        assert prof["slope"] + 2 * prof["slope_stderr"] < 0
        assert prof["last"] < prof["first"]


def test_ratio_profile_k3_increases_toward_limit() -> None:
    # R_3(t) = (c/3) (1 - |log eta|/log t)^3 increases to c/3 from below.
    prof = ratio_profile(T_REAL, LG_REAL, 3.0)
    assert prof["nondecreasing"]
    assert prof["min"] == prof["first"]
    assert prof["first"] < prof["last"] < C_TRUE / 3.0


def test_ratio_profile_k4_needs_late_window() -> None:
    # Caveat: R_4 = (c/3)(log t - |log eta|)^3 / log(t)^4 rises until
    # log t = 4|log eta| (t = 1e4 here) and falls afterwards.  Over [1e2, 1e6]
    # the early rise dominates, so the k=4 negative control only works on a
    # late window.
    t = np.logspace(2, 6, 40)
    lg = -(C_TRUE / 3.0) * np.log(ETA * t) ** 3
    assert ratio_profile(t, lg, 4.0)["nondecreasing"] is True
    m = late_window(t, 0.5)
    assert ratio_profile(t[m], lg[m], 4.0)["nondecreasing"] is False


# ---------------------------------------------------------- local exponent


def test_local_exponent_exact_k2_is_exact() -> None:
    # For k=2 the secant slope equals the derivative at the midpoint exactly.
    loc = local_exponent(T, -0.7 * LOG_T**2)
    assert loc["k"] == pytest.approx(2.0, abs=1e-9)
    assert loc["c"] == pytest.approx(0.7, rel=1e-9)


@pytest.mark.parametrize("k", [1.5, 2.5, 3.0, 4.0])
def test_local_exponent_recovers_k(k: float) -> None:
    loc = local_exponent(T, -0.3 * LOG_T**k)
    assert loc["k"] == pytest.approx(k, abs=2e-3)
    assert loc["c"] == pytest.approx(0.3, rel=2e-3)
    # The remaining bias is the O((dL/L)^2) secant error: it shrinks on a finer grid.
    t_fine = np.logspace(2, 6, 400)
    fine = local_exponent(t_fine, -0.3 * np.log(t_fine) ** k)
    assert abs(fine["k"] - k) < abs(loc["k"] - k) / 10 or abs(loc["k"] - k) < 1e-9


def test_local_exponent_skips_nonpositive_slopes() -> None:
    lg = -0.2 * LOG_T**3
    lg[10] = lg[9]  # a plateau: one zero slope
    loc = local_exponent(T, lg)
    assert loc["n_points"] == T.size - 2


# ---------------------------------------------------------- properties


@settings(deadline=None, max_examples=30)
@given(
    c=st.floats(min_value=0.05, max_value=2.0),
    k=st.floats(min_value=1.5, max_value=4.0),
)
def test_property_exp_polylog_recovers_k(c: float, k: float) -> None:
    fit = fit_exp_polylog(T, -c * LOG_T**k)
    assert abs(fit.params["k"] - k) < 1e-6
    assert fit.params["c"] == pytest.approx(c, rel=1e-6)


@settings(deadline=None, max_examples=30)
@given(
    c=st.floats(min_value=0.05, max_value=2.0),
    k=st.floats(min_value=1.5, max_value=4.0),
    shift=st.floats(min_value=0.05, max_value=1.0),
)
def test_property_exp_polylog_with_shift(c: float, k: float, shift: float) -> None:
    fit = fit_exp_polylog(T, -c * np.log(shift * T) ** k, shift=shift)
    assert abs(fit.params["k"] - k) < 1e-6


# ---------------------------------------------------------- misc behaviour


@pytest.mark.filterwarnings("error")
def test_huge_negative_log_gap_is_fine() -> None:
    # log_gap ~ -1e5: must never be exponentiated.
    lg = -2.0 * LOG_T**4
    assert lg.min() < -5e4
    for fit in fit_all(T, lg):
        assert np.isfinite(fit.aic)
    assert fit_all(T, lg)[0].params["k"] == pytest.approx(4.0, abs=1e-6)
    assert ratio_profile(T, lg, 4.0)["nondecreasing"]


def test_exp_polylog_drops_invalid_points() -> None:
    t = np.array([1.0, 2.0, 50.0, 100.0, 1e3, 1e4, 1e5])
    lg = -0.5 * np.log(t) ** 2
    lg[1] = 0.1  # positive log_gap: dropped
    fit = fit_exp_polylog(t, lg)
    # t=1 (log t = 0 < 1) and t=2 (log 2 < 1) dropped; 5 remain
    assert fit.n_points == 5
    assert fit.params["k"] == pytest.approx(2.0, abs=1e-9)
    # fit_all compares every family on that same subset
    assert {f.n_points for f in fit_all(t, lg)} == {5}


def test_aic_definition_and_to_dict() -> None:
    fit = fit_power(T, _noisy(1.0 - 1.3 * LOG_T, 1e-3, 0))
    n = fit.n_points
    assert fit.aic == pytest.approx(n * np.log(fit.rss / n) + 4)
    d = fit.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert set(d) == {"family", "formula", "params", "stderr", "rss", "aic", "n_points"}
    assert all(type(v) is float for v in d["params"].values())
    assert all(type(v) is float for v in d["stderr"].values())
    assert type(d["rss"]) is float and type(d["aic"]) is float
    assert isinstance(fit, Fit)
    with pytest.raises(AttributeError):
        fit.rss = 0.0  # type: ignore[misc]


def test_aic_finite_for_exact_fit() -> None:
    fit = fit_exponential(T, -1.0 - 3e-5 * T)
    assert np.isfinite(fit.aic)


def test_late_window() -> None:
    t = np.logspace(0, 4, 9)  # log10 t = 0, 0.5, ..., 4
    assert late_window(t, 1.0).all()
    m = late_window(t, 0.5)
    assert m.tolist() == [False] * 4 + [True] * 5
    assert late_window(t, 1e-9).tolist() == [False] * 8 + [True]
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            late_window(t, bad)


# ---------------------------------------------------------- bad input


def _call(name: str, t, lg):
    return {
        "exp-polylog": lambda: fit_exp_polylog(t, lg),
        "power": lambda: fit_power(t, lg),
        "inverse-log": lambda: fit_inverse_log(t, lg),
        "exponential": lambda: fit_exponential(t, lg),
        "all": lambda: fit_all(t, lg),
        "local": lambda: local_exponent(t, lg),
        "ratio": lambda: ratio_profile(t, lg, 3.0),
    }[name]()


_ALL_FUNCS = ["exp-polylog", "power", "inverse-log", "exponential", "all", "local", "ratio"]
_GOOD_LG = -0.5 * LOG_T**2


def _with(arr: np.ndarray, i: int, value: float) -> np.ndarray:
    out = arr.copy()
    out[i] = value
    return out


@pytest.mark.parametrize("func", _ALL_FUNCS)
@pytest.mark.parametrize(
    "t, lg",
    [
        pytest.param(T, _GOOD_LG[:-1], id="length-mismatch"),
        pytest.param(T, _with(_GOOD_LG, 5, np.nan), id="nan-log-gap"),
        pytest.param(_with(T, 5, np.nan), _GOOD_LG, id="nan-t"),
        pytest.param(T, _with(_GOOD_LG, 5, -np.inf), id="inf-log-gap"),
        pytest.param(T[:2], _GOOD_LG[:2], id="too-few"),
        pytest.param(T[::-1], _GOOD_LG, id="decreasing-t"),
        pytest.param(_with(T, 0, -1.0), _GOOD_LG, id="negative-t"),
        pytest.param(T.reshape(4, 10), _GOOD_LG.reshape(4, 10), id="2d"),
    ],
)
def test_bad_input_raises(func: str, t, lg) -> None:
    with pytest.raises(ValueError):
        _call(func, t, lg)


def test_bad_input_specific() -> None:
    with pytest.raises(ValueError):
        fit_exp_polylog(T, -_GOOD_LG)  # all log_gap > 0: nothing left
    with pytest.raises(ValueError):
        fit_exp_polylog(T, _GOOD_LG, shift=0.0)
    with pytest.raises(ValueError):
        fit_exp_polylog(np.array([1.0, 2.0, 2.5, 1e3]), -np.ones(4))  # only 1 point has t>e
    with pytest.raises(ValueError):
        ratio_profile(np.array([1.0, 10.0, 100.0]), -np.ones(3), 2.0)  # log 1 = 0
    with pytest.raises(ValueError):
        ratio_profile(T, _GOOD_LG, float("nan"))
    with pytest.raises(ValueError):
        local_exponent(T, -_GOOD_LG)  # increasing gap: no positive slopes
    with pytest.raises(ValueError):
        late_window(T[:2])


# --- Decision boundaries of ratio_profile's "nondecreasing" and of integrated_rate (mutation testing) ----------
# k = 0 makes R = -log_gap exactly, so the profile is the data itself and every comparison is exact.
T_B = np.exp(np.linspace(0.5, 5.5, 21))
LT_B = np.log(T_B)


def _profile(R: np.ndarray) -> dict:
    return ratio_profile(T_B[: R.size], -np.asarray(R, float), 0.0)


def test_ratio_profile_constant_is_nondecreasing_at_slope_exactly_zero() -> None:
    prof = ratio_profile(np.array([2.0, 4.0, 8.0]), -np.full(3, 2.0), 0.0)  # lstsq is exact here
    assert prof["slope"] == 0.0 and prof["slope_stderr"] == 0.0 and prof["nondecreasing"] is True


def test_ratio_profile_reports_first_last_and_min() -> None:
    R = np.linspace(3.0, 5.0, 21)
    R[7] = 1.0
    prof = _profile(R)
    assert (prof["first"], prof["last"], prof["min"]) == (3.0, 5.0, 1.0)


@pytest.mark.parametrize("m, expected", [(1.5, True), (2.5, False)])
def test_ratio_profile_slope_rule_is_slope_plus_two_stderr(m: float, expected: bool) -> None:
    """A trend of -1.5 stderr is within noise (kept), -2.5 stderr is a decrease: the factor is 2."""
    noise = 2.0 + 0.0005 * (-1.0) ** np.arange(21)
    p0 = _profile(noise)
    a = -(m * p0["slope_stderr"]) - p0["slope"]
    prof = _profile(noise + a * (LT_B - LT_B[0]))
    assert prof["slope"] == pytest.approx(-m * p0["slope_stderr"], rel=1e-6)
    assert prof["last"] >= prof["first"] - 1e-3 * abs(prof["first"])  # the end-point rule holds in both
    assert prof["nondecreasing"] is expected


def test_ratio_profile_negative_slope_fails_even_when_the_end_returns_to_the_start() -> None:
    R = 2.0 - 0.05 * (LT_B - LT_B[0])
    R[-1] = R[0]
    prof = _profile(R)
    assert -1.0 <= prof["slope"] + 2 * prof["slope_stderr"] < 0.0  # a small, significant decrease
    assert prof["nondecreasing"] is False


@pytest.mark.parametrize("last, expected", [(999.0, True), (998.0, False)])
def test_ratio_profile_end_point_rule_at_one_permille(last: float, expected: bool) -> None:
    """R[-1] >= R[0] - 1e-3·|R[0]|, inclusive: with R[0] = 1000 the edge is exactly 999."""
    R = np.r_[1000.0, 1000.0 + np.arange(1.0, 12.0), last]
    prof = _profile(R)
    assert prof["slope"] + 2 * prof["slope_stderr"] >= 0.0  # the slope rule holds in both
    assert prof["nondecreasing"] is expected


def test_ratio_profile_accepts_t_just_above_one() -> None:
    t = np.array([1.5, 3.0, 10.0, 30.0])
    assert ratio_profile(t, -np.log(t) ** 3, 3.0)["nondecreasing"] is True
    with pytest.raises(ValueError, match="t > 1"):
        ratio_profile(np.array([1.0, 3.0, 10.0]), -np.ones(3), 3.0)


def test_integrated_rate_recovers_c_for_a_constant_and_a_decaying_intensity() -> None:
    t = np.logspace(0, 3, 400)
    for h, integral in [(np.full_like(t, 0.25), 0.25 * (t - t[0])), (1.0 / t, np.log(t / t[0]))]:
        c = 0.7
        lg = -c * integral - 3.0
        assert integrated_rate(t, lg, h) == pytest.approx(c, rel=1e-4)


def test_integrated_rate_small_positive_integral_is_fine_and_zero_is_refused() -> None:
    t = np.array([1.0, 2.0, 4.0, 8.0])
    assert integrated_rate(t, -0.5 * 1e-3 * (t - 1.0), np.full(4, 1e-3)) == pytest.approx(0.5, rel=0.05)
    with pytest.raises(ValueError, match="non-positive"):
        integrated_rate(t, -t, np.zeros(4))
    with pytest.raises(ValueError, match="non-positive"):
        integrated_rate(t, -t, -np.ones(4))


@pytest.mark.parametrize("h", [np.ones(3), np.array([1.0, np.nan, 1.0, 1.0]), np.array([1.0, np.inf, 1.0, 1.0])])
def test_integrated_rate_refuses_a_bad_intensity(h) -> None:
    t = np.array([1.0, 2.0, 4.0, 8.0])
    with pytest.raises(ValueError, match="intensity must be finite"):
        integrated_rate(t, -t, h)


# --- Validation edges and fit internals (mutation testing, second round) ------------------------------------
def test_t_must_be_positive_and_strictly_increasing_at_the_edge() -> None:
    with pytest.raises(ValueError, match="positive"):
        late_window([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        late_window([1.0, 2.0, 2.0, 3.0])


def test_late_window_default_fraction_is_one_half() -> None:
    t = np.exp(np.arange(0.0, 11.0))  # log t = 0..10: the top half is log t >= 5
    assert late_window(t).tolist() == [False] * 5 + [True] * 6


def test_a_constant_regressor_is_refused() -> None:
    t = np.array([1e300, np.nextafter(1e300, np.inf), np.nextafter(np.nextafter(1e300, np.inf), np.inf)])
    assert np.ptp(np.log(t)) == 0.0  # three distinct t, one log t
    with pytest.raises(ValueError, match="constant"):
        fit_power(t, np.array([-1.0, -2.0, -3.0]))


def test_standard_errors_match_scipy_linregress() -> None:
    from scipy.stats import linregress

    rng = np.random.default_rng(3)
    t = np.logspace(2, 6, 12)
    L = np.log(t)
    lg = -0.8 * L**2.5 * np.exp(0.05 * rng.standard_normal(t.size))
    fit = fit_exp_polylog(t, lg)
    ref = linregress(np.log(L), np.log(-lg))
    assert fit.stderr["k"] == pytest.approx(ref.stderr, rel=1e-9)
    assert fit.stderr["c"] == pytest.approx(fit.params["c"] * ref.intercept_stderr, rel=1e-9)  # delta method


def test_aic_of_an_exact_fit_uses_the_round_off_floor() -> None:
    t = np.logspace(2, 4, 10)
    lg = -(3.0 * np.log(t) + 50.0)  # exact power fit, |log_gap| up to ~77.6
    fit = fit_power(t, lg)
    n, scale = 10, float(np.max(np.abs(lg)))
    assert fit.rss < n * (1e-10 * scale) ** 2
    assert fit.aic == pytest.approx(n * np.log((1e-10 * scale) ** 2) + 4, rel=1e-12)
    small = fit_power(t, lg / 1e3)  # scale < 1: the floor is 1e-10 itself
    assert small.aic == pytest.approx(n * np.log(1e-20) + 4, rel=1e-12)


def test_exp_polylog_mask_edges() -> None:
    """Kept: log_gap < 0 and log(shift*t) > 1, both strict; what is dropped shows in n_points."""
    t = np.array([np.e, 2.8, 3.0, 10.0, 30.0, 100.0, 300.0])
    lg = np.array([-1.0, -1.0, -0.5, -2.0, 0.0, -5.0, -9.0])
    assert np.log(t[0]) == 1.0
    fit = fit_exp_polylog(t, lg)
    assert fit.n_points == 5 and np.isfinite(fit.params["k"])  # t=e and log_gap=0 dropped; 2.8 and -0.5 kept
    with pytest.raises(ValueError, match="exp-polylog fit needs"):
        fit_exp_polylog(t, np.array([-1.0, -1.0, -0.5, 0.5, 0.0, 1.0, 2.0]))  # only 2 usable points


def test_exactly_three_usable_points_are_enough() -> None:
    t = np.array([0.5, 1.0, 1.5, 4.0, 10.0, 30.0])
    lg = -np.log(t + 2.0) ** 2
    assert fit_exp_polylog(t, lg).n_points == 3  # t > e: 4, 10, 30
    assert fit_inverse_log(t, lg).n_points == 4  # t > 1: 1.5, 4, 10, 30
    assert fit_inverse_log(t[:5], lg[:5]).n_points == 3
    with pytest.raises(ValueError, match="inverse-log fit needs"):
        fit_inverse_log(t[:4], lg[:4])
    with pytest.raises(ValueError, match="exp-polylog fit needs"):
        fit_exp_polylog(t[:5], lg[:5])


def test_fit_all_needs_t_above_one_even_when_the_shift_allows_smaller_t() -> None:
    t = np.array([0.5, 1.0, 1.5, 4.0, 10.0])
    lg = -np.log(10.0 * t) ** 2
    fits = fit_all(t, lg, shift=10.0)  # log(10 t) > 1 for all five; t > 1 for three
    assert {f.n_points for f in fits} == {3}
    with pytest.raises(ValueError, match="fit_all needs"):
        fit_all(t[:4], lg[:4], shift=10.0)


def test_fit_formula_names_the_shift() -> None:
    t = np.logspace(2, 5, 10)
    lg = -0.5 * np.log(t) ** 3
    assert "log(t)^k" in fit_exp_polylog(t, lg).formula
    assert "log(2.0*t)^k" in fit_exp_polylog(t, -0.5 * np.log(2.0 * t) ** 3, shift=2.0).formula


def test_local_exponent_keeps_slow_slopes_and_small_positive_log_t() -> None:
    """sigma in (0, 1) and L_mid in (0, 1) are usable; L_mid < 0 is skipped; exactly 3 slopes suffice."""
    t = np.array([0.3, 0.5, 2.0, 3.0, 4.0, 5.0])  # L_mid = -0.95, 0 (exactly: log 0.5 = -log 2), 0.90, 1.24, 1.50
    lt = np.log(t)
    assert 0.5 * (lt[1] + lt[2]) == 0.0
    lg = -0.1 * lt**2 - 0.3 * lt  # sigma = 0.1 (L_j + L_j+1) + 0.3 > 0 at every midpoint
    out = local_exponent(t, lg)
    assert out["n_points"] == 3  # L_mid = -0.95 and L_mid = 0 skipped (log L undefined), 0.90 < 1 kept
    with pytest.raises(ValueError, match="local_exponent needs"):
        local_exponent(t[:-1], lg[:-1])


def test_late_window_includes_a_point_exactly_at_the_threshold() -> None:
    """(l_max - l) <= frac·span·(1 + 1e-12), inclusive: choose frac so the threshold lands exactly on a point."""
    t = np.exp(np.linspace(0.0, 3.0, 7))
    lt = np.log(t)
    span = float(lt.max() - lt.min())
    x = float(lt.max() - lt[3])
    f = x / (span * (1.0 + 1e-12))
    for _ in range(8):  # a few ulps around the estimate: find the frac whose threshold is exactly x
        if f * span * (1.0 + 1e-12) == x:
            break
        f = np.nextafter(f, np.inf if f * span * (1.0 + 1e-12) < x else -np.inf)
    assert f * span * (1.0 + 1e-12) == x
    assert late_window(t, float(f)).tolist() == [False, False, False, True, True, True, True]
