r"""The random network every Wei et al. claim simulates, its parameters, and the citation.

Inputs x ~ N(0, I_{N_0}) with N_0 = N; hidden layers l = 1..L-1: z = Wh + b with
W ~ N(0, σ_w²/N), b ~ N(0, σ_b²), then population BN and ReLU, h = relu(γ(z - μ)/s) (or
h = relu(z) without BN); layer L is a linear readout.  The BN statistics μ, s come from a
population sample and are then held fixed (:func:`bnproof.models.bn_backprop.popnet_init`).
"""

from __future__ import annotations

import numpy as np

from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.models import meanfield as mf
from bnproof.models.bn_backprop import PopNet, popnet_init

__all__ = ["CITATION", "CONVENTIONS", "network_params", "gammas_param", "read_network", "random_network", "network_rng",
           "arm_label", "arms"]

CITATION = ("Wei, Stokes, Schwab. Mean-field Analysis of Batch Normalization. arXiv 1903.02606, 2019 "
            "(ICLR 2019 submission)")

CONVENTIONS = (
    Param("variance", "variance", "BN scale s_l² in the backward recursion: the population variance q - q_xy "
          "(derived) or the second moment q (as printed)", str, mf.VARIANCE_READINGS),
    Param("base_case", "corrected", "input order parameters: corrected q̂⁰ = 1, q̂⁰_xy = 0, or printed (swapped)",
          str, ("corrected", "printed")),
)
"""The two flags of the reference notes (§c2.1, §6.3) as parameters; the defaults are our derivation."""

_MEMORY_LIMIT = 1e9  # bytes for one population (or sample) matrix of float64


def network_params(width: int, seeds: int, seeds_help: str) -> tuple[Param, ...]:
    """The parameters of the network (shared by the three claims; width and seeds differ)."""
    return (
        Param("width", width, "hidden width N (and input dimension N_0)", int, lo=8, hi=4096),
        Param("depth", 4, "number of linear layers L (L-1 hidden BN+ReLU layers, then a linear readout)", int,
              lo=2, hi=20),
        Param("sigma_w2", 2.0, "weight variance σ_w² (W ~ N(0, σ_w²/N))", float, lo=0, hi=100, lo_open=True),
        Param("sigma_b2", 0.5, "bias variance σ_b²", float, lo=0, hi=100),
        Param("population", 2000, "inputs used for the population BN statistics", int, lo=100, hi=200_000),
        Param("seeds", seeds, seeds_help, int, lo=2, hi=100),
    )


def gammas_param(help_text: str) -> Param:
    """The BN scales γ swept by fim-bound and max-learning-rate (order kept as given)."""
    return Param("gammas", "0.5,1,2,4", help_text, ListOf(float, 0, 100, lo_open=True, unique_sorted=False))


def read_network(claim: Claim, config: RunConfig, quick: dict | None = None) -> dict:
    """Every declared parameter of ``claim`` (``quick`` replaces unset ones under ``--quick``),
    plus ``widths`` = [N_0, N_1, ..., N_L]; BadInput when the matrices would not fit in memory."""
    p = {q.name: claim.param(config, q.name) for q in claim.params}
    if config.quick and quick:
        p.update({k: v for k, v in quick.items() if k not in config.params})
    if 8 * p["width"] * max(p["population"], p.get("samples", 0)) > _MEMORY_LIMIT:
        raise BadInput(f"width × population needs {8e-9 * p['width'] * p['population']:.1f} GB (> 1 GB): "
                       "reduce --param width or population")
    p["widths"] = [p["width"]] * p["depth"] + [p.get("outputs", 1)]
    return p


def network_rng(config: RunConfig, *key: int) -> np.random.Generator:
    """An independent stream per (run seed, key): every network of a record can be rebuilt."""
    return np.random.default_rng(np.random.SeedSequence([config.seed, *key]))


def random_network(rng: np.random.Generator, p: dict, gamma: float, bn: bool) -> PopNet:
    """One network of shape ``p["widths"]``; BN statistics from ``p["population"]`` Gaussian inputs."""
    pop = rng.standard_normal((p["population"], p["width"]))
    return popnet_init(rng, p["widths"], p["sigma_w2"], p["sigma_b2"], gamma, bn, pop)


def arms(gammas: list[float]) -> list[tuple[bool, float]]:
    """The compared networks: no BN (γ unused), then BN at each γ."""
    return [(False, 1.0)] + [(True, g) for g in gammas]


def arm_label(row: dict) -> str:
    """'no BN' or 'BN γ = g' for a row with keys ``bn`` and ``gamma``."""
    return "no BN" if not row["bn"] else f"BN γ = {row['gamma']:g}"
