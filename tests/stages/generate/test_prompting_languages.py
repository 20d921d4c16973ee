"""The fix prompt names the language at hand: its code in blocks tagged for it, and an
answer format that parses for it (SEARCH/REPLACE outside Python)."""

from __future__ import annotations

import pytest

from bot.core.results import CodeSpan, Outcome, TestCase
from bot.stages.apply.parse import parse_edits
from bot.stages.generate.prompting import fix_messages

FAILURE = TestCase("total", "takes 10% off", Outcome.FAILED,
                   message="expect(received).toBe(expected)\nExpected: 1350\nReceived: 0",
                   file="__tests__/cart.test.js")


def prompt_for(path: str, text: str) -> str:
    spans = [CodeSpan(path, 1, 3, text, 0.9),
             CodeSpan("__tests__/cart.test.js", 1, 1, "expect(total(lines, 10)).toBe(1350);", 0.2)]
    return fix_messages([FAILURE], spans)[1].content


@pytest.mark.parametrize(
    ("path", "tag", "name"),
    [("src/discount.js", "javascript", "JavaScript"),
     ("src/discount.ts", "typescript", "TypeScript"),
     ("src/Discount.tsx", "tsx", "TypeScript (TSX)")],
)
def test_the_prompt_asks_for_search_replace_in_the_files_language(path, tag, name):
    user = prompt_for(path, "function percentOff(a, p) {\n  return a * p / 10;\n}")
    assert f"```{tag}\nfunction percentOff" in user
    assert f"The code is {name}." in user
    assert f"{path}\n```{tag}\n<<<<<<< SEARCH" in user
    assert "def the_function" not in user and "# file:" not in user
    assert "```javascript\nexpect(total" in user, "the test's own block names its language"


def test_the_example_in_the_prompt_is_an_answer_that_parses():
    user = prompt_for("src/discount.js", "function percentOff(a, p) {\n  return a * p / 10;\n}")
    example = user[user.index("src/discount.js\n```javascript\n<<<<<<< SEARCH"):]
    edits, problems = parse_edits(example, known_paths=("src/discount.js",))
    assert problems == ()
    assert [edit.path for edit in edits] == ["src/discount.js"]


def test_a_python_prompt_still_asks_for_whole_functions():
    user = prompt_for("cart.py", "def total(prices):\n    return sum(prices) - 1")
    assert "```python\n# file: cart.py\ndef the_function" in user
    assert "<<<<<<< SEARCH" not in user
