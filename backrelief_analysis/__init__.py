"""backrelief: follow a home exercise programme for lower back pain and see whether it helps."""

__version__ = "0.1.0"
