"""bnproof.claims: Claim, the registry (order, lookup, selection, plugins), run_claim's checks and error handling,
stable measured keys."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from bnproof import claims
from bnproof.claims import Claim, get_claim, register, registry, resolve, run_claim
from bnproof.core.errors import BadInput, NumericalFailure
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.records import INCONCLUSIVE, Outcome, jsonable

# --- the registered claims -------------------------------------------------------------------


def test_every_declared_default_is_in_its_range():
    for claim in registry().values():
        for p in claim.params:
            # a None default means "computed from the other parameters" (its help text says how)
            if p.type in (int, float) and p.default is not None and (p.lo is not None or p.hi is not None):
                assert p.bounds.contains(p.default), (claim.id, p.name)


def test_every_declared_default_parses():
    for claim in registry().values():
        for p in claim.params:
            p.value(None)  # list defaults are parsed like --param values; BadInput here is a bad default
            if not isinstance(p.type, ListOf) and p.choices is not None:
                assert p.default in p.choices, (claim.id, p.name)


def test_registry_is_grouped_by_paper():
    papers = [c.paper for c in registry().values()]
    assert papers == sorted(papers)


# --- an isolated registry --------------------------------------------------------------------


def _ok(claim, config):
    return Outcome("verified", "ok", expected={}, measured={"n": claim.param(config, "n"),
                                                            "steps": claim.option(config, "steps")})


def _claim(cid, paper, **kw):
    return Claim(cid, paper, "cite", "summary", "statement", "derived", (), _ok,
                 params=(Param("n", 3, "a count", int, lo=1),), defaults={"steps": 10}, **kw)


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(claims, "_REGISTRY", {})
    monkeypatch.setattr(claims, "_load_papers", lambda: None)
    for c in (_claim("b.one", "b"), _claim("a.one", "a"), _claim("b.two", "b"), _claim("a.two", "a")):
        register(c)
    return claims._REGISTRY


def test_registry_groups_by_paper_and_keeps_registration_order_within(fresh_registry):
    assert list(registry()) == ["a.one", "a.two", "b.one", "b.two"]


def test_register_twice_is_an_error(fresh_registry):
    with pytest.raises(ValueError, match="registered twice"):
        register(_claim("a.one", "a"))


def test_get_claim_and_resolve(fresh_registry):
    assert get_claim("b.two").id == "b.two"
    with pytest.raises(BadInput, match="unknown claim id 'c.x'"):
        get_claim("c.x")
    assert [c.id for c in resolve(["b", "a.two", "b.one"])] == ["b.one", "b.two", "a.two"]
    assert [c.id for c in resolve([], all_claims=True)] == ["a.one", "a.two", "b.one", "b.two"]
    with pytest.raises(BadInput, match="unknown claim id or paper 'zz'"):
        resolve(["zz"])


# --- Claim -----------------------------------------------------------------------------------


def test_param_and_option_read_the_run_or_the_default():
    c = _claim("a.x", "a")
    assert c.param(RunConfig(), "n") == 3 and c.param(RunConfig(params={"n": "5"}), "n") == 5
    with pytest.raises(KeyError):
        c.param(RunConfig(), "missing")
    assert c.option(RunConfig(), "steps") == 10 and c.option(RunConfig(steps=4), "steps") == 4
    assert c.option(RunConfig(), "dps") is None


def test_to_dict_is_json_ready():
    d = _claim("a.x", "a").to_dict()
    assert d["params"] == {"n": {"default": 3, "type": "int", "help": "a count", "range": "[1, inf)"}}
    assert d["defaults"] == {"steps": 10} and d["id"] == "a.x"
    json.dumps(d)


# --- run_claim -------------------------------------------------------------------------------


def test_run_claim_rejects_unknown_params():
    with pytest.raises(BadInput, match=r"a.x: unknown --param 'm' \(known: n\)"):
        run_claim(_claim("a.x", "a"), RunConfig(params={"m": "1"}))


def test_run_claim_puts_source_in_the_record():
    assert run_claim(_claim("a.x", "a", source="Theorem 2"), RunConfig())["source"] == "Theorem 2"
    assert "source" not in run_claim(_claim("a.x", "a"), RunConfig())


def test_a_numerical_failure_is_an_inconclusive_record():
    def fails(claim, config):
        raise NumericalFailure("overflow at step 3")

    c = Claim("a.f", "a", "cite", "s", "st", "derived", (), fails, params=(Param("k", 1, "h", int),))
    rec = run_claim(c, RunConfig(params={"k": "2"}))
    assert rec["verdict"] == INCONCLUSIVE and rec["reason"] == "numerical failure: overflow at step 3"
    assert rec["params"] == {"k": "2"}


def test_records_are_json_ready_whatever_the_check_returns():
    def check(claim, config):
        return Outcome("verified", "ok", expected={"a": np.float64(1.5)},
                       measured={"v": np.arange(3), "nan": math.nan, "t": (np.int64(2), np.bool_(True)), "s": "1e-400"})

    claim = Claim("t.x", "t", "cite", "s", "st", "derived", (), check)
    rec = run_claim(claim, RunConfig())
    assert json.loads(json.dumps(rec, allow_nan=False))["measured"] == {"v": [0, 1, 2], "nan": None, "t": [2, True],
                                                                          "s": "1e-400"}
    assert jsonable({1: np.float32(np.inf)}) == {"1": None}


# --- stable measured keys ----------------------------------------------------------------------


def test_every_claim_declares_its_measured_keys():
    for claim in registry().values():
        keys = claim.measured_keys
        assert keys and len(set(keys)) == len(keys) and all(isinstance(k, str) for k in keys), claim.id


def test_an_early_failure_still_has_every_declared_key():
    def fails(claim, config):
        raise RuntimeError("solver exploded")

    c = Claim("a.f", "a", "cite", "s", "st", "derived", (), fails, measured_keys=("x", "y"))
    rec = run_claim(c, RunConfig())
    assert rec["verdict"] == INCONCLUSIVE and rec["measured"] == {"x": None, "y": None}
    assert c.to_dict()["measured_keys"] == ["x", "y"]


def _measured_keys_of_quick_run_and_controls(claim_id: str) -> dict[str, list[str]]:
    claim = get_claim(claim_id)
    runs = {"--quick": RunConfig(quick=True)}
    for ctl in claim.controls:
        options = {"quick": True, **dict(ctl.options)}
        if ctl.data is not None:
            options["data"] = ctl.data(options.get("seed", 0))
        runs[ctl.name] = RunConfig(params={k: str(v) for k, v in ctl.params.items()}, **options)
    return {name: list(run_claim(claim, config)["measured"]) for name, config in runs.items()}


# claims whose controls end early (inapplicable, inconclusive) with fewer keys than the quick run
# measures; cheap on --quick settings.  The slow test below runs every claim.
@pytest.mark.parametrize("claim_id", ["lyu2022.norm-dynamics", "ergen2022.closed-form"])
def test_measured_keys_are_the_same_whatever_the_verdict(claim_id):
    runs = _measured_keys_of_quick_run_and_controls(claim_id)
    declared = list(get_claim(claim_id).measured_keys)
    assert all(keys[:len(declared)] == declared for keys in runs.values()), runs


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", list(registry()))
def test_measured_keys_are_the_same_across_every_claims_quick_run_and_controls(claim_id):
    runs = _measured_keys_of_quick_run_and_controls(claim_id)
    assert len({tuple(keys) for keys in runs.values()}) == 1, runs


# --- plugins: the bnproof.claims entry-point group -----------------------------------------------

# The README's example plugin, verbatim: a module that registers one claim.
PLUGIN_MODULE = '''\
from bnproof import Claim, Outcome, Param, register


def check_square(claim, config):
    x = claim.param(config, "x")
    verdict = "verified" if x * x == 4 else "refuted"
    return Outcome(verdict, f"{x:g}² = {x * x:g}", expected={"square": 4}, measured={"square": x * x})


register(Claim(id="squares.two", paper="squares", citation="A. Square (2026)", summary="2² = 4",
               statement="2^2 = 4", confidence="derived", assumptions=(), check=check_square,
               params=(Param("x", 2.0, "the number squared", float),), measured_keys=("square",)))
'''

PLUGIN_PYPROJECT = '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "bnproof-squares"
version = "0.1.0"
dependencies = ["bnproof"]

[project.entry-points."bnproof.claims"]
squares = "bnproof_squares"
'''


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    """The example plugin, installed with pip (offline: no build isolation, no dependencies) into a directory."""
    root = tmp_path_factory.mktemp("plugin")
    src, site = root / "src", root / "site"
    src.mkdir()
    (src / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (src / "bnproof_squares.py").write_text(PLUGIN_MODULE)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(src)]
    # with the environment's setuptools (offline) if it can build wheels, else in pip's build isolation
    for extra in (["--no-build-isolation", "--no-index"], []):
        out = subprocess.run(pip + extra, capture_output=True, text=True, timeout=300)
        if out.returncode == 0:
            return site
    pytest.skip(f"pip cannot build the example plugin here: {out.stderr.strip().splitlines()[-1:]}")


def _bnproof(site, *args):
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "bnproof", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=site)


def test_an_installed_plugin_s_claims_are_listed_and_checked(plugin_site):
    listed = _bnproof(plugin_site, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    ids = [c["id"] for c in json.loads(listed.stdout)]
    assert "squares.two" in ids and "cao2023.linear.rate" in ids
    flipped = _bnproof(plugin_site, "check", "squares", "--param", "x=3")  # (verified at x = 2: the test below)
    assert flipped.returncode == 1 and "REFUTED" in flipped.stdout and "3² = 9" in flipped.stdout


@pytest.fixture
def plugins(monkeypatch, tmp_path, fresh_registry):
    """Entry points of modules written into tmp_path: {name: source} -> the registry's plugin loading sees them."""
    def install(sources: dict[str, str]):
        for name, source in sources.items():
            (tmp_path / f"{name}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        eps = [importlib.metadata.EntryPoint(name, name, claims.ENTRY_POINT_GROUP) for name in sources]
        monkeypatch.setattr(claims.importlib.metadata, "entry_points",
                            lambda group: eps if group == claims.ENTRY_POINT_GROUP else [])
        monkeypatch.setitem(claims._PLUGINS, "loaded", False)
        for name in sources:
            monkeypatch.delitem(sys.modules, name, raising=False)

    return install


def test_a_plugin_that_fails_to_import_is_one_warning_line(plugins, capsys):
    plugins({"broken_plugin_mod": "raise ImportError('needs torch')\n",
             "good_plugin_mod": PLUGIN_MODULE})
    ids = list(registry())
    err = capsys.readouterr().err
    assert "squares.two" in ids and "a.one" in ids
    assert run_claim(get_claim("squares.two"), RunConfig())["verdict"] == "verified"
    assert err == "bnproof: warning: plugin 'broken_plugin_mod' (broken_plugin_mod) not loaded: ImportError: needs torch\n"
    registry()
    assert capsys.readouterr().err == ""  # once per process


def test_a_plugin_reusing_a_claim_id_is_bad_input_naming_both(plugins):
    plugins({"dup_plugin_mod": PLUGIN_MODULE.replace('id="squares.two"', 'id="a.one"')})
    with pytest.raises(BadInput, match=r"claim id 'a.one' is registered twice: by \S*test_claims and by dup_plugin_mod"):
        registry()
