"""bnproof.symbolic.meanfield: the Yang and Wei identities, their negative controls and the rendered pages."""

import sympy as sp

from bnproof.symbolic import meanfield as smf


def test_yang_identities_hold():
    ids = smf.yang_identities()
    assert {i.name for i in ids} >= {"J_at_1", "J_prime", "q_star_half", "relu_rate_limit", "relu_rate_decreasing",
                                     "c_k_positive", "bn_jacobian", "numeric_evaluators"}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_wei_identities_hold():
    ids = smf.wei_identities()
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_wrong_limit_and_wrong_kernel_are_rejected():
    """Negative controls for the symbolic checks: a mutated limit and kernel do not pass."""
    lam = smf.relu_rate_expr()
    assert sp.simplify(sp.limit(lam, smf.B, sp.oo) - 1) != 0
    wrong_J = smf.J_expr() * sp.pi / 2  # unnormalised
    assert sp.simplify(wrong_J.subs(smf.c, 1) - 1) != 0


def test_rendered_derivations_are_deterministic():
    for render in (smf.render_yang2019, smf.render_wei2019):
        files, failed = render()
        assert failed == []
        again, _ = render()
        assert files == again and all(t.startswith("<!-- generated") for t in files.values())


def test_yang_page_lists_the_rate_from_b_equals_four():
    from bnproof.models import meanfield as mf

    text = smf.yang_markdown([])
    values = ", ".join(f"$\\lambda({b}) = {mf.relu_rate(b):.4f}$" for b in (4, 5, 8, 16, 32, 64))
    assert f"Values: {values}." in text
