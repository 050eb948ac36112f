"""What the Ergen et al. (ICLR 2022) claims share: citation, conventions, instances, parameters.

* :data:`CITATION`; :data:`SHIFTS`, the BN shift conventions c = 1/√n (``isometric``) and
  c = 1 (``one``) (reference notes §1); :data:`VALUE_RTOL`, the agreement demanded of optimal values.
* :func:`instance` -- ``--data`` or a Gaussian regression instance; :func:`random_orthogonal`.
* Parameter factories (:func:`beta_param`, :func:`shift_param`, :func:`spectrum_param`, …) with
  their ranges, so bad input is rejected when ``--param`` is parsed (exit 2), and
  :func:`spread_spectrum`, :func:`gd_step_count`, :func:`lbfgs_iterations`, :func:`counterexample`.
* :func:`gap_panel` -- the figure panel of the optimal-value checks: each network's distance to
  the predicted optimum p* with the tolerance the verdict uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bnproof.claims import Claim
from bnproof.core.data import check_memory
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.core.series import Curve, HLine, Panel

__all__ = ["CITATION", "SHIFTS", "VALUE_RTOL", "MAXITER", "QUICK_MAXITER", "GD_ETA", "REAL_TARGETS",
           "COMMON_ASSUMPTIONS", "instance", "random_orthogonal", "counterexample", "lbfgs_iterations",
           "gd_step_count", "spread_spectrum", "spectrum_text", "beta_param", "shift_param", "count_param",
           "spectrum_param", "gap_panel", "GAP_FLOOR", "tex_sci"]

CITATION = ("Ergen, Sahiner, Ozturkler, Pauly, Mardani, Pilanci. Demystifying Batch Normalization in ReLU "
            "Networks: Equivalent Convex Optimization Models and Implicit Regularization. ICLR 2022 (arXiv 2103.01499)")

SHIFTS = ("isometric", "one")
VALUE_RTOL = 1e-6  # relative agreement demanded of optimal values (Clarabel solves to 1e-9)
MAXITER, QUICK_MAXITER = 3000, 500  # L-BFGS iterations per start (default / --quick)
GD_ETA = 0.05  # plain GD: step on (γ, α, v); on W it is GD_ETA/σ_max(P_c X)²
# --data for these claims may carry real-valued targets y (regression), not only ±1 labels
REAL_TARGETS = {"targets": "real"}
COMMON_ASSUMPTIONS = ("full-batch BN before the ReLU, ε = 0: BN(h) = γ P_c h/‖P_c h‖ + α c 1",
                      "squared loss ½‖f − y‖², weight decay (β/2)(γ² + α² + v²), β > 0",
                      "P_c X ≠ 0")


def instance(config: RunConfig, n: int, d: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(X, y, source): ``--data`` if given (labels or real targets), else X ~ N(0,1)^{n×d}, y ~ N(0,1)^n."""
    if config.data is not None:
        ds = config.data
        if ds.X.ndim != 2:
            raise BadInput(f"--data: X must be n×d, got shape {ds.X.shape}")
        return np.asarray(ds.X, float), np.asarray(ds.y, float), ds.source
    check_memory(8 * n * (d + 1), f"--param n={n}, d={d}")  # before allocating X (n×d) and y
    rng = np.random.default_rng(config.seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    return X, y, f"generated(seed={config.seed}, X~N(0,1)^({n}x{d}), y~N(0,1)^{n})"


def random_orthogonal(rng: np.random.Generator, k: int) -> np.ndarray:
    """A Haar-random k×k orthogonal matrix (QR of a Gaussian matrix, signs fixed by diag R)."""
    Q, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Q * np.sign(np.diag(R))


def counterexample(X, y, values, what: str) -> dict:
    """The instance and the offending values, saved in ``measured.counterexample`` of a refutation."""
    return {"X": np.asarray(X).tolist(), "y": np.asarray(y).tolist(), "values": [float(v) for v in values],
            "what": what}


GAP_FLOOR = 1e-17  # relative gaps under float64 resolution are drawn here: a log axis has no 0


def gap_panel(title: str, optimum: float, groups: Sequence[tuple[str, Sequence[float]]],
              optimum_name: str = r"$p^*$") -> Panel:
    """|objective − p*| / max(1, |p*|) of each network on a log axis, with the tolerance line.

    The verdicts of the optimal-value checks decide on exactly this: no network below p* by more
    than :data:`VALUE_RTOL` (relative), and the networks built from the solution within it.
    ``groups`` are (label, objectives), laid out one after another along x; networks below
    p* are drawn as their own curve with crosses, so a refutation shows as a cross above the line.
    """
    scale = max(1.0, abs(optimum))
    curves, start, below_named = [], 1, False
    for k, (label, values) in enumerate(groups):  # one colour per group; crosses mark networks below p*
        xs = range(start, start + len(values))
        above = [(x, max((v - optimum) / scale, GAP_FLOOR)) for x, v in zip(xs, values) if v >= optimum]
        below = [(x, max((optimum - v) / scale, GAP_FLOOR)) for x, v in zip(xs, values) if v < optimum]
        if above:
            curves.append(Curve(label, [y for _, y in above], x=[x for x, _ in above], style=f"C{k}o"))
        if below:
            name = f"{label} (× below {optimum_name})" if not above else "" if below_named else f"× below {optimum_name}"
            curves.append(Curve(name, [y for _, y in below], x=[x for x, _ in below], style=f"C{k}x"))
            below_named = True
        start += len(values)
    p = optimum_name.strip("$")
    ylabel = rf"$|\,\mathrm{{objective}} - {p}\,|\,/\max(1, |{p}|)$"
    return Panel(title, "network", ylabel, x=list(range(1, start)), curves=curves, yscale="log",
                 hlines=[HLine(VALUE_RTOL, f"tolerance {tex_sci(VALUE_RTOL)}", kind="bound")])


def tex_sci(value: float) -> str:
    """``value`` in mathtext scientific notation: ``$10^{-6}$``, ``$2.5\\times10^{-3}$``."""
    mantissa, exponent = f"{value:.1e}".split("e")
    power = f"10^{{{int(exponent)}}}"
    return f"${power}$" if mantissa == "1.0" else rf"${mantissa.rstrip('0').rstrip('.')}\times{power}$"


def lbfgs_iterations(config: RunConfig) -> int:
    """L-BFGS iterations per start: :data:`QUICK_MAXITER` with ``--quick``, else :data:`MAXITER`."""
    return QUICK_MAXITER if config.quick else MAXITER


def gd_step_count(claim: Claim, config: RunConfig) -> int:
    """GD steps: ``--steps`` if given, else the claim's ``gd_steps`` parameter."""
    steps = config.steps or claim.param(config, "gd_steps")
    if steps < 1:
        raise BadInput(f"--steps: must be >= 1, got {steps}")
    return steps


def spread_spectrum(claim: Claim, config: RunConfig, n: int) -> np.ndarray:
    """The ``spectrum`` parameter as descending singular values; at most n − 1 of them (rank of P_c X)."""
    sigma = np.array(claim.param(config, "spectrum"), float)
    if sigma.size > n - 1:
        raise BadInput(f"--param spectrum: at most n-1 = {n - 1} values, got {sigma.size}")
    return np.sort(sigma)[::-1]


def spectrum_text(claim: Claim, config: RunConfig) -> str:
    """The ``spectrum`` parameter as written (order kept), for figure labels."""
    return ",".join(f"{v:g}" for v in claim.param(config, "spectrum"))


# --------------------------------------------------------------------------- parameters


def beta_param(default: float) -> Param:
    return Param("beta", default, "weight decay β > 0", float, lo=0.0, lo_open=True, hi=1e6)


def shift_param(help: str = "BN shift constant c") -> Param:  # noqa: A002  (the Param field's name)
    return Param("shift", "isometric", help, str, SHIFTS)


COUNT_MAX = 1_000_000  # no size, seed count or step count of these checks is meaningful (or fits in memory) above this


def count_param(name: str, default: int, help: str, lo: int = 1) -> Param:  # noqa: A002
    """An integer parameter in [``lo``, COUNT_MAX] (sizes, starts, seeds, steps)."""
    return Param(name, default, help, int, lo=lo, hi=COUNT_MAX)


def spectrum_param(help: str) -> Param:  # noqa: A002
    """Comma-separated positive singular values, at least two, in the order given."""
    return Param("spectrum", "10,1,0.1", help, ListOf(float, lo=0.0, lo_open=True, min_len=2, unique_sorted=False))
