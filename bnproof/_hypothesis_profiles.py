"""Hypothesis settings profiles for bnproof's property tests (the ``hypothesis`` entry point).

Hypothesis calls :func:`register_profiles` on ``import hypothesis`` when bnproof is installed.
It lives in its own module, importing nothing of bnproof, because the entry point runs *while*
``hypothesis`` is being imported: were it in :mod:`bnproof.strategies` (which imports
hypothesis), ``import bnproof.strategies`` before ``import hypothesis`` would re-enter the
half-initialised module and fail.
"""

from __future__ import annotations

__all__ = ["register_profiles"]


def register_profiles() -> None:
    """Register the settings profiles ``ci``, ``dev`` and ``thorough``; load none of them.

    Idempotent: registering again overwrites each profile with identical settings.  (Hypothesis
    itself re-applies a profile that is *already active* when it is re-registered; this hook never
    changes which profile is active.)  Select one with ``settings.load_profile(name)`` -- the
    test suite's ``conftest.py`` reads ``HYPOTHESIS_PROFILE`` (default ``ci``).
    """
    from hypothesis import settings

    settings.register_profile("ci", deadline=None, max_examples=25, derandomize=True, print_blob=True)
    settings.register_profile("dev", deadline=None, max_examples=10)
    settings.register_profile("thorough", deadline=None, max_examples=200)
