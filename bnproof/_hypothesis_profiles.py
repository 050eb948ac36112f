"""Hypothesis settings profiles for bnproof's property tests (the ``hypothesis`` entry point).

Hypothesis calls :func:`register_profiles` on ``import hypothesis`` when bnproof is installed
(``[project.entry-points.hypothesis]`` in pyproject.toml).  The profiles carry a ``bnproof-``
prefix because the entry point runs in every environment bnproof is installed in: a profile
named ``ci`` would replace Hypothesis' built-in ``ci`` profile (active whenever the ``CI``
variable is set) and a user's own ``ci``/``dev`` profiles.

The module imports nothing at import time (not even bnproof's own modules): the entry point
runs *while* ``hypothesis`` is being imported, so importing hypothesis here at module level
would re-enter the half-initialised package when ``import bnproof.strategies`` comes first.
"""

from __future__ import annotations

__all__ = ["PROFILES", "register_profiles"]

# name -> settings; select one with settings.load_profile(name) (our conftest.py reads
# HYPOTHESIS_PROFILE, default "bnproof-ci").
PROFILES: dict[str, dict] = {
    "bnproof-ci": dict(deadline=None, max_examples=25, derandomize=True, print_blob=True),
    "bnproof-dev": dict(deadline=None, max_examples=10),
    "bnproof-thorough": dict(deadline=None, max_examples=200),
}


def register_profiles() -> None:
    """Register the settings profiles of :data:`PROFILES`; load none of them.

    Idempotent: registering again overwrites each profile with identical settings.  (Hypothesis
    re-applies a profile that is *already active* when it is re-registered; with identical
    settings that changes nothing.)
    """
    # Imported here, not at module level: this runs during `import hypothesis` (see above), when
    # `hypothesis.settings` already exists but the package is not finished importing.
    from hypothesis import settings

    for name, options in PROFILES.items():
        settings.register_profile(name, **options)
