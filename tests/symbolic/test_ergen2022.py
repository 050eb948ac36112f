"""Derivations for Ergen et al. 2022: every identity holds, the mpmath checks can fail, the render is deterministic."""

from pathlib import Path

from bnproof.symbolic import ergen2022 as sym


def test_identities_hold():
    ids = sym.all_identities()
    assert {i.name for i in ids} == {"amgm_rescaling", "isometric_shift", "shift_one_cost", "soft_threshold_value",
                                     "preconditioned_step", "hand_gradient_vs_mpmath", "chain_rule_vs_mpmath"}
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_mpmath_checks_reject_mutations():
    assert not sym.hand_gradient_vs_mpmath(c_numpy=0.6).holds  # gradient of a different network
    assert not sym.chain_rule_vs_mpmath(power=2).holds  # VΣ² instead of VΣ


def test_render_is_deterministic_and_matches_the_committed_file():
    files, failed = sym.render_ergen2022()
    assert not failed and set(files) == {"ergen2022.md"}
    assert files == sym.render_ergen2022()[0]
    committed = Path(__file__).resolve().parents[2] / "derivations" / "ergen2022.md"
    assert committed.read_text() == files["ergen2022.md"]
    assert "\\|" not in files["ergen2022.md"].split("## Identities checked")[1]
