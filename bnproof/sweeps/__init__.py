"""Sweeps: one claim checked over a population of instances (seeds x a parameter grid) on Dask."""
