"""parse_edits over answers written the way small models write them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import EditKind, FileEdit
from bot.stages.apply.apply import apply_edits
from bot.stages.apply.parse import finished_part, parse_edits
from bot.stages.apply.symbols import IMPORTS_SYMBOL

KNOWN = ("src/calc.py", "tests/test_calc.py")


def sr(path: str, search: str, replace: str) -> FileEdit:
    return FileEdit(path=path, kind=EditKind.SEARCH_REPLACE, search=search, replace=replace)


# --- SEARCH/REPLACE ---------------------------------------------------------------------


def test_search_replace_with_path_above_the_fence() -> None:
    text = """I found the bug: `add` subtracts.

src/calc.py
```python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
```

This makes the test pass.
"""
    edits, problems = parse_edits(text)
    assert edits == (
        sr(
            "src/calc.py",
            "def add(a, b):\n    return a - b\n",
            "def add(a, b):\n    return a + b\n",
        ),
    )
    assert problems == ()


def test_path_inside_the_fence_and_several_blocks_reuse_the_last_path() -> None:
    text = """```python
src/calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE
<<<<<<< SEARCH
    return a / b
=======
    return a * b
>>>>>>> REPLACE
```
"""
    edits, _ = parse_edits(text)
    assert [edit.path for edit in edits] == ["src/calc.py", "src/calc.py"]
    assert [edit.replace for edit in edits] == ["    return a + b\n", "    return a * b\n"]


def test_blocks_for_two_files_keep_their_own_paths() -> None:
    text = """src/calc.py
```python
<<<<<<< SEARCH
x = 1
=======
x = 2
>>>>>>> REPLACE
```
src/util.py
```python
<<<<<<< SEARCH
y = 1
=======
y = 2
>>>>>>> REPLACE
```
"""
    edits, _ = parse_edits(text)
    assert [(edit.path, edit.search) for edit in edits] == [
        ("src/calc.py", "x = 1\n"),
        ("src/util.py", "y = 1\n"),
    ]


def test_sloppy_markers_without_fences_and_a_decorated_path() -> None:
    text = """File: `src/calc.py`:
<<<<<< SEARCH
    return a - b
=========
    return a + b
