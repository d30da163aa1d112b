"""The benchmarks of `make bench` and `make bench-engine`."""
