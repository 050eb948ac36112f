"""The deviation form (bnproof.symbolic.deviation): exact identities, controls, numeric cross-check."""

import itertools
import random

import mpmath
import pytest
import sympy as sp

from bnproof.symbolic import bn_linear as bl
from bnproof.symbolic import deviation as dv


def test_all_identities_hold_and_control_is_rejected():
    ids = dv.all_identities(fast=True)
    names = [i.name for i in ids]
    assert {"dev_delta", "dev_grad_z", "dev_grad_gamma", "dev_leading_cancellation",
            "dev_control_dropped_q_term", "dev_cnn_grad_z", "dev_cnn_control_dropped_mean_delta"} <= set(names)
    assert all(i.holds for i in ids), [i.name for i in ids if not i.holds]


def test_weight_ratios_are_derived_from_the_loss():
    phi, E = dv.phi, dv.E
    assert sp.simplify(dv.weight_ratio("exp") - phi) == 0
    assert sp.simplify(dv.weight_ratio("logistic") - phi / (1 + E * (1 + phi))) == 0
    with pytest.raises(ValueError):
        dv.deviation_program("hinge")


def test_reducer_rejects_a_wrong_delta():
    # δ without the q/(a+s) correction is *not* m - 1: the exact reduction must say so
    ys = (1, -1, 1)
    rhs, zs, q_orig = dv._instance(ys)
    s_ = sp.sqrt(q_orig)
    wrong = (ys[0] * rhs[0]) / s_
    assert not bl._vanishes(dv.sigma * wrong - (ys[0] * zs[0] / s_ - 1), q_orig)


@pytest.mark.parametrize("loss", ["exp", "logistic"])
def test_program_matches_original_update_numerically(loss):
    """At 60 digits, random state: the scaled deviation step equals the original z-step."""
    prog = dv.deviation_program(loss)
    rng = random.Random(7)
    n = 5
    with mpmath.workdps(60):
        ys = [rng.choice([1, -1]) for _ in range(n)]
        a = mpmath.mpf("1.3")
        sigma = mpmath.mpf(2) ** -30
        r = [mpmath.mpf(rng.uniform(-1, 1)) for _ in range(n)]
        c = mpmath.fsum(y * v for y, v in zip(ys, r)) / n
        r = [v - c * y for v, y in zip(r, ys)]  # r̂ ⊥ y
        gam = mpmath.mpf("3.7")
        z = [a * y + sigma * v for y, v in zip(ys, r)]
        # original: the structured gradient of bn_linear with λ = -ℓ'(γ m)
        s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / n)
        m = [y * v / s for y, v in zip(ys, z)]
        lam_f = sp.lambdify(bl.u, bl.weight_expr(loss), "mpmath")
        lam = [lam_f(gam * mi) for mi in m]
        A = mpmath.fsum(li * mi for li, mi in zip(lam, m)) / n
        orig = [-(gam / (n * s)) * y * (li - A * mi) for y, li, mi in zip(ys, lam, m)]
        # deviation form
        qh = mpmath.fsum(v * v for v in r) / n
        env = {dv.a: a, dv.s: s, dv.sigma: sigma, dv.qh: qh, dv.apl: a + s, dv.gamma: gam,
               dv.E: mpmath.exp(-gam), dv.eta: 1}

        def ev(expr, **kw):
            sub = dict(env)
            sub.update({getattr(dv, k) if k != "y" else dv.yj: v for k, v in kw.items()})
            return sp.lambdify(list(sub), expr, "mpmath")(*sub.values())

        lam0 = ev(prog.lam0)
        dh = [ev(prog.delta, y=y, rh=v) for y, v in zip(ys, r)]
        assert all(abs(sigma * d - (mi - 1)) < mpmath.mpf(10) ** -50 for d, mi in zip(dh, m))
        phih = [mpmath.expm1(-gam * sigma * d) / sigma for d in dh]
        psih = [ev(prog.psi, phih=p) for p in phih]
        Ph = mpmath.fsum(ev(prog.p_term, y=y, rh=v, psih=p) for y, v, p in zip(ys, r, psih)) / n
        new = [-(gam * lam0 / n) * sigma * ev(prog.h, y=y, rh=v, psih=p, Ph=Ph) for y, v, p in zip(ys, r, psih)]
        for o, w in zip(orig, new):
            assert abs(o - w) <= mpmath.mpf(10) ** -45 * max(abs(x) for x in orig)
        dgam = ev(prog.dgamma, Ph=Ph, lam0=lam0)
        assert abs(dgam - A) < mpmath.mpf(10) ** -50


def test_label_patterns_are_exhaustive():
    # the proofs enumerate every y ∈ {±1}^n: n = 2 gives 4 patterns
    assert len(list(itertools.product([1, -1], repeat=2))) == 4
    assert "all 4 label patterns" in dv.prove_deviation(2)[0].method