>>>>>>>>> REPLACE
"""
    edits, problems = parse_edits(text)
    assert edits == (sr("src/calc.py", "    return a - b\n", "    return a + b\n"),)
    assert problems == ()


def test_hash_path_original_updated_and_lower_case_markers() -> None:
    text = """```
# src/calc.py
<<<<<<< original
a = 1
=======
a = 2
>>>>>>> updated
```"""
    edits, _ = parse_edits(text)
    assert edits == (sr("src/calc.py", "a = 1\n", "a = 2\n"),)


def test_a_bare_file_name_is_completed_to_the_known_path() -> None:
    text = "calc.py\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n"
    edits, _ = parse_edits(text, known_paths=KNOWN)
    assert edits[0].path == "src/calc.py"


def test_no_path_at_all_means_the_only_source_file() -> None:
    text = "<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n"
    (edit,), _ = parse_edits(text, known_paths=KNOWN)
    assert edit.path == "src/calc.py"
    (unknown,), _ = parse_edits(text, known_paths=("src/a.py", "src/b.py"))
    assert unknown.path == ""


def test_missing_replace_marker_is_ended_by_the_closing_fence() -> None:
    text = "src/calc.py\n```python\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n```\n"
    edits, problems = parse_edits(text)
    assert edits == (sr("src/calc.py", "a = 1\n", "a = 2\n"),)
    assert problems == ()


def test_a_block_cut_off_before_its_end_is_reported_not_applied() -> None:
    text = "src/calc.py\n<<<<<<< SEARCH\na = 1\n=======\na = 2\nb = "
    edits, problems = parse_edits(text)
    assert edits == ()
    assert len(problems) == 1 and "without '>>>>>>> REPLACE'" in problems[0]


def test_search_without_divider_and_stray_replace_are_problems() -> None:
    text = "src/calc.py\n<<<<<<< SEARCH\na = 1\n\n>>>>>>> REPLACE\n"
    edits, problems = parse_edits(text)
    assert edits == ()
    assert any("without '======='" in problem for problem in problems)
    assert any("without a SEARCH block" in problem for problem in problems)


def test_an_empty_search_creates_a_file() -> None:
    text = "src/new.py\n```python\n<<<<<<< SEARCH\n=======\nVALUE = 1\n>>>>>>> REPLACE\n```\n"
    edits, _ = parse_edits(text)
    assert edits == (sr("src/new.py", "", "VALUE = 1\n"),)


def test_prose_only_gives_nothing() -> None:
    text = "I am not sure what is wrong. Could you share the traceback?\n\n- item one\n"
    assert parse_edits(text) == ((), ())


# --- unified diffs ---------------------------------------------------------------------


def test_well_formed_diff_with_prefixes_and_two_hunks() -> None:
    text = """```diff
diff --git a/src/calc.py b/src/calc.py
index 1111111..2222222 100644
--- a/src/calc.py
+++ b/src/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
@@ -10,2 +10,2 @@ def mul(a, b):
 def mul(a, b):
-    return a + b
+    return a * b
```"""
    edits, problems = parse_edits(text)
    assert problems == ()
    assert edits == (
        FileEdit(
            "src/calc.py",
            EditKind.DIFF,
            "def add(a, b):\n    return a - b\n",
            "def add(a, b):\n    return a + b\n",
            hint_line=1,
        ),
        FileEdit(
            "src/calc.py",
            EditKind.DIFF,
            "def mul(a, b):\n    return a + b\n",
            "def mul(a, b):\n    return a * b\n",
            hint_line=10,
        ),
    )


def test_diff_with_counts_too_small_keeps_every_line() -> None:
    # unidiff would stop after 2 old lines and silently drop ` c` and `-d`/`+D`
    text = """```diff
--- a/x.py
+++ b/x.py
@@ -1,2 +1,2 @@
 a
-b
+B
 c
-d
+D
```"""
    (edit,), _ = parse_edits(text)
    assert edit.search == "a\nb\nc\nd\n"
    assert edit.replace == "a\nB\nc\nD\n"


def test_bare_hunk_header_without_file_headers_uses_the_path_line() -> None:
    text = """Change `src/calc.py` like this:
```diff
@@ @@
 def add(a, b):
-    return a - b
+    return a + b
```"""
    (edit,), problems = parse_edits(text, known_paths=KNOWN)
    assert problems == ()
    assert (edit.path, edit.hint_line) == ("src/calc.py", None)
    assert edit.search == "def add(a, b):\n    return a - b\n"


def test_context_lines_that_lost_their_space_are_kept_whole() -> None:
    text = (
        "```diff\n--- a/x.py\n+++ b/x.py\n@@ -3,3 +3,3 @@\n"
        "def f():\n-    return 1\n+    return 2\n\n```"
    )
    (edit,), _ = parse_edits(text)
    assert edit.search == "def f():\n    return 1\n"
    assert edit.replace == "def f():\n    return 2\n"
    assert edit.hint_line == 3


def test_new_file_diff_becomes_a_creation_and_deletion_is_refused() -> None:
    text = """```diff
--- /dev/null
+++ b/src/new.py
@@ -0,0 +1,2 @@
+A = 1
+B = 2
--- a/src/old.py
+++ /dev/null
@@ -1 +0,0 @@
-A = 1
```"""
    edits, problems = parse_edits(text)
    assert edits == (FileEdit("src/new.py", EditKind.DIFF, "", "A = 1\nB = 2\n"),)
    assert len(problems) == 1 and "deletes src/old.py" in problems[0]


def test_no_newline_marker_drops_the_final_newline() -> None:
    marker = "\\ No newline at end of file\n"
    text = f"```diff\n--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-old\n{marker}+new\n{marker}```"
    (edit,), _ = parse_edits(text)
    assert (edit.search, edit.replace) == ("old", "new")


def test_unfenced_diff_inside_prose() -> None:
    text = """The fix:
