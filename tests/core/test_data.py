"""bnproof.core.data: loading --data files refuses hostile input with one-line BadInput, before allocating."""

import io
import zipfile

import numpy as np
import pytest

from bnproof.core import data as data_mod
from bnproof.core.data import MAX_SCALE, MIN_SCALE, load_npz, memory_budget, validate
from bnproof.core.errors import BadInput

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 6))
Y = np.array([1, -1, 1, -1])


def lying_npz(path, shape, dtype="<f8", with_y=True):
    """An .npz whose X.npy header claims ``shape`` but holds no data (a 'terabyte' file of a few bytes)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("X.npy", buf.getvalue())
        if with_y:
            ybuf = io.BytesIO()
            np.save(ybuf, Y)
            zf.writestr("y.npy", ybuf.getvalue())
    return path


def test_terabyte_header_is_refused_before_loading(tmp_path):
    path = lying_npz(tmp_path / "tb.npz", (10**7, 10**6))
    with pytest.raises(BadInput, match=r"would need 160 TB, more than the limit of"):
        load_npz(path)


def test_budget_edge(tmp_path, monkeypatch):
    # just inside the budget loads; one element more is refused (file array + float64 copy = 16 bytes each)
    monkeypatch.setattr(data_mod, "memory_budget", lambda: (16 * (24 + 4), "the test limit"))
    path = tmp_path / "ok.npz"
    np.savez(path, X=X, y=Y.astype(np.float64))
    assert load_npz(path).n == 4
    np.savez(path, X=RNG.standard_normal((4, 7)), y=Y.astype(np.float64))
    with pytest.raises(BadInput, match="more than the test limit"):
        load_npz(path)


def test_memory_budget_is_positive_and_capped():
    budget, text = memory_budget()
    assert 0 < budget <= data_mod.MEMORY_CAP and ("GB" in text or "MB" in text)


def test_plain_npy_is_named(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, X)
    with pytest.raises(BadInput, match="plain .npy"):
        load_npz(path)


@pytest.mark.parametrize("key", ["X", "y", "w0"])
def test_complex_arrays_are_refused(tmp_path, key):
    arrays = {"X": X, "y": Y, "w0": np.ones(6)}
    arrays[key] = arrays[key] + 0j
    path = tmp_path / "c.npz"
    np.savez(path, **arrays)
    with pytest.raises(BadInput, match=f"{key} is complex-valued"):
        load_npz(path)
    with pytest.raises(BadInput, match="complex-valued"):
        validate(**arrays)


def test_string_arrays_are_refused(tmp_path):
    path = tmp_path / "s.npz"
    np.savez(path, X=np.array([["a"] * 6] * 4), y=Y)
    with pytest.raises(BadInput, match="numeric"):
        load_npz(path)


def test_scale_edges():
    validate(X / np.max(np.abs(X)) * MAX_SCALE, Y)  # largest entry exactly at the limits: accepted
    validate(X / np.max(np.abs(X)) * MIN_SCALE, Y)
    with pytest.raises(BadInput, match=r"outside \[1e-100, 1e\+100\]"):
        validate(X / np.max(np.abs(X)) * MAX_SCALE * 1.01, Y)
    with pytest.raises(BadInput, match=r"outside"):
        validate(X / np.max(np.abs(X)) * MIN_SCALE * 0.99, Y)
    with pytest.raises(BadInput, match="w0's largest entry"):
        validate(X, Y, np.full(6, 1e300))
    with pytest.raises(BadInput, match="X is all zero"):
        validate(np.zeros((4, 6)), Y)


def test_zero_w0_is_bad_input_for_bn():
    with pytest.raises(BadInput, match="w0 is zero"):
        validate(X, Y, np.zeros(6))
    assert validate(X, Y, np.eye(6)[0]).w0 is not None  # one nonzero entry is enough


def test_real_targets_may_be_zero_but_not_huge():
    assert validate(X, np.zeros(4), targets="real").y.shape == (4,)
    with pytest.raises(BadInput, match="y's largest entry"):
        validate(X, np.full(4, 1e200), targets="real")


def test_not_a_zip_and_unreadable(tmp_path):
    path = tmp_path / "g.npz"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(BadInput):
        load_npz(path)
    bad = tmp_path / "h.npz"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("X.npy", b"\x93NUMPY garbage")
        zf.writestr("y.npy", b"")
    with pytest.raises(BadInput):
        load_npz(bad)


def test_check_memory_refuses_one_byte_over_the_budget_naming_the_limit(monkeypatch):
    from bnproof.core.data import check_memory

    monkeypatch.setattr(data_mod, "memory_budget", lambda: (1000, "the test limit"))
    check_memory(1000, "n = 1")  # exactly the budget fits
    with pytest.raises(BadInput, match=r"^n = 2 needs about 1 kB of memory, more than the test limit$"):
        check_memory(1001, "n = 2")


def test_generated_instance_is_checked_before_allocating(monkeypatch):
    from bnproof.core.data import gaussian_instance

    monkeypatch.setattr(data_mod, "memory_budget", lambda: (8 * (4 + 1) * 3, "the test limit"))
    assert gaussian_instance(0, 4, 3).X.shape == (4, 3)  # X, y and w0: 8·(n + 1)·d bytes fit
    with pytest.raises(BadInput, match=r"n = 4 samples in dimension d = 4 needs about .* more than the test limit"):
        gaussian_instance(0, 4, 4)
    with pytest.raises(BadInput, match="more than the test limit"):  # 10^18 entries: refused, never allocated
        gaussian_instance(0, 10**9, 10**9)
