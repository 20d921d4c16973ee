"""frozen_changes: existing tests, fixtures, helpers and module code keep their tokens."""

from __future__ import annotations

import pytest

from bot.stages.policy.test_freeze import frozen_changes
from bot.stages.regression_test.testgen import GeneratedTest, add_to_file, unique_name

PATH = "tests/test_pages.py"

BEFORE = '''\
"""Paging through results."""

import pytest

from pages import paginate

PER_PAGE = 3


@pytest.fixture
def items():
    return list(range(10))


def first(page):
    return page[0]


class FakeStore:
    def load(self):
        return [1, 2]


def test_first_page(items):
    assert paginate(items, 1, PER_PAGE) == [0, 1, 2]


def test_second_page(items):
    # page two starts after the first three
    assert first(paginate(items, 2, PER_PAGE)) == 3


class TestLastPage:
    size = 3

    def test_partial(self, items):
        assert paginate(items, 4, self.size) == [9]
'''


def names(after: str, *, before: str | None = BEFORE, path: str = PATH) -> list[str]:
    return [change.name for change in frozen_changes(path, before, after)]


def replaced(old: str, new: str) -> str:
    assert BEFORE.count(old) == 1, old
    return BEFORE.replace(old, new)


def test_an_unchanged_file_and_added_tests_are_allowed() -> None:
    added_function = BEFORE + "\n\ndef test_third_page(items):\n    assert paginate(items, 3, 3)\n"
    added_class = BEFORE + "\n\nclass TestEmpty:\n    def test_none(self):\n        assert 1\n"
    added_method = replaced(
        "        assert paginate(items, 4, self.size) == [9]\n",
        "        assert paginate(items, 4, self.size) == [9]\n\n"
        "    def test_beyond(self, items):\n        assert paginate(items, 9, self.size) == []\n",
    )
    added_fixture = BEFORE + "\n\n@pytest.fixture\ndef empty():\n    return []\n"
    added_constant = replaced("PER_PAGE = 3\n", "PER_PAGE = 3\nLAST = 9\n")
    for after in (BEFORE, added_function, added_class, added_method, added_fixture, added_constant):
        assert names(after) == []


def test_a_new_test_file_is_allowed() -> None:
    new = "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef _env():\n    pass\n\n\n"
    new += "def test_new():\n    assert 1\n"
    assert names(new, before=None, path="tests/test_new.py") == []


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (
            "def test_second_page(items):\n",
            "def test_second_page(items, monkeypatch):\n"
            "    monkeypatch.setattr('pages.paginate', lambda *a: [3])\n",
            "test_second_page",
        ),
        ("== [0, 1, 2]", "== [3, 4, 5]", "test_first_page"),
        ("return list(range(10))", "return list(range(1, 11))", "items"),
        ("@pytest.fixture\n", "@pytest.fixture(scope='module')\n", "items"),
        ("return page[0]", "return 3", "first"),
        ("return [1, 2]", "return [1, 2, 3]", "FakeStore"),
        ("self.size) == [9]", "self.size) == [9] or True", "TestLastPage.test_partial"),
        ("PER_PAGE = 3", "PER_PAGE = 2", "module-level statement `PER_PAGE = 3`"),
        ("size = 3", "size = 4", "TestLastPage"),
        ("class TestLastPage:", "@pytest.mark.skip\nclass TestLastPage:", "TestLastPage"),
    ],
    ids=[
        "monkeypatch-added-to-test",
        "expected-value",
        "fixture-body",
        "fixture-decorator",
        "helper-function",
        "helper-class",
        "test-method",
        "module-constant",
        "class-statement",
        "class-decorator",
    ],
)
def test_changing_an_existing_definition_or_statement_is_refused(
    old: str, new: str, changed: str
) -> None:
    assert names(replaced(old, new)) == [changed]


def test_deleting_or_renaming_an_existing_test_is_refused() -> None:
    deleted = replaced(
        "def test_first_page(items):\n    assert paginate(items, 1, PER_PAGE) == [0, 1, 2]\n", ""
    )
    (change,) = frozen_changes(PATH, BEFORE, deleted)
    assert (change.name, change.change) == ("test_first_page", "was removed or renamed")
    renamed = replaced("def test_partial(", "def test_partial_page(")
    assert names(renamed) == ["TestLastPage.test_partial"]


