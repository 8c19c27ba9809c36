"""Benchmarks: wall time and peak RSS of every way of judging a table of incidents, and their floor."""
