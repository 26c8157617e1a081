"""Benchmarks that print their measurements (run: python -m benchmarks.NAME)."""
