"""The deviation engine (bnproof.engines.deviation): agreement with the multiprecision engine, controls, fallback."""

import math

import mpmath
import numpy as np
import pytest

from bnproof.core.data import gaussian_instance
from bnproof.core.precision import get_context
from bnproof.engines import deviation as D
from bnproof.engines.audit import agreeing_digits
from bnproof.engines.bn_linear import simulate
from bnproof.engines.runner import log_checkpoints
from bnproof.kernels import numba as kn


def _setup(seed=0, n=8, d=24, scale=1.5, eta="0.1", loss="exp"):
    data = gaussian_instance(seed, n, d, scale)
    return data, D.problem_from_data(data.X, data.y, eta, loss), D.initial_state(data.X, data.y, data.w0)


@pytest.fixture(scope="module")
def xval_1e5():
    """Default instance, exp loss, 10^5 steps: deviation (float64, dd) and flint at 80 digits."""
    data, prob, st = _setup()
    cps = log_checkpoints(100_000, 4)
    f64 = D.run_deviation(prob, st, 100_000, variant="numba", checkpoints=cps)
    dd = D.run_deviation(prob, st, 100_000, variant="numba-dd", checkpoints=cps)
    mp, _ = simulate(data, loss="exp", eta="0.1", steps=100_000, ctx=get_context("flint", 80), checkpoints=cps)
    return f64, dd, mp


def test_ten_digits_of_the_gap_against_multiprecision_at_1e5(xval_1e5):
    f64, dd, mp = xval_1e5
    assert float(mp.values["gap"][-1]) < 1e-40  # far below float64's naive floor
    for tr in (f64, dd):
        digits = agreeing_digits(tr.values["gap"], mp.values["gap"], cap=30)
        assert min(digits) >= 10, digits
        assert min(agreeing_digits(tr.values["gamma"], mp.values["gamma"], cap=30)) >= 12
    # the double-double state is the more accurate one
    d64 = agreeing_digits(f64.values["gap"], mp.values["gap"], cap=30)[-1]
    ddd = agreeing_digits(dd.values["gap"], mp.values["gap"], cap=30)[-1]
    assert ddd >= d64 - 0.5


@pytest.mark.parametrize("loss", ["exp", "logistic"])
def test_numpy_reference_and_compiled_kernels_agree(loss):
    _, prob, st = _setup(loss=loss)
    cps = [10, 100, 1000, 3000]
    trs = [D.run_deviation(prob, st, 3000, variant=v, checkpoints=cps) for v in D.VARIANTS]
    for tr in trs[1:]:
        assert min(agreeing_digits(trs[0].values["gap"], tr.values["gap"], cap=16)) >= 11
    assert float(trs[0].values["gap"][-1]) < 1e-12


def test_without_the_fold_the_gap_stalls_near_1e_16():
    """Negative control: rounding drift of r off y⊥ alone floors the gap at about 1e-16."""
    _, prob, st = _setup()
    cps = [10_000, 30_000]
    folded = D.run_deviation(prob, st, 30_000, variant="numba", checkpoints=cps)
    drift = D.run_deviation(prob, st, 30_000, variant="numba", checkpoints=cps, fold=False)
    assert folded.log10["gap"][-1] < -30 and folded.log10["gap"][-1] - folded.log10["gap"][0] < -5
    assert -18 < drift.log10["gap"][-1] < -13
    assert drift.log10["gap"][-1] - drift.log10["gap"][0] > -1  # stalled


def test_naive_float64_engine_stalls_near_1e_16():
    """Negative control: the plain n-dim recursion in float64 cannot see below ~1e-16."""
    data, _, _ = _setup()
    tr, _ = simulate(data, loss="exp", eta="0.1", steps=30_000, ctx=get_context("float64"),
                     checkpoints=[3000, 10_000, 30_000])
    assert all(v > -17.5 for v in tr.log10["gap"] if math.isfinite(v))


def test_scaled_state_goes_past_float64_underflow():
    """Gap 1e-440: below the smallest float64 (5e-324); checked against flint at 500 digits."""
    data, prob, st = _setup(seed=3, n=4, d=16, scale=0.6)
    cps = [1000, 10_000, 20_000, 30_000]
    tr = D.run_deviation(prob, st, 30_000, variant="numba", checkpoints=cps)
    assert tr.log10["gap"][-1] < -400
    assert int(tr.final_state.ints[0]) < -1300  # r = 2^e r̂ with e far below the float64 range
    mp, _ = simulate(data, loss="exp", eta="0.1", steps=30_000, ctx=get_context("flint", 500), checkpoints=cps)
    assert min(agreeing_digits(tr.values["gap"], mp.values["gap"], cap=16)) >= 10


