"""Reproduce: run the failing tests again (`rerun.reproduce_failures`) through the
sandbox (`suite.Suite`), and judge each failure confirmed, flaky or not reproducible."""
