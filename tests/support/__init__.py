"""Helpers only the tests and the benchmarks use: drawn numbers, process memory, security checks."""
