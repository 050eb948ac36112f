"""What the Cao et al. (2023) claims share: citation, common parameters, option validation.

Shared within the paper only: the citation strings, the agreeing-digit threshold every audited
verdict needs, the linear model's parameters (used by the linear claims and by the BN side of
``cao2023.contrast``), the engine parameters of the linear and CNN claims, and the validation
of the common options --loss, --eta and --steps.
"""

from __future__ import annotations

from bnproof.analysis.stats import normal_interval
from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import Param, RunConfig
from bnproof.core.precision import CONTEXT_NAMES
from bnproof.symbolic import bn_linear

__all__ = ["CITATION", "SOUDRY", "MIN_DIGITS", "ENGINES", "LINEAR_PARAMS", "LINEAR_DEFAULTS", "engine_params",
           "loss_and_eta", "horizon", "w0_note", "ci95", "check_window_params", "nobn_audit_steps"]

CITATION = ("Cao, Zou, Li, Gu. The Implicit Bias of Batch Normalization in Linear Models and "
            "Two-layer Linear CNNs. COLT 2023, PMLR 195:5699-5753; arXiv 2306.11680")
SOUDRY = ("Soudry, Hoffer, Nacson, Gunasekar, Srebro. The Implicit Bias of Gradient Descent on "
          "Separable Data. JMLR 19(70):1-57, 2018")

MIN_DIGITS = 6.0  # agreeing digits the precision audit must show before a verdict is drawn

ENGINES = ("auto", "deviation", "multiprecision")

# The BN linear model's parameters.  A claim declaring only these (the BN side of
# cao2023.contrast) runs the multiprecision engine: only claims that add engine_params choose.
LINEAR_PARAMS = (
    Param("n", 8, "samples in the generated instance (ignored with --data)", int, lo=1, hi=4096),
    Param("d", 24, "dimension of the generated instance (ignored with --data)", int, lo=1, hi=100_000),
    Param("w0_scale", 1.5, "‖w0‖ of the generated instance; sets the rate constant c ∝ 1/‖Pw‖²", float, lo=0,
          lo_open=True, hi=1e3),
    Param("center", False, "mean-centre inside BN (the paper's convention is unconfirmed [recon])", bool),
    Param("arith", "flint", "arithmetic context of the main run", str, CONTEXT_NAMES),
    Param("audit_dps", 0, "digits of the precision-audit rerun (0: about twice --dps)", int, lo=0, hi=10_000),
    Param("audit", True, "run the precision audit (a record without it cannot be verified)", bool),
    Param("per_decade", 24, "log-spaced checkpoints per decade of t", int, lo=1, hi=1000),
    Param("enforce_assumptions", True,
          "return `inapplicable` when the theorem's assumptions fail (false: run anyway)", bool),
)
LINEAR_DEFAULTS = {"dps": 80, "steps": 100_000, "eta": "0.1", "loss": "exp", "quick_steps": 10_000}


def engine_params(audited: str, recursion: str) -> tuple[Param, Param]:
    """``engine`` and ``xval_steps``: the same names, defaults and meaning for the linear and CNN claims.

    ``audited`` says what the deviation engine's whole-horizon audit reruns, ``recursion`` what the
    multiprecision engine iterates (only the help texts differ).
    """
    return (
        Param("engine", "auto",
              f"GD engine: `deviation` (cancellation-free float64 deviation form, compiled; audited against "
              f"{audited} and cross-validated against the multiprecision engine), `multiprecision` "
              f"(the {recursion} recursion at --dps), `auto` (deviation unless --param arith is given)", str, ENGINES),
        Param("xval_steps", 10_000,
              "deviation engine: steps of the multiprecision cross-validation run (capped at --steps)", int,
              lo=1, hi=10**10),
    )


def loss_and_eta(claim: Claim, config: RunConfig) -> tuple[str, str]:
    """The claim's --loss and --eta, validated (one-line BadInput otherwise); η kept as a decimal string."""
    loss = claim.option(config, "loss")
    if loss not in bn_linear.LOSSES:
        raise BadInput(f"--loss must be one of {', '.join(bn_linear.LOSSES)}, got {loss!r}")
    eta = str(claim.option(config, "eta"))
    try:
        if not float(eta) > 0:
            raise ValueError
    except ValueError:
        raise BadInput(f"--eta must be a positive number, got {eta!r}") from None
    return loss, eta


def horizon(claim: Claim, config: RunConfig, minimum: int, purpose: str = "") -> int:
    """--steps (``quick_steps`` with --quick unless --steps is given), at least ``minimum``."""
    steps = int(claim.defaults["quick_steps"] if config.quick and config.steps is None
                else claim.option(config, "steps"))
    if steps < minimum:
        raise BadInput(f"--steps must be at least {minimum}{purpose}, got {steps}")
    return steps


def w0_note(config: RunConfig) -> str:
    """Where the run's w0 came from, for the record."""
    if config.data is None:
        return "generated from the seed"
    return "from --data" if config.data.w0 is not None else "ones(d) (no w0 in --data)"


def ci95(estimate: float, stderr: float, digits: int = 4) -> list[float]:
    """The normal-approximation 95 % interval estimate ± 1.96·stderr of a fitted parameter, rounded."""
    return [round(end, digits) for end in normal_interval(estimate, stderr)]


def check_window_params(claim: Claim, config: RunConfig) -> None:
    """One-line errors for the no-BN claims' parameter values outside their meaningful range."""
    window, p_tol = claim.param(config, "window"), claim.param(config, "p_tol")
    if not 0 < window <= 1:
        raise BadInput(f"--param window must lie in (0, 1], got {window}")
    if not 0 < p_tol < 1:
        raise BadInput(f"--param p_tol must lie in (0, 1), got {p_tol}")
    if claim.param(config, "per_decade") < 2:
        raise BadInput(f"--param per_decade must be at least 2, got {claim.param(config, 'per_decade')}")
    for name in ("audit_dps", "nobn_audit_dps", "bn_audit_dps"):
        if any(p.name == name for p in claim.params):
            value = claim.param(config, name)
            if value and value < 16:
                raise BadInput(f"--param {name} must be at least 16 digits (or 0 for the default), got {value}")


def nobn_audit_steps(claim: Claim, config: RunConfig) -> int:
    """Length of each audited segment of a no-BN run (0: 20000, 5000 with --quick)."""
    value = claim.param(config, "audit_steps")
    if value < 0:
        raise BadInput(f"--param audit_steps must be >= 0, got {value}")
    return value or (5_000 if config.quick else 20_000)