def test_sign_flipped_limit_is_followed():
    """(z, γ) -> (-z, -γ) symmetry: an instance whose γ -> -∞ still agrees with multiprecision."""
    data, prob, st = _setup(seed=0, n=5, d=20, scale=6.0)
    cps = [100, 1000, 3000]
    tr = D.run_deviation(prob, st, 3000, variant="numba", checkpoints=cps)
    assert int(tr.final_state.ints[1]) == -1 and float(tr.values["gamma"][-1]) < 0
    mp, _ = simulate(data, loss="exp", eta="0.1", steps=3000, ctx=get_context("flint", 50), checkpoints=cps)
    assert min(agreeing_digits(tr.values["gap"], mp.values["gap"], cap=16)) >= 10
    assert min(agreeing_digits(tr.values["gamma"], mp.values["gamma"], cap=16)) >= 12


def test_observables_and_state_invariants():
    _, prob, st = _setup()
    st2 = st.copy()
    D.advance(prob, st2, 500)
    # r̂ ⊥ y after the fold, r̂ = O(1) after rescaling
    assert abs(float(prob.y @ st2.rh)) <= 1e-14 * float(np.abs(st2.rh).max())
    assert 2.0**-33 <= float(np.abs(st2.rh).max()) <= 2.0**33
    obs = D.observe(prob, st2)
    with mpmath.workdps(40):
        assert obs["gap"] > 0 and obs["s"] > 0 and obs["loss"] > 0


def test_unknown_variant_is_rejected():
    _, prob, st = _setup()
    with pytest.raises(ValueError):
        D.run_deviation(prob, st, 10, variant="cuda")


def test_centred_bn_needs_balanced_labels():
    data = gaussian_instance(0, 5, 12, 1.0)
    if data.y.sum() != 0:
        with pytest.raises(ValueError):
            D.problem_from_data(data.X, data.y, "0.1", "exp", center=True)


def test_kernel_source_is_the_printed_one():
    """The engine compiles the source of bnproof.kernels.deviation (re-exported here)."""
    src = D.kernel_source("logistic")
    assert "def advance_f64" in src and "def advance_dd" in src
    assert D.compiled_kernel("logistic").__file__.endswith(".py")


# --- the fallback policy (bnproof.kernels.numba) ------------------------------------------------


def test_unusable_numba_runs_the_numpy_reference_and_says_why(monkeypatch):
    _, prob, st = _setup()

    def broken(loss):
        raise OSError("no writable cache directory")
    monkeypatch.setattr(D, "compiled_kernel", broken)
    for variant in ("numba", "numba-dd"):
        assert not D.warm_up(prob, variant) and not D.numba_usable(prob, variant)
        tr = D.run_deviation(prob, st, 50, variant=variant, checkpoints=[50])
        assert tr.ctx_name == "deviation-numpy" and tr.dps == 16
        assert "cache" in tr.fallback
        ref = D.run_deviation(prob, st, 50, variant="numpy", checkpoints=[50])
        assert tr.values == ref.values and ref.fallback is None
    st2 = st.copy()
    D.advance(prob, st2, 10)  # the standalone step follows the same policy
    ref = st.copy()
    D.advance(prob, ref, 10, variant="numpy")
    assert np.array_equal(st2.rh, ref.rh) and np.array_equal(st2.f, ref.f)


def test_without_numba_installed_the_reason_says_so(monkeypatch):
    _, prob, st = _setup()
    monkeypatch.setattr(kn, "numba_available", lambda: False)
    tr = D.run_deviation(prob, st, 20, variant="numba", checkpoints=[20])
    assert tr.ctx_name == "deviation-numpy" and tr.fallback == "numba is not installed"


def test_usable_numba_runs_compiled():
    _, prob, st = _setup()
    assert D.warm_up(prob) and D.warm_up(prob, "numba-dd") and D.warm_up(prob, "numpy")
    tr = D.run_deviation(prob, st, 20, variant="numba-dd", checkpoints=[20])
    assert tr.ctx_name == "deviation-numba-dd" and tr.dps == 31 and tr.fallback is None


def test_non_finite_state_stops_the_run():
    """A step size far outside the theorem's regime overflows: FloatingPointError, not garbage."""
    data, _, st = _setup()
    prob = D.problem_from_data(data.X, data.y, "1e200", "exp")
    with pytest.raises(FloatingPointError, match="deviation engine: non-finite state"):
        D.run_deviation(prob, st, 1000, variant="numba", checkpoints=[1000], progress=lambda t, n: None)


# --- the public helpers at their edges (mutation testing, benchmarks/mutation.py) --------------------


def test_numba_usable_answers_for_the_numpy_reference_too():
    _, prob, _ = _setup()
    assert D.numba_usable(prob, "numpy") is True


def test_advance_by_one_step_moves_and_by_zero_steps_does_not():
    _, prob, st = _setup()
    one, zero = st.copy(), st.copy()
    D.advance(prob, one, 1, variant="numpy")
    D.advance(prob, zero, 0, variant="numpy")
    assert not np.array_equal(one.rh, st.rh) and np.array_equal(zero.rh, st.rh) and np.array_equal(zero.f, st.f)
