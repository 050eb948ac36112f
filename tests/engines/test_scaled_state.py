"""The scaled deviation state shared by the late-time engines (bnproof.engines.scaled_state)."""

import math

import mpmath
import numpy as np
import pytest

from bnproof.core.data import gaussian_instance
from bnproof.engines import scaled_state as ss


@pytest.fixture(scope="module")
def data():
    return gaussian_instance(0, 6, 10, 1.5)


def test_split_state_is_z0_at_40_digits(data):
    st = ss.split_state(data.X, data.y, data.w0, 1.0)
    e = int(st.ints[0])
    assert 0.5 <= float(np.max(np.abs(st.rh))) < 1.0 and int(st.ints[1]) == 1
    with mpmath.workdps(ss.OBS_DPS):
        a = mpmath.mpf(float(st.f[0])) + mpmath.mpf(float(st.f[2]))
        r = [(mpmath.mpf(float(h)) + mpmath.mpf(float(lo))) * mpmath.ldexp(1, e) for h, lo in zip(st.rh, st.rh_lo)]
        z = [a * int(yi) + ri for yi, ri in zip(data.y, r)]
        zref = [mpmath.fdot([mpmath.mpf(float(v)) for v in row], [mpmath.mpf(float(v)) for v in data.w0])
                for row in data.X]
        assert max(abs(u - v) for u, v in zip(z, zref)) < mpmath.mpf("1e-30")
        assert abs(mpmath.fsum(int(yi) * ri for yi, ri in zip(data.y, r))) < mpmath.mpf("1e-30")  # r ⊥ y


def test_gram_matrix_is_rounded_once(data):
    G = ss.gram_matrix(data.X)
    assert np.allclose(G, data.X @ data.X.T, rtol=1e-14) and np.array_equal(G, G.T)
    Gc = ss.gram_matrix(data.X, center=True)
    assert np.allclose(Gc.sum(axis=0), 0, atol=1e-12)  # Q X Xᵀ Q annihilates 1


def test_scaled_deviations_are_the_margins_minus_one(data):
    st = ss.split_state(data.X, data.y, data.w0, 1.0)
    with mpmath.workdps(ss.OBS_DPS):
        delta, g, s, parity = ss.scaled_deviations(st, data.y, "exp")
        z = data.X @ data.w0
        s64 = math.sqrt(float(np.mean(z * z)))
        assert float(s) == pytest.approx(s64, rel=1e-14) and g == 1 and parity == 1
        assert [float(d) for d in delta] == pytest.approx(list(data.y * z / s64 - 1), abs=1e-13)
        assert ss.margin_gap(delta, g) == max(abs(d) for d in delta)
        assert ss.margin_gap(delta, -g) == max(abs(2 + d) for d in delta)  # sign(γ) < 0: the limit is m = -1


def test_exprel():
    x = np.array([0.0, 1e-300, 1e-8, 1.0, -2.0])
    assert list(ss.exprel(x)) == pytest.approx([1.0, 1.0, 1.000000005, math.e - 1, (1 - math.exp(-2)) / 2], rel=1e-15)


def test_numpy_steps_keep_the_frame(data):
    """Fold: r̂ ⊥ ỹ; rescale: max|r̂| within [2^-32, 2^32] by exact powers of two; flip: a ≥ 0 or γ ≥ 0."""
    st = ss.split_state(data.X, data.y, data.w0, 1.0)
    y = data.y.astype(float)

    def shrink(a, gamma, rh, sigma, qh, s, apl):  # an increment that drives r̂ to 0 fast
        return -0.9 * rh, 0.0
    ss.numpy_steps(st, y, 40, shrink, fold=True)
    assert 2.0**-33 <= float(np.max(np.abs(st.rh))) <= 2.0**33 and int(st.ints[0]) < -100
    assert abs(float(y @ st.rh)) <= 1e-14

    st.f[0], st.f[1] = -1.0, -1.0
    ss.numpy_steps(st, y, 1, lambda *args: (np.zeros_like(st.rh), 0.0), fold=True)
    assert st.f[0] == 1.0 and st.f[1] == 1.0 and int(st.ints[1]) == -1


def test_run_scaled_copies_the_state_and_stops_on_non_finite(data):
    st = ss.split_state(data.X, data.y, data.w0, 1.0)

    def step(state, k):
        state.f[1] += k

    def observe(state):
        return {"gamma": mpmath.mpf(float(state.f[1]))}
    tr = ss.run_scaled(step, observe, st, 10, ctx_name="toy", digits=17, label="toy engine", checkpoints=[0, 10],
                       fallback="why not")
    assert tr.values["gamma"] == ["1.0", "1.1e+1"] and st.f[1] == 1.0 and tr.final_state.f[1] == 11.0
    assert tr.fallback == "why not"

    def blow_up(state, k):
        state.rh[:] = np.inf
    with pytest.raises(FloatingPointError, match="toy engine: non-finite state by t = 3"):
        ss.run_scaled(blow_up, observe, st, 10, ctx_name="toy", digits=17, label="toy engine", checkpoints=[3, 10])
