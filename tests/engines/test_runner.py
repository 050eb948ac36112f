"""Runners (step by step on a context, and in chunks in place) and their checkpoints."""

import mpmath
import pytest

from bnproof.core.precision import Float64Context
from bnproof.engines.runner import log_checkpoints, run, run_chunked


def test_checkpoints_are_log_spaced_and_end_at_the_horizon():
    cps = log_checkpoints(10_000, per_decade=10)
    assert cps[0] == 0 and cps[1] == 1 and cps[-1] == 10_000
    assert cps == sorted(set(cps))
    assert 35 <= len(cps) <= 45


def test_float64_run_records_strings():
    ctx = Float64Context()
    tr = run(ctx, lambda x: (x / 2,), (1.0,), 10, lambda x: {"x": x})
    assert tr.t[-1] == 10 and tr.values["x"][-1] == repr(2.0**-10)
    with mpmath.workdps(20):
        assert tr.log10["x"][-1] == pytest.approx(-10 * 0.30103, rel=1e-4)


class _Halving:
    """x <- x/2 in place, k steps at a time (an engine in the shape run_chunked drives)."""

    def __init__(self):
        self.x = mpmath.mpf(1)
        self.calls = []

    def advance(self, k):
        self.calls.append(k)
        self.x /= mpmath.mpf(2) ** k

    def observe(self):
        return {"x": self.x, "zero": mpmath.mpf(0)}


def test_chunked_run_observes_exactly_at_the_checkpoints():
    eng = _Halving()
    tr = run_chunked(eng.advance, eng.observe, 1000, ctx_name="halving", digits=17, checkpoints=[0, 10, 100])
    assert tr.t == [0, 10, 100] and tr.dps == 16 and tr.ctx_name == "halving" and tr.fallback is None
    assert eng.calls == [10, 90, 900]  # one call per stretch, the tail after the last checkpoint too
    assert tr.values["x"][1] == mpmath.nstr(mpmath.mpf(2) ** -10, 17, min_fixed=0, max_fixed=0)
    assert tr.log10["x"][-1] == pytest.approx(-100 * 0.30103, rel=1e-5)
    assert tr.log10["zero"] == [float("-inf")] * 3
    assert tr.final_state is None and tr.steps_per_s > 0


def test_chunked_run_with_progress_goes_in_200_chunks():
    eng = _Halving()
    seen = []
    checks = []
    tr = run_chunked(eng.advance, eng.observe, 1000, ctx_name="halving", digits=17, checkpoints=[7, 1000],
                     progress=lambda t, n: seen.append((t, n)), after_chunk=checks.append)
    assert tr.t == [7, 1000]
    assert sum(eng.calls) == 1000 and max(eng.calls) <= 5 and eng.calls[:2] == [5, 2]  # chunk = 1000 // 200
    assert seen[-1] == (1000, 1000) and [t for t, _ in seen] == checks
    assert all(b > a for a, b in zip(checks, checks[1:]))


def test_chunked_run_defaults_to_log_checkpoints_and_stops_when_told():
    eng = _Halving()
    tr = run_chunked(eng.advance, eng.observe, 300, ctx_name="halving", digits=20)
    assert tr.t == log_checkpoints(300)

    def stop(t):
        if t >= 3:
            raise FloatingPointError(f"stop at {t}")
    with pytest.raises(FloatingPointError, match="stop at 3"):
        run_chunked(_Halving().advance, _Halving().observe, 10, ctx_name="h", digits=17, checkpoints=[1, 2, 3, 10],
                    after_chunk=stop)


# --- edges of the runners (mutation testing, benchmarks/mutation.py) ---------------------------------


def test_one_step_horizon_has_checkpoints_zero_and_one_only():
    assert log_checkpoints(1) == [0, 1] and log_checkpoints(0) == [0]


def test_run_records_the_start_and_keeps_the_final_state():
    tr = run(Float64Context(), lambda x: (x / 2,), (1.0,), 10, lambda x: {"x": x})
    assert tr.t == log_checkpoints(10) and tr.t[0] == 0 and tr.values["x"][0] == repr(1.0)
    assert tr.final_state == (2.0**-10,)  # exactly ``steps`` steps, not one more


def test_chunked_run_below_200_steps_goes_step_by_step_with_progress():
    eng = _Halving()
    run_chunked(eng.advance, eng.observe, 100, ctx_name="halving", digits=17, checkpoints=[100],
                progress=lambda t, n: None)
    assert eng.calls == [1] * 100  # chunk = max(1, 100 // 200) = 1


def test_chunked_run_of_zero_steps_has_infinite_speed():
    eng = _Halving()
    tr = run_chunked(eng.advance, eng.observe, 0, ctx_name="halving", digits=17)
    assert tr.t == [0] and eng.calls == [] and tr.steps_per_s == float("inf")
