"""check_policy: protected paths always; existing tests frozen, and weakening refused, unless
a human allowed test edits. The weakening rules are run on their own here too, since the
frozen-tests rule stands before them in the policy."""

from __future__ import annotations

import pytest

from bot.stages.policy.rules import check_policy, path_violations
from bot.stages.policy.weakening import python_test_weakenings

TEST = "tests/test_calc.py"

BEFORE = '''\
import math

import pytest

from calc import add, mean


def test_add():
    """Adding works."""
    result = add(2, 2)
    assert result == 4


def test_mean():
    assert mean([1, 2]) == pytest.approx(1.5, rel=1e-9)
    assert math.isclose(mean([0.1, 0.2]), 0.15, rel_tol=1e-9)


class TestCalc:
    def test_add_negative(self):
        self.assertEqual(add(-1, -1), -2)
        self.assertAlmostEqual(add(0.1, 0.2), 0.3, places=7)
'''


def violations(
    after: str, *, path: str = TEST, before: str | None = BEFORE, allow: bool = False
) -> tuple[str, ...]:
    return check_policy({path: before}, {path: after}, allow_test_edits=allow).violations


def weakenings(
    after: str, *, path: str = TEST, before: str | None = BEFORE
) -> tuple[str, ...]:
    return tuple(python_test_weakenings(path, before, after))


def changed(old: str, new: str) -> str:
    assert old in BEFORE, old
    return BEFORE.replace(old, new)


# --- paths that are never allowed --------------------------------------------------------


@pytest.mark.parametrize("allow", [False, True])
def test_protected_paths_are_refused_even_when_test_edits_are_allowed(allow: bool) -> None:
    verdict = check_policy(
        {".github/workflows/ci.yml": "on: push\n", "poetry.lock": None},
        {".github/workflows/ci.yml": "on: [push]\n", "poetry.lock": "x"},
        allow_test_edits=allow,
    )
    assert not verdict.allowed
    assert verdict.violations == (
        ".github/workflows/ci.yml: it is CI configuration; a fix must never touch it",
        "poetry.lock: it is a lock file; a fix must never touch it",
    )


def test_paths_outside_the_repository_are_refused() -> None:
    verdict = check_policy({"../x.py": None}, {"../x.py": "x = 1\n"}, allow_test_edits=True)
    assert verdict.violations == (
        "../x.py: it contains '..'; name files relative to the repository root; "
        "a fix may only change files inside the repository",
    )


def test_source_changes_and_unchanged_entries_are_allowed() -> None:
    verdict = check_policy(
        {"src/calc.py": "x = 1\n", TEST: BEFORE, "src/new.py": None},
        {"src/calc.py": "x = 2\n", TEST: BEFORE, "src/new.py": "y = 1\n"},
        allow_test_edits=False,
    )
    assert verdict.allowed


# --- what may happen to Python tests ------------------------------------------------------


def test_adding_a_new_test_function_and_a_new_test_file_is_allowed() -> None:
    added = BEFORE + "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"
    assert violations(added) == ()
    assert (
        violations("def test_new():\n    assert True\n", path="tests/test_new.py", before=None)
        == ()
    )


def test_strengthening_an_existing_test_and_editing_its_docstring_is_not_weakening() -> None:
    stronger = changed(
        "    assert result == 4\n", "    assert result == 4\n    assert add(2, 3) == 5\n"
    )
    assert weakenings(changed('"""Adding works."""', '"""Adding two numbers."""')) == ()
    assert weakenings(stronger) == ()


def test_tightening_a_tolerance_is_not_weakening() -> None:
    assert weakenings(changed("rel=1e-9", "rel=1e-12")) == ()
    assert weakenings(changed("places=7", "places=9")) == ()


@pytest.mark.parametrize(
    ("after", "name"),
    [
        (changed("    assert result == 4\n", "    assert result == 4\n    assert add(2, 3) == 5\n"),
         "test_add"),
        (changed('"""Adding works."""', '"""Adding two numbers."""'), "test_add"),
        (changed("rel=1e-9", "rel=1e-12"), "test_mean"),
        (changed("places=7", "places=9"), "TestCalc.test_add_negative"),
    ],
    ids=["strengthened", "docstring", "tolerance", "class-tolerance"],
)
def test_even_a_stronger_existing_test_is_a_change_the_fix_may_not_make(
    after: str, name: str
) -> None:
    assert violations(after) == (
        f"{TEST}: {name} was changed (existing tests are not the fix's to change; "
        "`redfix fix --allow-test-edits` or `allow_test_edits: true` in the default branch's "
        ".github/redfix.yml allows it)",
    )
    assert violations(after, allow=True) == ()


