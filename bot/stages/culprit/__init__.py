"""The culprit stage: the commit between the last green revision and the failing one that
broke the failing tests, found by bisecting them in the sandbox."""
