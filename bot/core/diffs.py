"""Git-style unified diffs of in-memory file contents, and how big they are.

The diff is what a reviewer reads and what `git apply` takes, so it follows
git's conventions: `a/` `b/` prefixes, `/dev/null` and `new file mode` for new
files, `\\ No newline at end of file` markers, files in sorted order.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"
_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def unified_diff(original: Mapping[str, str | None], patched: Mapping[str, str]) -> str:
    """One patch for every file whose content changed; "" when nothing did."""
    return "".join(
        _file_diff(path, before=original.get(path), after=patched[path])
        for path in sorted(patched)
        if original.get(path) != patched[path]
    )


def _file_diff(path: str, *, before: str | None, after: str) -> str:
    header = [f"diff --git a/{path} b/{path}\n"]
    if before is None:
        header += ["new file mode 100644\n", "--- /dev/null\n", f"+++ b/{path}\n"]
    else:
        header += [f"--- a/{path}\n", f"+++ b/{path}\n"]
    old_lines = (before or "").splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    body = list(difflib.unified_diff(old_lines, new_lines, n=3, lineterm="\n"))[2:]
    return "".join(header) + "".join(_terminated(line) for line in body)


def _terminated(line: str) -> str:
    """A diff line for a file's last line that has no newline gets git's marker."""
    return line if line.endswith("\n") else f"{line}\n{NO_NEWLINE_MARKER}"


def diff_size(diff: str) -> int:
    """How many lines the diff adds or removes (headers and context not counted).

    Hunk headers say how many lines follow, so a removed line that itself starts
    with `--` is never mistaken for a file header.
    """
    changed = 0
    old_left = new_left = 0
    for line in diff.splitlines():
        if old_left <= 0 and new_left <= 0:
            header = _HUNK_HEADER.match(line)
            if header:
                old_left = int(header.group(1) or 1)
                new_left = int(header.group(2) or 1)
            continue
        if line.startswith("-"):
            changed, old_left = changed + 1, old_left - 1
        elif line.startswith("+"):
            changed, new_left = changed + 1, new_left - 1
        elif line.startswith(" ") or not line:
            old_left, new_left = old_left - 1, new_left - 1
    return changed