def test_a_stub_added_to_an_existing_test_is_refused_though_it_weakens_nothing() -> None:
    stubbed = changed(
        "def test_add():\n",
        "def test_add(monkeypatch):\n    monkeypatch.setattr('calc.add', lambda a, b: 4)\n",
    )
    assert weakenings(stubbed) == (), "only an addition: the weakening rules let it through"
    (found,) = violations(stubbed)
    assert found.startswith(f"{TEST}: test_add was changed (existing tests are not the fix's")
    assert violations(stubbed, allow=True) == ()


def test_a_changed_test_is_reported_once_for_the_rule_not_again_as_weakening() -> None:
    (found,) = violations(changed("    assert result == 4\n", ""))
    assert found.startswith(f"{TEST}: test_add was changed (existing tests are not the fix's")
    assert "test weakening" not in found


def test_deleting_an_assert_is_weakening() -> None:
    found = weakenings(changed("    assert result == 4\n", ""))
    assert f"{TEST}::test_add: assertion `result == 4` was changed or removed" in found[0]
    assert any("has 0 assertion(s) where it had 1" in item for item in found)
    assert violations(changed("    assert result == 4\n", ""), allow=True) == ()


def test_changing_an_expected_value_is_weakening() -> None:
    (found,) = weakenings(changed("assert result == 4", "assert result == 5"))
    assert found.startswith(f"{TEST}::test_add: assertion `result == 4` was changed or removed")


def test_an_assert_method_removed_from_a_test_class_is_weakening() -> None:
    found = weakenings(changed("        self.assertEqual(add(-1, -1), -2)\n", ""))
    assert any(
        item.startswith(f"{TEST}::TestCalc.test_add_negative: assertion `self.assertEqual")
        for item in found
    )


def test_removing_or_renaming_a_test_is_weakening() -> None:
    (found,) = weakenings(changed("def test_mean():", "def check_mean():"))
    assert found.startswith(f"{TEST}::test_mean: the test was removed or renamed")
    (refused,) = violations(changed("def test_mean():", "def check_mean():"))
    assert refused.startswith(f"{TEST}: test_mean was removed or renamed (existing tests")


@pytest.mark.parametrize(
    "after",
    [
        changed("def test_add():", "@pytest.mark.skip(reason='flaky')\ndef test_add():"),
        changed("def test_add():", "@pytest.mark.xfail\ndef test_add():"),
        changed("    result = add(2, 2)\n", "    pytest.skip('later')\n    result = add(2, 2)\n"),
        changed(
            "    def test_add_negative(self):\n",
            "    @unittest.skipIf(True, 'no')\n    def test_add_negative(self):\n",
        ),
        changed(
            "    result = add(2, 2)\n", "    pytest.importorskip('numpy')\n    result = add(2, 2)\n"
        ),
    ],
)
def test_adding_skip_or_xfail_to_a_test_is_weakening(after: str) -> None:
    found = weakenings(after)
    assert any("a skip/xfail was added" in item for item in found)
    assert violations(after, allow=True) == ()


def test_skipping_a_whole_module_or_class_is_weakening() -> None:
    module = changed("import pytest\n", "import pytest\n\npytestmark = pytest.mark.skip\n")
    klass = changed("class TestCalc:", "@pytest.mark.skip\nclass TestCalc:")
    assert any("module-level skip/xfail" in item for item in weakenings(module))
    assert any("class TestCalc: a skip/xfail was added" in item for item in weakenings(klass))


@pytest.mark.parametrize(
    ("after", "rule"),
    [
        (
            changed(
                "    assert result == 4\n",
                "    try:\n        assert result == 4\n    except AssertionError:\n        pass\n",
            ),
            "wrapped in try/except",
        ),
        (
            changed(
                "    result = add(2, 2)\n    assert result == 4\n",
                "    with pytest.raises(AssertionError):\n        result = add(2, 2)\n"
                "        assert result == 4\n",
            ),
            "pytest.raises",
        ),
        (
            changed(
                "    result = add(2, 2)\n",
                "    with contextlib.suppress(Exception):\n        result = add(2, 2)\n",
            ),
            "suppress",
        ),
        (
            changed("    result = add(2, 2)\n", "    return\n    result = add(2, 2)\n"),
            "early return",
        ),
        (
            changed("    assert result == 4\n", "    if False:\n        assert result == 4\n"),
            "dead branch",
        ),
    ],
)
def test_wrapping_or_exiting_before_the_asserts_is_weakening(after: str, rule: str) -> None:
    found = weakenings(after)
    assert any(item.startswith(f"{TEST}::test_add: ") and rule in item for item in found), found


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("rel=1e-9)", "rel=0.1)", "the tolerance rel of approx was loosened from 1e-09 to 0.1"),
        ("rel=1e-9)", ")", "the tolerance rel of approx was loosened from 1e-09 to 1e-06"),
        ("rel=1e-9", "abs=1", "the tolerance abs of approx was loosened"),
        ("rel_tol=1e-9", "rel_tol=1e-3", "the tolerance rel_tol of isclose was loosened"),
        ("places=7", "places=1", "the tolerance places of assertalmostequal was loosened"),
        ("places=7", "delta=0.5", "the tolerance delta of assertalmostequal was loosened"),
    ],
)
def test_loosening_a_tolerance_is_weakening(old: str, new: str, rule: str) -> None:
    found = weakenings(changed(old, new))
    assert any(rule in item for item in found), found


