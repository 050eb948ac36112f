"""The deviation-form printers (bnproof.kernels.deviation): printed from the proved SymPy programs."""

import pytest
import sympy as sp

from bnproof.kernels import deviation as kd
from bnproof.kernels.numba import KERNEL_PRELUDE
from bnproof.symbolic import deviation as dv

LOSSES = ("exp", "logistic")


def _zero(expr):
    return sp.cancel(sp.expand(expr)) == 0


@pytest.mark.parametrize("loss", LOSSES)
def test_linear_source_has_both_variants_and_is_deterministic(loss):
    src = kd.kernel_source(loss)
    assert "def advance_f64" in src and "def advance_dd" in src and "def _dd_add" in src
    assert src.count("@njit(cache=True)") == 4  # _exprel, _dd_add, two variants
    assert "if DD:" not in src and "VARIANT" not in src
    assert src == kd.kernel_source(loss)  # deterministic: numba's disk cache is keyed on it
    compile(src, f"<deviation {loss}>", "exec")


def test_linear_source_prints_the_derived_weight_ratio():
    src = kd.kernel_source("logistic")
    assert "psih[i] = phih/(E*phih*sigma + E + 1)" in src  # ψ(φ) of the logistic loss, derived


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("field", ["delta", "p_term", "h"])
def test_hoisting_is_an_exact_rearrangement(loss, field):
    expr = getattr(dv.deviation_program(loss), field)
    lines, body = kd.hoist(expr, "c", kd.IndexedPrinter({}).doprint)
    names = {str(s): s for s in expr.free_symbols} | {"si": sp.Symbol("si", positive=True)}
    coefs = {}
    for line in lines:
        name, rhs = line.split(" = ")
        coefs[sp.Symbol(name)] = sp.sympify(rhs, locals=names)
    back = sp.sympify(body, locals=names | {str(c): c for c in coefs}).subs(coefs)
    assert _zero(back.subs(names["si"], 1 / dv.s) - expr)


def test_cnn_program_rests_on_proved_identities():
    assert dv.prove_cnn_gamma_step().holds
    # the average-pooling form is in dv.all_identities (tests/symbolic); sum pooling here
    assert all(i.holds for i in dv.prove_cnn_deviation(2, 2, "sum"))
    for loss in LOSSES:
        prog = kd.cnn_program(loss)
        # h·(-(γcλ_0/n)σ) is exactly cnn_grad_template
        back = -(dv.gamma * kd.cc * dv.lam0 / kd.nn) * dv.sigma * prog.h
        assert _zero(back - dv.cnn_grad_template(dv.yj, dv.psih, dv.dh, kd.Psih, kd.cc, dv.s, kd.nn))
        src = kd.cnn_kernel_source(loss)
        assert "advance_cnn" in src and "cache=True" in src
        assert src == kd.cnn_kernel_source(loss)
        compile(src, f"<deviation_cnn {loss}>", "exec")


def test_cnn_program_rejects_an_unknown_loss():
    with pytest.raises(ValueError):
        kd.cnn_program("hinge")


def test_both_sources_start_with_the_shared_prelude():
    for src in (kd.kernel_source("exp"), kd.cnn_kernel_source("exp")):
        assert KERNEL_PRELUDE in src and src.index(KERNEL_PRELUDE) < src.index("def advance")


@pytest.mark.parametrize("loss", ["exp", "logistic"])
def test_generated_sources_are_valid_python(loss):
    import ast

    for src in (kd.kernel_source(loss), kd.cnn_kernel_source(loss)):
        ast.parse(src)  # e.g. a temporary named "c-1" would be a syntax error
