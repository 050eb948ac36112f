"""The scalar-symbol derivations: every identity holds, the wrong gradient is rejected."""

from pathlib import Path

import sympy as sp

from bnproof.symbolic import bn_linear as bl
from bnproof.symbolic.cao2023 import render_files


def test_z_gradient_matches_template_for_generic_loss():
    ids = bl.prove_z_gradient(2)
    assert [i.name for i in ids] == ["grad_z", "grad_gamma"]
    assert all(i.holds for i in ids)


def test_parameter_space_identities():
    # the centred n = 3 case runs inside test_committed_derivations_do_not_drift
    ids = bl.prove_w_identities(2, 2, center=False)
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_uniform_solution_has_unit_margins():
    assert all(i.holds for i in bl.prove_uniform_solution(2, 3))


def test_truncated_matrix_calculus_gradient_is_rejected():
    assert bl.matrix_calculus_control().holds


def test_vanishes_is_not_vacuous():
    z1, z2 = sp.symbols("z1 z2", real=True)
    q = (z1**2 + z2**2) / 2
    assert bl._vanishes(z1**2 + z2**2 - 2 * q, q)
    assert not bl._vanishes(z1 / sp.sqrt(q) - 1, q)


def test_weights_are_minus_loss_derivatives():
    u = bl.u
    assert sp.simplify(bl.weight_expr("exp") - sp.exp(-u)) == 0
    assert sp.simplify(bl.weight_expr("logistic") - 1 / (1 + sp.exp(u))) == 0


def test_committed_derivations_do_not_drift():
    root = Path(__file__).resolve().parents[2] / "derivations"
    ids = bl.all_identities()
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]
    for name, content in render_files(ids).items():
        assert (root / name).read_text() == content, f"{name} drifted: run `bnproof derive`"


def test_fast_identities_use_the_smallest_batch():
    grad_z = next(i for i in bl.all_identities(fast=True) if i.name == "grad_z")
    assert grad_z.holds and "z_1..z_2," in grad_z.method and "all 4 label patterns" in grad_z.method