--- a/src/calc.py
+++ b/src/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
That is all.
"""
    (edit,), problems = parse_edits(text)
    assert problems == ()
    assert edit.kind is EditKind.DIFF and edit.path == "src/calc.py"
    assert edit.replace == "def add(a, b):\n    return a + b\n"


# --- whole definitions -----------------------------------------------------------------


def test_whole_function_block_with_path_line_and_imports() -> None:
    text = """src/calc.py
```python
import math
from typing import Sequence

def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


@cache
def norm(v):
    return math.sqrt(sum(x * x for x in v))
```"""
    edits, problems = parse_edits(text)
    assert problems == ()
    assert [(edit.kind, edit.symbol, edit.path) for edit in edits] == [
        (EditKind.WHOLE_FUNCTION, "mean", "src/calc.py"),
        (EditKind.WHOLE_FUNCTION, "norm", "src/calc.py"),
        (EditKind.WHOLE_FUNCTION, IMPORTS_SYMBOL, "src/calc.py"),
    ]
    assert edits[1].replace == "@cache\ndef norm(v):\n    return math.sqrt(sum(x * x for x in v))\n"
    assert edits[2].replace == "import math\nfrom typing import Sequence\n"


def test_tests_appended_to_a_fixed_source_file_are_not_applied() -> None:
    text = """```python
# file: src/calc.py
def mean(values):
    return sum(values) / len(values)


def test_mean():
    assert mean([2, 4]) == 3


class TestMean:
    def test_one(self):
        assert mean([1]) == 1
```"""
    edits, problems = parse_edits(text, known_paths=KNOWN)
    assert [edit.symbol for edit in edits] == ["mean"]
    assert problems == ("line 1: test_mean, TestMean look(s) like tests; tests are not written "
                        "into the source file src/calc.py (the fix only changes code; tests come "
                        "separately)",)
    in_test_file = text.replace("src/calc.py", "tests/test_calc.py")
    assert [e.symbol for e in parse_edits(in_test_file, known_paths=KNOWN)[0]] == [
        "mean", "test_mean", "TestMean"], "in a test file they are what the edit is about"


def test_an_indented_method_is_dedented_and_left_without_path() -> None:
    text = """Replace the method:
