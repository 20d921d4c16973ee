"""Localization benchmark: single-mutation bugs in real projects' functions."""
