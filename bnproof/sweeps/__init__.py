"""Sweeps: one claim checked over a population of instances (seeds x a parameter grid) on Dask.

``sweep(claim, seeds, grid, ...)`` runs the tasks (:mod:`.api`) and returns the task table;
``summarise`` and ``population_verdict`` read such a table (:mod:`.summary`); ``read_tasks``
reads a sweep directory's table back (:mod:`.store`).  ``bnproof check --workers`` runs claims
on the same executor (:mod:`.executor`).  docs/sweeps.md describes the files and the verdict.
"""

from bnproof.sweeps.api import sweep
from bnproof.sweeps.store import read_tasks
from bnproof.sweeps.summary import population_verdict, summarise

__all__ = ["population_verdict", "read_tasks", "summarise", "sweep"]
