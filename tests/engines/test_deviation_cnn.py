"""The CNN deviation engine (bnproof.engines.deviation_cnn) against the multiprecision CNN engine, and controls.

The instance is the default one of ``cao2023.cnn.*`` (its generator, its parameter defaults).
"""

import math

import mpmath
import numpy as np
import pytest

from bnproof.claims import get_claim
from bnproof.core.precision import get_context
from bnproof.engines import deviation_cnn as C
from bnproof.engines.audit import agreeing_digits
from bnproof.engines.bn_cnn import simulate
from bnproof.kernels import deviation as kd
from bnproof.kernels import numba as kn
from bnproof.models.bn_linear import gaussian_patch_instance

CLAIM = get_claim("cao2023.cnn.patchwise-uniform")
XVAL_T = 10_000
CPS = [10, 100, 1000, 3000, XVAL_T]


def _default(key):
    if key in CLAIM.defaults:
        return CLAIM.defaults[key]
    return next(p.default for p in CLAIM.params if p.name == key)


@pytest.fixture(scope="module")
def data():
    return gaussian_patch_instance(0, _default("n"), _default("P"), _default("d"), _default("w0_scale"))


def _setup(data, loss=None, pooling="average", eta=None):
    loss, eta = loss or _default("loss"), eta or _default("eta")
    return C.problem_from_patches(data.X, data.y, eta, loss, pooling), C.initial_state(data.X, data.y, data.w0)


# --- the engine compiles the printed program ------------------------------------------------------


def test_kernel_is_the_printed_cnn_program():
    """The program and printer live in bnproof.kernels.deviation (tests/kernels/test_deviation.py)."""
    assert C.cnn_program is kd.cnn_program and C.kernel_source is kd.cnn_kernel_source
    assert "advance_cnn" in C.kernel_source("exp")
    assert hasattr(C.compiled_kernel("exp"), "advance_cnn")


def test_unknown_pooling_or_loss_is_an_error(data):
    with pytest.raises(ValueError):
        C.problem_from_patches(data.X, data.y, "0.1", "exp", "max")
    with pytest.raises(ValueError):
        C.problem_from_patches(data.X, data.y, "0.1", "hinge", "average")


# --- cross-validation against the multiprecision engine -------------------------------------------


@pytest.mark.parametrize("loss,pooling", [("exp", "average"), ("exp", "sum"), ("logistic", "average")])
def test_ten_digits_of_the_patch_gap_against_multiprecision(data, loss, pooling):
    prob, st = _setup(data, loss, pooling)
    mp, _ = simulate(data, loss=loss, eta=_default("eta"), steps=XVAL_T, pooling=pooling,
                     ctx=get_context("flint", _default("dps")), checkpoints=CPS)
    for variant in C.CNN_VARIANTS:
        tr = C.run_deviation_cnn(prob, st, XVAL_T, variant=variant, checkpoints=CPS)
        assert tr.t == mp.t
        for key in ("gap", "sample_gap"):
            digits = agreeing_digits(tr.values[key], mp.values[key], cap=30)
            assert min(digits) >= 10, (variant, key, digits)
        assert min(agreeing_digits(tr.values["gamma"], mp.values["gamma"], cap=30)) >= 12
        assert min(agreeing_digits(tr.values["loss"], mp.values["loss"], cap=30)) >= 12


@pytest.mark.parametrize("pooling", ["average", "sum"])
def test_numpy_reference_and_numba_kernel_agree(data, pooling):
    prob, st = _setup(data, pooling=pooling)
    trs = [C.run_deviation_cnn(prob, st, 3000, variant=v, checkpoints=[100, 1000, 3000]) for v in C.CNN_VARIANTS]
    assert min(agreeing_digits(trs[0].values["gap"], trs[1].values["gap"], cap=16)) >= 11


# --- negative controls ------------------------------------------------------------------------------


def test_naive_float64_stalls_while_the_deviation_engine_goes_far_below(data):
    cps = [10_000, 30_000]
    naive, _ = simulate(data, loss=_default("loss"), eta=_default("eta"), steps=cps[-1],
                        ctx=get_context("float64", 16), checkpoints=cps)
    prob, st = _setup(data)
    dev = C.run_deviation_cnn(prob, st, cps[-1], variant="numba", checkpoints=cps)
    floor = [float(v) for v in naive.values["gap"]]
    assert floor[-1] > 1e-16 and floor[-1] >= 0.5 * floor[0]  # stalled: float64 noise, not a rate
    assert dev.log10["gap"][-1] < math.log10(floor[-1]) - 10  # the deviation engine keeps converging
    assert dev.log10["gap"][-1] < dev.log10["gap"][0] - 5


