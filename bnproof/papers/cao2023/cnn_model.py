r"""GD on the two-layer single-filter linear CNN with BN (Cao et al. 2023; reference notes §1.3, [recon]).

Patches x_i = (x_i^(1), …, x_i^(P)) in R^d, one shared filter w, BN statistics pooled over the
batch and the patches,

    f(w, γ; x_i) = γ · c Σ_p ⟨w, x_i^(p)⟩ / ‖w‖_Σ,   Σ = (1/(nP)) Σ_{i,p} x_i^(p) x_i^(p)ᵀ,

with c = 1/P (``pooling=average``) or c = 1 (``pooling=sum``).  The two engines,
:func:`bnproof.engines.bn_cnn.simulate` (the exact nP-dimensional recursion in z_ip = ⟨w, x_i^(p)⟩
in any arithmetic context) and :func:`bnproof.engines.bn_cnn.simulate_deviation` (the
cancellation-free deviation form, compiled float64), compute the same observables (``gap`` =
max_ip |sign(γ)·m_ip - 1|, ``sample_gap``, ``gamma``, ``s``, ``loss``).  :class:`CNNGD` hands
both to the shared audited run and reads their final states; :func:`cnn_run` returns the patch
and sample margins and the direction of w at the horizon.
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
from bnproof.engines.bn_cnn import patch_system, simulate, simulate_deviation
from bnproof.engines.runner import Trajectory
from bnproof.models.bn_linear import patchwise_solution, stacked
from bnproof.papers.cao2023.audited_run import ReferenceAudit, audited_run, run_options

__all__ = ["CNNRun", "CNNGD", "cnn_run"]


@dataclass(frozen=True)
class CNNRun:
    """One audited run of GD on the BN CNN, with everything a check needs."""

    data: Dataset
    loss: str
    eta: str
    pooling: str
    trajectory: Trajectory
    audit: Audit | None
    patch_margins: list[list[str]]  # sign(γ)·m_ip at the horizon, n rows of P
    sample_margins: list[str]  # sign(γ)·(1/P)Σ_p m_ip at the horizon
    direction: list[str]  # unit vector of the row-space part of sign(γ)·w_T ([] if G is singular)
    expected_direction: list[str]  # unit ŵ = X_sᵀ G⁻¹ ỹ
    s_final: float
    engine: dict | None = None  # deviation engine: its audits and cross-validation (None: multiprecision)


def _direction(ctx: Context, data: Dataset, v: list) -> list[str]:
    """Unit vector of X_sᵀ G⁻¹ v (the row-space part of w when v = X_s w)."""
    with ctx.scope():
        G, _, rows = patch_system(ctx, data, np.zeros(data.d))
        c = ctx.solve(G, v)
        w = [ctx.sum([c[i] * rows[i][k] for i in range(len(rows))]) for k in range(data.d)]
        norm = ctx.namespace()["sqrt"](ctx.sum([x * x for x in w]))
        return [ctx.to_str(x / norm, 25) for x in w]


_REFERENCE_METHOD = ("deviation engine (float64, cancellation-free form); agreeing digits = minimum over "
                     "checkpoints of (1) its NumPy reference rerun over the whole horizon and "
                     "(2) the multiprecision engine at the shared checkpoints t <= cross_validation.steps")


@dataclass(frozen=True)
class CNNGD:
    """The BN CNN on one patch data set, as :func:`~bnproof.papers.cao2023.audited_run.audited_run` runs it."""

    data: Dataset
    loss: str
    eta: str
    pooling: str

    keys: ClassVar[tuple[str, ...]] = ("gap", "sample_gap", "gamma")
    # there is no double-double CNN variant: the NumPy reference (same formulas, other rounding)
    # measures the rounding of the float64 state
    reference: ClassVar[ReferenceAudit] = ReferenceAudit(
        variant="numpy", key="reference_audit", label="audit (deviation engine, numpy)", audit_dps=None,
        method=_REFERENCE_METHOD)

    def deviation_unavailable(self) -> str | None:
        return None

    def simulate(self, ctx: Context, steps: int, checkpoints: list[int], progress) -> tuple[Trajectory, Any]:
        return simulate(self.data, loss=self.loss, eta=self.eta, steps=steps, ctx=ctx, pooling=self.pooling,
                        checkpoints=checkpoints, progress=progress)

    def simulate_deviation(self, steps: int, checkpoints: list[int], variant: str, progress) -> Trajectory:
        return simulate_deviation(self.data, loss=self.loss, eta=self.eta, steps=steps, pooling=self.pooling,
                                  checkpoints=checkpoints, variant=variant, progress=progress)

    def _directions(self, ctx: Context, signed_z: list) -> tuple[list[str], list[str]]:
        """(direction of the run, expected direction), or empty lists when G is singular or no solution exists."""
        Xs, yp = stacked(self.data)
        if not (np.linalg.matrix_rank(Xs @ Xs.T) == len(yp) and patchwise_solution(self.data)[0]):
            return [], []
        return _direction(ctx, self.data, signed_z), _direction(ctx, self.data, list(yp))

    def read_out(self, ctx: Context, traj: Trajectory, kernel: Any) -> dict:
        z, gamma = traj.final_state
        n, P = self.data.n, self.data.P
        with ctx.scope():
            zn = ctx.aslist(z)  # native for the kernels (a NumPy array in float64)
            zl = list(zn)
            s, m = kernel.margins(zn, gamma)
            sg = 1 if ctx.to_float(gamma) >= 0 else -1
            flat = [ctx.to_str(sg * v, 25) for v in m]
            sample = [ctx.to_str(sg * v, 25) for v in kernel.sample_margins(zn, gamma)]
            s_final = ctx.to_float(s)
        direction, expected = self._directions(ctx, [sg * v for v in zl])
        return {"patch_margins": [flat[i * P:(i + 1) * P] for i in range(n)], "sample_margins": sample,
                "direction": direction, "expected_direction": expected, "s_final": s_final}

    def read_out_deviation(self, traj: Trajectory) -> dict:
        st = traj.final_state
        n, P = self.data.n, self.data.P
        with mpmath.workdps(40):
            # z = parity·(a ỹ + 2^e r̂), exactly the float64 state, evaluated at 40 digits
            e, parity = int(st.ints[0]), int(st.ints[1])
            a = mpmath.mpf(float(st.f[0]))
            two_e = mpmath.ldexp(mpmath.mpf(1), e)
            _, yp = stacked(self.data)
            z = [parity * (a * int(yi) + mpmath.mpf(float(h)) * two_e) for yi, h in zip(yp, st.rh)]
            s = mpmath.sqrt(mpmath.fsum(v * v for v in z) / len(z))
            sg = 1 if mpmath.mpf(traj.last("gamma")) >= 0 else -1
            flat = [sg * int(yi) * zi / s for yi, zi in zip(yp, z)]
            patch = [[mpmath.nstr(v, 25) for v in flat[i * P:(i + 1) * P]] for i in range(n)]
            sample = [mpmath.nstr(mpmath.fsum(flat[i * P:(i + 1) * P]) / P, 25) for i in range(n)]
            direction, expected = self._directions(get_context("mpmath", 40), [sg * v for v in z])
            s_final = float(s)
        return {"patch_margins": patch, "sample_margins": sample, "direction": direction,
                "expected_direction": expected, "s_final": s_final}


def cnn_run(claim: Claim, config: RunConfig, data: Dataset) -> CNNRun:
    """The audited run of the BN CNN on ``data``, as the claim's options and parameters say."""
    opts = run_options(claim, config)
    pooling = claim.param(config, "pooling")
    res = audited_run(claim, config, CNNGD(data, opts.loss, opts.eta, pooling), opts)
    return CNNRun(data=data, loss=opts.loss, eta=opts.eta, pooling=pooling, trajectory=res.trajectory,
                  audit=res.audit, engine=res.engine, **res.read_out)
