"""The audited run shared by the linear and CNN claims (bnproof/papers/cao2023/audited_run.py):
engine choice, numba fallback, cross-validation underflow, input errors of the engine parameters."""

import numpy as np
import pytest
from helpers import cli

from bnproof.core.data import validate
from bnproof.core.errors import BadInput
from bnproof.core.precision import FlintContext, Float64Context, MpmathContext
from bnproof.engines import deviation as dev
from bnproof.papers.cao2023.audited_run import audit_context
from bnproof.papers.cao2023.linear_model import LinearGD
from bnproof.testing import run_check

UM, RATE = "cao2023.linear.uniform-margin", "cao2023.linear.rate"
PW = "cao2023.cnn.patchwise-uniform"


def test_audit_context_of_float64_is_flint():
    assert isinstance(audit_context(Float64Context(), 40), FlintContext)
    actx = audit_context(MpmathContext(30), 70)
    assert actx.name == "mpmath" and actx.dps == 70


def test_centred_unbalanced_data_have_no_deviation_form():
    rng = np.random.default_rng(0)
    data = validate(rng.standard_normal((5, 8)), np.array([1, 1, 1, -1, -1]), None, "unbalanced")
    assert "balanced labels" in LinearGD(data, "exp", "0.1", True).deviation_unavailable()
    assert LinearGD(data, "exp", "0.1", False).deviation_unavailable() is None


def test_deviation_cross_validation_underflow_is_inconclusive():
    rec = run_check(RATE, quick=True, dps=20, params={"engine": "deviation"})
    assert rec["verdict"] == "inconclusive" and "--dps" in rec["reason"], rec["reason"]


@pytest.mark.parametrize("args", [
    ["--param", "engine=gpu"],
    ["--steps", "0"],
    ["--steps", "-5"],
    ["--steps", "1.5"],
    ["--steps", "many"],
    ["--param", "xval_steps=0"],
    ["--param", "flow_t_max=2"],
])
def test_bad_engine_or_steps_exit_2_one_line(args, capsys):
    code, _, err = cli(["check", RATE, *args], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_without_numba_the_numpy_deviation_engine_is_used(monkeypatch):
    monkeypatch.setattr(dev, "numba_available", lambda: False)
    rec = run_check(UM, steps=3000, params={"gap_tol": 1e-6})
    assert rec["verdict"] == "verified", rec["reason"]
    assert rec["precision"]["variant"] == "numpy" and "dd_audit" not in rec["precision"]
    assert rec["precision"]["cross_validation"]["agreeing_digits"]["gap"] >= 10


def test_numba_failure_falls_back_to_numpy(monkeypatch):
    def broken(loss):
        raise OSError("no writable cache directory")
    monkeypatch.setattr(dev, "compiled_kernel", broken)
    rec = run_check(UM, steps=2000, params={"gap_tol": 1e-4, "audit": "false"})
    assert rec["precision"]["variant"] == "numpy" and "cache" in rec["precision"]["numba_error"]


def test_auto_engine_with_an_arithmetic_is_multiprecision():
    rec = run_check(PW, steps=300, params={"arith": "mpmath", "gap_tol": 1e-3})
    assert rec["params"]["engine_used"] == "multiprecision" and rec["params"]["arith"] == "mpmath"
    assert "cross_validation" not in rec["precision"]


def test_bad_xval_steps_is_an_input_error():
    with pytest.raises(BadInput, match="xval_steps"):
        run_check(PW, steps=300, params={"xval_steps": 0})


@pytest.mark.parametrize("log10_gap, dps", [(-50.0, 80), (-50.5, 81), (-98.2, 129)])
def test_the_cross_validation_carries_30_digits_of_the_gap(log10_gap, dps):
    from bnproof.core.precision import FlintContext
    from bnproof.engines.runner import Trajectory
    from bnproof.papers.cao2023.audited_run import xval_context

    traj = Trajectory("deviation-numba", 30, t=[1, 10, 100], log10={"gap": [-1.0, log10_gap, float("-inf")]})
    assert xval_context(FlintContext(dps=80), traj, 2).dps == dps
