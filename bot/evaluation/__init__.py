"""`redfix eval`: how often redfix fixes a bug, and how often its "fix" is wrong.

Each suite turns benchmark bugs into small repositories with a visible failing
test and held-back hidden tests; the runner drives the real pipeline (or the
naive one-prompt baseline) over them and scores each run against the hidden tests.
"""
