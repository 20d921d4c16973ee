"""redfix as a GitHub Action step: `python -m action` reads the runner's environment.

The runner provides GITHUB_* variables, the step's inputs as INPUT_* variables and
files for outputs (GITHUB_OUTPUT) and the step summary (GITHUB_STEP_SUMMARY); this
package turns them into a FixRequest, runs the same pipeline as the CLI and the
service, and answers with outputs, annotations, a Markdown report and a pull request.
"""
