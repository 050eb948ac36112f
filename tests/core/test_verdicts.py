"""bnproof.core.verdicts: an interval against a band, decided at the band's edges; sub-checks combined."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from bnproof.core.records import INAPPLICABLE, INCONCLUSIVE, REFUTED, VERDICTS, VERIFIED
from bnproof.core.verdicts import CONFIDENCE_LEVEL, combine, interval_verdict

BAND = (1.0, 2.0)
BELOW = np.nextafter(BAND[0], -math.inf)  # the largest float below the band
ABOVE = np.nextafter(BAND[1], math.inf)  # the smallest float above it


def test_confidence_level():
    assert CONFIDENCE_LEVEL == 0.95


@pytest.mark.parametrize("low, high, verdict", [
    # inside, touching the edges from inside: verified
    (1.2, 1.8, VERIFIED),
    (BAND[0], 1.5, VERIFIED),
    (1.5, BAND[1], VERIFIED),
    (BAND[0], BAND[1], VERIFIED),
    # disjoint, by one ulp: refuted
    (0.5, BELOW, REFUTED),
    (ABOVE, 3.0, REFUTED),
    (BELOW, BELOW, REFUTED),
    # touching or crossing an edge from outside, or covering the band: inconclusive
    (BELOW, 1.5, INCONCLUSIVE),
    (1.5, ABOVE, INCONCLUSIVE),
    (0.5, BAND[0], INCONCLUSIVE),
    (BAND[1], 3.0, INCONCLUSIVE),
    (0.0, 3.0, INCONCLUSIVE),
])
def test_interval_verdict_at_the_band_edges(low, high, verdict):
    assert interval_verdict(low, high, BAND) == verdict


@pytest.mark.parametrize("low, high", [(math.nan, 1.5), (1.5, math.nan), (math.nan, math.nan), (0.0, math.nan)])
def test_a_nan_end_is_inconclusive(low, high):
    assert interval_verdict(low, high, BAND) == INCONCLUSIVE


@pytest.mark.parametrize("band, low, high, verdict", [
    ((0.0, math.inf), 0.0, 1e300, VERIFIED),  # one-sided statement "x >= 0"
    ((0.0, math.inf), -1.0, -1e-300, REFUTED),
    ((0.0, math.inf), -1e-300, 5.0, INCONCLUSIVE),
    ((-math.inf, 0.5), -math.inf, 0.5, VERIFIED),
    ((-math.inf, 0.5), np.nextafter(0.5, 1), 1.0, REFUTED),
])
def test_one_sided_bands(band, low, high, verdict):
    assert interval_verdict(low, high, band) == verdict


@pytest.mark.parametrize("verdicts, combined", [
    ([VERIFIED, VERIFIED], VERIFIED),
    ([VERIFIED], VERIFIED),
    ([VERIFIED, INCONCLUSIVE], INCONCLUSIVE),
    ([], INCONCLUSIVE),  # nothing checked proves nothing
    ([VERIFIED, INAPPLICABLE], INAPPLICABLE),
    ([INCONCLUSIVE, INAPPLICABLE], INAPPLICABLE),
    ([INAPPLICABLE, REFUTED], REFUTED),
    ([VERIFIED, INCONCLUSIVE, REFUTED], REFUTED),
])
def test_combine(verdicts, combined):
    assert combine(verdicts) == combined
    assert combine(iter(verdicts)) == combined  # any iterable, read once


def test_combine_precedence_over_every_pair():
    rank = {REFUTED: 0, INAPPLICABLE: 1, INCONCLUSIVE: 2, VERIFIED: 3}  # refuted wins; verified only if all are
    for a, b in itertools.product(VERDICTS, repeat=2):
        assert combine([a, b]) == min((a, b), key=rank.get), (a, b)


@pytest.mark.parametrize("low, high", [(math.nan, 0.5), (math.nan, BELOW), (3.0, math.nan), (ABOVE, math.nan)])
def test_one_nan_end_is_inconclusive_even_when_the_other_end_is_outside_the_band(low, high):
    """One NaN end alone decides: the finite end outside the band must not refute (mutation boundary)."""
    assert interval_verdict(low, high, BAND) == INCONCLUSIVE
