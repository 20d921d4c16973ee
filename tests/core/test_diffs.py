"""unified_diff and diff_size: the patch a reviewer reads and git applies."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.core.diffs import diff_size, unified_diff


def test_a_changed_file_gets_git_headers_and_a_hunk() -> None:
    diff = unified_diff({"src/calc.py": "a\nb\nc\n"}, {"src/calc.py": "a\nB\nc\n"})
    assert diff == (
        "diff --git a/src/calc.py b/src/calc.py\n"
        "--- a/src/calc.py\n"
        "+++ b/src/calc.py\n"
        "@@ -1,3 +1,3 @@\n"
        " a\n"
        "-b\n"
        "+B\n"
        " c\n"
    )


def test_a_new_file_comes_from_dev_null() -> None:
    diff = unified_diff({"tests/test_new.py": None}, {"tests/test_new.py": "x = 1\n"})
    assert diff == (
        "diff --git a/tests/test_new.py b/tests/test_new.py\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/tests/test_new.py\n"
        "@@ -0,0 +1 @@\n"
        "+x = 1\n"
    )


def test_a_missing_final_newline_is_marked() -> None:
    diff = unified_diff({"a.txt": "one\ntwo"}, {"a.txt": "one\nTWO"})
    assert diff.endswith("-two\n\\ No newline at end of file\n+TWO\n\\ No newline at end of file\n")
    added = unified_diff({"a.txt": "one"}, {"a.txt": "one\n"})
    assert added.endswith("-one\n\\ No newline at end of file\n+one\n")


def test_files_come_in_sorted_order_and_unchanged_files_are_left_out() -> None:
    diff = unified_diff(
        {"b.py": "1\n", "a.py": "1\n", "same.py": "1\n"},
        {"b.py": "2\n", "a.py": "2\n", "same.py": "1\n"},
    )
    headers = [line for line in diff.splitlines() if line.startswith("diff --git")]
    assert headers == ["diff --git a/a.py b/a.py", "diff --git a/b.py b/b.py"]
    assert unified_diff({"a.py": "1\n"}, {"a.py": "1\n"}) == ""


def test_git_applies_the_diff(tmp_path: Path) -> None:
    original = {"src/calc.py": "def add(a, b):\n    return a - b\n", "notes.txt": "end"}
    patched = {
        "src/calc.py": "def add(a, b):\n    return a + b\n",
        "notes.txt": "end\nmore",
        "tests/test_new.py": "def test_x():\n    assert True\n",
    }
    for path, text in original.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "fix.patch").write_text(
        unified_diff({**original, "tests/test_new.py": None}, patched)
    )
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True, capture_output=True)
    for path, text in patched.items():
        assert (tmp_path / path).read_text() == text


def test_diff_size_counts_changed_lines_only() -> None:
    diff = unified_diff(
        {"a.py": "1\n2\n3\n4\n", "b.py": None},
        {"a.py": "1\ntwo\n3\n4\nfive\n", "b.py": "x\ny\n"},
    )
    assert diff_size(diff) == 2 + 1 + 2
    assert diff_size("") == 0


def test_diff_size_is_not_fooled_by_lines_that_look_like_headers() -> None:
    diff = unified_diff({"a.md": "-- x\nkeep\n"}, {"a.md": "++ y\nkeep\n"})
    assert "\n--- x\n+++ y\n" in diff  # a removed `-- x` and an added `++ y`
    assert diff_size(diff) == 2
