"""Sweep specs: seeds, grid and params validated before anything runs; task keys and commands."""

import pytest

from bnproof.core.errors import BadInput
from bnproof.sweeps.spec import MAX_TASKS, build_spec, check_command, parse_seeds, task_key

CLAIM = "lyu2022.exp-lr-equivalence"


@pytest.mark.parametrize("given, seeds", [("0:3", (0, 1, 2)), ("5", (5,)), ("4,2,4", (4, 2)), (range(2), (0, 1)),
                                          ([7], (7,)), (3, (3,))])
def test_seeds_forms(given, seeds):
    assert parse_seeds(given) == seeds


@pytest.mark.parametrize("given", ["5:5", "3:1", [], range(0), "", "a:b", "1.5", [-1], "-2:3", [True]])
def test_bad_or_empty_seeds_name_the_keyword(given):
    with pytest.raises(BadInput, match="^seeds"):
        parse_seeds(given)


def test_too_many_seeds_are_refused_without_building_them():
    with pytest.raises(BadInput, match="limit"):
        parse_seeds(f"0:{MAX_TASKS + 1}")


def test_grid_cells_times_seeds_cell_major():
    spec = build_spec(CLAIM, "0:2", {"model": ["t1", "t2"], "convention": ["coupled"]})
    tasks = spec.tasks()
    assert [(t.seed, t.params["model"]) for t in tasks] == [(0, "t1"), (1, "t1"), (0, "t2"), (1, "t2")]
    assert len({t.key for t in tasks}) == 4
    assert spec.seed_range() == [0, 2]


@pytest.mark.parametrize("grid, params, message", [
    ({"nope": [1]}, None, "grid key 'nope'"),
    ({"model": ["t9"]}, None, "grid key 'model'"),
    ({"tol": ["1e-3"]}, None, "grid key 'tol'"),  # outside the declared range (0, 1e-9]
    ({"model": []}, None, "grid key 'model': no values"),
    ({"model": ["t1"]}, {"model": "t2"}, "grid key 'model' is also a fixed param"),
    (None, {"steps": "0"}, "param 'steps'"),
])
def test_bad_grid_or_params_name_the_keyword(grid, params, message):
    with pytest.raises(BadInput, match=message):
        build_spec(CLAIM, "0:1", grid, params)


def test_unknown_claim_is_bad_input():
    with pytest.raises(BadInput, match="unknown claim"):
        build_spec("nope.claim", "0:1")


def test_key_depends_on_every_input_and_only_on_them():
    base = {"claim": CLAIM, "params": {"model": "t1"}, "options": {"quick": True}, "seed": 0, "version": "1"}
    key = task_key(**base)
    assert task_key(**{**base, "params": {"model": "t1"}}) == key
    for change in ({"seed": 1}, {"params": {"model": "t2"}}, {"options": {"quick": False}}, {"version": "2"},
                   {"claim": "other"}):
        assert task_key(**{**base, **change}) != key


def test_command_reproduces_the_instance_and_quotes_values():
    cmd = check_command(CLAIM, 3, {"model": "t2", "x": "a b"}, {"quick": True, "steps": 10, "eta": None})
    assert cmd == f"bnproof check {CLAIM} --seed 3 --param model=t2 --param 'x=a b' --quick --steps 10"
