"""Errors: ``BadInput`` becomes a one-line message and exit status 2; ``NumericalFailure``
becomes the verdict ``inconclusive`` (a tool failed, which says nothing about the claim)."""

__all__ = ["BadInput", "NumericalFailure"]


class BadInput(ValueError):
    """Input the user can fix: a bad file, shape, value, parameter or claim id."""


class NumericalFailure(RuntimeError):
    """A numerical tool failed (a solver's status, a non-converged eigensolver).

    :func:`bnproof.claims.run_claim` turns it into an ``inconclusive`` record whose reason is
    the message, so a failing solver is never a traceback and never a silent pass.
    """
