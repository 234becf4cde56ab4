"""Benchmarks for OneStop, run on demand: `make bench` (see docs/benchmarks.md)."""
