"""The public API is exactly what bnproof.__all__ lists, and it imports cleanly."""

import json
import subprocess
import sys

import bnproof


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    return out.stdout


def test_all_names_exist_and_nothing_public_is_forgotten():
    for name in bnproof.__all__:
        assert hasattr(bnproof, name), name
    assert len(set(bnproof.__all__)) == len(bnproof.__all__)


def test_check_claim_from_python():
    rec = bnproof.check_claim("cao2023.linear.uniform-margin", steps=2000, params={"gap_tol": "1e-6"})
    assert rec["schema"] == bnproof.SCHEMA and rec["verdict"] in bnproof.VERDICTS


def test_importing_the_package_and_hypothesis_is_cheap():
    """`import hypothesis` runs our entry point, which imports the package: keep SymPy out of it."""
    code = "import sys, hypothesis, bnproof; print('sympy' in sys.modules, 'bnproof.claims' in sys.modules)"
    assert _python(code).split() == ["False", "False"]


def test_importing_the_strategies_loads_no_claims_and_no_sympy():
    """Users' property tests import bnproof.strategies: only core and models (and what models use) come with it."""
    modules = json.loads(_python("import json, sys, bnproof.strategies; print(json.dumps(sorted(sys.modules)))"))
    assert not [m for m in modules if m.split(".")[0] == "sympy"]
    loaded = {".".join(m.split(".")[:2]) for m in modules if m.startswith("bnproof.")}
    assert loaded <= {"bnproof._hypothesis_profiles", "bnproof.core", "bnproof.models", "bnproof.solvers",
                      "bnproof.strategies"}, loaded
