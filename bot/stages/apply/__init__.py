"""Apply: from a model's answer to new file contents: `parse.parse_edits` reads the
edits (search/replace blocks, unified diffs, whole definitions or files),
`apply.apply_edits` applies them to the repository's text, never to its disk."""