```python
    def area(self):
        return self.w * self.h
```"""
    (edit,), _ = parse_edits(text, known_paths=("src/shapes.py", "src/other.py"))
    assert (edit.symbol, edit.path) == ("area", "")
    assert edit.replace == "def area(self):\n    return self.w * self.h\n"


def test_path_from_a_file_comment_or_the_fence_info() -> None:
    commented = "```python\n# file: src/calc.py\ndef f():\n    return 1\n```"
    info = "```python:src/calc.py\ndef f():\n    return 1\n```"
    assert parse_edits(commented)[0][0].path == "src/calc.py"
    assert parse_edits(info)[0][0].path == "src/calc.py"


def test_class_block_is_one_edit_for_the_class() -> None:
    text = "```python\nclass Stack:\n    def pop(self):\n        return self.items.pop()\n```"
    (edit,), _ = parse_edits(text)
    assert (edit.symbol, edit.kind) == ("Stack", EditKind.WHOLE_FUNCTION)


def test_other_top_level_code_in_a_block_is_reported() -> None:
    text = "```python\nLIMIT = 3\n\ndef f():\n    return LIMIT\n\nprint(f())\n```"
    edits, problems = parse_edits(text)
    assert [edit.symbol for edit in edits] == ["f"]
    assert len(problems) == 1 and "lines 2, 7" in problems[0]


def test_python_blocks_that_define_nothing_or_do_not_parse_are_reported() -> None:
    usage = "```python\nprint(add(1, 2))\n```"
    broken = "```python\ndef f(:\n    return 1\n```"
    assert parse_edits(usage)[0] == ()
    assert "defines no function" in parse_edits(usage)[1][0]
    assert parse_edits(broken)[0] == ()
    assert "does not parse" in parse_edits(broken)[1][0]


def test_shell_and_output_blocks_are_ignored_silently() -> None:
    text = "Run:\n```bash\npytest -q\n```\nOutput:\n```\n1 failed in 0.01s\n```"
    assert parse_edits(text) == ((), ())


def test_search_replace_inside_a_python_fence_is_not_a_rewrite() -> None:
    text = (
        "```python\nsrc/calc.py\n<<<<<<< SEARCH\ndef f():\n    return 1\n=======\n"
        "def f():\n    return 2\n>>>>>>> REPLACE\n```"
    )
    (edit,), _ = parse_edits(text)
    assert edit.kind is EditKind.SEARCH_REPLACE


def test_an_answer_that_is_only_code_is_read_as_a_code_block() -> None:
    text = "def add(a, b):\n    return a + b\n"
    (edit,), _ = parse_edits(text, known_paths=KNOWN)
    assert (edit.kind, edit.symbol) == (EditKind.WHOLE_FUNCTION, "add")


def test_edits_come_out_in_the_order_of_the_answer() -> None:
    text = """```python
def first():
    return 1
```
src/calc.py
<<<<<<< SEARCH
a = 1
=======
a = 2
>>>>>>> REPLACE
```diff
--- a/src/calc.py
+++ b/src/calc.py
@@ -5 +5 @@
-b = 1
+b = 2
```"""
    edits, _ = parse_edits(text)
    assert [edit.kind for edit in edits] == [
        EditKind.WHOLE_FUNCTION,
        EditKind.SEARCH_REPLACE,
        EditKind.DIFF,
    ]


# --- property: whatever the model writes, parsing and applying report, never raise ------

FRAGMENTS = [
    "```", "```python", "```diff", "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE",
    "--- a/x.py", "+++ b/x.py", "@@ -1,2 +1,2 @@", "@@ @@", "-x = 1", "+x = 2", " y = 1",
    "def f():", "    return 1", "class A:", "    def g(self):", "import os", "x.py",
    "File: x.py", "", "\\ No newline at end of file", "--- /dev/null", "+++ /dev/null",
    "diff --git a/x.py b/x.py", "Some prose.", "    ", "if x:",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=30),
    content=st.sampled_from(["x = 1\ny = 1\n", "def f():\n    return 1\n", "", None]),
)
def test_half_formed_answers_become_problems_not_exceptions(
    parts: list[str], content: str | None
) -> None:
    edits, problems = parse_edits("\n".join(parts), known_paths=("x.py", "tests/test_x.py"))
    assert all(isinstance(problem, str) and problem for problem in problems)
    files = {"x.py": content, "tests/test_x.py": "def test_a():\n    assert 1\n"}
    result = apply_edits(edits, read=files.get, known_paths=tuple(files))
    assert len(result.failures) + len(result.files) >= (1 if edits else 0)


# --- answers cut at the token limit -----------------------------------------------------

FINISHED_BLOCK = """src/calc.py
```python
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE
```
"""


def test_a_cut_answer_keeps_its_finished_blocks_and_drops_the_interrupted_one() -> None:
    interrupted = "src/calc.py\n```python\n<<<<<<< SEARCH\n    return a * b\n=======\n    ret"
    kept = finished_part(FINISHED_BLOCK + "\nAnd another:\n\n" + interrupted)
    assert kept.startswith(FINISHED_BLOCK) and "a * b" not in kept
    edits, _ = parse_edits(kept, known_paths=KNOWN)
    assert edits == (sr("src/calc.py", "    return a - b\n", "    return a + b\n"),)


def test_a_whole_function_cut_inside_its_body_is_not_applied_although_its_head_parses() -> None:
    cut = "The fix:\n```python\ndef add(a, b):\n    if a is None:\n        raise ValueError\n"
    assert parse_edits(cut, known_paths=KNOWN)[0], "the head alone is valid Python"
    assert parse_edits(finished_part(cut), known_paths=KNOWN)[0] == ()


def test_a_bare_search_without_its_replace_is_dropped() -> None:
    cut = FINISHED_BLOCK + "src/calc.py\n<<<<<<< SEARCH\n    return a\n=======\n"
    kept = finished_part(cut)
    assert kept.startswith(FINISHED_BLOCK) and "    return a\n=" not in kept
    assert len(parse_edits(kept, known_paths=KNOWN)[0]) == 1


def test_an_answer_whose_blocks_all_finished_is_kept_whole() -> None:
    assert finished_part(FINISHED_BLOCK + "\nThat is all.") == FINISHED_BLOCK + "\nThat is all."
