"""Real-bug benchmark: bugs from BugsInPy, stored as metadata and rebuilt from git mirrors."""
