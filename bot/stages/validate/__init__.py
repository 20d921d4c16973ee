"""Validate: a candidate's tests against the baseline (`verdict.judge`), and the
coverage of the change (`change_coverage`)."""