def test_changing_the_inputs_of_a_test_is_weakening() -> None:
    (found,) = weakenings(changed("result = add(2, 2)", "result = add(2, 2) or 4"))
    assert found.startswith(
        f"{TEST}::test_add: existing statement `result = add(2, 2)` was changed or removed"
    )


def test_changing_helpers_fixtures_and_module_constants_of_a_test_file_is_weakening() -> None:
    before = (
        "import pytest\n\nEXPECTED = 4\n\n\n@pytest.fixture\ndef pair():\n    return (2, 2)\n"
        "\n\ndef check(value):\n    assert value == EXPECTED\n\n\n"
        "class TestAdd:\n    limit = 10\n\n    def test_pair(self, pair):\n"
        "        check(add(*pair))\n"
    )
    rules = {
        ("EXPECTED = 4", "EXPECTED = 5"): "module-level statement `EXPECTED = 4`",
        ("return (2, 2)", "return (2, 3)"): "::pair: existing statement `return (2, 2)`",
        ("assert value == EXPECTED", "assert value"): "::check: assertion `value == EXPECTED`",
        ("limit = 10", "limit = 0"): "class TestAdd: statement `limit = 10`",
        ("def check(value)", "def verify(value)"): "::check: the helper was removed or renamed",
    }
    for (old, new), rule in rules.items():
        found = weakenings(before.replace(old, new), before=before)
        assert any(rule in item for item in found), (rule, found)
    helper_added = before + "\n\ndef check_twice(value):\n    check(value)\n    check(value)\n"
    assert weakenings(helper_added, before=before) == ()
    assert violations(helper_added, before=before) == ()


def test_a_test_file_that_no_longer_parses_is_refused() -> None:
    (found,) = weakenings(BEFORE + "\ndef test_broken(:\n")
    assert found.startswith(f"{TEST}: the test file no longer parses")
    (refused,) = violations(BEFORE + "\ndef test_broken(:\n")
    assert refused.startswith(f"{TEST}: the file does not parse after the change (invalid syntax")


# --- conftest and other languages ---------------------------------------------------------


def test_conftest_hooks_that_can_skip_are_weakening_but_fixtures_are_not() -> None:
    before = "import pytest\n\n\n@pytest.fixture\ndef numbers():\n    return [1, 2]\n"
    hook = before + ("\n\ndef pytest_collection_modifyitems(config, items):\n    items[:] = []\n")
    ignore = before + '\ncollect_ignore = ["test_calc.py"]\n'
    fixture = before + "\n\n@pytest.fixture\ndef empty():\n    return []\n"
    path = "tests/conftest.py"
    assert any(
        "pytest_collection_modifyitems" in item
        for item in violations(hook, path=path, before=before)
    )
    assert any("collect_ignore" in item for item in violations(ignore, path=path, before=before))
    assert violations(fixture, path=path, before=before) == ()
    new_conftest = "def pytest_ignore_collect(collection_path):\n    return True\n"
    assert violations(new_conftest, path=path, before=None) != ()


def test_non_python_test_files_may_only_grow() -> None:
    before = "test('adds', () => {\n  expect(add(1, 2)).toBe(3);\n});\n"
    grown = before + "\ntest('adds zero', () => {\n  expect(add(0, 0)).toBe(0);\n});\n"
    edited = before.replace("toBe(3)", "toBe(4)")
    path = "web/calc.test.js"
    assert violations(grown, path=path, before=before) == ()
    (found,) = violations(edited, path=path, before=before)
    assert found.startswith(f"{path}: existing line `expect(add(1, 2)).toBe(3);`")
    assert "non-Python test file" in found and "can check only Python tests" in found
    assert violations(edited, path=path, before=before, allow=True) == ()


@pytest.mark.parametrize(("glob", "path", "refused"), [
    ("migrations/", "migrations/0001_initial.py", True),
    ("migrations", "migrations/deep/0002.py", True),
    ("migrations/**", "migrations/deep/0002.py", True),
    ("*.generated.py", "api/schema.generated.py", True),
    ("docs/conf.py", "docs/conf.py", True),
    ("migrations/", "app/migrations.py", False),
    ("docs/conf.py", "docs/conf.pyc", False),
])
def test_never_touch_globs_keep_fixes_out(glob, path, refused):
    verdict = check_policy({path: "a\n", "app/main.py": "x\n"}, {path: "b\n", "app/main.py": "y\n"},
                           allow_test_edits=False, never_touch=(glob,))
    expected = (f"{path}: the repository's `never_touch` ({glob}) keeps fixes out of it",)
    assert verdict.violations == (expected if refused else ())
    assert path_violations([path], (glob,)) == (list(expected) if refused else [])
