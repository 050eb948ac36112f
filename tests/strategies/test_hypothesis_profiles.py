"""bnproof's Hypothesis settings profiles (bnproof._hypothesis_profiles, the ``hypothesis`` entry point).

They are prefixed ``bnproof-`` so that installing bnproof never replaces a profile of the user's
or Hypothesis' own (``ci`` is built into Hypothesis and active whenever ``CI`` is set).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import settings

from bnproof import _hypothesis_profiles
from bnproof._hypothesis_profiles import PROFILES, register_profiles

KEYS = ("deadline", "max_examples", "derandomize", "print_blob", "database", "suppress_health_check")


def _python(code: str, **env: str) -> str:
    """stdout of ``python -c code`` in a fresh interpreter (profiles are process-global state)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "CI"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**environ, **env})
    assert out.returncode == 0, out.stderr[-1000:]
    return out.stdout


_SHOW = f"""
import json
from hypothesis import settings
def show(name):
    try:
        p = settings.get_profile(name)
    except Exception:
        return None
    return {{k: repr(getattr(p, k)) for k in {KEYS!r}}}
"""


def test_the_profiles_are_prefixed_and_as_documented():
    assert set(PROFILES) == {"bnproof-ci", "bnproof-dev", "bnproof-thorough"}
    register_profiles()
    ci, dev, thorough = (settings.get_profile(f"bnproof-{n}") for n in ("ci", "dev", "thorough"))
    assert (ci.deadline, ci.max_examples, ci.derandomize, ci.print_blob) == (None, 25, True, True)
    assert (dev.deadline, dev.max_examples) == (None, 10)
    assert (thorough.deadline, thorough.max_examples) == (None, 200)


def test_registering_again_is_idempotent_and_loads_nothing():
    before = settings._current_profile
    active = {k: getattr(settings(), k) for k in KEYS}
    register_profiles()
    first = {name: settings.get_profile(name) for name in PROFILES}
    register_profiles()
    assert settings._current_profile == before
    assert {k: getattr(settings(), k) for k in KEYS} == active
    for name, prof in first.items():
        again = settings.get_profile(name)
        assert {k: getattr(again, k) for k in KEYS} == {k: getattr(prof, k) for k in KEYS}


def test_the_suite_runs_under_bnproof_ci_unless_told_otherwise():
    expected = os.environ.get("HYPOTHESIS_PROFILE", "bnproof-ci")
    assert settings._current_profile == expected


def test_a_users_own_ci_profile_survives_importing_bnproof():
    code = _SHOW + """
settings.register_profile("ci", max_examples=7, deadline=1234)
settings.register_profile("dev", max_examples=3)
import bnproof.strategies
from bnproof._hypothesis_profiles import register_profiles
register_profiles()  # what the entry point does; here *after* the user's registration
print(json.dumps([settings.get_profile("ci").max_examples, settings.get_profile("dev").max_examples,
                  show("bnproof-ci") is not None]))
"""
    assert json.loads(_python(code)) == [7, 3, True]


@pytest.mark.parametrize("ci", ["", "1"])
def test_the_entry_point_leaves_hypothesis_own_profiles_alone(ci):
    """With and without the plugins (bnproof's entry point), every profile but ours is the same."""
    code = _SHOW + """
print(json.dumps({name: show(name) for name in ("default", "ci", "dev", "thorough", "bnproof-ci")}
                 | {"active": repr(settings().max_examples)}))
"""
    env = {"CI": ci} if ci else {}
    with_plugins = json.loads(_python(code, **env))
    without = json.loads(_python(code, HYPOTHESIS_NO_PLUGINS="1", **env))
    assert with_plugins["bnproof-ci"] is not None, "the entry point did not register bnproof-ci"
    assert without["bnproof-ci"] is None
    assert {k: v for k, v in with_plugins.items() if k != "bnproof-ci"} == \
           {k: v for k, v in without.items() if k != "bnproof-ci"}


def test_the_entry_point_module_is_cheap_to_import():
    # it runs during `import hypothesis`: no NumPy, no Hypothesis strategies, no bnproof modules
    code = ("import sys; import bnproof._hypothesis_profiles; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'hypothesis', 'mpmath', 'sympy')"
            " or m.startswith('bnproof.')))")
    assert _python(code, HYPOTHESIS_NO_PLUGINS="1").split() == ["['bnproof._hypothesis_profiles']"]
    assert _hypothesis_profiles.__all__ == ["PROFILES", "register_profiles"]
