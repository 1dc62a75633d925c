"""Benchmarks: `python -m bench` (or `make bench`) runs every module here, each in its own process
with its own throwaway database. Figures go to figures/bench_<name>.json."""
