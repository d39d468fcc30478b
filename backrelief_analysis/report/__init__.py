"""The physiotherapist's report: its content, charts, HTML and PDF."""
