r"""The random batch-BN networks both Yang et al. claims simulate, their parameters, the citation.

Each Monte Carlo "seed" is an independent network (W^l ~ N(0, 1/N), no biases, full BN: centre
and divide by the biased batch std, ε = 0) applied to K independent Gaussian batches of every
batch size simulated (:func:`bnproof.models.bn_backprop.batch_bn_gradients`); confidence
intervals are Student-t intervals over networks.
"""

from __future__ import annotations

import numpy as np

from bnproof.claims import Claim
from bnproof.core.errors import BadInput
from bnproof.core.params import ListOf, Param, RunConfig
from bnproof.models.bn_backprop import BatchBNRun, batch_bn_gradients

__all__ = ["CITATION", "common_params", "width_param", "depth_param", "read_common", "simulate_networks"]

CITATION = ("Yang, Pennington, Rao, Sohl-Dickstein, Schoenholz. A Mean Field Theory of Batch "
            "Normalization. ICLR 2019 (arXiv 1902.08129)")

_QUICK = {"width": 256, "depth": 24, "seeds": 3, "batches": 8}  # --quick, for the parameters not set
_MEMORY_LIMIT = 2e9  # bytes of saved activations


def common_params(min_batch: int) -> tuple[Param, ...]:
    """Batch size, the batch-size sweep, networks and batches (``min_batch``: the claim's smallest B)."""
    return (
        Param("batch_size", 8, "batch size B of the headline comparison", int, lo=min_batch, hi=256),
        Param("sweep", "4,8,16,32", "further batch sizes simulated for the figure (comma-separated; '' for none)",
              ListOf(int, min_batch, 256, min_len=0)),
        Param("seeds", 4, "independent networks (Monte Carlo replicates; CIs are over these, so ≥ 2)", int,
              lo=2, hi=200),
        Param("batches", 6, "independent batches per network", int, lo=1, hi=256),
    )


def width_param() -> Param:
    return Param("width", 512, "network width N", int, lo=16, hi=8192)


def depth_param(default: int, help_text: str) -> Param:
    return Param("depth", default, help_text, int, lo=10, hi=500)


def read_common(claim: Claim, config: RunConfig) -> dict:
    """Every declared parameter (``--quick`` shrinks the unset network sizes), plus ``sizes``:
    the batch sizes simulated (the sweep and B); BadInput when the activations need > 2 GB."""
    p = {q.name: claim.param(config, q.name) for q in claim.params}
    if config.quick:
        p.update({k: v for k, v in _QUICK.items() if k not in config.params})
    p["sizes"] = sorted(set(p["sweep"]) | {p["batch_size"]})
    # the backward pass keeps every layer's activations: width × batches × ΣB × depth floats
    mem = 8 * p["width"] * p["batches"] * sum(p["sizes"]) * p["depth"]
    if mem > _MEMORY_LIMIT:
        raise BadInput(f"width × batches × (sum of batch sizes) × depth needs {mem / 1e9:.1f} GB (> 2 GB): "
                       "reduce --param width, batches, sweep or depth")
    return p


def simulate_networks(config: RunConfig, p: dict, act: str, center: bool, backward: bool,
                      label: str) -> list[dict[int, BatchBNRun]]:
    """``p["seeds"]`` independent networks, network i from the stream (run seed, i)."""
    runs = []
    for i in range(p["seeds"]):
        if config.progress is not None:
            config.progress(label, i, p["seeds"])
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, i]))
        runs.append(batch_bn_gradients(rng, width=p["width"], depth=p["depth"], batches=p["sizes"],
                                       K=p["batches"], act=act, center=center, backward=backward))
    if config.progress is not None:
        config.progress(label, p["seeds"], p["seeds"])
    return runs
