"""Paper modules: importing one registers its claims."""

from . import cao2023  # noqa: F401