def test_comment_and_layout_changes_are_allowed_but_a_docstring_is_a_token() -> None:
    comment = replaced("    # page two starts after the first three\n", "    # from item 3\n")
    layout = replaced(
        "paginate(items, 1, PER_PAGE)", "paginate(\n        items, 1, PER_PAGE\n    )"
    )
    assert names(comment) == []
    assert names(layout) == []
    docstring = replaced("def first(page):\n", 'def first(page):\n    """The first item."""\n')
    assert names(docstring) == ["first"]
    module_docstring = replaced('"""Paging through results."""', '"""Paging."""')
    assert names(module_docstring) == ["module-level statement `'Paging through results.'`"]


def test_imports_may_be_added_or_reordered_but_not_changed_or_removed() -> None:
    assert names(replaced("import pytest\n", "import os\n\nimport pytest\n")) == []
    assert names(replaced("import pytest\n\nfrom pages import paginate\n",
                          "from pages import paginate\n\nimport pytest\n")) == []
    assert names(replaced("from pages import paginate\n", "from pages import paginate, first\n"))[
        0
    ] == "import `from pages import paginate`"
    assert names(replaced("import pytest\n", "")) == ["import `import pytest`"]


def test_code_that_would_reach_into_the_existing_tests_may_not_be_added() -> None:
    stub = replaced("PER_PAGE = 3\n", "PER_PAGE = 3\npages.paginate = lambda *a: [3]\n")
    rebound = BEFORE + "\n\ndef paginate(items, page, size):\n    return [3]\n"
    shadowed = replaced("PER_PAGE = 3\n", "from fake_pages import paginate\n\nPER_PAGE = 3\n")
    autouse = BEFORE + "\n\n@pytest.fixture(autouse=True)\ndef _stub(monkeypatch):\n    pass\n"
    setup = BEFORE + "\n\ndef setup_module():\n    pass\n"
    method = replaced(
        "    size = 3\n", "    size = 3\n\n    def setup_method(self):\n        pass\n"
    )
    assert names(stub) == ["module-level statement `pages.paginate = lambda *a: [3]`"]
    assert names(rebound) == ["paginate"]
    assert names(shadowed) == ["name `paginate`"]
    assert names(autouse) == ["_stub"]
    assert names(setup) == ["setup_module"]
    assert names(method) == ["TestLastPage.setup_method"]
    again = BEFORE + "\n\ndef test_first_page(items):\n    assert True\n"
    assert names(again) == ["test_first_page"]
    reassigned = replaced("PER_PAGE = 3\n", "PER_PAGE = 3\nPER_PAGE = 9\n")
    assert names(reassigned) == ["module-level statement `PER_PAGE = 9`"]
    dunder = replaced("    size = 3\n", "    size = 3\n\n    def __init__(self):\n        pass\n")
    assert names(dunder) == ["TestLastPage.__init__"]


def test_in_conftest_fixtures_are_frozen_and_new_autouse_fixtures_or_hooks_refused() -> None:
    before = "import pytest\n\n\n@pytest.fixture\ndef numbers():\n    return [1, 2]\n"
    path = "tests/conftest.py"
    changed = before.replace("[1, 2]", "[1, 2, 3]")
    plain = before + "\n\n@pytest.fixture\ndef empty():\n    return []\n"
    autouse = "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef _stub():\n    pass\n"
    hook = "def pytest_collection_modifyitems(items):\n    items.clear()\n"
    assert names(changed, before=before, path=path) == ["numbers"]
    assert names(plain, before=before, path=path) == []
    assert names(autouse, before=None, path=path) == ["_stub"]
    assert names(before + "\n\n" + hook, before=before, path=path) == [
        "pytest_collection_modifyitems"
    ]


def test_a_file_that_does_not_parse_is_refused_with_the_line() -> None:
    broken = BEFORE + "\ndef test_broken(:\n"
    (change,) = frozen_changes(PATH, BEFORE, broken)
    assert change.name == "the file"
    assert change.change.startswith("does not parse after the change (")
    assert f"line {broken.splitlines().index('def test_broken(:') + 1}" in change.change
    (before_broken,) = frozen_changes(PATH, "def test_x(:\n", BEFORE)
    assert "did not parse before the change" in before_broken.change


def test_the_regression_test_redfix_appends_is_allowed() -> None:
    generated = GeneratedTest(
        name="test_second_page",
        imports=("from pages import paginate", "from pages import page_count"),
        function="def test_second_page():\n    assert paginate(list(range(6)), 2, 3) == [3]\n",
    )
    name = unique_name("test_second_page_regression", BEFORE)
    after = add_to_file(BEFORE, generated, name=name)
    assert "from pages import page_count" in after and f"def {name}(" in after
    assert names(after) == []
