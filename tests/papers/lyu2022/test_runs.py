"""bnproof.papers.lyu2022.runs: the phase-2 entry prediction and the sphere-toy run."""

import math

import pytest

from bnproof.papers.lyu2022.common import GDSettings
from bnproof.papers.lyu2022.runs import entry_prediction, t1_eos_run, t1_sharpness


def test_entry_prediction_formula():
    # ln(2/(η̃₀λ₁))/(2ηλ) up to the O(ηλ) difference between −2 ln(1−ηλ) and 2ηλ
    assert entry_prediction(0.1, 1.5, 1e-4, 2.0) == pytest.approx(math.log(2 / 0.15) / 2e-4, rel=2e-4)


def test_t1_sharpness_on_gamma():
    assert t1_sharpness(0.0) == 1.5 and t1_sharpness(math.pi / 2) == pytest.approx(1.0)


def test_t1_eos_run_samples_sharpness_every_few_steps():
    run = t1_eos_run(GDSettings(0.1, 1e-3, "coupled"), steps=100, radius=1.0, phi0=0.3, normal=1e-3, noise=1e-12,
                     seed=0, every=1, sharp_every=10)
    assert len(run.t) == 101 and run.t_sharp.tolist() == list(range(0, 101, 10))
    assert run.eff(0.1)[0] == pytest.approx(0.1 * t1_sharpness(0.3), rel=1e-5) and not run.underflow
