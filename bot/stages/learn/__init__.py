"""Learn: from reviewers' signals (merge, close, reviews, comments, diff survival) to
grades (`grading`), acceptance statistics (`stats`), the export of accepted fixes, and
fix memory (`recall.FixMemory`: accepted fixes as worked examples, rejected ones as
things to avoid). The database and vector-store adapters live in connectors/."""
