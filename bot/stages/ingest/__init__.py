"""Ingest: failing tests from JUnit reports (`junit.parse_report_bytes`), from a CI run's
artifacts or logs on GitHub (`artifacts.collect_reports`), and traceback frames."""
