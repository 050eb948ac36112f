"""Shared pytest configuration: Hypothesis settings profiles (``HYPOTHESIS_PROFILE``, default ``ci``)."""

import os

from hypothesis import settings

import bnproof.strategies

bnproof.strategies._hypothesis_setup_hook()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
