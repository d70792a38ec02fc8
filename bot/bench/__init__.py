"""Benchmarks that need the real servers (run through `python -m bot bench ...`)."""
