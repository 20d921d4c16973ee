"""Weakened JavaScript tests, as check_policy refuses them: new skip and focus markers,
fewer `expect(` assertions. Adding a plain new test stays allowed."""

from __future__ import annotations

import pytest

from bot.stages.policy.rules import check_policy

TEST = "__tests__/cart.test.js"
BEFORE = """\
const { total } = require("../src/cart");

describe("total", () => {
  test("adds every line", () => {
    expect(total(lines)).toBe(1500);
  });
});
"""
NEW_TEST = """
test("an empty cart costs nothing", () => {
  expect(total([])).toBe(0);
});
"""


def violations(after: str, *, path: str = TEST, allow: bool = False) -> tuple[str, ...]:
    return check_policy({path: BEFORE}, {path: after}, allow_test_edits=allow).violations


def test_adding_a_new_test_is_allowed():
    assert violations(BEFORE + NEW_TEST) == ()


@pytest.mark.parametrize(
    ("added", "what"),
    [
        ('test.only("new", () => { expect(1).toBe(1); });', "runs only some tests"),
        ('fit("new", () => { expect(1).toBe(1); });', "runs only some tests"),
        ('describe.skip("later", () => {});', "skips tests"),
        ('xit("later", () => { expect(1).toBe(1); });', "skips tests"),
        ('test.todo("later");', "turns tests into todos"),
    ],
)
def test_adding_a_skip_or_focus_marker_is_weakening(added, what):
    found = violations(BEFORE + added + "\n")
    assert len(found) == 1
    assert found[0].startswith(f"{TEST}: the change {what}")
    assert "(1 more than before)" in found[0]
    assert "allowed only when test edits are allowed" in found[0]


def test_removing_an_assertion_is_weakening():
    after = BEFORE.replace("    expect(total(lines)).toBe(1500);\n", "")
    found = violations(after)
    assert found == (
        f"{TEST}: the change removes 1 `expect(` assertion(s) from the tests "
        "(test weakening; allowed only when test edits are allowed)",
    )


def test_a_method_that_only_ends_like_a_marker_is_not_one():
    added = 'test("new", () => { expect(cart.profit(1)).toBe(1); });\n'
    assert violations(BEFORE + added) == ()


def test_changing_an_existing_line_without_markers_is_still_a_test_edit():
    found = violations(BEFORE.replace("toBe(1500)", "toBe(1499)"))
    assert len(found) == 1 and "existing line" in found[0]


def test_a_new_typescript_test_file_with_a_focus_marker_is_refused():
    path = "src/cart.spec.ts"
    found = check_policy({path: None}, {path: 'it.only("x", () => {});\n'},
                         allow_test_edits=False).violations
    assert len(found) == 1 and "runs only some tests" in found[0]


def test_markers_are_not_checked_when_test_edits_are_allowed():
    assert violations(BEFORE + "xit('later', () => {});\n", allow=True) == ()


def test_markers_in_source_files_are_not_test_weakening():
    path = "src/cart.js"
    assert check_policy({path: "a\n"}, {path: "a\nit.only(\n"},
                        allow_test_edits=False).violations == ()
