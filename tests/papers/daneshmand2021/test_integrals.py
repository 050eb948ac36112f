"""The quadratures of Lemmas 9 and 10 (Sawa's p_i, Lemma 10's g): float64 against mpmath."""

import numpy as np
import pytest

from bnproof.papers.daneshmand2021 import integrals as qi


def test_p_quadrature_sums_to_one_and_matches_mpmath():
    sig2 = np.array([0.5, 0.3, 0.15, 0.05])
    p = qi.p_reading(sig2, "sigma_i")
    assert abs(p.sum() - 1) < 1e-12
    assert abs(qi.p_quadrature(sig2, 3) - qi.p_quadrature(sig2, 3, 30)) < 1e-12
    assert abs(qi.p_reading(sig2, "sigma_n").sum() - 1) > 0.1  # the printed reading cannot sum to 1
    assert qi.lemma10_g(0.0, 5) == pytest.approx(1, abs=1e-12)
    assert qi.lemma10_g(0.0, 5, 1) == pytest.approx(10 / 7, abs=1e-10)
