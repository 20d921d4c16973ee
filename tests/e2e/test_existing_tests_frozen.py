"""`redfix fix` on the bookshop example, against a scripted model whose candidate makes the
failing tests pass by stubbing `paginate` inside them: refused unless test edits are allowed."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ScriptedModel
from tests.e2e.test_fix_scenarios import fix

STUB = "lambda items, page, per_page: items[(page - 1) * per_page : page * per_page]"

STUBS_THE_FAILING_TESTS = f'''The tests should not depend on the paging code.

tests/test_catalog.py
```python
<<<<<<< SEARCH
def test_first_page_starts_with_first_item():
    assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2]


def test_last_page_is_partial():
    assert paginate(list(range(10)), page=4, per_page=3) == [9]
=======
def test_first_page_starts_with_first_item(monkeypatch):
    monkeypatch.setattr(f"{{__name__}}.paginate", {STUB})
    assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2]


def test_last_page_is_partial(monkeypatch):
    monkeypatch.setattr(f"{{__name__}}.paginate", {STUB})
    assert paginate(list(range(10)), page=4, per_page=3) == [9]
>>>>>>> REPLACE
```
'''

WRONG_LIBRARY_CHANGE = '''
bookshop/catalog.py
```python
<<<<<<< SEARCH
    start = page * per_page
=======
    start = max(page * per_page - 1, 0)
>>>>>>> REPLACE
```
'''


def _test_file(repo: Path) -> str:
    return (repo / "tests" / "test_catalog.py").read_text()


def test_a_stub_added_to_the_failing_tests_is_refused_and_nothing_is_published(
    bookshop: Path, scripted_model: ScriptedModel, tmp_path: Path
) -> None:
    before = _test_file(bookshop)
    scripted_model.script(STUBS_THE_FAILING_TESTS)
    code, result = fix(bookshop, scripted_model, tmp_path, "--apply")
    assert code == 1
    assert result["status"] == "not-fixed"
    (attempt,) = result["attempts"]
    assert attempt["status"] == "policy-rejected"
    assert attempt["validation"] is None, "a refused candidate is never run"
    for name in ("test_first_page_starts_with_first_item", "test_last_page_is_partial"):
        assert (
            f"tests/test_catalog.py: {name} was changed (existing tests are not the fix's "
            "to change; `redfix fix --allow-test-edits`" in attempt["detail"]
        )
    assert result["patch"] == ""
    assert not (tmp_path / "fix.patch").exists()
    assert _test_file(bookshop) == before, "--apply committed nothing"


def test_a_stub_with_a_wrong_library_change_is_refused_too(
    bookshop: Path, scripted_model: ScriptedModel, tmp_path: Path
) -> None:
    scripted_model.script(STUBS_THE_FAILING_TESTS + WRONG_LIBRARY_CHANGE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 1
    (attempt,) = result["attempts"]
    assert attempt["status"] == "policy-rejected"
    assert "test_first_page_starts_with_first_item was changed" in attempt["detail"]
    assert result["patch"] == ""


def test_with_test_edits_allowed_the_same_stub_is_not_refused_by_the_rule(
    bookshop: Path, scripted_model: ScriptedModel, tmp_path: Path
) -> None:
    scripted_model.script(STUBS_THE_FAILING_TESTS)
    code, result = fix(bookshop, scripted_model, tmp_path, "--allow-test-edits")
    (attempt,) = result["attempts"]
    assert attempt["status"] == "validated", attempt["detail"]
    assert code == 0 and result["status"] == "fixed", "the stub really turns the tests green"
    assert "+    monkeypatch.setattr(" in result["patch"]
