"""Benchmark harness: python -m benchmarks.run (or python -m analytics bench)."""
