"""bnproof.claims: Claim, the registry (order, lookup, selection), run_claim's checks and error handling."""

from __future__ import annotations

import json
import math

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
