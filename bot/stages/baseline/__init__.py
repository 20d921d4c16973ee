"""Baseline: which tests pass on the original tree (`run.run_baseline`), cached per tree."""
