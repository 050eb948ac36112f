"""Hypothesis strategies for property-based tests of bnproof, in the style of ``hypothesis.extra.numpy``.

Import them from here (``from bnproof.strategies import separable_data``); the submodules group
them by model and may be imported too:

=====================  ==========================================================================
``linear``             labelled data for the BN linear model: :func:`separable_data`,
                       :func:`uniform_margin_data`, :func:`no_uniform_margin_data`; :func:`losses`
``patches``            patch data for the BN linear CNN: :func:`patch_data`
``precision``          high-precision arithmetic contexts: :func:`contexts`
``bn_init``            batches at initialization (:func:`init_batches`, :func:`generic_batches`,
                       :func:`low_rank_batches`, :func:`near_degenerate_batches`) and
                       :func:`bn_components`
``meanfield``          :func:`bn_batches`, :func:`correlations`, :func:`popnets`
``scale_invariant``    :func:`sphere_toys`, :func:`bn_regressions`, :func:`bn_mlps`,
                       :func:`scale_invariant_models`, :func:`nonzero_weights`
``ergen2022``          :func:`regression_data` (real targets), :func:`bn_nets`
``validation``         what they all share: the size convention, the element domain, the checks
=====================  ==========================================================================

Conventions (:mod:`bnproof.strategies.validation`):

* every size (``n``, ``d``, ``P``, ``width``, ``dps``, ...) is a keyword named after its symbol
  and is an int, a pair ``(lo, hi)`` (both included) or a strategy of ints; a size the strategy
  cannot build raises :class:`hypothesis.errors.InvalidArgument` (when the strategy is built,
  or for a strategy of sizes when the value is drawn);
* drawn arrays are float64 with elements in [-3, 3], finite, not subnormal; data sets are built
  with :func:`bnproof.core.data.validate`, so a drawn instance is exactly what ``--data`` accepts;
* each strategy's docstring states what every drawn example guarantees and which draws it
  rejects with :func:`hypothesis.assume`.

Settings profiles ``bnproof-ci``, ``bnproof-dev`` and ``bnproof-thorough`` are registered by the
``hypothesis`` entry point (:mod:`bnproof._hypothesis_profiles`), not here, and never loaded for you.
"""

from __future__ import annotations

from bnproof.strategies.bn_init import batches as init_batches
from bnproof.strategies.bn_init import components as bn_components
from bnproof.strategies.bn_init import (
    generic_batches,
    low_rank_batches,
    near_degenerate_batches,
)
from bnproof.strategies.ergen2022 import bn_nets, regression_data
from bnproof.strategies.linear import (
    losses,
    no_uniform_margin_data,
    separable_data,
    uniform_margin_data,
)
from bnproof.strategies.meanfield import bn_batches, correlations, popnets
from bnproof.strategies.patches import patch_data
from bnproof.strategies.precision import contexts
from bnproof.strategies.scale_invariant import (
    bn_mlps,
    bn_regressions,
    nonzero_weights,
    scale_invariant_models,
    sphere_toys,
)

__all__ = [
    # BN linear model and CNN (Cao et al. 2023)
    "separable_data",
    "uniform_margin_data",
    "no_uniform_margin_data",
    "patch_data",
    "losses",
    # arithmetic
    "contexts",
    # BN at initialization
    "init_batches",
    "generic_batches",
    "low_rank_batches",
    "near_degenerate_batches",
    "bn_components",
    # mean-field BN
    "bn_batches",
    "correlations",
    "popnets",
    # scale-invariant models (Lyu et al. 2022)
    "sphere_toys",
    "bn_regressions",
    "bn_mlps",
    "scale_invariant_models",
    "nonzero_weights",
    # convex programs of BN networks (Ergen et al. 2022)
    "regression_data",
    "bn_nets",
]
