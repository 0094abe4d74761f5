"""Benchmarks, load and fault tests for rectrack: `make bench`, `make soak` (see docs/benchmarks.md).

Also test infrastructure: the tests start uvicorn with `bench.server`, build data sets with
`bench.generate`, open raw driver connections with `bench.floors`, run the short soak and crash runs of
`bench.run_soak`, and check them with `bench.consistency`; keep these importable without the benchmark's
data or databases.
"""
