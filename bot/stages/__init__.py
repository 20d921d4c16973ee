"""The stages of a fix, in the order the pipeline runs them (docs/ARCHITECTURE.md has the
table): ingest, reproduce, baseline, localize, then generate -> apply -> policy -> validate
per attempt (repair), regression_test, publish; learn runs on reviewers' feedback.

A stage imports the core and the stages before it, never an adapter or an entry point."""
