"""The vocabulary every layer shares: frozen data (models, results), errors, ports,
settings (config) and the GitHub port. It imports nothing of the stages, the wiring or
the entry points."""
