"""Shared pytest configuration: the Hypothesis settings profile (``HYPOTHESIS_PROFILE``, default ``bnproof-ci``).

The ``hypothesis`` entry point registers bnproof's profiles on ``import hypothesis``; registering
them here again (idempotent) keeps the suite working from a source tree where the entry point
is not installed.
"""

import os

from hypothesis import settings

from bnproof._hypothesis_profiles import register_profiles

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bnproof-ci"))
