"""Benchmarks; their latest figures are in BENCHMARKS.md."""
