"""bnproof.strategies as a package: one public list, one size convention, imports from core and models only."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

import bnproof.strategies as S
from bnproof.strategies import (
    bn_init,
    ergen2022,
    linear,
    meanfield,
    patches,
    precision,
    scale_invariant,
)

STRATEGY_MODULES = (linear, patches, precision, bn_init, meanfield, scale_invariant, ergen2022)
RENAMED = {"init_batches": "batches", "bn_components": "components"}  # public name -> name in bn_init

# The size convention (bnproof.strategies.validation.sizes): these keywords are sizes; every
# other keyword is a threshold, a switch or a model and must be listed here too, so that a new
# strategy's author decides which it is.
SIZE_KEYWORDS = {"n", "d", "P", "N", "K", "B", "D", "width", "layers", "outputs", "dps"}
OTHER_KEYWORDS = {"margin", "min_condition", "w0_scale", "min_residual", "max_condition", "min_spread",
                  "bn_eps", "alpha", "recenter", "rescale", "nonlinearity", "bn", "model"}
NEEDS_ARGUMENTS = {"nonzero_weights": dict(model=None), "bn_nets": dict(d=2)}  # strategies *for* a model / an input dimension


def _defined_name(public: str) -> str:
    return RENAMED.get(public, public)


def test_all_lists_every_strategy_of_every_submodule_once():
    assert len(S.__all__) == len(set(S.__all__))
    defined = {name for module in STRATEGY_MODULES for name in module.__all__}
    assert {_defined_name(name) for name in S.__all__} == defined
    for name in S.__all__:
        fn = getattr(S, name)
        assert fn.__doc__, name
        assert fn.__module__ in {m.__name__ for m in STRATEGY_MODULES}, name
        assert getattr(sys.modules[fn.__module__], _defined_name(name)) is fn


def test_the_package_only_reexports():
    tree = ast.parse(Path(S.__file__).read_text())
    defined = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert defined == []


@pytest.mark.parametrize("name", [n for n in S.__all__ if n not in NEEDS_ARGUMENTS])
def test_every_strategy_works_with_its_defaults(name):
    assert isinstance(getattr(S, name)(), SearchStrategy)


@pytest.mark.parametrize("name", S.__all__)
def test_every_keyword_follows_the_size_convention(name):
    params = inspect.signature(getattr(S, name)).parameters
    assert set(params) <= SIZE_KEYWORDS | OTHER_KEYWORDS, set(params) - SIZE_KEYWORDS - OTHER_KEYWORDS
    for p in params.values():
        if p.name not in SIZE_KEYWORDS or p.default is inspect.Parameter.empty:
            continue
        default = p.default
        # a default size is an int, a pair (lo, hi) or None (a range that depends on another size)
        assert default is None or isinstance(default, int) or (
            isinstance(default, tuple) and len(default) == 2 and all(isinstance(v, int) for v in default)
            and default[0] <= default[1]), (name, p.name, default)


@pytest.mark.parametrize("name", [n for n in S.__all__
                                  if set(inspect.signature(getattr(S, n)).parameters) & SIZE_KEYWORDS])
@pytest.mark.parametrize("bad", [0, 2.5, (3, 2), "4", True])
def test_every_size_rejects_what_is_not_a_size_when_built(name, bad):
    fn = getattr(S, name)
    base = NEEDS_ARGUMENTS.get(name, {})
    for size in set(inspect.signature(fn).parameters) & SIZE_KEYWORDS:
        with pytest.raises(InvalidArgument):
            fn(**{**base, size: bad})


@given(st.data())
def test_a_size_can_be_an_int_a_pair_or_a_strategy(data):
    for size in (3, (3, 3), st.just(3)):
        assert data.draw(S.separable_data(n=size, d=2)).n == 3
        assert data.draw(S.generic_batches(n=size, d=2)).shape == (2, 3)
        assert data.draw(S.bn_batches(N=size, K=1, B=2, min_spread=0.0)).shape == (3, 1, 2)
        assert data.draw(S.sphere_toys(D=size)).dim == 3
        assert data.draw(S.bn_nets(d=size, width=2)).W.shape == (3, 2)
        assert data.draw(S.patch_data(n=2, P=1, d=size)).X.shape == (2, 1, 3)


def _bnproof_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n == "bnproof" or n.startswith("bnproof.")}


def test_strategies_import_only_core_models_and_each_other():
    allowed = ("bnproof.core.", "bnproof.models.", "bnproof.strategies")
    for path in sorted(Path(S.__file__).parent.glob("*.py")):
        bad = {n for n in _bnproof_imports(path) if not n.startswith(allowed)}
        assert not bad, f"{path.name} imports {sorted(bad)}: strategies may import bnproof.core and bnproof.models only"


def test_strategy_modules_keep_their_import_path():
    # paper and model tests import from the submodules; these names are part of the public API
    from bnproof.strategies.bn_init import batches, components, generic_batches  # noqa: F401
    from bnproof.strategies.ergen2022 import bn_nets, regression_data  # noqa: F401
    from bnproof.strategies.meanfield import bn_batches, correlations, popnets  # noqa: F401
    from bnproof.strategies.patches import patch_data  # noqa: F401
    from bnproof.strategies.scale_invariant import nonzero_weights, sphere_toys  # noqa: F401


def test_strategies_import_before_hypothesis_without_a_cycle():
    # the entry point used to live in bnproof.strategies, which made this import order fail
    code = "import bnproof.strategies as s; import hypothesis; print(s.patch_data.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
