"""parse_edits over answers for JavaScript, TypeScript, Go and Java files: SEARCH/REPLACE
blocks and diffs parse whatever the fence's tag; a whole block of code in such a
language is named as a problem instead of vanishing as "no edits"."""

from __future__ import annotations

import pytest

from bot.core.models import EditKind, FileEdit
from bot.stages.apply.apply import apply_edits
from bot.stages.apply.parse import parse_edits

DISCOUNT = "function percentOff(amount, percent) {\n  return amount * percent / 10;\n}\n"
FIXED = "function percentOff(amount, percent) {\n  return amount * percent / 100;\n}\n"
KNOWN = ("src/discount.js", "__tests__/discount.test.js")


def search_replace(tag: str, path: str = "src/discount.js") -> str:
    return f"""The divisor is wrong.

{path}
```{tag}
<<<<<<< SEARCH
  return amount * percent / 10;
=======
  return amount * percent / 100;
>>>>>>> REPLACE
```
"""


def expected(path: str = "src/discount.js") -> FileEdit:
    return FileEdit(path=path, kind=EditKind.SEARCH_REPLACE,
                    search="  return amount * percent / 10;\n",
                    replace="  return amount * percent / 100;\n")


@pytest.mark.parametrize("tag", ["javascript", "js", "ts", "typescript", "go", "java", ""])
def test_search_replace_parses_in_a_block_of_any_language(tag):
    edits, problems = parse_edits(search_replace(tag), known_paths=KNOWN)
    assert edits == (expected(),)
    assert problems == ()
    applied = apply_edits(edits, read={"src/discount.js": DISCOUNT}.get, known_paths=KNOWN)
    assert applied.files == {"src/discount.js": FIXED}


def test_a_path_under_a_double_underscore_folder_keeps_its_name():
    path = "__tests__/discount.test.js"
    edits, _ = parse_edits(search_replace("js", path=path), known_paths=KNOWN)
    assert [edit.path for edit in edits] == [path]


def test_a_bold_path_loses_only_its_emphasis():
    edits, _ = parse_edits(search_replace("js", path="__src/discount.js__"), known_paths=KNOWN)
    assert [edit.path for edit in edits] == ["src/discount.js"]


@pytest.mark.parametrize("tag", ["diff", "javascript"])
def test_a_diff_parses_in_a_diff_or_a_language_block(tag):
    answer = f"""Divide by 100.

```{tag}
--- a/src/discount.js
+++ b/src/discount.js
@@ -1,3 +1,3 @@
 function percentOff(amount, percent) {{
-  return amount * percent / 10;
+  return amount * percent / 100;
 }}
```
"""
    edits, problems = parse_edits(answer, known_paths=KNOWN)
    assert problems == ()
    assert [(edit.path, edit.kind) for edit in edits] == [("src/discount.js", EditKind.DIFF)]
    applied = apply_edits(edits, read={"src/discount.js": DISCOUNT}.get, known_paths=KNOWN)
    assert applied.files == {"src/discount.js": FIXED}


@pytest.mark.parametrize(
    ("tag", "naming"),
    [("javascript", "src/discount.js\n"), ("ts", ""), ("tsx", "")],
)
def test_a_whole_block_of_code_for_a_file_is_named_as_a_problem(tag, naming):
    inside = "" if naming else "// file: src/discount.js\n"
    answer = f"Here it is.\n\n{naming}```{tag}\n{inside}{FIXED}```\n"
    edits, problems = parse_edits(answer, known_paths=KNOWN)
    assert edits == ()
    assert problems == (
        f"line {3 + bool(naming)}: the {tag} block for src/discount.js is neither a "
        "SEARCH/REPLACE block nor a diff; only those change a file in this language",
    )


def test_a_block_of_code_that_names_no_file_is_an_illustration():
    assert parse_edits(f"For example:\n\n```js\n{FIXED}```\n", known_paths=KNOWN) == ((), ())


def test_a_shell_block_stays_silent():
    assert parse_edits("Run:\n\n```bash\n# src/discount.js\nnpx jest\n```\n") == ((), ())
