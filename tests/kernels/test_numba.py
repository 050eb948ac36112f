"""Loading generated numba modules and the one fallback policy (bnproof.kernels.numba)."""

import pytest

from bnproof.kernels import numba as kn

SRC = kn.KERNEL_PRELUDE + '''

@njit(cache=True)
def twice(x):
    return 2.0 * _exprel(x) * x
'''


def test_generated_module_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("BNPROOF_CACHE", str(tmp_path))
    assert kn.cache_dir() == tmp_path / "kernels"
    mod = kn.load_generated(SRC, "probe")
    assert mod.twice(0.0) == 0.0 and abs(mod.twice(1e-3) - 2 * (1.0005001667083417e-3)) < 1e-15
    files = sorted(p.name for p in (tmp_path / "kernels").glob("probe_*.py"))
    kn.load_generated(SRC, "probe")  # same content: same file, numba's cache reused
    assert sorted(p.name for p in (tmp_path / "kernels").glob("probe_*.py")) == files and len(files) == 1
    kn.load_generated(SRC + "\n", "probe")  # other content: another file
    assert len(list((tmp_path / "kernels").glob("probe_*.py"))) == 2


def test_unwritable_cache_falls_back_to_a_temporary_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BNPROOF_CACHE", str(blocker))  # a file: no directory can be made below it
    path = kn.cache_dir()
    assert path.is_dir() and blocker not in path.parents


def test_fallback_reason_is_none_when_the_probe_runs():
    assert kn.numba_available()  # the test environment installs numba
    assert kn.fallback_reason(lambda: None) is None


def test_fallback_reason_is_the_error_in_one_line():
    def probe():
        raise OSError("no writable\ncache directory")
    assert kn.fallback_reason(probe) == "no writable cache directory"

    def silent():
        raise RuntimeError()
    assert kn.fallback_reason(silent) == "RuntimeError"
    assert len(kn.fallback_reason(lambda: (_ for _ in ()).throw(ValueError("x" * 500)))) == 200


def test_without_numba_the_probe_is_not_called(monkeypatch):
    monkeypatch.setattr(kn, "numba_available", lambda: False)
    called = []
    assert kn.fallback_reason(lambda: called.append(1)) == "numba is not installed" and not called


def test_generated_source_must_not_break_the_loader(tmp_path, monkeypatch):
    monkeypatch.setenv("BNPROOF_CACHE", str(tmp_path))
    with pytest.raises(SyntaxError):
        kn.load_generated("def broken(:\n", "broken")


def test_a_corrupted_cached_file_is_rewritten(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("BNPROOF_CACHE", str(tmp_path))
    src = "VALUE = 41 + 1\n"
    digest = hashlib.sha256(src.encode()).hexdigest()[:16]
    path = tmp_path / "kernels" / f"corrupt_{digest}.py"
    path.parent.mkdir(parents=True)
    path.write_text("VALUE = 0\n")  # same name, other content (a half-written or tampered file)
    assert kn.load_generated(src, "corrupt").VALUE == 42 and path.read_text() == src
