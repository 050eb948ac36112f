"""The no-BN linear model's identities (bnproof/symbolic/linear_nobn.py): what each proof states it covered."""

from __future__ import annotations

from bnproof.symbolic import linear_nobn as ln


def test_z_gradient_is_proved_for_every_label_pattern():
    (grad,) = ln.prove_z_gradient(3)
    assert grad.holds and "z_1..z_3, generic ℓ, all 8 label patterns" in grad.method


def test_fast_identities_use_the_smallest_sizes():
    chain = next(i for i in ln.all_identities(fast=True) if i.name == "nobn_chain_rule")
    assert chain.holds and "w_1..w_2; n=2, d=2, symbolic x_ij" in chain.method
