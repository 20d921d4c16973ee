"""Localize: the code a failure points at, as ranked spans (`Localizer` port):
tracebacks only (`traceback_localizer`), or hybrid over the repository's index
(`knowledge.hybrid_localizer`)."""
