"""Benchmarks for backrelief: ``make bench`` (``python -m benchmarks``)."""
