r"""The BN linear model f(w, γ; x) = γ⟨w, x⟩/‖w‖_Σ in the audited run (Cao et al. 2023; reference
notes §1.1-1.2).

The two engines, :func:`bnproof.engines.bn_linear.simulate` (the exact n-dimensional recursion in
z = Xw in any arithmetic context) and :func:`bnproof.engines.bn_linear.simulate_deviation` (the
cancellation-free deviation form, compiled float64), compute the same observables (``gap`` =
max_i |sign(γ)·m_i - 1|, ``gamma``, ``s`` = ‖w‖_Σ, ``loss``) at log-spaced checkpoints.
:class:`LinearGD` hands both to the shared audited run and reads their final states;
:func:`linear_run` returns what the linear claims and the BN side of ``cao2023.contrast`` read:
the margins, the row-space direction of w at the horizon and the expected direction ŵ = Xᵀ G⁺ y.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import mpmath
import numpy as np

from bnproof.claims import Claim
from bnproof.core.data import Dataset
from bnproof.core.params import RunConfig
from bnproof.core.precision import Context, get_context
from bnproof.engines.audit import Audit
from bnproof.engines.bn_linear import gram_and_z0, simulate, simulate_deviation
from bnproof.engines.runner import Trajectory
from bnproof.models.bn_linear import uniform_margin_exists
from bnproof.papers.cao2023.audited_run import ReferenceAudit, audited_run, run_options

__all__ = ["BNLinearRun", "LinearGD", "linear_run"]


@dataclass(frozen=True)
class BNLinearRun:
    """One audited run of GD on the BN linear model, with everything a check needs."""

    data: Dataset
    loss: str
    eta: str
    center: bool
    trajectory: Trajectory
    audit: Audit | None
    margins: list[str]  # sign(γ)·m_i at the horizon
    gamma: str
    direction: list[str]  # unit vector of the row-space part of w_T
    expected_direction: list[str]  # unit ŵ = Xᵀ G⁺ y
    s_final: float
    engine: dict | None = None  # deviation engine: its audits and cross-validation (None: multiprecision)


def _direction(ctx: Context, data: Dataset, center: bool, z: Any) -> list[str]:
    """Unit vector of Xᵀ G⁻¹ v (the row-space part of w when v = Xw)."""
    with ctx.scope():
        G, _, X = gram_and_z0(ctx, data, center, np.zeros(data.d))
        if center:
            # G_c = Q G Q is singular along 1; v ⊥ 1, so solve (G_c + 11ᵀ) c = v instead:
            # then 1ᵀc = 0 and G_c c = v.
            G = ctx.matrix([[G[i, j] + 1 for j in range(data.n)] for i in range(data.n)])
        c = ctx.solve(G, ctx.vector(list(z)) if not ctx.vectorized else z)
        w = [ctx.sum([c[i] * X[i][k] for i in range(data.n)]) for k in range(data.d)]
        sq = ctx.sum([v * v for v in w])
        norm = sq ** 0.5 if ctx.vectorized else ctx.namespace()["sqrt"](sq)
        return [ctx.to_str(v / norm, 20) for v in w]


_DD_METHOD = ("deviation engine (float64, cancellation-free form); agreeing digits = minimum over "
              "checkpoints of (1) the double-double-state rerun over the whole horizon and "
              "(2) the multiprecision engine at the shared checkpoints t <= cross_validation.steps")


@dataclass(frozen=True)
class LinearGD:
    """The BN linear model on one data set, as :func:`~bnproof.papers.cao2023.audited_run.audited_run` runs it."""

    data: Dataset
    loss: str
    eta: str
    center: bool

    keys: ClassVar[tuple[str, ...]] = ("gap", "gamma")
    reference: ClassVar[ReferenceAudit] = ReferenceAudit(
        variant="numba-dd", key="dd_audit", label="audit (double-double)", audit_dps=32, method=_DD_METHOD)

    def deviation_unavailable(self) -> str | None:
        if self.center and float(np.sum(self.data.y)) != 0:
            return ("--param engine=deviation with center=true needs balanced labels (Σ y_i = 0); "
                    "use engine=multiprecision")
        return None

    def simulate(self, ctx: Context, steps: int, checkpoints: list[int], progress) -> tuple[Trajectory, Any]:
        return simulate(self.data, loss=self.loss, eta=self.eta, steps=steps, ctx=ctx, center=self.center,
                        checkpoints=checkpoints, progress=progress)

    def simulate_deviation(self, steps: int, checkpoints: list[int], variant: str, progress) -> Trajectory:
        return simulate_deviation(self.data, loss=self.loss, eta=self.eta, steps=steps, center=self.center,
                                  checkpoints=checkpoints, variant=variant, progress=progress)

    def _directions(self, ctx: Context, signed_z: list) -> tuple[list[str], list[str]]:
        """(direction of the run, expected direction ŵ), or empty lists when no uniform margin exists."""
        if not uniform_margin_exists(self.data, self.center)[0]:
            return [], []
        return (_direction(ctx, self.data, self.center, signed_z),
                _direction(ctx, self.data, self.center, list(self.data.y)))

    def read_out(self, ctx: Context, traj: Trajectory, kernel: Any) -> dict:
        z, gamma = traj.final_state
        with ctx.scope():
            z = ctx.aslist(z)
            s, m = kernel.margins(z, gamma)
            sg = 1 if ctx.to_float(gamma) >= 0 else -1
            margins = [ctx.to_str(sg * mi, 25) for mi in m]
            s_final = ctx.to_float(s)
        direction, expected = self._directions(ctx, [sg * v for v in z])
        return {"margins": margins, "gamma": traj.last("gamma"), "direction": direction,
                "expected_direction": expected, "s_final": s_final}

    def read_out_deviation(self, traj: Trajectory) -> dict:
        st = traj.final_state
        with mpmath.workdps(40):
            # z = parity·(a y + 2^e r̂), exactly the float64 (double-double) state, evaluated at 40 digits
            e, parity = int(st.ints[0]), int(st.ints[1])
            a = mpmath.mpf(float(st.f[0])) + mpmath.mpf(float(st.f[2]))
            two_e = mpmath.ldexp(mpmath.mpf(1), e)
            ys = [int(v) for v in self.data.y]
            z = [parity * (a * yi + (mpmath.mpf(float(h)) + mpmath.mpf(float(lo))) * two_e)
                 for yi, h, lo in zip(ys, st.rh, st.rh_lo)]
            s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / len(z))
            sg = 1 if mpmath.mpf(traj.last("gamma")) >= 0 else -1
            margins = [mpmath.nstr(sg * yi * zi / s, 25) for yi, zi in zip(ys, z)]
            direction, expected = self._directions(get_context("mpmath", 40), [sg * v for v in z])
            s_final = float(s)
        return {"margins": margins, "gamma": traj.last("gamma"), "direction": direction,
                "expected_direction": expected, "s_final": s_final}


def linear_run(claim: Claim, config: RunConfig, data: Dataset) -> BNLinearRun:
    """The audited run of the BN linear model on ``data``, as the claim's options and parameters say."""
    opts = run_options(claim, config)
    center = claim.param(config, "center")
    res = audited_run(claim, config, LinearGD(data, opts.loss, opts.eta, center), opts)
    return BNLinearRun(data=data, loss=opts.loss, eta=opts.eta, center=center, trajectory=res.trajectory,
                       audit=res.audit, engine=res.engine, **res.read_out)
