"""The public API is exactly what bnproof.__all__ lists, and it imports cleanly."""

import bnproof


def test_all_names_exist_and_nothing_public_is_forgotten():
    for name in bnproof.__all__:
        assert hasattr(bnproof, name), name
    assert len(set(bnproof.__all__)) == len(bnproof.__all__)


def test_check_claim_from_python():
    rec = bnproof.check_claim("cao2023.linear.uniform-margin", steps=2000, params={"gap_tol": "1e-6"})
    assert rec["schema"] == bnproof.SCHEMA and rec["verdict"] in bnproof.VERDICTS


def test_importing_the_package_and_hypothesis_is_cheap():
    """`import hypothesis` runs our entry point, which imports the package: keep SymPy out of it."""
    import subprocess
    import sys

    code = "import sys, hypothesis, bnproof; print('sympy' in sys.modules, 'bnproof.claims' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr[-500:]
