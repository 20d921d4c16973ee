"""Repair: the attempts loop (`loop.Rounds`) over generate -> apply -> policy ->
validate (`attempt.try_candidate`), and which validated candidate is chosen."""
