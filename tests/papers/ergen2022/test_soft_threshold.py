"""The n ≤ d closed form: φ is the value of the scalar soft-thresholding problem, and the
block form thresholds y₊, y₋ (or each class) with dead neurons below β."""

import numpy as np
import pytest

from bnproof.papers.ergen2022.soft_threshold import closed_form, column_norms, phi


@pytest.mark.parametrize("t,beta", [(0.3, 1.0), (1.0, 1.0), (2.5, 1.0), (0.0, 0.2)])
def test_phi_is_the_minimum_of_the_scalar_problem(t, beta):
    s = np.linspace(0, 5, 200001)
    assert phi(t, beta) == pytest.approx(np.min(0.5 * (s - t) ** 2 + beta * s), abs=1e-9)


def test_scalar_closed_form_thresholds_both_signs():
    y = np.array([3.0, -1.0, 4.0, -0.5])
    value, fit, outs = closed_form(y, 1.0)
    plus, minus = np.linalg.norm([3.0, 4.0]), np.linalg.norm([1.0, 0.5])
    assert value == pytest.approx(phi(plus, 1.0) + phi(minus, 1.0))
    assert np.allclose(fit, (1 - 1 / plus) * np.maximum(y, 0) - (1 - 1 / minus) * np.maximum(-y, 0))
    assert [tag for _, tag in outs] == [1.0, -1.0] and column_norms(y) == pytest.approx([plus, minus])
    value, fit, outs = closed_form(y, 2.0)  # ‖y₋‖ ≤ β: that neuron is dead
    assert len(outs) == 1 and np.all(fit[y < 0] == 0)


def test_onehot_closed_form_is_per_class():
    Y = np.eye(3)[[0, 1, 2, 0, 1]]
    value, fit, outs = closed_form(Y, 0.5)
    norms = np.linalg.norm(Y, axis=0)
    assert value == pytest.approx(sum(phi(t, 0.5) for t in norms)) and len(outs) == 3
    assert np.allclose(fit, Y * (1 - 0.5 / norms))
