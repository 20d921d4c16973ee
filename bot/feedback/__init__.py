"""Learning from reviewers: signals (merge, close, reviews, comments, diff survival),
grades, acceptance statistics and the export of accepted fixes. Pure logic; the
database adapter lives in connectors/records/."""
