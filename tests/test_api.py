"""The public API is exactly what bnproof.__all__ lists, and it imports cleanly."""

import json
import subprocess
import sys

import numpy as np
import pytest

import bnproof


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    return out.stdout


def test_all_names_exist_and_nothing_public_is_forgotten():
    for name in bnproof.__all__:
        assert hasattr(bnproof, name), name
    assert len(set(bnproof.__all__)) == len(bnproof.__all__)


def test_check_claim_still_works_and_says_it_is_deprecated():
    with pytest.deprecated_call(match="use bnproof.check"):
        rec = bnproof.check_claim("lyu2022.exp-lr-equivalence", quick=True, params={"lr": "0.05"})
    assert type(rec) is dict and rec["schema"] == bnproof.SCHEMA and rec["verdict"] in bnproof.VERDICTS


# --- bnproof.check ---------------------------------------------------------------------------

EXP_LR = "lyu2022.exp-lr-equivalence"  # a fast claim (well under a second on --quick settings)


@pytest.fixture(scope="module")
def exp_lr():
    return bnproof.check(EXP_LR, quick=True, lr=0.05, weight_decay=0.002)


def test_check_returns_a_record_with_typed_values(exp_lr):
    assert isinstance(exp_lr, bnproof.Record) and exp_lr.claim == EXP_LR and exp_lr.verdict in bnproof.VERDICTS
    assert exp_lr["schema"] == bnproof.SCHEMA and exp_lr.params["lr"] == 0.05 and exp_lr.params["weight_decay"] == 0.002
    assert list(exp_lr.measured) == list(bnproof.get_claim(EXP_LR).measured_keys)  # the declared keys, in order
    for key, value in exp_lr.measured.items():
        raw = exp_lr["measured"][key]
        assert not isinstance(value, str) or value == raw, key  # decimal strings are numbers in the typed view
    json.loads(exp_lr.to_json())


def test_check_keywords_are_the_params_and_lists_and_booleans_read_like_the_cli():
    a = bnproof.check(EXP_LR, quick=True, convention="decoupled")
    assert a.params["convention"] == "decoupled"
    gammas = bnproof.check("wei2019.fim-bound", quick=True, seeds=2, width=16, samples=16, gammas=[2, 0.5])
    assert gammas.params["gammas"] == [2.0, 0.5]  # the order given ("2,0.5"), as --param gammas=2,0.5
    flag = bnproof.check("nachum2024.stability", quick=True, recenter=False, reading="saddle")
    assert flag.params["recenter"] is False and flag.params["reading"] == "saddle"


@pytest.mark.parametrize("kwargs, message", [
    ({"nope": 1}, "unknown keyword 'nope'"),
    ({"lr": "fast"}, "keyword lr: expected float, got 'fast'"),
    ({"lr": -1.0}, "keyword lr: must be > 0"),
    ({"steps": 0}, "keyword steps"),
    ({"steps": "1e11"}, "keyword steps"),
    ({"eta": 0}, "keyword eta"),
    ({"dps": 0}, "keyword dps"),
    ({"dps": 1.5}, "keyword dps"),
    ({"seed": -1}, "keyword seed"),
    ({"loss": "hinge"}, "keyword loss"),
    ({"data": [1, 2]}, "keyword data: expected a path"),
])
def test_bad_keywords_are_bad_input_naming_the_keyword(kwargs, message):
    with pytest.raises(bnproof.BadInput) as exc:
        bnproof.check(EXP_LR, quick=True, **kwargs)
    assert message in str(exc.value) and "--" not in str(exc.value), str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_unknown_claim_is_bad_input():
    with pytest.raises(bnproof.BadInput, match="unknown claim id 'no.such'"):
        bnproof.check("no.such")


def test_data_as_arrays_or_a_file(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 20)), rng.standard_normal(8)
    from_arrays = bnproof.check("ergen2022.closed-form", data=(X, y), quick=True)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    from_file = bnproof.check("ergen2022.closed-form", data=tmp_path / "d.npz", quick=True)
    assert from_arrays.verdict == from_file.verdict and from_arrays["measured"] == from_file["measured"]
    with pytest.raises(bnproof.BadInput, match="keyword data: lyu2022.exp-lr-equivalence takes no data"):
        bnproof.check(EXP_LR, data=(X, np.sign(y)))
    with pytest.raises(bnproof.BadInput, match="y must have shape"):
        bnproof.check("ergen2022.closed-form", data=(X, y[:3]))


def test_record_figure_is_a_bare_matplotlib_figure(exp_lr, monkeypatch):
    import bnproof.report

    seen = {}

    def fake_figure(record):  # the report draws it; here: what reaches it
        from matplotlib.figure import Figure

        seen["claim"] = record["claim"]
        return Figure()

    monkeypatch.setattr(bnproof.report, "figure", fake_figure, raising=False)
    from matplotlib.figure import Figure

    assert isinstance(exp_lr.figure(), Figure) and seen == {"claim": EXP_LR}


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
