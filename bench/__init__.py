"""Benchmarks, load and fault tests for rectrack: `make bench`, `make soak` (see docs/benchmarks.md)."""
