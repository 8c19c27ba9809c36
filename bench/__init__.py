"""Benchmarks: a synthetic incident generator and the end-to-end timing of every executor."""
