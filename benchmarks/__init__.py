"""Benchmarks for backrelief: ``make bench`` (``python -m benchmarks``)."""

import sys
from pathlib import Path

# The benchmarks reuse the tests' helpers (tests/plans.py, the browser test's recorder), which
# import each other by bare name as under pytest: tests/ goes on the path as pytest puts it.
_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.append(_TESTS)
