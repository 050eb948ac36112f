"""Errors that the CLI turns into a one-line message and exit status 2."""

__all__ = ["BadInput"]


class BadInput(ValueError):
    """Input the user can fix: a bad file, shape, value, parameter or claim id."""
