"""whole_file_edit: the answer to the whole-file question, for a file outside Python."""

from __future__ import annotations

import pytest

from bot.core.models import EditKind
from bot.stages.apply.apply import apply_edits
from bot.stages.apply.whole_file import whole_file_edit

PATH = "src/discount.js"
SOURCE = "function percentOff(amount, percent) {\n  return amount * percent / 10;\n}\n"
FIXED = "function percentOff(amount, percent) {\n  return amount * percent / 100;\n}\n"


@pytest.mark.parametrize(
    "opening", ["```javascript", "```js", "```", "````javascript src/discount.js"])
def test_the_one_block_of_the_files_language_replaces_the_file(opening):
    closing = "````" if opening.startswith("````") else "```"
    answer = f"The divisor must be 100.\n\n{opening}\n{FIXED}{closing}\n"
    edit = whole_file_edit(answer, path=PATH, source=SOURCE)
    assert edit is not None and edit.kind is EditKind.SEARCH_REPLACE
    applied = apply_edits((edit,), read={PATH: SOURCE}.get, known_paths=(PATH,))
    assert applied.files == {PATH: FIXED}


@pytest.mark.parametrize("named", [PATH, "discount.js", "./src/discount.js"])
def test_a_first_line_that_names_the_file_is_not_written_into_it(named):
    answer = f"```javascript\n// file: {named}\n{FIXED}```\n"
    edit = whole_file_edit(answer, path=PATH, source=SOURCE)
    assert edit is not None and edit.replace == FIXED


@pytest.mark.parametrize(
    "answer",
    [
        f"```python\n{FIXED}```\n",  # another language
        f"```javascript\n{FIXED}```\n\n```javascript\n{SOURCE}```\n",  # which one?
        f"```javascript\n{FIXED}",  # cut before its end
        f"```javascript\n{SOURCE}```\n",  # nothing changed
        "```javascript\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n",
        "It looks right to me.",
        f"```javascript src/cart.js\n{FIXED}```\n",
        f"```javascript\n// file: src/cart.js\n{FIXED}```\n",
    ],
    ids=["python-block", "two-blocks", "unclosed", "unchanged", "search-replace", "prose",
         "another-file-in-the-tag", "another-file-in-a-comment"],
)
def test_no_whole_file_edit(answer):
    assert whole_file_edit(answer, path=PATH, source=SOURCE) is None


def test_python_files_are_read_definition_by_definition_instead():
    assert whole_file_edit("```python\nx = 2\n```\n", path="calc.py", source="x = 1\n") is None