def test_without_the_fold_the_gap_stalls(data):
    prob, st = _setup(data)
    cps = [10_000, 100_000]
    folded = C.run_deviation_cnn(prob, st, cps[-1], variant="numba", checkpoints=cps)
    drift = C.run_deviation_cnn(prob, st, cps[-1], variant="numba", checkpoints=cps, fold=False)
    assert drift.log10["gap"][-1] > -17  # rounding drift off ỹ⊥ floors the gap near float64 precision
    assert folded.log10["gap"][-1] < drift.log10["gap"][-1] - 10


# --- scaled representation, fallback ------------------------------------------------------------------


def test_scaled_state_below_float64_underflow(data):
    """r shrunk by 2^-2000 (gap ~1e-600): observables keep their magnitude, both variants agree and converge."""
    prob, st = _setup(data)
    st = C.run_deviation_cnn(prob, st, 1000, variant="numba", checkpoints=[1000]).final_state
    before = C.observe(prob, st)
    st.ints[0] -= 2000
    after = C.observe(prob, st)
    shift = float(mpmath.log10(after["gap"]) - mpmath.log10(before["gap"]))
    assert abs(shift - (-2000 * math.log10(2))) < 0.01 and after["gap"] < mpmath.mpf("1e-300")
    trs = [C.run_deviation_cnn(prob, st, 500, variant=v, checkpoints=[0, 500]) for v in C.CNN_VARIANTS]
    assert min(agreeing_digits(trs[0].values["gap"], trs[1].values["gap"], cap=16)) >= 11
    assert trs[1].log10["gap"][-1] < trs[1].log10["gap"][0]
    assert np.all(np.isfinite(trs[1].final_state.rh))


def test_numba_unusable_falls_back_to_numpy(data, monkeypatch):
    prob, st = _setup(data)
    monkeypatch.setattr(kn, "numba_available", lambda: False)
    assert not C.numba_usable(prob) and not C.warm_up(prob)
    tr = C.run_deviation_cnn(prob, st, 50, variant="numba", checkpoints=[50])
    assert tr.ctx_name == "deviation-cnn-numpy" and tr.fallback == "numba is not installed"
    ref = C.run_deviation_cnn(prob, st, 50, variant="numpy", checkpoints=[50])
    assert tr.values["gap"] == ref.values["gap"]


def test_numba_failure_falls_back_to_numpy(data, monkeypatch):
    """The same policy as the linear engine: a failing zero-step call means the NumPy reference."""
    prob, st = _setup(data)

    def broken(loss):
        raise OSError("no writable cache directory")
    monkeypatch.setattr(C, "compiled_kernel", broken)
    tr = C.run_deviation_cnn(prob, st, 50, variant="numba", checkpoints=[50])
    assert tr.ctx_name == "deviation-cnn-numpy" and "cache" in tr.fallback
    st2, ref = st.copy(), st.copy()
    C.advance(prob, st2, 10)
    C.advance(prob, ref, 10, variant="numpy")
    assert np.array_equal(st2.rh, ref.rh)


def test_usable_numba_runs_compiled(data):
    prob, st = _setup(data)
    assert C.numba_usable(prob)
    tr = C.run_deviation_cnn(prob, st, 20, variant="numba", checkpoints=[20])
    assert tr.ctx_name == "deviation-cnn-numba" and tr.dps == 16 and tr.fallback is None


def test_unknown_variant_is_rejected(data):
    prob, st = _setup(data)
    with pytest.raises(ValueError):
        C.run_deviation_cnn(prob, st, 10, variant="numba-dd")


# --- advance's defaults (mutation testing, benchmarks/mutation.py) ----------------------------------


def test_advance_folds_by_default(data):
    prob, st = _setup(data)
    default, folded, plain = st.copy(), st.copy(), st.copy()
    C.advance(prob, default, 100, variant="numpy")
    C.advance(prob, folded, 100, variant="numpy", fold=True)
    C.advance(prob, plain, 100, variant="numpy", fold=False)
    assert np.array_equal(default.rh, folded.rh) and np.array_equal(default.f, folded.f)
    assert not np.array_equal(default.rh, plain.rh)  # the fold changes the low bits within 100 steps
