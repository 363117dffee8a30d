"""Bluewatch benchmarks: each workload beside its baseline, in the same run."""
