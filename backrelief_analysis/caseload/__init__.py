"""The physiotherapist's caseload: every patient's bundle or log folder in one table."""
