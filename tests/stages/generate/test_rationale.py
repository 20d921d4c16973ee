"""The explanation published with a fix must say what the diff does."""

from __future__ import annotations

import pytest

from bot.stages.generate.rationale import (
    GivenLines,
    Rationale,
    check_rationale,
    left_out,
    parse_rationale,
)

DIFF = """--- a/bookshop/catalog.py
+++ b/bookshop/catalog.py
@@ -29,3 +29,3 @@ def paginate(items, page, per_page):
         raise ValueError("pages are numbered from 1")
-    start = page * per_page
+    start = (page - 1) * per_page
     return items[start : start + per_page]
"""
RIGHT = """WRONG: `start = page * per_page`
FIXED: `start = (page - 1) * per_page`
WHY: Pages are numbered from 1, so the first page must start at offset 0."""


def test_a_right_explanation_is_kept_and_rendered():
    parsed = parse_rationale(RIGHT)
    assert isinstance(parsed, Rationale)
    assert check_rationale(parsed, DIFF) == ""
    text = parsed.text()
    assert "What was wrong: `start = page * per_page`" in text
    assert "The fix: `start = (page - 1) * per_page`" in text


def test_the_inverted_explanation_of_the_readme_demo_is_refused():
    inverted = parse_rationale("WRONG: `start = (page - 1) * per_page`\n"
                               "FIXED: `start = page * per_page`\nWHY: off by one")
    assert isinstance(inverted, Rationale)
    assert "calls `start = (page - 1) * per_page` the wrong code" in check_rationale(inverted, DIFF)


def test_prose_that_calls_the_removed_code_right_is_refused():
    answer = RIGHT.replace(
        "WHY: Pages are numbered from 1, so the first page must start at offset 0.",
        "WHY: It should be calculated as `start = page * per_page`, but it seems to be using "
        "`(page - 1) * per_page`.")
    parsed = parse_rationale(answer)
    assert isinstance(parsed, Rationale)
    assert "presents `start = page * per_page` as right" in check_rationale(parsed, DIFF)


def test_prose_that_calls_the_added_code_wrong_is_refused():
    parsed = parse_rationale(RIGHT.replace(
        "WHY: Pages are numbered from 1, so the first page must start at offset 0.",
        "WHY: the bug was `(page - 1) * per_page` all along."))
    assert isinstance(parsed, Rationale)
    assert "presents `(page - 1) * per_page` as wrong" in check_rationale(parsed, DIFF)


def test_a_quote_found_on_both_sides_must_be_a_whole_removed_line():
    diff = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    return x + 1\n+    return x + 1 if y else 0\n"
    whole = Rationale("return x + 1", "return x + 1 if y else 0", "y is optional")
    assert check_rationale(whole, diff) == ""
    vague = Rationale("x + 1", "return x + 1 if y else 0", "y is optional")
    assert "calls `x + 1` the wrong code" in check_rationale(vague, diff)


def test_a_fix_that_only_adds_code_may_say_nothing_was_wrong():
    diff = "--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n def f(x):\n+    x = abs(x)\n"
    parsed = parse_rationale("WRONG: nothing\nFIXED: `x = abs(x)`\nWHY: negative input.")
    assert isinstance(parsed, Rationale) and check_rationale(parsed, diff) == ""
    assert "nothing was removed" in parsed.text()
    assert "the diff removes code" in check_rationale(parsed, DIFF)


@pytest.mark.parametrize("answer, missing", [
    ("The fix changes the offset.", "WRONG, FIXED, WHY"),
    ("WRONG: `a`\nWHY: because", "FIXED"),
])
def test_an_answer_without_the_three_lines_is_named(answer, missing):
    assert parse_rationale(answer) == f"the answer has no {missing} line"


def test_markdown_decorations_around_the_fields_are_read():
    parsed = parse_rationale("- **WRONG:** `start = page * per_page`\n"
                             "- **FIXED:** `start = (page - 1) * per_page`\n- **WHY:** pages.")
    assert parsed == Rationale("start = page * per_page", "start = (page - 1) * per_page", "pages.")


def test_left_out_says_so():
    assert left_out("it calls `a` the fix").startswith("The model's explanation was left out: it")


def test_the_prompt_gives_the_first_removed_and_added_lines_to_copy():
    given = GivenLines.of(DIFF)
    assert given.prompt_lines() == ("`start = page * per_page`", "`start = (page - 1) * per_page`")
    assert GivenLines.of(DIFF.replace("-    start = page * per_page\n", "")).prompt_lines()[0] \
        == "nothing", "a fix that only adds code"
    ticked = GivenLines.of(DIFF.replace("(page - 1) * per_page", "f(`x`)"))
    assert ticked.added is None and "<one added line" in ticked.prompt_lines()[1]


def test_a_sentence_alone_is_the_why_of_the_lines_it_was_given():
    answer = ("The removed code `start = page * per_page` skipped the first page. The added "
              "code `start = (page - 1) * per_page` starts at 0. It also keeps the slice. "
              "And more.")
    parsed = parse_rationale(answer, GivenLines.of(DIFF))
    assert isinstance(parsed, Rationale) and check_rationale(parsed, DIFF) == ""
    assert parsed.wrong == "start = page * per_page"
    assert parsed.fixed == "start = (page - 1) * per_page"
    assert parsed.why.endswith("starts at 0."), "two sentences at most"


def test_a_sentence_alone_is_still_checked_against_the_diff():
    answer = "It should be calculated as `start = page * per_page`, the old way."
    parsed = parse_rationale(answer, GivenLines.of(DIFF))
    assert isinstance(parsed, Rationale)
    assert "presents `start = page * per_page` as right" in check_rationale(parsed, DIFF)


def test_the_prompts_placeholder_copied_back_is_no_answer():
    copied = ("WRONG: `<one removed line, copied exactly from a line starting with ->`\n"
              "FIXED: `start = (page - 1) * per_page`\n"
              "WHY: <one sentence: why the removed code made the tests fail>")
    assert parse_rationale(copied) == "the answer has no WRONG, WHY line"
