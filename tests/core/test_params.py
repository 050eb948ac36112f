"""bnproof.core.params: Param and ListOf parsing, ranges and defaults; RunConfig and with_params."""

from __future__ import annotations

import json

import pytest

from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig, with_params

# --- scalar parameters -----------------------------------------------------------------------


def test_float_params_reject_nan_and_inf():
    p = Param("x", 1.0, "help", float)
    assert p.parse("2.5") == 2.5
    for text in ("nan", "inf", "-inf"):
        with pytest.raises(BadInput, match="finite"):
            p.parse(text)


@pytest.mark.parametrize("kw, ok, bad, shown", [
    (dict(lo=0, lo_open=True), ["1e-300", "5"], ["0", "-1"], "(0, inf)"),
    (dict(lo=0, hi=1, lo_open=True), ["1", "0.5"], ["0", "1.5"], "(0, 1]"),
    (dict(lo=0, hi=1, hi_open=True), ["0", "0.99"], ["1", "-0.1"], "[0, 1)"),
    (dict(hi=2), ["-1e300", "2"], ["2.0000001"], "(-inf, 2]"),
])
def test_ranges_are_enforced_and_shown(kw, ok, bad, shown):
    p = Param("x", 0.5, "help", float, **kw)
    for text in ok:
        p.parse(text)
    for text in bad:
        with pytest.raises(BadInput, match=r"--param x: must be in"):
            p.parse(text)
    assert p.to_dict()["range"] == shown
    assert p.range_text() == shown


def test_int_range():
    p = Param("per_decade", 24, "help", int, lo=1)
    assert p.parse("3") == 3
    with pytest.raises(BadInput, match=r"\[1, inf\)"):
        p.parse("0")
    with pytest.raises(BadInput, match="expected int, got '2.5'"):
        p.parse("2.5")


def test_bool_and_choices():
    flag = Param("audit", False, "help", bool)
    assert [flag.parse(t) for t in ("1", "TRUE", "yes", " on ", "0", "false", "No", "off")] == [True] * 4 + [False] * 4
    with pytest.raises(BadInput, match="expected bool"):
        flag.parse("maybe")
    engine = Param("engine", "auto", "help", str, choices=("auto", "deviation"))
    assert engine.parse("deviation") == "deviation"
    with pytest.raises(BadInput, match="must be one of auto, deviation"):
        engine.parse("fast")


def test_value_is_the_parsed_text_or_the_default():
    p = Param("eta", 0.1, "help", float, lo=0, lo_open=True)
    assert p.value(None) == 0.1
    assert p.value("0.25") == 0.25
    with pytest.raises(BadInput):
        p.value("0")


def test_to_dict_of_a_scalar_param():
    p = Param("engine", "auto", "which engine", str, choices=("auto", "deviation"))
    assert p.to_dict() == {"default": "auto", "type": "str", "help": "which engine", "choices": ["auto", "deviation"]}
    q = Param("k", 3, "count", int, lo=1, hi=9)
    assert q.to_dict() == {"default": 3, "type": "int", "help": "count", "range": "[1, 9]"}


# --- list parameters -------------------------------------------------------------------------


def test_list_parses_sorts_and_deduplicates_by_default():
    widths = ListOf(int, 8, 4096)
    assert widths.parse("128, 64,128,,256", "widths") == [64, 128, 256]
    assert ListOf(float).parse("0.5,1e-3", "etas") == [1e-3, 0.5]


def test_list_in_given_order_when_not_a_sweep():
    assert ListOf(int, unique_sorted=False).parse("3,1,3", "order") == [3, 1, 3]


@pytest.mark.parametrize("lister, text, message", [
    (ListOf(int, 8, 4096), "64,4", r"each value must be in \[8, 4096\], got 4"),
    (ListOf(int, 8, 4096), "64,1e4", "expected comma-separated integers"),
    (ListOf(int), "1.5", "expected comma-separated integers"),
    (ListOf(float), "1,x", "expected comma-separated numbers"),
    (ListOf(float), "1,nan", "expected finite numbers"),
    (ListOf(float), "inf", "expected finite numbers"),
    (ListOf(float, lo=0, lo_open=True), "0,1", r"each value must be in \(0, inf\), got 0"),
    (ListOf(float, hi=1, hi_open=True), "0.5,1", r"each value must be in \(-inf, 1\), got 1"),
    (ListOf(int), "", "give at least 1 value$"),
    (ListOf(int, min_len=2), "5", "give at least 2 values"),
    (ListOf(int, min_len=2), "5,5", "give at least 2 values"),  # counted after removing duplicates
])
def test_list_rejects_bad_input_with_the_param_name(lister, text, message):
    with pytest.raises(BadInput, match=r"^--param widths: " + message):
        lister.parse(text, "widths")


def test_list_min_len_counts_given_values_when_not_deduplicated():
    assert ListOf(int, min_len=2, unique_sorted=False).parse("5,5", "w") == [5, 5]


def test_list_type_name():
    assert ListOf(int).__name__ == "list[int]" and ListOf(float).__name__ == "list[float]"


def test_list_param_parses_its_default_and_its_value():
    p = Param("widths", "256,64", "widths of the sweep", ListOf(int, 8, 4096))
    assert p.value(None) == [64, 256]
    assert p.value("16,32") == [16, 32]
    assert p.parse("32,16") == [16, 32]
    with pytest.raises(BadInput, match="--param widths"):
        p.value("4")


def test_list_param_to_dict_shows_the_item_range():
    p = Param("widths", "64,128", "widths", ListOf(int, 8, 4096))
    assert p.to_dict() == {"default": "64,128", "type": "list[int]", "help": "widths", "range": "[8, 4096]"}
    q = Param("etas", "0.1", "rates", ListOf(float, lo=0, lo_open=True))
    assert q.to_dict()["range"] == "(0, inf)"
    assert "range" not in Param("s", "1", "seeds", ListOf(int)).to_dict()
    json.dumps(p.to_dict())  # what `bnproof list --json` prints


def test_list_param_accepts_a_list_default():
    assert Param("widths", [128, 64], "widths", ListOf(int)).value(None) == [64, 128]


# --- RunConfig -------------------------------------------------------------------------------


def test_with_params_adds_string_values_without_changing_the_original():
    config = RunConfig(seed=3, params={"a": "1"})
    extended = with_params(config, b=2.5, a="x")
    assert extended.params == {"a": "x", "b": "2.5"} and extended.seed == 3
    assert config.params == {"a": "1"}
